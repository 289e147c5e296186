import { AudioSample, type AudioSampleSource } from 'mediabunny';
import { AudioCalibrator, STEP_LIMIT_US, type CalibrationLock } from '../../src/clock/audio-calibrator.js';
import type { SessionClock } from '../../src/clock/session-clock.js';

/**
 * Placement errors larger than this are closed at once (silence filled, or samples trimmed);
 * smaller ones are slewed. Lock noise is ~0.2 ms, so only a real step of the offset gets here: the
 * source's clock stepped (samples entered the stream later or earlier than their count says), and
 * slewing that at 1 ms/s left the audio up to 10 ms off for seconds (clapperboard, WebAudio source).
 */
const FOLLOW_STEP_US = 2_000;
/** Without a lock for this long (ms) the search widens: to ±50 ms, then after twice as long to ±250 ms. */
const WIDEN_AFTER_MS = 1500;
/** The same after a stall (relocking, audio held): ms without a lock before the ±250 ms search. */
const RELOCK_WIDEN_AFTER_MS = 500;
/**
 * After a stall, audio waits this long (s) for a relock before it is placed by the old line: the
 * relock needs a sound to match, and a quiet stretch after the stall is common.
 */
const RELOCK_HOLD_SECONDS = 2.5;
/** Placing by the estimate, audio waits this long (s) for a lock: one needs ~0.3 s after a sound. */
const ESTIMATE_DELAY_SECONDS = 0.75;
/**
 * Locked, a re-anchoring match must score this (a right one scores ~1.000). Right after a step of
 * the clapperboard source's clock, matches scored 0.93-0.96 and were 2-3 ms off, and audio was placed
 * by them for the 0.5-0.75 s until the next lock.
 */
const LOCKED_MIN_SCORE = 0.98;
/** Re-anchoring cadence once locked, ms. */
const LOCK_EVERY_MS = 250;
/**
 * A step followed from the timestamps is checked by the samples this long after (ms): the worklet
 * delivers ~45 ms after capture, and the step is seen 40-50 ms after it.
 */
const STEP_CHECK_AFTER_MS = 100;
/**
 * Locks spanning this long (µs, between steps) give a slope to place audio by between locks; the
 * drift is reported from DRIFT_REPORT_SPAN_US on. A slope over 1 s is rough (~100 ppm, from
 * ~0.1 ms of lock noise over 4-5 locks): tens of µs over the half second it is used for, but too
 * rough to report.
 */
const FIT_SPAN_US = 1e6;
const DRIFT_REPORT_SPAN_US = 30e6;
/** Locks kept for the drift fit: two minutes at that cadence. */
const MAX_LOCKS = 480;
/** A lock off the line by more than this is a step in the offset, not drift. */
const LOCK_STEP_US = 4_000;
/**
 * Capture stamps this far off the line in four chunks running, on the same side, are a step of the
 * source's clock, followed at once. Above the locks' step limit, below the ~10 ms steps seen here.
 */
const STEP_FOLLOW_US = 5_000;
/**
 * Slew: at most one sample added or removed per this many samples (0.4 %). At one per 1000 (and at
 * most one per 1024-frame block, so 0.098 %) slewing could not follow the clapperboard source, whose
 * capture offset ramps 1.5-2 ms/s against the context's clock: audio fell behind its placement until
 * 2 ms of silence was filled, and sat ~1 ms early on average (the −0.9 ms median in every scenario).
 */
const SLEW_EVERY = 250;
/**
 * Worklet audio waits until the capture-stamped stream has shown whether its timestamps stepped
 * (AudioCalibrator.stepSeenUntil), but never longer than this (s): the capture-stamped stream may
 * stop while the worklet runs on. A step is seen four or five 10 ms chunks after it; the worklet
 * delivers ~45 ms after capture, so without the wait the samples at a step could be placed before
 * it was seen, by the clock before it (simulated in tests/unit/audio-drift.test.ts: 10.2 ms off
 * at two 10 ms steps). The clapperboard source steps by −7.3 ms every 4.8 s.
 */
const STEP_WAIT_MAX_SECONDS = 0.2;

type Block = { frame: number; channels: Float32Array[] };
/**
 * Emitted audio goes to the encoder in samples of one encoder frame (AAC's 1024 frames; see
 * AudioPipeline.emitFrames), not one per 10 ms chunk: Mediabunny's per-sample work (checks,
 * conversion, a copy, the encoder call) was spent 100 times a second. An encoder waits for a whole
 * frame before it encodes anyway, so no packet comes out later; the rest is handed over at stop.
 */
type EmitBatch = { from: number; frames: number; planar: Float32Array<ArrayBuffer> };
/** The capture offset (capture time − frame · period) over capture time: y0 at x0, changing by slope per µs. */
type Line = { x0: number; y0: number; slope: number };

/** `c` with the samples at `at` (ascending) dropped, or each repeated once. */
function slewAt(c: Float32Array, at: number[], repeat: boolean): Float32Array {
  const out = new Float32Array(repeat ? c.length + at.length : c.length - at.length);
  let o = 0;
  let from = 0;
  for (const i of at) {
    const end = repeat ? i + 1 : i;
    out.set(c.subarray(from, end), o);
    o += end - from;
    if (repeat) out[o++] = c[i] as number;
    from = i + 1;
  }
  out.set(c.subarray(from), o);
  return out;
}

/**
 * Linear interpolation from one sample rate to another, across chunks: for a microphone whose
 * AudioData come at another rate than the recording's (no AudioContext resamples them here).
 */
export class LinearResampler {
  /** Input position of the next output sample, relative to the current chunk's first sample (−1: the previous chunk's last). */
  private pos = 0;
  private last: number[];
  constructor(
    readonly from: number,
    readonly to: number,
    channels: number,
  ) {
    this.last = new Array(channels).fill(0);
  }

  process(channels: Float32Array[]): Float32Array[] {
    const n = channels[0]?.length ?? 0;
    const step = this.from / this.to;
    const count = Math.max(0, Math.ceil((n - 1 - this.pos) / step));
    const out = channels.map((c, ch) => {
      const o = new Float32Array(count);
      for (let k = 0; k < count; k++) {
        const x = this.pos + k * step;
        const i = Math.floor(x);
        const a = i < 0 ? (this.last[ch] as number) : (c[i] as number);
        const b = c[i + 1] as number;
        o[k] = a + (b - a) * (x - i);
      }
      this.last[ch] = c[n - 1] ?? 0;
      return o;
    });
    this.pos = this.pos + count * step - n;
    return out;
  }
}

const slice = (b: Block, from: number, to: number): Block => ({ frame: b.frame + from, channels: b.channels.map((c) => c.subarray(from, to)) });
const frames = (b: Block): number => b.channels[0]?.length ?? 0;

/**
 * Audio on the session clock. The worklet's sample count is the continuous clock; the calibrator
 * anchors it to capture time, and a line through the locks follows the device clock's drift.
 * Output timestamps are the count of samples emitted, so audio never steps; where the placement
 * drifts from capture time by more than a sample it is slewed back by dropping or repeating single
 * samples, and a device stall is filled with silence.
 */
export class AudioPipeline {
  readonly calibrator: AudioCalibrator;
  /** capture(frame) = offset + frame · period, the offset on this line; once known. */
  private line: Line | null = null;
  calibrated = false;
  /** Placing audio by the prior while calibration is still pending. */
  private estimated = false;
  /** Frames held back while placing by the estimate (a lock may still come). */
  private estimateDelay = 0;
  private emitted = 0;
  /**
   * Samples the encoder delays its output by (its priming): timestamps start this much before zero so
   * that decoded audio lands where it was captured; the muxer trims the lead with an edit list.
   */
  encoderDelayFrames = 0;
  /** Input samples since the last slewed one (its own included). */
  private sinceSlew = 0;
  private pending: Block[] = [];
  /** Worklet blocks waiting for the step check (see STEP_WAIT_MAX_SECONDS). */
  private waiting: Block[] = [];
  private chain: Promise<void> = Promise.resolve();
  /** Emitted audio not yet handed to the encoder (see emitFrames). */
  private batch: EmitBatch | null = null;
  /** Frames per sample handed to the encoder: its frame length (1024 for AAC; Opus: 20 ms). */
  emitFrames = 1024;
  samples = 0;
  gapFilledUs = 0;
  trimmedUs = 0;
  /** Latest placement error (µs): positive means audio is placed later than it was captured. */
  errorUs = 0;
  private newestCaptureUs = -Infinity;
  /** End of the worklet stream received so far, in context frames. */
  private workletEnd = -1;
  /** Context frame after the last one placed. */
  private placedEnd = -Infinity;
  private finished = false;
  /** The last ~0.5 s of capture-stamped audio, all channels: the tail at stop comes from here. */
  private recent: { us: number; channels: Float32Array[] }[] = [];
  private readonly period: number;
  private lastLockAt = 0;
  /** How long the last lock search took, ms (the next waits at least five times that). */
  private lockCostMs = 0;
  /** After a microphone switch, until the new device is locked. */
  private relocking = false;
  /** (capture time, calibrated offset, segment) of each lock: the offset's slope is the device clock's drift. */
  private readonly locks: [number, number, number][] = [];
  /** Locks between the same two steps of the offset share a segment number (see fit()). */
  private segment = 0;
  /** Capture time the locks span, µs, summed over the segments. */
  private fitSpanUs = 0;
  /**
   * After the capture timestamps jumped (a device stall): worklet frames from here on wait until a
   * lock tells where the audio resumed, so no sample is placed by the pre-stall line.
   */
  private holdFrom: number | null = null;
  /** Offsets to search around after a stall: the sample clock either stopped with the device or ran on. */
  private relockPriors: number[] = [];
  /** When the last lock succeeded, and when the search was last widened (performance.now(), ms). */
  private lastGoodLockAt = 0;
  private lastWideAt = 0;
  /** End (capture time, µs) of the last capture-stamped chunk: the next one should start there. */
  private capturedEnd: number | null = null;

  /** The line through the locks, refitted at each lock. */
  private fitted: Line | null = null;
  /**
   * The capture-stamped AudioData are the audio recorded (no worklet, no AudioContext): their
   * sample count is the continuous clock, and the alignment of their timestamps to it is known, so
   * locks need no search (AudioCalibrator.alignedLock()). Set before the first chunk.
   */
  direct = false;
  /** Direct: frame after the last captured sample; a hole in the stream (chunks that never came) advances it. */
  private directEnd = 0;
  /** Direct: capture time of the last regular lock, µs. */
  private lastLockUs = -Infinity;
  /** Direct: the next chunk comes from another microphone. */
  private realign = false;
  private resampler: LinearResampler | null = null;
  /** Direct: the level of what is captured (the page has no worklet to take it from), every 50 ms of audio. */
  onLevel: ((l: { rms: number; peak: number }) => void) | null = null;
  private levelSum = 0;
  private levelPeak = 0;
  private levelFrames = 0;
  /**
   * Where the source's clock stepped: frames before `lineFrom` (still on their way from the
   * worklet when the step was seen) are placed by the line before it.
   */
  private lineBefore: Line | null = null;
  private lineFrom = -Infinity;
  /**
   * The last step was followed from the timestamps alone: until a lock by the samples confirms or
   * undoes it (see tryLock()), lineBefore is where the offset may still be.
   */
  private stepUnconfirmed = false;

  /** Audio device clock drift against the system clock, ppm (positive: the device runs slow); null until 30 s of locks. */
  get driftPpm(): number | null {
    return this.fitted && this.fitSpanUs >= DRIFT_REPORT_SPAN_US ? this.fitted.slope * 1e6 : null;
  }

  /**
   * Least-squares slope through the locks, each segment between two steps of the offset with its
   * own intercept (the steps' sizes need not be known); null until the segments span FIT_SPAN_US.
   * The line returned passes through the newest segment's mean. Its slope places audio between
   * locks: each lock is the mean offset over the last half second, so until the next one the offset
   * moves on by the slope for up to half a second. The clapperboard's WebAudio source's offset
   * ramps 1.5-2 ms/s and snaps back every 4.8 s. Fitted as one line, with each step's size
   * measured against it and the older locks moved by that, the slope came out low and took a
   * minute to settle: audio sat up to 1 ms early early on, and the benchmark read the settling as
   * +0.3 to +0.7 ms/min of drift.
   */
  private fit(): Line | null {
    const l = this.locks;
    let num = 0;
    let den = 0;
    let span = 0;
    let line: Line | null = null;
    for (let from = 0; from < l.length; ) {
      const seg = (l[from] as [number, number, number])[2];
      let to = from;
      while (to < l.length && (l[to] as [number, number, number])[2] === seg) to++;
      const run = l.slice(from, to);
      const mx = run.reduce((a, p) => a + p[0], 0) / run.length;
      const my = run.reduce((a, p) => a + p[1], 0) / run.length;
      for (const [x, y] of run) {
        num += (x - mx) * (y - my);
        den += (x - mx) ** 2;
      }
      span += (run[run.length - 1] as [number, number, number])[0] - (run[0] as [number, number, number])[0];
      line = { x0: mx, y0: my, slope: 0 };
      from = to;
    }
    this.fitSpanUs = span;
    if (!line || l.length < 3 || span < FIT_SPAN_US || !den) return null;
    line.slope = num / den;
    return line;
  }

  private offsetAt(captureUs: number, l: Line = this.line as Line): number {
    return l.y0 + l.slope * (captureUs - l.x0);
  }

  /** Capture time of a context frame: solves c = offset(c) + frame · period (before a step, by the line before it). */
  private captureOf(frame: number): number {
    const l = (frame < this.lineFrom && this.lineBefore) || (this.line as Line);
    return (l.y0 - l.slope * l.x0 + frame * this.period) / (1 - l.slope);
  }

  constructor(
    private readonly clock: SessionClock,
    private readonly source: AudioSampleSource,
    readonly rate: number,
    readonly channels: number,
    private readonly onError: (e: unknown) => void,
  ) {
    this.calibrator = new AudioCalibrator(rate);
    this.period = 1e6 / rate;
  }

  get queue(): number {
    return this.pending.length + this.waiting.length;
  }
  /** Capture time of the newest sample received (page clock, µs). */
  get newestCapture(): number {
    if (this.direct) return this.capturedEnd ?? -Infinity;
    if (!this.calibrated) {
      // Held back behind the estimate: what has arrived counts, placed or not.
      const held = this.estimateDelay && this.line !== null && this.workletEnd >= 0;
      return held ? Math.max(this.newestCaptureUs, this.captureOf(this.workletEnd)) : this.newestCaptureUs;
    }
    const last = this.recent[this.recent.length - 1];
    return Math.max(this.newestCaptureUs, last ? last.us + (last.channels[0]?.length ?? 0) * this.period : -Infinity);
  }

  setPrior(offsetUs: number): void {
    this.calibrator.setPrior(offsetUs);
    if (this.line === null) this.line = { x0: 0, y0: offsetUs, slope: 0 };
  }

  /**
   * Uses the prior as the anchor: no capture timestamps available, or none matched yet (silence).
   * In the latter case a lock may still come with the first sound, so audio is placed
   * ESTIMATE_DELAY_SECONDS behind: that sound is then placed by the lock, not by the estimate.
   */
  useEstimate(mayLockLater = false): void {
    this.estimated = true;
    this.estimateDelay = mayLockLater ? Math.round(this.rate * ESTIMATE_DELAY_SECONDS) : 0;
    if (this.line !== null && !this.estimateDelay) this.flushPending();
  }

  /**
   * Another microphone feeds the worklet from now on. The sample clock goes on (no gap), but the new
   * device has its own latency and clock: drop the old device's capture-stamped audio, search wide
   * again and re-anchor at the next lock; the drift estimate starts over.
   */
  sourceChanged(): void {
    this.calibrator.resetCaptured();
    this.calibrator.searchUs = 250_000;
    this.recent = [];
    this.locks.length = 0;
    this.fitted = null;
    this.lastLockAt = 0;
    this.relocking = true;
    this.relockPriors = [];
    this.stepUnconfirmed = false;
    if (this.direct) {
      // The sample count goes on from the old device's end (a hole between them is filled).
      this.relocking = false;
      this.realign = true;
      this.lastLockUs = -Infinity;
      return;
    }
    this.capturedEnd = null;
  }

  /** A chunk of capture-stamped audio; `us`: its capture time on the page clock (its timestamp unless told). */
  addCaptured(data: AudioData, us = data.timestamp): void {
    if (this.direct) {
      this.addDirect(us, this.planes(data));
      return;
    }
    const channels = Array.from({ length: this.channels }, (_, ch) => {
      const plane = new Float32Array(data.numberOfFrames);
      data.copyTo(plane, { planeIndex: Math.min(ch, data.numberOfChannels - 1), format: 'f32-planar' });
      return plane;
    });
    const gapUs = this.capturedEnd === null ? 0 : us - this.capturedEnd;
    if (Math.abs(gapUs) > STEP_LIMIT_US) this.captureBreak(gapUs);
    this.capturedEnd = us + data.numberOfFrames * this.period;
    this.calibrator.addCaptured(us, channels[0] as Float32Array);
    this.recent.push({ us, channels });
    while (this.recent.length > 1 && (this.recent[0] as { us: number }).us < us - 500_000) this.recent.shift();
    const now = performance.now();
    // A step of the source's clock is followed at the fourth or fifth chunk after it (40-50 ms);
    // the worklet audio it moved waits for that (releaseWaiting()).
    const followed = this.calibrated && !this.relocking && this.holdFrom === null && this.line !== null;
    const step = followed ? this.calibrator.stepLock(this.offsetAt(us), STEP_FOLLOW_US) : null;
    if (step) {
      // Checked by the samples as soon as the worklet has delivered those after the step.
      this.lastLockAt = now - LOCK_EVERY_MS + STEP_CHECK_AFTER_MS;
      this.applyLock(step, now);
    }
    // Until locked try often; then re-anchor every quarter second with a narrow search (~1 ms of
    // CPU), so that the offset follows the source's clock (drift alone would need far fewer: 200
    // ppm is 1 ms in 5 s).
    // At most a fifth of this thread's time goes to searching: it also reads the camera, and
    // frames it does not read in time are lost.
    const every = Math.max(!this.calibrated || this.relocking ? 100 : LOCK_EVERY_MS, 5 * this.lockCostMs);
    if (!step && now - this.lastLockAt > every) {
      this.lastLockAt = now;
      const t0 = performance.now();
      const lock = this.tryLock(now);
      this.lockCostMs = performance.now() - t0;
      if (lock) this.applyLock(lock, now);
    }
    this.releaseWaiting();
  }

  /** Re-anchors the line at a lock (after a stall, placing what was held for it). */
  private applyLock(lock: CalibrationLock, now: number): void {
    this.lastGoodLockAt = now;
    // Audio captured before the stall is placed by the old line, from where it resumed by the new.
    const held = this.holdFrom !== null ? this.pending : [];
    if (this.holdFrom !== null) {
      this.pending = [];
      this.holdFrom = null;
      for (const b of held) if (lock.startFrame > b.frame) this.place(slice(b, 0, lock.startFrame - b.frame));
    }
    if (lock.stepFrame !== undefined && this.line) {
      // Placement follows the step at once; the drift fit takes it from the next lock, which
      // measures the jump over more chunks (only those after the step).
      this.lineBefore = this.line;
      this.lineFrom = lock.stepFrame;
      this.stepUnconfirmed = true;
      this.segment++;
      this.line = { x0: lock.captureUs, y0: lock.offsetUs, slope: this.line.slope };
      return;
    }
    this.stepUnconfirmed = false;
    if (lock.partial && this.calibrated && !this.relocking && this.line) {
      // Soon after a step: placement follows; the step's size for the drift fit is measured by
      // the first full lock (measured from a few chunks, it bent the fitted slope by ~5 ppm).
      this.line = { x0: lock.captureUs, y0: lock.offsetUs, slope: this.line.slope };
      return;
    }
    // Across a stall the offset jumps: a lock this far off the line is a step (the context lost or
    // repeated input, a stall, a step of the source's clock not seen as one), not drift: 200 ppm
    // moves the offset 1 ms in 5 s and a lock is good to ~0.5 ms. The locks after it start a new
    // segment of the fit, so the drift estimate goes on.
    const jump = this.calibrated && this.locks.length && this.line ? lock.offsetUs - this.offsetAt(lock.captureUs) : 0;
    if (Math.abs(jump) > LOCK_STEP_US) this.segment++;
    this.locks.push([lock.captureUs, lock.offsetUs, this.segment]);
    if (this.locks.length > MAX_LOCKS) this.locks.shift();
    this.fitted = this.fit();
    // Placement follows each lock (anchored there, sloped by the fitted drift), not the fitted
    // line: this source's clock ramps ~2 ms/s and snaps back, and a line fitted over two minutes
    // followed that only in 4 ms stairs (the error a sawtooth of that size).
    this.line = { x0: lock.captureUs, y0: lock.offsetUs, slope: this.fitted?.slope ?? 0 };
    this.calibrator.searchUs = 5_000;
    this.relocking = false;
    this.relockPriors = [];
    for (const b of held) if (lock.startFrame < b.frame + frames(b)) this.place(slice(b, Math.max(0, lock.startFrame - b.frame), frames(b)));
    if (!this.calibrated) {
      this.calibrated = true;
      this.flushPending();
    }
  }

  private tryLock(now: number): CalibrationLock | null {
    for (const prior of this.relockPriors) {
      this.calibrator.setPrior(prior);
      const lock = this.calibrator.tryLock();
      if (lock) return lock;
    }
    // Centre the search where the line says the offset is now (it moves with the drift).
    if (this.calibrated && this.capturedEnd !== null) this.calibrator.setPrior(this.offsetAt(this.capturedEnd));
    // No lock for a while although locks are asked for: the offset may have moved beyond the
    // narrow search (a stall whose jump matched neither prior, or samples the context lost or
    // repeated). Widen the search, at most once a second (a wide search costs tens of ms). After a
    // stall whose priors both failed, straight to the widest: audio is held for this relock and is
    // placed by the old line if it does not come in time.
    const since = now - this.lastGoodLockAt;
    const relock = this.relockPriors.length > 0;
    if (this.calibrated && since > (relock ? RELOCK_WIDEN_AFTER_MS : WIDEN_AFTER_MS) && now - this.lastWideAt > 1000) {
      this.lastWideAt = now;
      const narrow = this.calibrator.searchUs;
      this.calibrator.searchUs = relock || since > 2 * WIDEN_AFTER_MS ? 250_000 : 50_000;
      const lock = this.calibrator.tryLock();
      this.calibrator.searchUs = narrow;
      return lock;
    }
    if (relock) return null;
    // A miss of the narrow search while locked: the timestamps may have stepped by more than it
    // spans without the step being followed (under load, stamps still on the old clock hide it from
    // the step check). The samples are where the last alignment says: search there. Before this, a
    // busy run had audio 18-29 ms off for ~1.5 s after two ~10 ms steps 0.35 s apart: as long as
    // the search took to widen.
    const minScore = this.calibrated && !this.relocking ? LOCKED_MIN_SCORE : undefined;
    const lock = this.calibrator.tryLock(this.calibrated, minScore);
    if (lock || !this.stepUnconfirmed || !this.lineBefore || this.capturedEnd === null) return lock;
    // A step followed from the timestamps, and the samples do not match where it put them: the
    // source may have stalled without the samples moving against the timestamps at all (the
    // context heard the stall as silence, so the samples after it came as late as their stamps).
    // Both look alike in the timestamps; the samples tell, at the first sound. Search where the
    // offset was before the step. Seen on the clapperboard: after a +10.4 ms step of its source's
    // timestamps (no sample lost), audio sat 10 ms late for ~4 s; a 10 ms stall heard as silence
    // does the same in the simulation (tests/unit/audio-drift.test.ts).
    this.calibrator.setPrior(this.offsetAt(this.capturedEnd, this.lineBefore));
    return this.calibrator.tryLock(false, minScore);
  }

  /** Direct: the chunk's samples in the recording's channels (a stereo device mixed down for mono) and rate. */
  private planes(data: AudioData): Float32Array[] {
    const n = data.numberOfFrames;
    const read = (plane: number) => {
      const out = new Float32Array(n);
      data.copyTo(out, { planeIndex: Math.min(plane, data.numberOfChannels - 1), format: 'f32-planar' });
      return out;
    };
    let channels: Float32Array[];
    if (this.channels === 1 && data.numberOfChannels > 1) {
      const l = read(0);
      const r = read(1);
      for (let i = 0; i < n; i++) l[i] = ((l[i] as number) + (r[i] as number)) / 2;
      channels = [l];
    } else channels = Array.from({ length: this.channels }, (_, ch) => read(ch));
    if (data.sampleRate === this.rate && !this.resampler) return channels;
    if (!this.resampler || this.resampler.from !== data.sampleRate) this.resampler = data.sampleRate === this.rate ? null : new LinearResampler(data.sampleRate, this.rate, this.channels);
    return this.resampler ? this.resampler.process(channels) : channels;
  }

  /**
   * Direct: a chunk of capture-stamped audio, which is what is recorded. It is placed like worklet
   * audio (waiting for the step check, slewed, holes filled), by locks taken from the timestamps of
   * the last half second every LOCK_EVERY_MS of capture time, and steps followed as they are seen.
   */
  private addDirect(us: number, channels: Float32Array[]): void {
    const n = channels[0]?.length ?? 0;
    if (!n) return;
    this.level(channels[0] as Float32Array);
    const hole = this.capturedEnd !== null && us - this.capturedEnd > STEP_LIMIT_US;
    // Chunks that never came (the worker too busy to read them before the track dropped them, or
    // a device stall): the samples after the hole are placed at their own time, and the hole is
    // filled with silence (emitRange()). The count skips the hole by one chunk's stamp, which
    // jitters by a few ms; the lock taken from the chunks after it places them.
    if (hole) {
      this.directEnd += Math.round((us - (this.capturedEnd as number)) / this.period);
      // That stamp's jitter moves the offset by up to a few ms: the locks after the hole are a
      // segment of their own for the drift fit, or the fitted slope would tilt by it.
      this.segment++;
    }
    if (hole || this.realign) {
      // After a hole, or from another microphone, audio waits for a lock of its own (the next
      // MIN_OFFSET_CHUNKS chunks, 0.2 s): placed by the line before it, a stamp's jitter past 2 ms
      // was trimmed or filled when that lock came.
      this.realign = false;
      this.calibrator.resetCaptured();
      if (this.calibrated) this.holdFrom = this.directEnd;
      this.lastLockUs = -Infinity;
    }
    this.calibrator.alignTo(this.directEnd);
    this.capturedEnd = us + n * this.period;
    this.calibrator.addCaptured(us, channels[0] as Float32Array);
    const block: Block = { frame: this.directEnd, channels };
    this.directEnd += n;
    this.workletEnd = this.directEnd;
    const now = performance.now();
    const step = this.calibrated && this.line !== null && this.holdFrom === null ? this.calibrator.stepLock(this.offsetAt(us), STEP_FOLLOW_US) : null;
    if (step) {
      this.applyLock(step, now);
      // The timestamps are the truth here: nothing for the samples to confirm.
      this.stepUnconfirmed = false;
      this.lastLockUs = us - (LOCK_EVERY_MS - STEP_CHECK_AFTER_MS) * 1000;
    } else if (us - this.lastLockUs >= LOCK_EVERY_MS * 1000) {
      const lock = this.calibrator.alignedLock();
      if (lock) {
        this.lastLockUs = us;
        this.applyLock(lock, now);
      }
    }
    this.waiting.push(block);
    this.releaseWaiting();
  }

  private level(mono: Float32Array): void {
    for (let i = 0; i < mono.length; i++) {
      const v = mono[i] as number;
      this.levelSum += v * v;
      const a = v < 0 ? -v : v;
      if (a > this.levelPeak) this.levelPeak = a;
    }
    this.levelFrames += mono.length;
    if (this.levelFrames >= this.rate / 20) {
      this.onLevel?.({ rms: Math.sqrt(this.levelSum / this.levelFrames), peak: this.levelPeak });
      this.levelSum = this.levelPeak = this.levelFrames = 0;
    }
  }

  /**
   * The capture timestamps jumped by gapUs: the device stalled (or its clock was reset). What is
   * held for calibration is no longer one run of samples; the offset may have jumped by the gap (the
   * sample clock stopped too) or not (it ran on through silence). Relock, searching both.
   */
  private captureBreak(gapUs: number): void {
    this.calibrator.resetCaptured();
    this.stepUnconfirmed = false;
    if (!this.calibrated || this.line === null || this.capturedEnd === null) return;
    const offset = this.offsetAt(this.capturedEnd);
    this.relockPriors = [offset, offset + gapUs];
    this.calibrator.searchUs = STEP_LIMIT_US;
    this.relocking = true;
    this.lastLockAt = 0;
    this.holdFrom ??= Math.round((this.capturedEnd - offset - STEP_LIMIT_US) / this.period);
  }

  /** Places what was held for a relock by the line as it is (no lock came in time). */
  private release(): void {
    this.holdFrom = null;
    this.flushPending();
  }

  /** A block from the worklet. Placed once the step check has seen its samples (see releaseWaiting()). */
  addPcm(block: Block): void {
    this.calibrator.addWorklet(block.frame, block.channels[0] as Float32Array);
    this.workletEnd = Math.max(this.workletEnd, block.frame + (block.channels[0]?.length ?? 0));
    this.waiting.push(block);
    this.releaseWaiting();
  }

  /**
   * Passes on the waiting worklet audio that the step check has seen (all of it with `all`, or
   * while not locked: calibration and relocks hold audio themselves, and the check needs a lock).
   */
  private releaseWaiting(all = false): void {
    let until = Infinity;
    if (!all && this.calibrated && !this.relocking && this.holdFrom === null) {
      let seen = this.calibrator.stepSeenUntil;
      // A step followed from the timestamps alone also waits for the samples to confirm it.
      if (seen !== null && this.stepUnconfirmed) seen = Math.min(seen, this.lineFrom);
      if (seen !== null) until = Math.max(seen, this.workletEnd - Math.round(this.rate * STEP_WAIT_MAX_SECONDS));
    }
    // Whole blocks only (at most one block, ~21 ms, longer): cut at `until`, each block went to the
    // encoder as two samples, twice the allocations on the worker's heap.
    while (this.waiting.length && (this.waiting[0] as Block).frame + frames(this.waiting[0] as Block) <= until) this.route(this.waiting.shift() as Block);
  }

  /** Held until the clock is anchored (after a stall, re-anchored), then placed. */
  private route(block: Block): void {
    if (this.line === null || !(this.calibrated || this.estimated)) {
      this.hold(block);
      return;
    }
    if (!this.calibrated && this.estimateDelay) {
      this.hold(block);
      while (this.pending.length && frames(this.pending[0] as Block) + (this.pending[0] as Block).frame <= this.workletEnd - this.estimateDelay) this.place(this.pending.shift() as Block);
      return;
    }
    if (this.holdFrom !== null) {
      const cut = Math.min(frames(block), Math.max(0, this.holdFrom - block.frame));
      if (cut > 0) this.place(slice(block, 0, cut));
      if (cut < frames(block)) this.hold(slice(block, cut, frames(block)));
      // A relock needs a sound to match; through a quiet stretch audio must not wait longer than this.
      if (this.pendingFrames() > this.rate * RELOCK_HOLD_SECONDS) this.release();
      return;
    }
    this.place(block);
  }

  private hold(block: Block): void {
    this.pending.push(block);
    // Keep at most ~3 s while waiting for calibration.
    while (this.pending.length > 1 && this.pendingFrames() > this.rate * 3) this.pending.shift();
  }

  private pendingFrames(): number {
    return this.pending.reduce((n, b) => n + (b.channels[0]?.length ?? 0), 0);
  }

  private flushPending(): void {
    const blocks = this.pending;
    this.pending = [];
    for (const b of blocks) this.place(b);
  }

  private place(block: Block): void {
    if (this.finished) return;
    // Frames already placed (the stop tail taken from capture-stamped audio) are not placed twice.
    if (block.frame < this.placedEnd) {
      const skip = this.placedEnd - block.frame;
      if (skip >= (block.channels[0]?.length ?? 0)) return;
      block = { frame: this.placedEnd, channels: block.channels.map((c) => c.subarray(skip)) };
    }
    const n = block.channels[0]?.length ?? 0;
    if (!n || this.line === null) return;
    if (block.frame < this.lineFrom && block.frame + n > this.lineFrom) {
      const cut = this.lineFrom - block.frame;
      this.place(slice(block, 0, cut));
      this.place(slice(block, cut, n));
      return;
    }
    this.placedEnd = block.frame + n;
    const c0 = this.captureOf(block.frame);
    this.newestCaptureUs = Math.max(this.newestCaptureUs, c0 + n * this.period);
    if (!this.clock.started) return;
    for (const [from, to] of this.clock.keepRanges(c0, n, this.rate)) {
      const mediaUs = this.clock.toMedia(c0 + from * this.period) as number;
      this.emitRange(block.channels, from, to, mediaUs);
    }
  }

  private emitRange(channels: Float32Array[], from: number, to: number, mediaUs: number): void {
    const emittedUs = this.emitted * this.period;
    let err = emittedUs - mediaUs;
    this.errorUs = err;
    if (err < -FOLLOW_STEP_US) {
      // The device stalled: fill the hole with silence so later audio stays on time.
      const gap = Math.round(-err / this.period);
      this.gapFilledUs += gap * this.period;
      this.emit(channels.map(() => new Float32Array(gap)));
      err = 0;
    } else if (err > FOLLOW_STEP_US) {
      const cut = Math.min(to - from, Math.round(err / this.period));
      this.trimmedUs += cut * this.period;
      from += cut;
      if (from >= to) return;
      err = 0;
    }
    let out = channels.map((c) => c.subarray(from, to));
    // Slew sub-step errors: drop samples when audio runs late, repeat some when it runs early, at
    // most one per SLEW_EVERY output samples (counted across blocks, which come in any size; one
    // more input sample apart, so that holds for drops too), spread over the block, and never more
    // than the error.
    const len = to - from;
    const want = Math.abs(err) > this.period ? Math.round(Math.abs(err) / this.period) : 0;
    const gap = SLEW_EVERY + 1;
    const spacing = Math.max(gap, Math.floor(len / Math.max(1, want)));
    const at: number[] = [];
    for (let i = Math.max(gap - this.sinceSlew, spacing >> 1); i < len && at.length < want; i += spacing) at.push(i);
    this.sinceSlew = at.length ? len - (at[at.length - 1] as number) : this.sinceSlew + len;
    if (at.length) out = out.map((c) => slewAt(c, at, err < 0));
    this.emit(out);
  }

  private emit(channels: Float32Array[]): void {
    const n = channels[0]?.length ?? 0;
    if (!n) return;
    const size = this.emitFrames;
    for (let at = 0; at < n; ) {
      const b = (this.batch ??= { from: this.emitted + at, frames: 0, planar: new Float32Array(size * this.channels) });
      const take = Math.min(n - at, size - b.frames);
      for (let ch = 0; ch < this.channels; ch++) b.planar.set(((channels[ch] ?? channels[0]) as Float32Array).subarray(at, at + take), ch * size + b.frames);
      b.frames += take;
      at += take;
      if (b.frames === size) this.addBatch();
    }
    this.emitted += n;
    this.samples += n;
  }

  /** Hands the batch of emitted audio to the encoder as one AudioSample (a whole one as it is). */
  private addBatch(): void {
    const b = this.batch;
    this.batch = null;
    if (!b?.frames) return;
    const size = this.emitFrames;
    let planar = b.planar;
    if (b.frames < size) {
      planar = new Float32Array(b.frames * this.channels);
      for (let ch = 0; ch < this.channels; ch++) planar.set(b.planar.subarray(ch * size, ch * size + b.frames), ch * b.frames);
    }
    const sample = new AudioSample({ data: planar, format: 'f32-planar', numberOfChannels: this.channels, sampleRate: this.rate, timestamp: (b.from - this.encoderDelayFrames) / this.rate });
    this.chain = this.chain
      .then(() => this.source.add(sample))
      .catch((e) => this.onError(e))
      .finally(() => sample.close());
  }

  /**
   * The worklet delivers samples tens of ms after capture; capture-stamped AudioData arrives within
   * a few. At stop, the samples the worklet has not delivered yet are taken from the latter (the
   * same samples, mapped to context frames through the calibration), so stop need not wait.
   */
  private fillTail(): void {
    if (!this.calibrated || this.line === null || this.workletEnd < 0) return;
    for (const c of this.recent) {
      const n = c.channels[0]?.length ?? 0;
      const frame = Math.round((c.us - this.offsetAt(c.us)) / this.period);
      if (frame + n <= this.workletEnd) continue;
      const skip = Math.max(0, this.workletEnd - frame);
      this.place({ frame: frame + skip, channels: c.channels.map((x) => x.subarray(skip)) });
      this.workletEnd = frame + n;
    }
  }

  /** Media time emitted so far, µs. */
  get emittedUs(): number {
    return this.emitted * this.period;
  }

  /** Pads with silence to exactly `endMediaUs` (or cuts the excess), then waits for the encoder. */
  async finish(endMediaUs: number): Promise<void> {
    if (this.direct && (!this.calibrated || this.holdFrom !== null)) {
      // Shorter than a lock needs: lock on what there is.
      const lock = this.calibrator.alignedLock(1);
      if (lock) this.applyLock(lock, performance.now());
    }
    this.releaseWaiting(true);
    if (this.holdFrom !== null) this.release();
    if (!this.calibrated && this.estimated) this.flushPending();
    this.fillTail();
    const missing = Math.round((endMediaUs - this.emittedUs) / this.period);
    if (missing > 0) this.emit(Array.from({ length: this.channels }, () => new Float32Array(missing)));
    this.finished = true;
    this.addBatch();
    await this.chain;
    this.source.close();
  }
}
