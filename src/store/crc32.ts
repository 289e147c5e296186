/**
 * CRC-32 (IEEE) tables for slicing by 16: table k gives a byte's contribution k bytes further on,
 * so 16 bytes fold in with 16 lookups and no dependency between them. Byte at a time, every
 * fragment's checksum took ~0.3 CPU s per recorded minute of the encode worker (720p30); this is
 * about 5x faster (600 KB: 1.3 ms against 0.26 in Node).
 */
const TABLES = (() => {
  const t = new Uint32Array(256 * 16);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let k = 1; k < 16; k++) {
    for (let n = 0; n < 256; n++) {
      const p = t[(k - 1) * 256 + n] as number;
      t[k * 256 + n] = (p >>> 8) ^ (t[p & 0xff] as number);
    }
  }
  return t;
})();

/** Words are read as little-endian by the sliced loop; on a big-endian platform bytes are taken one at a time. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** CRC-32 (IEEE), as zlib computes it; `prev` continues a running checksum. */
export function crc32(data: Uint8Array, prev = 0): number {
  const t = TABLES;
  let c = ~prev >>> 0;
  const n = data.length;
  let i = 0;
  if (LITTLE_ENDIAN && n >= 64) {
    // Bytes up to a 4-byte boundary, then 16 at a time as four words.
    for (; (data.byteOffset + i) & 3; i++) c = (t[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
    const w = new Uint32Array(data.buffer, data.byteOffset + i, ((n - i) >>> 4) << 2);
    for (let k = 0; k < w.length; k += 4) {
      const a = (c ^ (w[k] as number)) >>> 0;
      const b = w[k + 1] as number;
      const d = w[k + 2] as number;
      const e = w[k + 3] as number;
      c =
        (t[3840 + (a & 0xff)] as number) ^ (t[3584 + ((a >>> 8) & 0xff)] as number) ^ (t[3328 + ((a >>> 16) & 0xff)] as number) ^ (t[3072 + (a >>> 24)] as number) ^
        (t[2816 + (b & 0xff)] as number) ^ (t[2560 + ((b >>> 8) & 0xff)] as number) ^ (t[2304 + ((b >>> 16) & 0xff)] as number) ^ (t[2048 + (b >>> 24)] as number) ^
        (t[1792 + (d & 0xff)] as number) ^ (t[1536 + ((d >>> 8) & 0xff)] as number) ^ (t[1280 + ((d >>> 16) & 0xff)] as number) ^ (t[1024 + (d >>> 24)] as number) ^
        (t[768 + (e & 0xff)] as number) ^ (t[512 + ((e >>> 8) & 0xff)] as number) ^ (t[256 + ((e >>> 16) & 0xff)] as number) ^ (t[e >>> 24] as number);
    }
    i += w.length * 4;
  }
  for (; i < n; i++) c = (t[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}
