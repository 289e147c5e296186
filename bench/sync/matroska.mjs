// Just enough of a Matroska/WebM reader to see what a file says about time: the timestamp scale,
// each track's CodecDelay and its blocks' raw timestamps (ms), as written, before any demuxer.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

const MASTERS = new Set([0x18538067, 0x1549a966, 0x1654ae6b, 0xae, 0x1f43b675, 0xa0]);

export function readMatroska(path) {
  const b = readFileSync(path);
  const vint = (p, marker) => {
    let len = 1;
    while (len <= 8 && !(b[p] & (0x80 >> (len - 1)))) len++;
    let v = marker ? b[p] : b[p] & (0xff >> len);
    for (let i = 1; i < len; i++) v = v * 256 + b[p + i];
    return { v, len, unknown: !marker && v === 2 ** (7 * len) - 1 };
  };
  const uint = (p, n) => {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + b[p + i];
    return v;
  };
  const info = { timestampScale: 1e6, tracks: new Map() };
  let entry = null;
  let cluster = 0;
  const walk = (p, end) => {
    while (p < end && p < b.length) {
      const id = vint(p, true);
      const size = vint(p + id.len, false);
      const data = p + id.len + size.len;
      const next = size.unknown ? end : data + size.v;
      if (id.v === 0xae) {
        entry = { number: 0, type: 0, codecDelay: 0, blocks: [] };
        walk(data, next);
        info.tracks.set(entry.number, entry);
      } else if (MASTERS.has(id.v)) walk(data, next);
      else if (id.v === 0x2ad7b1) info.timestampScale = uint(data, size.v);
      else if (id.v === 0xd7 && entry) entry.number = uint(data, size.v);
      else if (id.v === 0x83 && entry) entry.type = uint(data, size.v);
      else if (id.v === 0x56aa && entry) entry.codecDelay = uint(data, size.v);
      else if (id.v === 0xe7) cluster = uint(data, size.v);
      else if (id.v === 0xa3 || id.v === 0xa1) {
        const track = vint(data, false);
        info.tracks.get(track.v)?.blocks.push(((cluster + b.readInt16BE(data + track.len)) * info.timestampScale) / 1e6);
      }
      p = next;
    }
  };
  walk(0, b.length);
  const tracks = [...info.tracks.values()];
  return { timestampScale: info.timestampScale, video: tracks.find((t) => t.type === 1), audio: tracks.find((t) => t.type === 2) };
}

export function isMatroska(path) {
  const head = Buffer.alloc(4);
  const fd = openSync(path, 'r');
  readSync(fd, head, 0, 4, 0);
  closeSync(fd);
  return head.readUInt32BE(0) === 0x1a45dfa3;
}
