import { describe, expect, it } from 'vitest';
import { SessionClock, VideoClockOffset } from '../../src/clock/session-clock.js';
import { rng } from './rng.js';

const RATE = 48_000;
const PERIOD = 1e6 / RATE;


/**
 * The ranges a block should keep, sample by sample: sample i is kept iff its instant c0 + i·1e6/rate
 * is. The instant is computed as c0 + i·period, the expression the audio pipeline passes to
 * toMedia() for the first sample of a range, so a kept range never starts on an unmapped instant.
 */
function referenceRanges(clock: SessionClock, c0: number, n: number, rate: number): [number, number][] {
  const period = 1e6 / rate;
  const out: [number, number][] = [];
  let from = -1;
  for (let i = 0; i < n; i++) {
    const kept = clock.keeps(c0 + i * period);
    if (kept && from < 0) from = i;
    if (!kept && from >= 0) {
      out.push([from, i]);
      from = -1;
    }
  }
  if (from >= 0) out.push([from, n]);
  return out;
}

const kept = (ranges: [number, number][]) => ranges.reduce((s, [a, b]) => s + (b - a), 0);

describe('SessionClock timeline', () => {
  it('maps nothing before start', () => {
    const c = new SessionClock();
    expect(c.started).toBe(false);
    expect(c.toMedia(0)).toBeNull();
    expect(c.toMedia(1e9)).toBeNull();
    expect(c.keeps(5)).toBe(false);
    expect(c.duration).toBeNull();
    expect(c.mediaUpTo(1e6)).toBe(0);
    expect(c.keepRanges(0, 480, RATE)).toEqual([]);
  });

  it('maps capture time to media time through start, pause, resume and stop', () => {
    const c = new SessionClock();
    c.start(1_000_000);
    expect(c.started).toBe(true);
    expect(c.toMedia(999_999)).toBeNull();
    expect(c.toMedia(1_000_000)).toBe(0);
    expect(c.toMedia(1_250_000)).toBe(250_000);
    expect(c.mediaUpTo(1_250_000)).toBe(250_000);

    c.pause(1_500_000);
    expect(c.paused).toBe(true);
    expect(c.toMedia(1_499_999)).toBe(499_999);
    expect(c.toMedia(1_500_000)).toBeNull();
    expect(c.toMedia(1_700_000)).toBeNull();
    // An open pause counts up to the instant asked about.
    expect(c.pausedBefore(1_700_000)).toBe(200_000);
    expect(c.mediaUpTo(1_700_000)).toBe(500_000);

    c.resume(2_000_000);
    expect(c.paused).toBe(false);
    expect(c.toMedia(1_999_999)).toBeNull();
    expect(c.toMedia(2_000_000)).toBe(500_000);
    expect(c.toMedia(2_300_000)).toBe(800_000);
    expect(c.pausedBefore(1_500_000)).toBe(0);
    expect(c.pausedBefore(1_600_000)).toBe(100_000);
    expect(c.pausedBefore(2_000_000)).toBe(500_000);
    expect(c.pausedBefore(9_000_000)).toBe(500_000);

    c.pause(2_500_000);
    c.resume(2_600_000);
    expect(c.toMedia(2_550_000)).toBeNull();
    expect(c.toMedia(2_600_000)).toBe(1_000_000);
    expect(c.pausedBefore(3_000_000)).toBe(600_000);

    expect(c.duration).toBeNull();
    c.stop(3_000_000);
    expect(c.stopped).toBe(true);
    expect(c.stopTime).toBe(3_000_000);
    expect(c.toMedia(2_999_999)).toBe(1_399_999);
    expect(c.toMedia(3_000_000)).toBeNull();
    expect(c.toMedia(4_000_000)).toBeNull();
    expect(c.duration).toBe(1_400_000);
    expect(c.mediaUpTo(10_000_000)).toBe(1_400_000);
  });

  it('ends at the pause start when stopped while paused', () => {
    const c = new SessionClock();
    c.start(0);
    c.pause(3_000_000);
    c.stop(5_000_000);
    expect(c.stopTime).toBe(3_000_000);
    expect(c.paused).toBe(false);
    expect(c.duration).toBe(3_000_000);
    expect(c.toMedia(2_999_999)).toBe(2_999_999);
    expect(c.toMedia(3_000_000)).toBeNull();
    expect(c.toMedia(4_000_000)).toBeNull();
    expect(c.toMedia(6_000_000)).toBeNull();
  });

  it('ignores calls that make no sense in the current state', () => {
    const c = new SessionClock();
    c.pause(10);
    c.resume(20);
    c.stop(30);
    expect(c.started).toBe(false);
    expect(c.stopped).toBe(false);
    c.start(100);
    expect(() => c.start(200)).toThrow();
    c.resume(150); // not paused
    c.pause(300);
    c.pause(400); // already paused: the first pause stands
    c.resume(500);
    expect(c.pausedBefore(1000)).toBe(200);
    c.stop(1000);
    c.stop(2000); // second stop ignored
    c.pause(3000); // after stop
    expect(c.stopTime).toBe(1000);
    expect(c.paused).toBe(false);
    expect(c.duration).toBe(700);
  });

  it('clamps a pause before start and a resume before its pause', () => {
    const c = new SessionClock();
    c.start(1000);
    c.pause(500);
    c.resume(800);
    // The pause starts at start and ends no earlier than it began: zero length.
    expect(c.pausedBefore(5000)).toBe(0);
    expect(c.toMedia(1000)).toBe(0);
    c.stop(900);
    expect(c.stopTime).toBe(1000);
    expect(c.duration).toBe(0);
  });
});

describe('SessionClock.keepRanges', () => {
  it('returns the whole block while recording, nothing before start or after stop', () => {
    const c = new SessionClock();
    c.start(1_000_000);
    expect(c.keepRanges(500_000, 480, RATE)).toEqual([]);
    expect(c.keepRanges(1_000_000, 480, RATE)).toEqual([[0, 480]]);
    expect(c.keepRanges(1_234_567.89, 1024, RATE)).toEqual([[0, 1024]]);
    c.stop(2_000_000);
    expect(c.keepRanges(2_000_000, 480, RATE)).toEqual([]);
    expect(c.keepRanges(2_500_000, 480, RATE)).toEqual([]);
  });

  it('cuts at sample precision at start, pause, resume and stop inside one block', () => {
    const c0 = 10_000_000;
    const c = new SessionClock();
    // Sample i is at c0 + i·20.8333… µs.
    c.start(c0 + 100.5 * PERIOD); // between samples 100 and 101: 101 is the first kept
    c.pause(c0 + 1000 * PERIOD); // exactly on sample 1000: it is the first cut
    c.resume(c0 + 1999.9 * PERIOD); // 2000 is the first kept again
    c.stop(c0 + 3000.2 * PERIOD); // 3000 is the last kept
    const ranges = c.keepRanges(c0, 4800, RATE);
    expect(ranges).toEqual([
      [101, 1000],
      [2000, 3001],
    ]);
    expect(ranges).toEqual(referenceRanges(c, c0, 4800, RATE));
    expect(c.keeps(c0 + 100 * PERIOD)).toBe(false);
    expect(c.keeps(c0 + 101 * PERIOD)).toBe(true);
    expect(c.keeps(c0 + 999 * PERIOD)).toBe(true);
    expect(c.keeps(c0 + 1000 * PERIOD)).toBe(false);
    expect(c.keeps(c0 + 1999 * PERIOD)).toBe(false);
    expect(c.keeps(c0 + 2000 * PERIOD)).toBe(true);
    expect(c.keeps(c0 + 3000 * PERIOD)).toBe(true);
    expect(c.keeps(c0 + 3001 * PERIOD)).toBe(false);
  });

  it('handles cuts on the first and last samples and pauses shorter than a sample', () => {
    const c0 = 2_000_000.25;
    const c = new SessionClock();
    c.start(c0); // the block's first sample is the first kept
    c.pause(c0 + 10.2 * PERIOD);
    c.resume(c0 + 10.7 * PERIOD); // no sample instant inside: nothing cut
    c.pause(c0 + 478.5 * PERIOD); // only the last sample (479) is cut
    expect(c.keepRanges(c0, 480, RATE)).toEqual([[0, 479]]);
    expect(c.keepRanges(c0, 480, RATE)).toEqual(referenceRanges(c, c0, 480, RATE));
    c.resume(c0 + 480 * PERIOD + 3); // the next block resumes on its sample 1
    const next = c0 + 480 * PERIOD;
    expect(c.keepRanges(next, 480, RATE)).toEqual([[1, 480]]);
    expect(c.keepRanges(next, 480, RATE)).toEqual(referenceRanges(c, next, 480, RATE));
  });

  it('cuts exactly on sample instants when capture times are large', () => {
    // An hour into a page's life performance.now() is ~3.6e9 µs; the subtraction t − c0 then
    // carries rounding error well above a nanosecond.
    for (const c0 of [3_600_000_000.123, 788_703_616.5446043, 86_400_000_000.5]) {
      for (let k = 1; k < 470; k += 7) {
        const c = new SessionClock();
        c.start(c0 - 1);
        c.pause(c0 + k * PERIOD);
        c.resume(c0 + (k + 5) * PERIOD);
        expect(c.keeps(c0 + (k - 1) * PERIOD)).toBe(true);
        expect(c.keeps(c0 + k * PERIOD)).toBe(false);
        expect(c.keeps(c0 + (k + 4) * PERIOD)).toBe(false);
        expect(c.keeps(c0 + (k + 5) * PERIOD)).toBe(true);
        expect(c.keepRanges(c0, 480, RATE), `c0=${c0} k=${k}`).toEqual([
          [0, k],
          [k + 5, 480],
        ]);
      }
    }
  });

  it('agrees with the per-sample rule for random timelines, including cuts exactly on sample instants', () => {
    const random = rng(0x5eed);
    for (let trial = 0; trial < 1000; trial++) {
      const rate = [48_000, 44_100, 16_000, 96_000][trial % 4] as number;
      const period = 1e6 / rate;
      const n = [128, 480, 1024, 4800][Math.floor(random() * 4)] as number;
      const c0 = 1_000_000 + random() * 1e9;
      const c = new SessionClock();
      // Cut instants inside the block, chosen either between samples or on a sample instant
      // (written the way a caller would compute it, possibly rounding to either side).
      const cut = () => {
        const k = Math.floor(random() * n);
        const mode = random();
        if (mode < 0.4) return c0 + (k + random()) * period;
        if (mode < 0.6) return c0 + (k * 1e6) / rate;
        if (mode < 0.8) return c0 + k * period;
        return c0 + k * (1e6 / rate) + (random() < 0.5 ? -1e-7 : 1e-7);
      };
      const times = Array.from({ length: 2 + Math.floor(random() * 5) }, cut).sort((a, b) => a - b);
      c.start(random() < 0.2 ? c0 - 1000 : (times.shift() as number));
      let pausing = true;
      while (times.length > 1) {
        const t = times.shift() as number;
        if (pausing) c.pause(t);
        else c.resume(t);
        pausing = !pausing;
      }
      if (times.length && random() < 0.7) c.stop(times[0] as number);
      const ranges = c.keepRanges(c0, n, rate);
      expect(ranges, `trial ${trial}`).toEqual(referenceRanges(c, c0, n, rate));
      // Every range starts on a sample that has a media time.
      for (const [from] of ranges) expect(c.toMedia(c0 + from * period), `trial ${trial}`).not.toBeNull();
    }
  });

  it('keeps duration × rate samples over many consecutive blocks, within one sample per cut', () => {
    const random = rng(42);
    for (let trial = 0; trial < 20; trial++) {
      const c = new SessionClock();
      const block = 128;
      const blockUs = block * PERIOD;
      const c0 = 5_000_000 + random() * 1e6;
      // Start a little after the first block, then pause/resume several times, then stop.
      let t = c0 + 5_000 + random() * 50_000;
      c.start(t);
      let cuts = 2; // start and stop
      const pauses = 1 + Math.floor(random() * 6);
      for (let p = 0; p < pauses; p++) {
        t += 20_000 + random() * 400_000;
        c.pause(t);
        t += 1_000 + random() * 300_000;
        c.resume(t);
        cuts += 2;
      }
      t += 20_000 + random() * 400_000;
      c.stop(t);
      const duration = c.duration as number;
      let total = 0;
      let blocks = 0;
      for (let b = 0; c0 + b * blockUs < t + blockUs; b++, blocks++) {
        const start = c0 + b * blockUs;
        const ranges = c.keepRanges(start, block, RATE);
        for (const [from, to] of ranges) {
          expect(from).toBeGreaterThanOrEqual(0);
          expect(to).toBeLessThanOrEqual(block);
          expect(from).toBeLessThan(to);
        }
        total += kept(ranges);
      }
      expect(blocks).toBeGreaterThan(100);
      expect(Math.abs(total - (duration * RATE) / 1e6), `trial ${trial}`).toBeLessThanOrEqual(cuts);
    }
  });
});

describe('VideoClockOffset', () => {
  it('approaches the true offset from below as the max of (timestamp − arrival)', () => {
    const K = 123_456_789.5;
    const o = new VideoClockOffset();
    expect(o.known).toBe(false);
    const random = rng(7);
    let best = -Infinity;
    for (let f = 0; f < 300; f++) {
      const capture = 50_000_000 + f * 33_333.3;
      const timestamp = capture + K;
      // Every frame arrives 2–40 ms after capture; one arrives almost at once.
      const delay = f === 200 ? 150 : 2_000 + random() * 38_000;
      o.observe(timestamp, capture + delay);
      best = Math.max(best, timestamp - (capture + delay));
      expect(o.known).toBe(true);
      expect(o.value).toBe(best);
      expect(o.value).toBeLessThanOrEqual(K);
    }
    expect(K - o.value).toBeCloseTo(150, 6);
    expect(o.toCapture(K + 60_000_000)).toBeCloseTo(60_000_000 + 150, 6);
  });

  it('uses an exact value once set, ignoring later observations', () => {
    const o = new VideoClockOffset();
    o.observe(1_000_000, 400_000);
    expect(o.value).toBe(600_000);
    o.set(610_000);
    expect(o.value).toBe(610_000);
    o.observe(2_000_000, 1_300_000); // would raise the estimate to 700 000
    expect(o.value).toBe(610_000);
    expect(o.toCapture(1_610_000)).toBe(1_000_000);
    expect(o.known).toBe(true);
  });
});
