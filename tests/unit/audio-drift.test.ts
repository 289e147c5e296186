import { afterEach, describe, expect, it } from 'vitest';
import type { AudioSample, AudioSampleSource } from 'mediabunny';
import { SessionClock } from '../../src/clock/session-clock.js';
import { AudioPipeline } from '../../workers/encode/audio-pipeline.js';
import { rng } from './rng.js';

/*
 * Drift correction by simulation. A microphone whose sample clock runs fast or slow against the
 * system clock feeds the real AudioPipeline (and its AudioCalibrator) both streams the browser
 * gives it, in the order and at the simulated instants they arrive: the worklet's PCM numbered by
 * context frame, and 10 ms AudioData whose capture timestamps jitter by ±3 ms. Every sample that
 * comes out is traced back to the instant it was captured.
 *
 * Stand-ins, where the real thing cannot run in node: mediabunny's AudioSampleSource (it would
 * encode) is replaced by CheckingSink, which implements the add() the pipeline calls; AudioData
 * (WebCodecs) is a plain object with the fields and copyTo() the pipeline reads; performance.now(),
 * which paces the calibration, reads the simulated clock.
 */

const RATE = 48_000;
const PERIOD = 1e6 / RATE;
/** MediaStreamTrackProcessor delivers 10 ms AudioData ~0.5 ms after capture. */
const CHUNK = 480;
const CHUNK_DELAY_US = 500;
/** The worklet posts 1024-frame batches; the context hears a sample ~45 ms after its capture. */
const BATCH = 1024;
const WORKLET_LATENCY_US = 45_000;
const MINUTE_US = 60e6;
const HOUR_US = 60 * MINUTE_US;
/** The sync requirement: every sample within this of its capture time. */
const BOUND_US = 2_000;

/**
 * The sound: bursts of noise with sharp onsets over a quiet floor, repeating every 2^21 frames
 * (~44 s). The low 21 mantissa bits of each value are the frame number modulo 2^21, so a sample
 * names its own frame (the pipeline moves samples, it never computes with them) and only exact
 * zero is silence.
 */
const FRAME_BITS = 21;
const FRAME_MASK = 2 ** FRAME_BITS - 1;
const SOUND = (() => {
  const random = rng(7);
  const out = new Float32Array(2 ** FRAME_BITS);
  const bits = new Uint32Array(out.buffer);
  let i = 0;
  while (i < out.length) {
    const quiet = Math.round((0.05 + random() * 0.25) * RATE);
    for (const end = Math.min(out.length, i + quiet); i < end; i++) out[i] = (random() * 2 - 1) * 0.002 || 0.001;
    const burst = Math.round((0.08 + random() * 0.3) * RATE);
    const level = 0.05 + random() * 0.5;
    for (const end = Math.min(out.length, i + burst); i < end; i++) out[i] = (random() * 2 - 1) * level || 0.001;
  }
  for (let k = 0; k < out.length; k++) bits[k] = ((bits[k] as number) & ~FRAME_MASK) | k;
  return out;
})();

/** Writes device frames [k, k + n) of the sound into dst at `at`. */
function writeSound(dst: Float32Array, at: number, k: number, n: number): void {
  while (n > 0) {
    const p = k & FRAME_MASK;
    const m = Math.min(n, SOUND.length - p);
    dst.set(SOUND.subarray(p, p + m), at);
    at += m;
    k += m;
    n -= m;
  }
}

type Stall = {
  /** Device frame at which capture resumes (a multiple of the 10 ms buffer and the 128-frame render quantum). */
  frame: number;
  us: number;
  /**
   * 'paused': the audio clock stops with the device; 'silent': the context runs on and hears silence;
   * a number: the context hears that many µs of silence and then waits for the device (so the offset
   * moves by neither the stall nor zero, but by the difference).
   */
  worklet: 'paused' | 'silent' | number;
};

type Scenario = {
  /** Device sample rate against the system clock: +200 means 48 009.6 Hz. */
  deviceDriftPpm: number;
  /** AudioData timestamps are off the true capture time by up to this much (uniform). */
  jitterUs: number;
  durationUs: number;
  stall?: Stall;
  /**
   * Steps of the source's clock (a render stall upstream): from device frame `frame` on, every sample
   * was captured `us` later than its count says; the context hears the samples as they come.
   */
  steps?: { frame: number; us: number }[];
  /**
   * For half a second after each step, every this-many-th chunk is still stamped on the clock before
   * it (the WebAudio source here under load: its timestamps alternate between the two for a while).
   */
  oldClockEvery?: number;
  /** How long after capture the worklet delivers a sample (default WORKLET_LATENCY_US). */
  workletLatencyUs?: number;
  /** The AudioData alone are recorded (AudioPipeline.direct): no worklet stream, no prior. */
  direct?: boolean;
  /** The session paused over this span (µs after its start). */
  pause?: { fromUs: number; toUs: number };
  /** Stopped at the end, the pipeline finished (AudioPipeline.finish()), as at stop(). */
  stop?: boolean;
  /** AudioPipeline.encoderDelayFrames (the AAC encoder's priming). */
  encoderDelayFrames?: number;
  seed: number;
};

type Silence = { afterFrame: number; beforeFrame: number; samples: number };

/**
 * Takes the place of mediabunny's AudioSampleSource: receives what the pipeline emits and checks
 * every sample against the instant it was captured (a sample handed over holds several placed
 * blocks, so slews and silences can sit anywhere in it). Each sample carries its device frame in
 * its low bits; ~13 ns a sample, ~0.2 s for 5 simulated minutes.
 */
class CheckingSink {
  /** Output position (samples) where the next block must start. */
  next = 0;
  prevFrame = -1;
  maxErrorUs = 0;
  /** Output (µs) in blocks where a checked sample was off its capture time by more than the bound. */
  overBoundUs = 0;
  private blockOver = false;
  slews = 0;
  minSlewSpacing = Infinity;
  readonly steps: string[] = [];
  readonly silences: Silence[] = [];
  /** Frames per sample handed over (all but the last of a run must be whole encoder frames). */
  readonly sizes: number[] = [];
  private sinceSlew = Infinity;
  private silentRun = 0;
  private buf = new Float32Array(0);

  constructor(
    /** True capture time of a device frame, page clock µs. */
    private readonly captureOf: (frame: number) => number,
    private readonly startUs: () => number,
  ) {}

  add(sample: AudioSample): Promise<void> {
    const n = sample.numberOfFrames;
    const at = sample.timestamp * RATE;
    if (Math.abs(at - this.next) > 1e-3) this.fail(`a block at sample ${at} where ${this.next} was due`);
    if (this.sizes.length < 100_000) this.sizes.push(n);
    this.blockOver = false;
    this.readAll(sample, n);
    if (this.blockOver) this.overBoundUs += n * PERIOD;
    this.next += n;
    return Promise.resolve();
  }

  close(): void {}

  private readAll(sample: AudioSample, n: number): void {
    if (this.buf.length < n) this.buf = new Float32Array(n);
    sample.copyTo(this.buf, { planeIndex: 0, format: 'f32-planar' });
    const bits = new Uint32Array(this.buf.buffer, 0, n);
    for (let i = 0; i < n; i++) {
      if (this.buf[i] === 0) {
        this.silentRun++;
        this.sinceSlew++;
        continue;
      }
      const frame = unwrap((bits[i] as number) & FRAME_MASK, this.prevFrame + 1);
      if (this.silentRun) {
        this.silences.push({ afterFrame: this.prevFrame, beforeFrame: frame, samples: this.silentRun });
        this.silentRun = 0;
      }
      if (this.prevFrame >= 0) this.advance(frame - this.prevFrame, this.next + i);
      this.prevFrame = frame;
      this.check(this.next + i, frame);
    }
  }

  /** From one output sample to the next the frame advances by one, or by 0 or 2 at a slew step. */
  private advance(d: number, at: number): void {
    if (d === 1) {
      this.sinceSlew++;
    } else if (d === 0 || d === 2) {
      this.slews++;
      this.minSlewSpacing = Math.min(this.minSlewSpacing, this.sinceSlew + 1);
      this.sinceSlew = 0;
    } else {
      this.fail(`frame ${this.prevFrame} followed by ${this.prevFrame + d} at output sample ${at}`);
    }
  }

  private check(outSample: number, frame: number): void {
    const err = Math.abs(outSample * PERIOD - (this.captureOf(frame) - this.startUs()));
    if (err > this.maxErrorUs) this.maxErrorUs = err;
    if (err > BOUND_US) this.blockOver = true;
  }

  private fail(what: string): void {
    if (this.steps.length < 10) this.steps.push(what);
  }
}

function unwrap(low: number, near: number): number {
  return low + 2 ** FRAME_BITS * Math.round((near - low) / 2 ** FRAME_BITS);
}

/** The part of AudioData the pipeline reads. */
function audioData(timestamp: number, plane: Float32Array): AudioData {
  return {
    timestamp,
    numberOfFrames: plane.length,
    numberOfChannels: 1,
    sampleRate: RATE,
    copyTo: (dest: Float32Array) => dest.set(plane),
  } as unknown as AudioData;
}

type Result = {
  sink: CheckingSink;
  pipeline: AudioPipeline;
  errors: unknown[];
  /** driftPpm read once a simulated minute from the start. */
  drift: (number | null)[];
  durationUs: number;
  clock: SessionClock;
};

async function simulate(s: Scenario): Promise<Result> {
  const random = rng(s.seed);
  const scale = 1 / (1 + s.deviceDriftPpm * 1e-6);
  const stall = s.stall;
  /** Page clock (µs) when the device captured its frame 0, and the context frame that became. */
  const C0 = 12_345_678.9;
  const FRAME0 = 987_654;
  const steps = s.steps ?? [];
  const stepped = (k: number) => steps.reduce((sum, st) => sum + (k >= st.frame ? st.us : 0), 0);
  const captureOf = (k: number) => C0 + k * PERIOD * scale + (stall && k >= stall.frame ? stall.us : 0) + stepped(k);
  /** The timestamp a chunk starting at device frame k carries, before jitter. */
  let chunkIndex = 0;
  const stampOf = (k: number) => {
    chunkIndex++;
    const last = steps.findLast((st) => k >= st.frame);
    const recent = last && (k - last.frame) * PERIOD < 500_000;
    return recent && s.oldClockEvery && chunkIndex % s.oldClockEvery === 0 ? captureOf(k) - last.us : captureOf(k);
  };
  // The worklet stream: device frames, and where the context ran on through a stall, silence.
  const silentUs = stall?.worklet === 'silent' ? stall.us : typeof stall?.worklet === 'number' ? stall.worklet : 0;
  const silentFrames = Math.round(silentUs / (PERIOD * scale));
  const wStall = stall ? FRAME0 + stall.frame : Infinity;
  const deviceOf = (w: number) => (w < wStall ? w - FRAME0 : w < wStall + silentFrames ? -1 : w - FRAME0 - silentFrames);
  const workletCapture = (w: number) => {
    const k = deviceOf(w);
    return k >= 0 ? captureOf(k) : captureOf((stall as Stall).frame - 1) + (w - wStall + 1) * PERIOD * scale;
  };
  const workletBlock = (w: number): Float32Array => {
    const out = new Float32Array(BATCH);
    if (!silentFrames || w + BATCH <= wStall || w >= wStall + silentFrames) {
      writeSound(out, 0, deviceOf(w), BATCH);
      return out;
    }
    for (let i = 0; i < BATCH; i++) {
      const k = deviceOf(w + i);
      if (k >= 0) writeSound(out, i, k, 1);
    }
    return out;
  };

  let nowUs = C0;
  Object.defineProperty(performance, 'now', { value: () => nowUs / 1000, configurable: true, writable: true });
  const clock = new SessionClock();
  let startUs = NaN;
  const sink = new CheckingSink(captureOf, () => startUs);
  const errors: unknown[] = [];
  const pipeline = new AudioPipeline(clock, sink as unknown as AudioSampleSource, RATE, 1, (e) => errors.push(e));
  // The page's prior from getOutputTimestamp() and an assumed input latency: a few ms off.
  if (s.direct) pipeline.direct = true;
  else pipeline.setPrior(C0 - FRAME0 * PERIOD + 6_000);
  pipeline.encoderDelayFrames = s.encoderDelayFrames ?? 0;
  sink.next = -pipeline.encoderDelayFrames;

  const drift: (number | null)[] = [];
  // AudioData is copied out at once (copyTo), so one buffer serves every chunk.
  const chunk = new Float32Array(CHUNK);
  let endUs = Infinity;
  let k = 0;
  let w = FRAME0;
  let nextYield = nowUs;
  let nextMinute = Infinity;
  let pausedOnce = false;
  for (;;) {
    const chunkAt = captureOf(k + CHUNK - 1) + CHUNK_DELAY_US;
    const blockAt = s.direct ? Infinity : workletCapture(w + BATCH - 1) + (s.workletLatencyUs ?? WORKLET_LATENCY_US);
    nowUs = Math.min(chunkAt, blockAt);
    if (nowUs > endUs) break;
    if (chunkAt <= blockAt) {
      writeSound(chunk, 0, k, CHUNK);
      pipeline.addCaptured(audioData(stampOf(k) + (random() * 2 - 1) * s.jitterUs, chunk));
      k += CHUNK;
    } else {
      pipeline.addPcm({ frame: w, channels: [workletBlock(w)] });
      w += BATCH;
    }
    if (Number.isNaN(startUs) && pipeline.calibrated) {
      // The worker reports ready once calibrated; the page then starts the session.
      startUs = nowUs + 20_000;
      clock.start(startUs);
      endUs = startUs + s.durationUs;
      nextMinute = startUs + MINUTE_US;
    }
    if (s.pause && !Number.isNaN(startUs)) {
      if (nowUs >= startUs + s.pause.fromUs && !pausedOnce) {
        pausedOnce = true;
        clock.pause(startUs + s.pause.fromUs);
      }
      if (nowUs >= startUs + s.pause.toUs && clock.paused) clock.resume(startUs + s.pause.toUs);
    }
    if (nowUs >= nextMinute) {
      nextMinute += MINUTE_US;
      drift.push(pipeline.driftPpm);
    }
    // Let the pipeline's promise chain hand the emitted samples to the sink.
    if (nowUs >= nextYield) {
      nextYield += 10e6;
      await new Promise<void>((r) => setImmediate(r));
    }
  }
  await new Promise<void>((r) => setImmediate(r));
  if (s.stop) {
    clock.stop(endUs);
    await pipeline.finish(clock.duration as number);
  }
  delete (performance as { now?: unknown }).now;
  return { sink, pipeline, errors, drift, durationUs: s.durationUs, clock };
}

afterEach(() => {
  delete (performance as { now?: unknown }).now;
});

/** What holds in every scenario: on time to the bound, never a step, nothing trimmed, the drift found. */
function expectOnTime(r: Result, deviceDriftPpm: number): void {
  const { sink, pipeline } = r;
  expect(r.errors).toEqual([]);
  expect(sink.steps, 'contiguous output, frames in order').toEqual([]);
  expect(sink.maxErrorUs, 'worst error against capture time, µs').toBeLessThan(BOUND_US);
  // Slewing moves one sample in at least 250 (0.4 %).
  expect(sink.minSlewSpacing).toBeGreaterThanOrEqual(250);
  expect(pipeline.trimmedUs).toBe(0);
  // The whole session came out (less what is still in flight at the end: the worklet's latency,
  // and its audio waiting whole blocks for the step check; stop() places all of it).
  expect(sink.next * PERIOD).toBeGreaterThan(r.durationUs - 150_000);
  // Sign: driftPpm is positive when the device runs slow.
  const expected = -deviceDriftPpm;
  expect(r.drift.length).toBeGreaterThan(0);
  for (const [minute, ppm] of r.drift.entries()) {
    expect(ppm, `drift estimate after ${minute + 1} min`).not.toBeNull();
    expect(Math.abs((ppm as number) - expected), `drift estimate after ${minute + 1} min`).toBeLessThan(20);
  }
  expect(Math.abs((r.drift[r.drift.length - 1] as number) - expected), 'final drift estimate').toBeLessThan(2);
}

/** Contiguous, on time to the bound, nothing trimmed: where the source's clock steps, as where it does not. */
function expectContiguousOnTime(r: Result): void {
  expect(r.errors).toEqual([]);
  expect(r.sink.steps, 'contiguous output, frames in order').toEqual([]);
  expect(r.sink.maxErrorUs, 'worst error, µs').toBeLessThan(BOUND_US);
  expect(r.pipeline.trimmedUs).toBe(0);
}

/** The two 10 ms steps of twoSteps(): followed, and 20 ms of silence filled for them. */
function expectTwoStepsFollowed(r: Result): void {
  expectContiguousOnTime(r);
  const filled = r.sink.silences.reduce((n, g) => n + g.samples * PERIOD, 0);
  expect(Math.abs(filled - 20_000), 'silence filled for the two steps, µs').toBeLessThan(BOUND_US);
}

/** Two 10 ms steps of the source's clock 0.35 s apart, halfway through 3 minutes. */
function twoSteps(): { frame: number; us: number }[] {
  const at = 1920 * Math.round((1.5 * MINUTE_US) / PERIOD / 1920);
  return [{ frame: at, us: 10_000 }, { frame: at + 1920 * 9, us: 10_000 }];
}

/** A −7.2 ms step every 4.8 s, for sawtooth runs of 3 minutes. */
function sawtooth(): { frame: number; us: number }[] {
  const every = 1920 * Math.round(4.8e6 / PERIOD / 1920);
  return Array.from({ length: 40 }, (_, i) => ({ frame: every * (i + 1), us: 7_200 }));
}

function expectSawtoothFollowed(r: Result): void {
  expectContiguousOnTime(r);
  for (const [minute, ppm] of r.drift.entries()) expect(Math.abs((ppm as number) - 1500), `ramp estimate after ${minute + 1} min, ppm`).toBeLessThan(20);
}

/**
 * Simulated length of the long runs. The sync requirement is stated over 2 hours; a simulated hour
 * costs ~10 s of CPU (720 calibration locks and 170 M samples through the real pipeline), so by
 * default the runs are 5 minutes (~80 locks; the drift estimate settles within 2), and
 * IPR_DRIFT_HOURS=2 runs the full length.
 */
const RUN_US = Number(process.env.IPR_DRIFT_HOURS ?? 1 / 12) * HOUR_US;
const RUN = RUN_US >= HOUR_US ? `${RUN_US / HOUR_US} h` : `${Math.round(RUN_US / MINUTE_US)} min`;

describe('audio clock against a drifting microphone (simulated)', () => {
  it.each([200, -200, 0])(`stays within 2 ms for ${RUN}, device at %i ppm, timestamps jittering ±3 ms`, { timeout: 600_000 }, async (deviceDriftPpm) => {
    const r = await simulate({ deviceDriftPpm, jitterUs: 3_000, durationUs: RUN_US, seed: 11 + deviceDriftPpm });
    expectOnTime(r, deviceDriftPpm);
    expect(r.sink.silences).toEqual([]);
    expect(r.pipeline.gapFilledUs).toBe(0);
  });

  it('follows an offset ramping 1.5 ms/s (the clapperboard source against the context) by slewing alone', async () => {
    // At most one sample slewed per 1024-frame block (0.1 %) fell behind such a ramp: 2 ms of
    // silence was filled every few seconds and audio sat ~1 ms early on average.
    const r = await simulate({ deviceDriftPpm: 1500, jitterUs: 1_000, durationUs: 3 * MINUTE_US, seed: 12 });
    expectOnTime(r, 1500);
    expect(r.sink.silences).toEqual([]);
    expect(r.pipeline.gapFilledUs).toBe(0);
    expect(r.sink.slews, 'samples slewed: 1.5 ms/s for 3 min').toBeGreaterThan(0.9 * 1.5e-3 * 180 * RATE);
  });

  it(`fills a 300 ms device stall halfway through ${RUN} with silence and stays on time after it`, { timeout: 600_000 }, async () => {
    // The device and its audio clock stop for 300 ms; capture resumes 300 ms later.
    const stall: Stall = { frame: 1920 * Math.round(RUN_US / 2 / PERIOD / 1920), us: 300_000, worklet: 'paused' };
    const r = await simulate({ deviceDriftPpm: -200, jitterUs: 3_000, durationUs: RUN_US, seed: 5, stall });
    expectOnTime(r, -200);
    expect(r.sink.silences).toHaveLength(1);
    const [gap] = r.sink.silences as [Silence];
    expect([gap.afterFrame, gap.beforeFrame], 'the silence sits where the device stopped').toEqual([stall.frame - 1, stall.frame]);
    expect(Math.abs(gap.samples * PERIOD - stall.us)).toBeLessThan(BOUND_US);
    expect(r.pipeline.gapFilledUs).toBeCloseTo(gap.samples * PERIOD, 6);
  });

  it('relocks by a wider search when the offset moves by neither the stall nor zero, and stays on time', async () => {
    // Capture resumes 100 ms later; the context rendered 77 ms of silence meanwhile: the offset
    // moves by 23 ms, which neither relock prior (0 or 100 ms, ±20 ms) finds.
    const stall: Stall = { frame: 1920 * Math.round((1.5 * MINUTE_US) / PERIOD / 1920), us: 100_000, worklet: 77_000 };
    const r = await simulate({ deviceDriftPpm: 200, jitterUs: 3_000, durationUs: 3 * MINUTE_US, seed: 7, stall });
    expectOnTime(r, 200);
    expect(Math.abs(r.pipeline.gapFilledUs - 23_000)).toBeLessThan(BOUND_US);
  });

  it('follows a 10 ms step of the source clock within 2 ms, a silence filled where it happened', async () => {
    // The source's clock stalls 10 ms (below the 20 ms a stall needs to be treated as a break):
    // every later sample was captured 10 ms later than its count says, as the WebAudio sources here
    // do every 20 s or so. Followed by the next half-second lock, audio sat ~10 ms early for ~0.5 s.
    const stall: Stall = { frame: 1920 * Math.round((1.5 * MINUTE_US) / PERIOD / 1920), us: 10_000, worklet: 'paused' };
    const r = await simulate({ deviceDriftPpm: 100, jitterUs: 3_000, durationUs: 3 * MINUTE_US, seed: 8, stall });
    expectOnTime(r, 100);
    expect(r.sink.silences).toHaveLength(1);
    const [gap] = r.sink.silences as [Silence];
    expect(Math.abs(gap.samples * PERIOD - stall.us)).toBeLessThan(BOUND_US);
  });

  it.each([45_000, 30_000])('follows two 10 ms steps of the source clock 0.35 s apart although a quarter of the stamps lag behind (worklet %i µs behind capture)', async (workletLatencyUs) => {
    // Under load the WebAudio source here steps its clock twice in quick succession, and for a while
    // some of its chunks still carry the clock before the step. With four chunks in a row asked
    // for, the step check missed such steps; the half-second locks then followed them (~10 ms off
    // for ~0.4 s), and their searches, centred by the stepped timestamps, could miss altogether.
    // A step is seen four or five chunks (40-50 ms) after it. Worklet audio placed as it came was
    // placed by the clock before the step when the worklet delivered sooner than that (~45 ms in
    // the browser; 30 ms here too): 10.2 ms off at both latencies. It now waits until the step
    // check has seen its samples.
    const r = await simulate({ deviceDriftPpm: 100, jitterUs: 1_000, durationUs: 3 * MINUTE_US, seed: 9, steps: twoSteps(), oldClockEvery: 4, workletLatencyUs });
    expectTwoStepsFollowed(r);
    expect(Math.abs((r.drift[r.drift.length - 1] as number) + 100), 'final drift estimate').toBeLessThan(2);
  });

  it('follows a sawtooth: an offset ramping 1.5 ms/s that steps back by 7.2 ms every 4.8 s', async () => {
    // The clapperboard's WebAudio source against the context, mirrored (there the offset ramps up
    // and steps down, which trims; here it ramps down and steps up, which fills silence, so every
    // sample that comes out is still checked). The slope that places audio between locks is the
    // ramp's. Fitted as one line through the locks, with each step's size measured against it, the
    // estimate was still 74 ppm off after a minute.
    const r = await simulate({ deviceDriftPpm: -1500, jitterUs: 1_000, durationUs: 3 * MINUTE_US, seed: 13, steps: sawtooth() });
    expectSawtoothFollowed(r);
  });

  it.each([45_000, 60_000])('adds nothing when the context runs on through a 10 ms stall of the source (worklet %i µs behind capture)', async (workletLatencyUs) => {
    // Below the 20 ms a stall needs to be a break, the timestamps step by 10 ms; but the context
    // heard 10 ms of silence meanwhile, so the samples after it moved with the timestamps: the
    // offset stays. Seen on the clapperboard (its WebAudio source's timestamps +10.4 ms, the
    // recorder's context hearing the gap): the step check took the timestamps' step for one of
    // the offset and audio sat 10 ms late for seconds.
    const stall: Stall = { frame: 1920 * Math.round((1.5 * MINUTE_US) / PERIOD / 1920), us: 10_000, worklet: 'silent' };
    const r = await simulate({ deviceDriftPpm: 100, jitterUs: 1_000, durationUs: 3 * MINUTE_US, seed: 14, stall, workletLatencyUs });
    expectOnTime(r, 100);
    expect(r.pipeline.gapFilledUs).toBe(0);
  });

  it('adds nothing when the context runs on through a device stall', async () => {
    // The context keeps rendering and hears 300 ms of silence: the offset stays, nothing is filled.
    const stall: Stall = { frame: 1920 * Math.round((1.5 * MINUTE_US) / PERIOD / 1920), us: 300_000, worklet: 'silent' };
    const r = await simulate({ deviceDriftPpm: 200, jitterUs: 3_000, durationUs: 3 * MINUTE_US, seed: 6, stall });
    expectOnTime(r, 200);
    expect(r.pipeline.gapFilledUs).toBe(0);
    expect(r.sink.silences).toHaveLength(1);
    const [gap] = r.sink.silences as [Silence];
    expect([gap.afterFrame, gap.beforeFrame]).toEqual([stall.frame - 1, stall.frame]);
  });
});

describe('direct audio (the AudioData recorded, no worklet) against a drifting microphone (simulated)', () => {
  // The same simulation with the capture-stamped chunks as the only stream: their sample count is
  // the clock, their timestamps anchor it. Each sample is still traced to when it was captured.
  it.each([200, -200, 0])(`stays within 2 ms for ${RUN}, device at %i ppm, timestamps jittering ±3 ms`, { timeout: 600_000 }, async (deviceDriftPpm) => {
    const r = await simulate({ deviceDriftPpm, jitterUs: 3_000, durationUs: RUN_US, seed: 21 + deviceDriftPpm, direct: true });
    expectOnTime(r, deviceDriftPpm);
    expect(r.sink.silences).toEqual([]);
    expect(r.pipeline.gapFilledUs).toBe(0);
  });

  it('follows an offset ramping 1.5 ms/s by slewing alone', async () => {
    const r = await simulate({ deviceDriftPpm: 1500, jitterUs: 1_000, durationUs: 3 * MINUTE_US, seed: 22, direct: true });
    expectOnTime(r, 1500);
    expect(r.sink.silences).toEqual([]);
    expect(r.sink.slews).toBeGreaterThan(0.9 * 1.5e-3 * 180 * RATE);
  });

  it('fills a 300 ms hole in the stream with silence where it was, and stays on time after it', async () => {
    // Chunks that never came (a device stall, or a worker too busy to read them before the track
    // dropped them) look the same here: the next chunk's timestamp is 300 ms past the last one's end.
    const stall: Stall = { frame: 1920 * Math.round(MINUTE_US / PERIOD / 1920), us: 300_000, worklet: 'paused' };
    const r = await simulate({ deviceDriftPpm: -200, jitterUs: 3_000, durationUs: 2 * MINUTE_US, seed: 23, stall, direct: true });
    expectOnTime(r, -200);
    expect(r.sink.silences).toHaveLength(1);
    const [gap] = r.sink.silences as [Silence];
    expect([gap.afterFrame, gap.beforeFrame], 'the silence sits where the stream broke').toEqual([stall.frame - 1, stall.frame]);
    expect(Math.abs(gap.samples * PERIOD - stall.us)).toBeLessThan(BOUND_US);
  });

  it('follows two 10 ms steps of the source clock 0.35 s apart although a quarter of the stamps lag behind', async () => {
    const r = await simulate({ deviceDriftPpm: 100, jitterUs: 1_000, durationUs: 3 * MINUTE_US, seed: 24, steps: twoSteps(), oldClockEvery: 4, direct: true });
    expectTwoStepsFollowed(r);
  });

  it('follows a sawtooth: an offset ramping 1.5 ms/s that steps back by 7.2 ms every 4.8 s', async () => {
    const r = await simulate({ deviceDriftPpm: -1500, jitterUs: 1_000, durationUs: 3 * MINUTE_US, seed: 25, steps: sawtooth(), direct: true });
    expectSawtoothFollowed(r);
  });
});

describe('audio handed to the encoder', () => {
  it('in whole 1024-frame samples, the last one shorter, contiguous from the priming lead to exactly the stop, across a pause', async () => {
    const delay = 1024;
    const r = await simulate({ deviceDriftPpm: 0, jitterUs: 3_000, durationUs: 20e6, direct: true, pause: { fromUs: 6e6, toUs: 8.5e6 }, stop: true, encoderDelayFrames: delay, seed: 5 });
    expect(r.errors).toEqual([]);
    // Each sample starts where the one before ended; the device frames run on but for one jump,
    // the paused 2.5 s left out.
    const jumps = r.sink.steps.map((m) => /^frame (\d+) followed by (\d+)/.exec(m));
    expect(jumps.every(Boolean), r.sink.steps.join('; ')).toBe(true);
    expect(jumps.length).toBe(1);
    const skipped = Number(jumps[0]?.[2]) - Number(jumps[0]?.[1]) - 1;
    expect(Math.abs(skipped * PERIOD - 2.5e6), 'frames left out at the pause, µs').toBeLessThan(1_000);
    const sizes = r.sink.sizes;
    expect(sizes.length).toBeGreaterThan(300);
    expect(sizes.slice(0, -1).every((n) => n === 1024), 'whole encoder frames').toBe(true);
    expect(sizes[sizes.length - 1]).toBeGreaterThan(0);
    expect(sizes[sizes.length - 1]).toBeLessThanOrEqual(1024);
    // The media timeline leaves the pause out; the audio ends exactly where it does.
    const mediaUs = r.clock.duration as number;
    expect(Math.abs(mediaUs - 17.5e6)).toBeLessThan(1);
    expect(Math.abs((r.sink.next + delay) * PERIOD - mediaUs)).toBeLessThanOrEqual(PERIOD);
  });
});
