import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { Sha256 } from '../../src/upload/sha256.js';
import { rng } from './rng.js';

const ref = (d: Uint8Array) => createHash('sha256').update(d).digest('hex');

describe('incremental SHA-256', () => {
  test('known vectors', () => {
    expect(new Sha256().digest()).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(new Sha256().update(new TextEncoder().encode('abc')).digest()).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  test('equals one-shot hashing for any split of the input, at every padding length', () => {
    const next = rng(7);
    for (const size of [1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 1000, 70_001]) {
      const data = new Uint8Array(size).map(() => Math.floor(next() * 256));
      const h = new Sha256();
      let at = 0;
      while (at < size) {
        const n = Math.min(size - at, 1 + Math.floor(next() * 200));
        h.update(data.subarray(at, at + n));
        at += n;
      }
      expect(h.length).toBe(size);
      expect(h.digest()).toBe(ref(data));
    }
  });
});
