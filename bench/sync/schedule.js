// When the clapperboard's events happen: irregular, seeded gaps, so a run is repeatable and the
// pattern of gaps identifies each event in a file whatever the recorder trimmed or shifted (match).

import { rng } from '../lib/rng.js';

export { rng };

/** Event instants (ms) from `from` up to `to`, `minGap`–`maxGap` ms apart. */
export function eventTimes(seed, from, to, { minGap = 700, maxGap = 2300 } = {}) {
  const next = rng(seed);
  const out = [];
  for (let t = from; t <= to; t += minGap + next() * (maxGap - minGap)) out.push(t);
  return out;
}

/**
 * Assigns measured onsets (s) to expected instants (ms, any base; NaN never matches): the shift that
 * matches the most onsets identifies the events (the gaps are irregular), then each onset is matched
 * in order to the nearest instant, following slow drift and steps up to `tol` ms. Returns per
 * expected instant the onset (s) or null, and the onsets left over.
 */
export function match(onsets, expected, { tol = 250 } = {}) {
  const ms = onsets.map((t) => t * 1000);
  const known = expected.filter(Number.isFinite);
  let best = { count: -1, cost: Infinity, shift: 0 };
  for (const m of ms) {
    for (const e of known) {
      const shift = e - m;
      let count = 0;
      let cost = 0;
      for (const x of ms) {
        const d = Math.min(...known.map((y) => Math.abs(x + shift - y)));
        if (d <= 60) {
          count++;
          cost += d * d;
        }
      }
      if (count > best.count || (count === best.count && cost < best.cost)) best = { count, cost, shift };
    }
  }
  const out = expected.map(() => null);
  const extra = [];
  let shift = best.shift;
  for (const m of ms) {
    let j = -1;
    for (let i = 0; i < expected.length; i++) if (out[i] === null && Math.abs(m + shift - expected[i]) <= tol && (j < 0 || Math.abs(m + shift - expected[i]) < Math.abs(m + shift - expected[j]))) j = i;
    if (j < 0) {
      extra.push(m / 1000);
      continue;
    }
    out[j] = m / 1000;
    shift = expected[j] - m;
  }
  return { onsets: out, extra };
}
