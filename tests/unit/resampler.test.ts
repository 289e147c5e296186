import { describe, expect, it } from 'vitest';
import { LinearResampler } from '../../workers/encode/audio-pipeline.js';

describe('LinearResampler (a microphone at another rate than the recording, direct audio)', () => {
  it.each([
    [44_100, 48_000],
    [48_000, 16_000],
    [96_000, 48_000],
  ])('%i Hz → %i Hz in 10 ms chunks: the right number of samples, a 440 Hz tone kept', (from, to) => {
    const r = new LinearResampler(from, to, 1);
    const chunk = from / 100;
    const out: number[] = [];
    for (let c = 0; c < 300; c++) {
      const x = new Float32Array(chunk);
      for (let i = 0; i < chunk; i++) x[i] = Math.sin((2 * Math.PI * 440 * (c * chunk + i)) / from);
      for (const v of (r.process([x])[0] as Float32Array)) out.push(v);
    }
    // 3 s in: 3 s out, to within a sample.
    expect(Math.abs(out.length - 3 * to)).toBeLessThanOrEqual(1);
    // Every output sample is the tone at its own time (linear interpolation: error ~ (πf/fs)²/2).
    let worst = 0;
    for (let k = 0; k < out.length; k++) worst = Math.max(worst, Math.abs((out[k] as number) - Math.sin((2 * Math.PI * 440 * k) / to)));
    expect(worst).toBeLessThan(0.01);
  });

  it('keeps channels apart', () => {
    const r = new LinearResampler(24_000, 48_000, 2);
    const [l, rr] = r.process([new Float32Array(240).fill(0.5), new Float32Array(240).fill(-0.25)]) as [Float32Array, Float32Array];
    expect(l.length).toBe(rr.length);
    expect(l.slice(2).every((v) => Math.abs(v - 0.5) < 1e-6)).toBe(true);
    expect(rr.slice(2).every((v) => Math.abs(v + 0.25) < 1e-6)).toBe(true);
  });
});
