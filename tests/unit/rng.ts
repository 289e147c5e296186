/** Small seeded PRNG (mulberry32) so randomised tests are repeatable; shared with the benchmarks. */
export { rng } from '../../bench/lib/rng.js';
