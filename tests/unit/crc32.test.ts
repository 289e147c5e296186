import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/store/crc32.js';

const ascii = (s: string) => new TextEncoder().encode(s);

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
  });

  it('matches other known IEEE CRC-32 values', () => {
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(ascii('a'))).toBe(0xe8b7be43);
    expect(crc32(ascii('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
    expect(crc32(new Uint8Array(32))).toBe(0x190a55ad);
  });

  it('returns an unsigned 32-bit number', () => {
    const c = crc32(ascii('123456789'));
    expect(c).toBeGreaterThan(0x7fffffff);
    expect(Number.isInteger(c)).toBe(true);
  });

  it('continues a running checksum with prev', () => {
    const data = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 7919 + 13) & 0xff);
    const whole = crc32(data);
    for (const split of [0, 1, 3, 4096, 9_999, 10_000]) {
      expect(crc32(data.subarray(split), crc32(data.subarray(0, split)))).toBe(whole);
    }
    let running = 0;
    for (let at = 0; at < data.length; at += 333) running = crc32(data.subarray(at, at + 333), running);
    expect(running).toBe(whole);
    expect(crc32(ascii('6789'), crc32(ascii('12345')))).toBe(0xcbf43926);
  });

  it('detects a single flipped bit', () => {
    const data = ascii('123456789');
    const flipped = data.slice();
    flipped[4] = (flipped[4] as number) ^ 0x10;
    expect(crc32(flipped)).not.toBe(crc32(data));
  });

  it('matches zlib on data of every alignment and length around the 16-byte blocks', () => {
    let seed = 99;
    const buf = Uint8Array.from({ length: 70_000 }, () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) >>> 16);
    const zcrc = (zlib as unknown as { crc32(d: Uint8Array, v?: number): number }).crc32;
    for (const offset of [0, 1, 2, 3, 5, 8]) {
      for (const len of [0, 1, 15, 16, 17, 63, 64, 65, 79, 80, 1000, 4099, 65_536]) {
        const d = buf.subarray(offset, offset + len);
        expect(crc32(d)).toBe(zcrc(d));
        expect(crc32(d, 0xdeadbeef)).toBe(zcrc(d, 0xdeadbeef));
      }
    }
  });
});
