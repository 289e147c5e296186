// Beep onset detection, shared by the clapperboard page (on the PCM that entered the stream) and
// the analysis (on the PCM decoded from the file), so both ends measure an onset the same way.

export const BEEP_HZ = 1000;
/** Onset = where the burst first reaches this fraction of its own amplitude. */
export const FRACTION = 0.25;

/**
 * Sub-sample onsets (in samples) of the tone bursts in `x`: the first crossing of FRACTION × the
 * burst's amplitude, interpolated between samples, minus the time an ideal phase-0 sine takes to
 * get there, so a clean burst starting at sample s reports s. `minGap` (s) skips the rest of a burst.
 */
export function beepOnsets(x, rate, { hz = BEEP_HZ, fraction = FRACTION, minGap = 0.3 } = {}) {
  let peak = 0;
  for (let i = 0; i < x.length; i++) peak = Math.max(peak, Math.abs(x[i]));
  if (peak < 1e-3) return [];
  const trigger = 0.5 * peak;
  const settle = Math.round(0.002 * rate); // a 1 kHz burst is at full amplitude within its first cycle
  const back = Math.round(0.005 * rate); // how far before the trigger an onset can be
  const skip = Math.round(minGap * rate);
  const bias = (Math.asin(fraction) / (2 * Math.PI * hz)) * rate;
  const out = [];
  for (let i = 0; i < x.length; i++) {
    if (Math.abs(x[i]) < trigger) continue;
    let amp = 0;
    for (let j = i; j < Math.min(x.length, i + settle); j++) amp = Math.max(amp, Math.abs(x[j]));
    const level = fraction * amp;
    let k = Math.max(1, i - back);
    while (k < i && Math.abs(x[k]) < level) k++;
    const a = Math.abs(x[k - 1]);
    const b = Math.abs(x[k]);
    const frac = b > a && a < level ? (level - a) / (b - a) : 1;
    out.push(k - 1 + frac - bias);
    i += skip;
  }
  return out;
}
