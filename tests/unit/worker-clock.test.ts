// The page↔worker clock estimate, against a stand-in for the other side whose clock is a known
// distance away and whose answers take a varying time (a real page and worker need a browser: the
// encode worker measures the real page this way in every browser spec, and recording.spec's
// durations are off by seconds when it is wrong).
import { describe, expect, it } from 'vitest';
import { measureClockOffset } from '../../src/clock/worker-clock.js';

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
