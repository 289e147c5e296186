import { describe, expect, it } from 'vitest';
import { AudioCalibrator, type CalibrationLock } from '../../src/clock/audio-calibrator.js';
import { rng } from './rng.js';

const RATE = 48_000;
const PERIOD = 1e6 / RATE; // 20.83 µs
const WORKLET_BLOCK = 1024;
const CAPTURE_CHUNK = 480;


/** Bursts of white noise (sharp onsets) separated by a quiet noise floor. */
function noiseBursts(seconds: number, seed: number): Float32Array {
  const random = rng(seed);
  const out = new Float32Array(Math.round(seconds * RATE));
  let i = 0;
  while (i < out.length) {
    const gap = Math.round((0.08 + random() * 0.3) * RATE);
    for (const end = Math.min(out.length, i + gap); i < end; i++) out[i] = (random() * 2 - 1) * 0.001;
    const burst = Math.round((0.05 + random() * 0.25) * RATE);
    const level = 0.1 + random() * 0.6;
    for (const end = Math.min(out.length, i + burst); i < end; i++) out[i] = (random() * 2 - 1) * level;
  }
  return out;
}

/** Speech-like: low-passed noise under syllable envelopes (raised-cosine, random length and level). */
function speechLike(seconds: number, seed: number): Float32Array {
  const random = rng(seed);
  const out = new Float32Array(Math.round(seconds * RATE));
  let lp = 0;
  let i = 0;
  while (i < out.length) {
    const syllable = Math.round((0.08 + random() * 0.22) * RATE);
    const level = 0.05 + random() * 0.5;
    for (let k = 0; k < syllable && i < out.length; k++, i++) {
      lp += 0.25 * ((random() * 2 - 1) - lp);
      const env = 0.5 - 0.5 * Math.cos((2 * Math.PI * k) / syllable);
      out[i] = lp * level * env * 3;
    }
    const pause = Math.round((0.02 + random() * 0.2) * RATE);
    for (let k = 0; k < pause && i < out.length; k++, i++) {
      lp += 0.25 * ((random() * 2 - 1) - lp);
      out[i] = lp * 0.002;
    }
  }
  return out;
}

/** The clapperboard's sound: 30 ms beeps of a 1 kHz tone (a period is 48 samples) in silence. */
function beeps(seconds: number, seed: number): Float32Array {
  const random = rng(seed);
  const out = new Float32Array(Math.round(seconds * RATE));
  for (let at = Math.round(0.1 * RATE); at < out.length; at += Math.round((0.25 + random() * 0.3) * RATE)) {
    const level = 0.3 + random() * 0.4;
    for (let i = 0; i < 0.03 * RATE && at + i < out.length; i++) out[at + i] = level * Math.sin((2 * Math.PI * 1000 * i) / RATE);
  }
  return out;
}

function sine(seconds: number, hz: number, amplitude = 0.5): Float32Array {
  const out = new Float32Array(Math.round(seconds * RATE));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / RATE);
  return out;
}

type Run = { lock: CalibrationLock | null; attempts: number; fedSeconds: number };

/**
 * Streams `signal` into a calibrator the way the pipeline does: the worklet's copy in 1024-frame
 * blocks starting at context frame `frame0`, the capture-stamped copy in 480-frame chunks whose
 * timestamps are trueOffsetUs + frame·1e6/48000. The worklet copy runs `workletLeadMs` ahead of the
 * captured one (negative: behind). tryLock() is asked every `everyMs` of captured audio until it locks.
 */
function stream(
  signal: Float32Array,
  o: { trueOffsetUs: number; frame0: number; priorUs: number | null; workletLeadMs: number; everyMs?: number; untilNull?: boolean },
): Run {
  const cal = new AudioCalibrator(RATE);
  if (o.priorUs !== null) cal.setPrior(o.priorUs);
  const lead = Math.round((o.workletLeadMs / 1000) * RATE);
  const every = Math.round(((o.everyMs ?? 250) / 1000) * RATE);
  let fedWorklet = 0;
  let attempts = 0;
  let sinceTry = 0;
  for (let captured = 0; captured + CAPTURE_CHUNK <= signal.length; captured += CAPTURE_CHUNK) {
    while (fedWorklet + WORKLET_BLOCK <= Math.min(signal.length, captured + CAPTURE_CHUNK + lead)) {
      cal.addWorklet(o.frame0 + fedWorklet, signal.subarray(fedWorklet, fedWorklet + WORKLET_BLOCK));
      fedWorklet += WORKLET_BLOCK;
    }
    const captureUs = o.trueOffsetUs + ((o.frame0 + captured) * 1e6) / RATE;
    cal.addCaptured(captureUs, signal.slice(captured, captured + CAPTURE_CHUNK));
    sinceTry += CAPTURE_CHUNK;
    if (sinceTry >= every) {
      sinceTry = 0;
      attempts++;
      const lock = cal.tryLock();
      if (lock && !o.untilNull) return { lock, attempts, fedSeconds: (captured + CAPTURE_CHUNK) / RATE };
      if (lock && o.untilNull) {
        // Keep going, but every lock taken must be right.
        expect(Math.abs(lock.offsetUs - o.trueOffsetUs)).toBeLessThan(PERIOD);
      }
    }
  }
  return { lock: cal.lastLock, attempts, fedSeconds: signal.length / RATE };
}

describe('AudioCalibrator', () => {
  it('locks to the sample on noise bursts', () => {
    const trueOffsetUs = 1_234_567.891;
    const run = stream(noiseBursts(4, 1), { trueOffsetUs, frame0: 123_457, priorUs: trueOffsetUs + 40_000, workletLeadMs: 500 });
    expect(run.lock, 'a lock within 4 s').not.toBeNull();
    const lock = run.lock as CalibrationLock;
    expect(Math.abs(lock.offsetUs - trueOffsetUs)).toBeLessThan(PERIOD);
    expect(lock.score).toBeGreaterThan(0.99);
    // The lock's frame and capture time are one point of the true line.
    expect(Math.abs(lock.captureUs - (trueOffsetUs + lock.frame * PERIOD))).toBeLessThan(PERIOD);
  });

  it('locks to the sample on speech-like audio, with the prior early or late', { timeout: 30_000 }, () => {
    for (const [seed, trueOffsetUs, priorErr, frame0] of [
      [2, -48_321_004.25, 40_000, 5_000_000],
      [3, 987_654_321.5, -40_000, 31],
    ] as const) {
      const run = stream(speechLike(4, seed), { trueOffsetUs, frame0, priorUs: trueOffsetUs + priorErr, workletLeadMs: 500 });
      expect(run.lock, `seed ${seed}`).not.toBeNull();
      const lock = run.lock as CalibrationLock;
      expect(Math.abs(lock.offsetUs - trueOffsetUs), `seed ${seed}`).toBeLessThan(PERIOD);
      expect(lock.score).toBeGreaterThan(0.99);
    }
  });

  it('eventually locks when the worklet copy arrives no earlier than the captured one', { timeout: 30_000 }, () => {
    const trueOffsetUs = 2_500_000.4;
    const run = stream(noiseBursts(8, 4), { trueOffsetUs, frame0: 48_000, priorUs: trueOffsetUs + 40_000, workletLeadMs: 0, everyMs: 400 });
    expect(run.lock).not.toBeNull();
    expect(Math.abs((run.lock as CalibrationLock).offsetUs - trueOffsetUs)).toBeLessThan(PERIOD);
  });

  it('locks to the sample on 1 kHz beeps, not a period off, whatever the phase of the coarse search grid', { timeout: 30_000 }, () => {
    // The search first scores every 4th lag, then refines at full rate: a lock a period (48
    // samples, 1 ms) off would pass the score test on a tone, so every grid phase is tried.
    for (let phase = 0; phase < 8; phase++) {
      const trueOffsetUs = 3_000_000 + phase * 7.3;
      const run = stream(beeps(4, 20 + phase), { trueOffsetUs, frame0: 96_000 + phase, priorUs: trueOffsetUs + (phase % 2 ? 30_000 : -30_000), workletLeadMs: 500 });
      expect(run.lock, `phase ${phase}`).not.toBeNull();
      expect(Math.abs((run.lock as CalibrationLock).offsetUs - trueOffsetUs), `phase ${phase}`).toBeLessThan(PERIOD);
    }
  });

  it('does not lock on digital silence', () => {
    const run = stream(new Float32Array(3 * RATE), { trueOffsetUs: 1_000_000, frame0: 1000, priorUs: 1_040_000, workletLeadMs: 500, everyMs: 100 });
    expect(run.attempts).toBeGreaterThan(20);
    expect(run.lock).toBeNull();
  });

  it('does not lock without a prior', () => {
    const run = stream(noiseBursts(2.5, 5), { trueOffsetUs: 1_000_000, frame0: 1000, priorUs: null, workletLeadMs: 500 });
    expect(run.attempts).toBeGreaterThan(5);
    expect(run.lock).toBeNull();
  });

  it('waits for enough captured audio', () => {
    const cal = new AudioCalibrator(RATE);
    cal.setPrior(40_000);
    const signal = noiseBursts(1, 6);
    cal.addWorklet(0, signal);
    // 4 windows of 2048 frames are needed before a window is chosen.
    cal.addCaptured(0, signal.slice(0, 8000));
    expect(cal.tryLock()).toBeNull();
  });

  it('never locks to a wrong period of a steady tone', () => {
    // A steady sine is periodic: many lags match equally well. With a correct prior the result
    // must be either no lock or the right one.
    // Each full search is ~24 000 lags × 2048 samples, so only a few attempts per tone.
    for (const hz of [1000, 440, 97]) {
      const trueOffsetUs = 3_000_000.7;
      const run = stream(sine(1.7, hz), { trueOffsetUs, frame0: 96_000, priorUs: trueOffsetUs, workletLeadMs: 500, everyMs: 800, untilNull: true });
      expect(run.attempts).toBe(2);
      if (run.lock) expect(Math.abs(run.lock.offsetUs - trueOffsetUs), `${hz} Hz`).toBeLessThan(PERIOD);
    }
  }, 30_000);
});
