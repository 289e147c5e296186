// The page↔worker clock estimate, against a stand-in for the other side whose clock is a known
// distance away and whose answers take a varying time (a real page and worker need a browser: the
// encode worker measures the real page this way in every browser spec, and recording.spec's
// durations are off by seconds when it is wrong).
import { describe, expect, it } from 'vitest';
import { measureClockOffset, pageTimeUs, TransferredStamps } from '../../src/clock/worker-clock.js';

/** The other side, whose performance.now() is `skewMs` behind ours; each leg takes `delays()` ms. */
function skewedWorker(skewMs: number, delays: () => [number, number]) {
  const target = new EventTarget() as EventTarget & { postMessage(m: { type: string; t0: number }): void };
  target.postMessage = (m) => {
    const [there, back] = delays();
    setTimeout(() => {
      const now = performance.now() - skewMs;
      setTimeout(() => target.dispatchEvent(Object.assign(new Event('message'), { data: { type: 'clock-pong', t0: m.t0, now } })), back);
    }, there);
  };
  return target as unknown as Worker;
}

describe('measureClockOffset', () => {
  it('finds a 3 s offset within half of the fastest round trip', async () => {
    const legs: [number, number][] = [[40, 2], [1, 30], [0, 0], [25, 25], [5, 60], [12, 1]];
    let i = 0;
    const r = await measureClockOffset(skewedWorker(3000, () => legs[i++ % legs.length]!), legs.length);
    expect(r.roundTripMs).toBeLessThan(20);
    expect(Math.abs(r.offsetMs + 3000)).toBeLessThanOrEqual(r.roundTripMs / 2 + 1);
  });

  it('an offset the other way (the other side ahead), every leg uneven', async () => {
    const r = await measureClockOffset(skewedWorker(-1234.5, () => [Math.random() * 10, Math.random() * 10]));
    expect(Math.abs(r.offsetMs - 1234.5)).toBeLessThanOrEqual(r.roundTripMs / 2 + 1);
  });

  it('rejects when the other side never answers', async () => {
    const silent = Object.assign(new EventTarget(), { postMessage() {} }) as unknown as Worker;
    await expect(measureClockOffset(silent, 3, 50)).rejects.toThrow(/no answer within 50 ms/);
  });
});

describe('TransferredStamps: AudioData stamped on the page clock or on the worker clock', () => {
  /**
   * Chunks captured every 10 ms from page time `fromMs`, read in the worker `lagMs(k)` after capture;
   * the first `onPage` are stamped on the page clock, the rest on the worker's (page − offset), as
   * Chromium does for a track processor's readable transferred after it made chunks on the page.
   * Returns each chunk's error (µs).
   */
  function run(offsetMs: number, onPage: number, lagMs: (k: number) => number, n = 60, fromMs = 5000) {
    const stamps = new TransferredStamps();
    const out: number[] = [];
    for (let k = 0; k < n; k++) {
      const captureUs = (fromMs + k * 10) * 1000;
      const ts = k < onPage ? captureUs : captureUs - offsetMs * 1000;
      out.push(pageTimeUs(ts, stamps.isOurs(ts, captureUs / 1000 + lagMs(k) - offsetMs), offsetMs) - captureUs);
    }
    return out;
  }
  const exact = (errors: number[]) => errors.every((e) => Math.abs(e) < 1e-6);

  it("worker stamps from the first chunk: moved by the clocks' difference", () => {
    for (const offset of [4782.2, 150, 12]) expect(exact(run(offset, 0, () => 1)), `offset ${offset}`).toBe(true);
  });

  it('page stamps first (made before the transfer landed, read up to 100 ms late), then worker stamps', () => {
    for (const offset of [3163.9, 278.2, 150]) {
      const errors = run(offset, 9, (k) => (k < 9 ? 100 - k * 10 : 1));
      expect(exact(errors), `offset ${offset}: ${errors.join(',')}`).toBe(true);
    }
  });

  it('stamps that jitter by ±8 ms (a WebAudio track) and a device stall after the switch: never back to the page clock', () => {
    const offset = 200;
    const jitter = (k: number) => (k % 2 ? 8.4 : -8.4);
    const errors = run(offset, 2, (k) => 1 + jitter(k) + (k === 40 ? 250 : 0), 100);
    expect(exact(errors), errors.join(',')).toBe(true);
  });

  it('the limit of telling them apart: a page chunk read later after capture than the difference is taken as ours', () => {
    const errors = run(80, 3, () => 90);
    expect(errors.slice(0, 3).every((e) => e === 80_000)).toBe(true);
    expect(exact(errors.slice(3))).toBe(true);
  });
});
