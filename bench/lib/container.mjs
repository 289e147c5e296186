// What a recorded file's container says about itself, read from its structure rather than from
// ffprobe (which estimates a missing duration and seeks without an index by scanning): whether an
// index a player can seek by is present, and the duration written in the header.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const read = (fd, pos, n) => {
  const b = Buffer.alloc(n);
  const got = readSync(fd, b, 0, n, pos);
  return b.subarray(0, got);
};

/** MP4: top-level boxes, the movie header's duration (or the fragmented movie's mehd), and the index kind. */
function inspectMp4(fd, size) {
  const top = [];
  let moov = null;
  for (let pos = 0; pos + 8 <= size; ) {
    const h = read(fd, pos, 16);
    let len = h.readUInt32BE(0);
    const type = h.toString('latin1', 4, 8);
    let header = 8;
    if (len === 1) {
      len = Number(h.readBigUInt64BE(8));
      header = 16;
    } else if (len === 0) len = size - pos;
    if (len < header) break;
    top.push(type);
    if (type === 'moov') moov = read(fd, pos + header, Math.min(len - header, 64 << 20));
    pos += len;
  }
  const child = (buf, path) => {
    let b = buf;
    for (const want of path) {
      let found = null;
      for (let p = 0; p + 8 <= b.length; ) {
        const len = b.readUInt32BE(p);
        if (len < 8) break;
        if (b.toString('latin1', p + 4, p + 8) === want) {
          found = b.subarray(p + 8, p + len);
          break;
        }
        p += len;
      }
      if (!found) return null;
      b = found;
    }
    return b;
  };
  let declared = null;
  let samples = 0;
  if (moov) {
    const mvhd = child(moov, ['mvhd']);
    if (mvhd) {
      const v1 = mvhd[0] === 1;
      const timescale = mvhd.readUInt32BE(v1 ? 20 : 12);
      const duration = v1 ? Number(mvhd.readBigUInt64BE(24)) : mvhd.readUInt32BE(16);
      if (duration > 0 && timescale > 0) declared = duration / timescale;
      const mehd = child(moov, ['mvex', 'mehd']);
      if (declared === null && mehd && timescale > 0) {
        const d = mehd[0] === 1 ? Number(mehd.readBigUInt64BE(4)) : mehd.readUInt32BE(4);
        if (d > 0) declared = d / timescale;
      }
    }
    const stsz = child(moov, ['trak', 'mdia', 'minf', 'stbl', 'stsz']);
    if (stsz) samples = stsz.readUInt32BE(8);
  }
  const fragmented = top.includes('moof');
  // A fragmented file is seekable without reading every fragment when it carries a random-access
  // index (mfra/tfra) or segment indexes (sidx); a plain one through its sample tables.
  const index = fragmented ? (top.includes('mfra') ? 'mfra' : top.includes('sidx') ? 'sidx' : null) : samples > 0 ? 'moov' : null;
  return { container: fragmented ? 'fragmented MP4' : 'MP4', index, declaredDuration: declared, fastStart: !fragmented && top.indexOf('moov') < top.indexOf('mdat') };
}

/** EBML variable-size integer at p: { value, length }; `id` keeps the marker bits (element IDs do). */
function vint(b, p, id = false) {
  let len = 1;
  while (len <= 8 && !(b[p] & (0x80 >> (len - 1)))) len++;
  if (len > 8 || p + len > b.length) return null;
  let v = id ? b[p] : b[p] & (0xff >> len);
  for (let i = 1; i < len; i++) v = v * 256 + b[p + i];
  const unknown = !id && v === 2 ** (7 * len) - 1;
  return { value: unknown ? Infinity : v, length: len };
}

const SEGMENT = 0x18538067;
const INFO = 0x1549a966;
const CLUSTER = 0x1f43b675;
const CUES = 0x1c53bb6b;
const TIMESTAMP_SCALE = 0x2ad7b1;
const DURATION = 0x4489;
const CUE_POINT = 0xbb;

/** Matroska/WebM: Info's Duration, and whether a Cues element (with cue points) is in the Segment. */
function inspectMatroska(fd, size) {
  const head = read(fd, 0, Math.min(size, 1 << 20));
  let p = 0;
  let segmentData = -1;
  while (p < head.length) {
    const id = vint(head, p, true);
    const len = vint(head, p + id.length);
    if (!id || !len) break;
    const data = p + id.length + len.length;
    if (id.value === SEGMENT) {
      segmentData = data;
      break;
    }
    p = data + len.value;
  }
  let declared = null;
  let scale = 1e6;
  let cues = false;
  let firstCluster = -1;
  // The Segment's children up to the first Cluster have known sizes (MediaRecorder leaves only the
  // Segment and Clusters unsized), so Info is found by walking them.
  for (p = segmentData; p >= 0 && p < head.length; ) {
    const id = vint(head, p, true);
    const len = id && vint(head, p + id.length);
    if (!id || !len) break;
    const data = p + id.length + len.length;
    if (id.value === CLUSTER) {
      firstCluster = p;
      break;
    }
    if (id.value === CUES) cues = true;
    if (id.value === INFO && Number.isFinite(len.value)) {
      for (let q = data; q < data + len.value; ) {
        const cid = vint(head, q, true);
        const clen = cid && vint(head, q + cid.length);
        if (!cid || !clen) break;
        const cdata = q + cid.length + clen.length;
        if (cid.value === TIMESTAMP_SCALE) scale = head.readUIntBE(cdata, clen.value);
        if (cid.value === DURATION) declared = clen.value === 4 ? head.readFloatBE(cdata) : head.readDoubleBE(cdata);
        q = cdata + clen.value;
      }
    }
    if (!Number.isFinite(len.value)) break;
    p = data + len.value;
  }
  // Cues usually follow the last Cluster. Clusters may be unsized, so look for the Cues ID and
  // accept it only where it parses as a Cues element whose first child is a CuePoint.
  if (!cues && firstCluster >= 0) {
    const want = Buffer.from([0x1c, 0x53, 0xbb, 0x6b]);
    const step = 8 << 20;
    for (let pos = firstCluster; pos < size && !cues; pos += step - 3) {
      const b = read(fd, pos, Math.min(step, size - pos));
      for (let i = b.indexOf(want); i >= 0 && !cues; i = b.indexOf(want, i + 1)) {
        const len = vint(b, i + 4);
        if (len && i + 4 + len.length < b.length && b[i + 4 + len.length] === CUE_POINT) cues = true;
      }
    }
  }
  return { container: 'WebM/Matroska', index: cues ? 'cues' : null, declaredDuration: declared && declared > 0 ? (declared * scale) / 1e9 : null };
}

/** { container, index ('moov' | 'mfra' | 'sidx' | 'cues' | null), declaredDuration (s or null) } */
export function inspectContainer(path) {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const magic = read(fd, 0, 8);
    if (magic.readUInt32BE(0) === 0x1a45dfa3) return inspectMatroska(fd, size);
    if (magic.toString('latin1', 4, 8) === 'ftyp') return inspectMp4(fd, size);
    return { container: 'unknown', index: null, declaredDuration: null };
  } finally {
    closeSync(fd);
  }
}
