// The clapperboard: one MediaStream of a canvas (black, one white frame per flash) and WebAudio
// (silence, a 1 kHz beep per event), flash N and beep N aimed at the same instant. It also taps
// clones of both tracks to log when each flash and beep really entered the stream, on the page's
// performance.now() clock: that, not when they were asked for, is what a recorder should keep.
// Needs MediaStreamTrackProcessor (Chromium).
import { BEEP_HZ } from './onset.js';
import { eventTimes, match } from './schedule.js';

const RATE = 48_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

/**
 * The tap worker's performance.now() minus the page's (ms), from the fastest of 6 round trips: the
 * timeOrigins' difference is off by any wall-clock step since page load (as the recorder measures
 * its own worker, src/clock/worker-clock.ts; this page runs the built library, not the sources).
 */
async function workerClockOffset(worker) {
  let best = null;
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    const now = await new Promise((resolve) => {
      worker.addEventListener('message', function on(e) {
        if (e.data.type !== 'clock-pong') return;
        worker.removeEventListener('message', on);
        resolve(e.data.now);
      });
      worker.postMessage({ type: 'clock-ping', t0 });
    });
    const t1 = performance.now();
    if (!best || t1 - t0 < best.rtt) best = { rtt: t1 - t0, offsetMs: now - (t0 + t1) / 2 };
  }
  return best.offsetMs;
}

/**
 * Taps clones of the tracks in workers (tap-worker.js); ask() round-trips one message to the first,
 * stop() ends both. The second camera has a worker of its own: its frames are painted at the same
 * instant as the first camera's, and read in one worker one of them waited for the other's to be
 * handled, so its fastest arrival (its clock offset) read late by 0.6-2.9 ms, and the flashes of a
 * recorder switched to it looked that early.
 */
async function tap(video, audio, video2) {
  const readable = (t) => new MediaStreamTrackProcessor({ track: t.clone() }).readable;
  const open = async (tracks) => {
    const worker = new Worker(new URL('./tap-worker.js', import.meta.url), { type: 'module' });
    const streams = Object.values(tracks);
    worker.postMessage({ type: 'start', ...tracks, timeOrigin: performance.timeOrigin }, streams);
    // Then the worker's clock against the page's by round trips: the timeOrigins' difference is off
    // by any wall-clock step between page load and now.
    worker.postMessage({ type: 'clock', toPage: -(await workerClockOffset(worker)) });
    const ask = (type, args = {}) =>
      new Promise((resolve) => {
        worker.addEventListener('message', function on(e) {
          if (e.data.type !== type) return;
          worker.removeEventListener('message', on);
          resolve(e.data);
        });
        worker.postMessage({ type, ...args });
      });
    return { ask, terminate: () => worker.terminate() };
  };
  const main = await open({ audio: readable(audio), video: readable(video) });
  const second = video2 ? await open({ video2: readable(video2) }) : null;
  return {
    ask: main.ask,
    async stop() {
      const [seen, seen2] = await Promise.all([main.ask('stop'), second?.ask('stop')]);
      main.terminate();
      second?.terminate();
      return { ...seen, frames2: seen2?.frames2 ?? [] };
    },
  };
}

/**
 * Opens the clapperboard: video runs at `fps` from now on, audio is silent until play(). Beeps are
 * aimed through a calibration beep, heard on the audio tap before anything is recorded, so beep N
 * enters the stream at about the instant flash N is asked for.
 */
export async function openClapperboard({ width = 1280, height = 720, fps = 30, beepMs = 30, gain = 0.5, second = false } = {}) {
  if (typeof MediaStreamTrackProcessor !== 'function') throw new Error('the clapperboard needs MediaStreamTrackProcessor to see what entered the stream');
  const canvas = Object.assign(document.createElement('canvas'), { width, height });
  const g = canvas.getContext('2d', { alpha: false });
  // captureStream(0): a frame is taken only on requestFrame(), so the flash is exactly one frame.
  const video = canvas.captureStream(0).getVideoTracks()[0];
  // A second "camera" (smaller, so a recorder switching to it must scale), painted with the first.
  const canvas2 = second ? Object.assign(document.createElement('canvas'), { width: 640, height: 480 }) : null;
  const g2 = canvas2?.getContext('2d', { alpha: false });
  const video2 = canvas2?.captureStream(0).getVideoTracks()[0] ?? null;
  const ctx = new AudioContext({ sampleRate: RATE });
  await ctx.resume();
  const dest = ctx.createMediaStreamDestination();
  const out = new GainNode(ctx, { gain });
  out.connect(dest);
  // Never exact silence: Chromium stops rendering a silent context for up to ~1 s at a time
  // (the destination's track then delivers nothing), so a -100 dBFS floor keeps audio flowing.
  const floor = new ConstantSourceNode(ctx, { offset: 1e-5 });
  floor.connect(dest);
  floor.start();
  const audio = dest.stream.getAudioTracks()[0];
  const stream = new MediaStream([video, audio]);

  const taps = await tap(video, audio, video2);
  /** When a recorder switched to the second camera: later flashes are judged by its frames. */
  let switchedAt = null;

  const beep = (when) => {
    const osc = new OscillatorNode(ctx, { frequency: BEEP_HZ });
    osc.connect(out);
    osc.start(when);
    osc.stop(when + beepMs / 1000);
    osc.onended = () => osc.disconnect();
  };

  // Video: a frame every period; a flash draws white at its instant and black one period later.
  const period = 1000 / fps;
  const flashes = [];
  let pending = [];
  let off = Infinity;
  let nextFrame = performance.now();
  let timer = 0;
  let running = true;
  const paint = (white) => {
    g.fillStyle = white ? '#fff' : '#000';
    g.fillRect(0, 0, width, height);
    if (g2) {
      g2.fillStyle = g.fillStyle;
      g2.fillRect(0, 0, 640, 480);
      video2.requestFrame();
    }
    video.requestFrame();
    return performance.now();
  };
  const loop = () => {
    if (!running) return;
    const now = performance.now();
    if (pending.length && now >= pending[0].at) {
      const f = pending.shift();
      f.call = paint(true);
      flashes.push(f);
      off = f.call + period;
      nextFrame = off + period;
    } else if (now >= off) {
      paint(false);
      off = Infinity;
    } else if (now >= nextFrame) {
      paint(false);
      nextFrame = Math.max(nextFrame + period, now + period / 2);
    }
    timer = setTimeout(loop, Math.max(0, Math.min(pending[0]?.at ?? Infinity, off, nextFrame) - performance.now()));
  };
  loop();

  // Calibration: the tap's sample index of context frame 0, and where a beep at context time c
  // enters the stream on the page clock. The audio clock stalls now and then under load (the
  // context falls behind), so play() re-anchors the latter on the beeps it hears.
  const c0 = ctx.currentTime + 0.3;
  beep(c0);
  let k0 = null;
  let anchor = null;
  for (let i = 0; i < 40 && anchor === null; i++) {
    await sleep(50);
    const heard = (await taps.ask('onsets')).onsets[0];
    if (heard) {
      k0 = heard.k - c0 * RATE;
      anchor = { c: c0, at: heard.t };
    }
  }
  const outputTime = (c) => {
    const ts = ctx.getOutputTimestamp();
    return ts.performanceTime + (c - ts.contextTime) * 1000;
  };
  // Without a heard calibration beep, aim by the output clock (the stream is ~35 ms ahead of it).
  const aimAt = (c) => (anchor ? anchor.at + (c - anchor.c) * 1000 : outputTime(c));
  const ctxTime = (ms) => (anchor ? anchor.c + (ms - anchor.at) / 1000 : ctx.currentTime + (ms - aimAt(ctx.currentTime)) / 1000);
  // Beep b should be heard at tap sample k0 + b.ctx·RATE + dk: the track carries the rendered
  // samples in order, but may lose some when the context stalls (dk follows that).
  let dk = 0;
  const heardNear = (onsets, b, tol) => {
    const want = k0 + b.ctx * RATE + dk;
    const o = onsets.reduce((best, x) => (best === null || Math.abs(x.k - want) < Math.abs(best.k - want) ? x : best), null);
    return o && Math.abs(o.k - want) < tol * RATE ? o : null;
  };

  const beeps = [];
  let feeder = 0;
  let reanchor = 0;
  return {
    stream,
    /** The second camera's track (with `second: true`): the same flashes, 640×480. */
    video2,
    /** Plays events at the given page-clock instants (ms): beeps queued ~0.3 s ahead on the audio clock. */
    play(times) {
      pending = times.map((at, n) => ({ n, at }));
      clearTimeout(timer);
      loop();
      const queue = [...times];
      const feed = () => {
        while (queue.length && queue[0] - performance.now() < 300) {
          const at = queue.shift();
          const c = ctxTime(at);
          beep(c);
          beeps.push({ at, ctx: c, aim: aimAt(c), output: outputTime(c) });
        }
        if (queue.length) feeder = setTimeout(feed, 100);
      };
      feed();
      reanchor = setInterval(async () => {
        const b = beeps.findLast((x) => x.aim < performance.now() - 300);
        if (!b || k0 === null) return;
        const o = heardNear((await taps.ask('onsets', { from: b.aim - 1000 })).onsets, b, 0.3);
        if (!o) return;
        dk = o.k - (k0 + b.ctx * RATE);
        anchor = { c: b.ctx, at: o.t };
      }, 1000);
    },
    /**
     * Stops everything and returns per event: the instant asked for (at), requestFrame's time
     * (flashCall), the flash frame's capture time (flashCapture), the beep's context time, its
     * output time from getOutputTimestamp (beepOutput) and the time it entered the stream
     * (beepStream); flash/beep are the references to judge a file by. Plus the instrument's own figures.
     */
    /** A recorder took the second camera now. */
    switched(at = performance.now()) {
      switchedAt = at;
    },
    async close() {
      running = false;
      clearTimeout(timer);
      clearTimeout(feeder);
      clearInterval(reanchor);
      await sleep(300);
      const seen = await taps.stop();
      video.stop();
      video2?.stop();
      audio.stop();
      await ctx.close();

      // The video clock offset K (frame timestamp µs − page µs): the largest timestamp − arrival,
      // i.e. the frame delivered fastest. requestVideoFrameCallback gives no captureTime for canvas tracks.
      const vf = seen.frames;
      const k = Math.max(...vf.map((f) => f.ts - f.arrival * 1000));
      // The second camera's frames of the same flash are captured a little later (painted after
      // the first's): after a switch the recorder holds those, so they are the reference.
      const vf2 = seen.frames2 ?? [];
      const k2 = vf2.length ? Math.max(...vf2.map((f) => f.ts - f.arrival * 1000)) : null;
      const heard = seen.onsets;
      // Each beep's onset, identified by sample index on the pattern of gaps (as a file is).
      const expected = beeps.map((b) => (k0 === null ? NaN : ((k0 + b.ctx * RATE) / RATE) * 1000));
      const found = match(heard.map((o) => o.k / RATE), expected, { tol: 300 }).onsets.map((s) => (s === null ? null : heard.find((o) => o.k / RATE === s)));
      const lost = found.flatMap((o, i) => (o ? [{ at: o.t, ms: ((o.k - k0) / RATE - beeps[i].ctx) * 1000 }] : []));
      const events = flashes.map((f) => {
        // the first white frame after requestFrame(), if it came within 200 ms (else the tap missed it)
        const second = switchedAt !== null && k2 !== null && f.call > switchedAt;
        const frame = (second ? vf2 : vf).find((x) => x.white && x.arrival >= f.call && x.arrival < f.call + 200);
        const b = beeps.find((x) => x.at === f.at);
        const flashCapture = frame ? (frame.ts - (second ? k2 : k)) / 1000 : null;
        const beepStream = b ? (found[beeps.indexOf(b)]?.t ?? null) : null;
        // flash and beep: the references a file is judged by (null where not seen); at: to identify the event.
        const beepOtherClock = b ? (found[beeps.indexOf(b)]?.otherClock ?? null) : null;
        return { at: f.at, flashCall: f.call, flashCapture, beepCtx: b?.ctx ?? null, beepOutput: b?.output ?? null, beepStream, beepOtherClock, flash: flashCapture, beep: beepStream };
      });
      const ach = seen.chunks;
      // The audio reference's noise: how far single chunks' timestamps stray from the sample clock
      // (ms, against the median of the ±0.5 s around them). And a cross-check of the timestamps:
      // how far they sit from when the chunks arrived, taken as when their last sample was due.
      const zero = ach.map((c) => c.ts - (c.start / RATE) * 1000);
      const stray = zero.map((z, i) => Math.abs(z - median(zero.slice(Math.max(0, i - 50), i + 50))));
      const early = ach.map((c, i) => zero[i] - (c.arrival - ((c.start + c.n) / RATE) * 1000));
      const arrivalLag = vf.map((f) => f.arrival - (f.ts - k) / 1000);
      return {
        events,
        instrument: {
          videoFrames: vf.length,
          videoClock: { k, arrivalLagP50: median(arrivalLag), arrivalLagP95: [...arrivalLag].sort((x, y) => x - y)[Math.floor(arrivalLag.length * 0.95)] },
          captureDelay: events.filter((e) => e.flashCapture !== null).map((e) => e.flashCapture - e.flashCall),
          outputMinusStream: events.filter((e) => e.beepStream !== null).map((e) => e.beepOutput - e.beepStream),
          audioChunks: ach.length,
          audioChunkFrames: median(ach.map((c) => c.n)),
          audioTimestampsMinusArrival: median(early),
          audioSamplesSeen: ach.length ? ach[ach.length - 1].start + ach[ach.length - 1].n : 0,
          // Steps of the audio clock against the page clock: where the render thread stalled or skipped.
          audioClockSteps: seen.steps,
          // Samples the track lost (−) or repeated (+) before each beep, against the context clock (ms).
          audioSamplesLost: lost.slice(1).flatMap((x, i) => (Math.abs(x.ms - lost[i].ms) > 1 ? [{ at: x.at, ms: x.ms - lost[i].ms }] : [])),
          audioClock: zero.filter((_, i) => i % 10 === 0).map((z, i) => [Math.round(ach[i * 10].ts), Math.round(z * 10) / 10]),
          audioTimestampJitter: { p50: median(stray), p95: [...stray].sort((x, y) => x - y)[Math.floor(stray.length * 0.95)] },
          calibrated: anchor !== null,
        },
      };
    },
  };
}

/**
 * One clapperboard recording: opens the board, start(stream) starts the recorder under test,
 * events play from `lead` ms after start to `tail` ms before stop(), which returns the file.
 */
export async function recordClapperboard({ start, stop, pause, resume, switchVideo }, { seconds = 20, seed = 1, lead = 1000, tail = 1000, actions = [], ...board } = {}) {
  const cb = await openClapperboard({ ...board, second: board.second ?? actions.some((a) => a.type === 'switch') });
  await start(cb.stream);
  const t0 = performance.now();
  // Pauses (ms after start, each with its length): no event is played within 300 ms of one.
  const pauses = actions.filter((a) => a.type === 'pause').map((a) => ({ from: t0 + a.at, to: t0 + a.at + a.ms }));
  const clear = (t) => pauses.every((p) => t < p.from - 300 || t > p.to + 300);
  cb.play(eventTimes(seed, t0 + lead, t0 + seconds * 1000 - tail).filter(clear));
  const done = [];
  for (const a of [...actions].sort((x, y) => x.at - y.at)) {
    await sleep(t0 + a.at - performance.now());
    if (a.type === 'switch') {
      await switchVideo(cb.video2);
      cb.switched();
      done.push({ type: 'switch', at: performance.now() });
    } else {
      const from = performance.now();
      await pause();
      await sleep(a.ms);
      const to = performance.now();
      await resume();
      done.push({ type: 'pause', from, to });
    }
  }
  await sleep(t0 + seconds * 1000 - performance.now());
  const stopAt = performance.now();
  const file = await stop();
  const log = await cb.close();
  // In the file, time stands still while paused: each event's instants move back by the pauses
  // before it (its true beep − flash offset is unchanged).
  const paused = (t) => done.filter((d) => d.type === 'pause' && d.to <= t).reduce((n, d) => n + d.to - d.from, 0);
  for (const e of log.events) {
    const shift = paused(e.at);
    for (const k of ['at', 'flash', 'beep']) if (e[k] !== null && e[k] !== undefined) e[k] -= shift;
  }
  return { file, startedAt: t0, stoppedAt: stopAt, actions: done, ...log };
}
