/**
 * Just enough MP4-box and EBML parsing to check that a stored chunk holds whole top-level
 * boxes / elements (a fragment or a cluster is never cut), and to find the WebM header fields that
 * recovery patches.
 */

/** Whether `data` is a sequence of complete ISO-BMFF boxes. */
export function wholeBoxes(data: Uint8Array): boolean {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  while (at < data.length) {
    if (at + 8 > data.length) return false;
    let size = v.getUint32(at);
    if (size === 1) {
      if (at + 16 > data.length) return false;
      size = Number(v.getBigUint64(at + 8));
    } else if (size === 0) {
      size = data.length - at; // box to end of file
    }
    if (size < 8 || at + size > data.length) return false;
    at += size;
  }
  return true;
}

/** Reads an EBML element ID (marker bits kept) at `at`; returns [id, length]. */
export function readId(d: Uint8Array, at: number): [number, number] | null {
  const first = d[at];
  if (first === undefined || first === 0) return null;
  const len = Math.clz32(first) - 23;
  if (len > 4 || at + len > d.length) return null;
  let id = 0;
  for (let i = 0; i < len; i++) id = id * 256 + (d[at + i] as number);
  return [id, len];
}

/** Reads an EBML size varint at `at`; returns [size (-1 for unknown), length]. */
export function readSize(d: Uint8Array, at: number): [number, number] | null {
  const first = d[at];
  if (first === undefined || first === 0) return null;
  const len = Math.clz32(first) - 23;
  if (len > 8 || at + len > d.length) return null;
  let value = first & (0xff >> len);
  let allOnes = value === 0xff >> len;
  for (let i = 1; i < len; i++) {
    const b = d[at + i] as number;
    value = value * 256 + b;
    if (b !== 0xff) allOnes = false;
  }
  return [allOnes ? -1 : value, len];
}

export const EBML = { Header: 0x1a45dfa3, Segment: 0x18538067, Info: 0x1549a966, Duration: 0x4489, TimecodeScale: 0x2ad7b1, Cluster: 0x1f43b675, Cues: 0x1c53bb6b, SeekHead: 0x114d9b74, Void: 0xec } as const;

/** Whether `data` is a sequence of complete top-level EBML elements (an unknown size runs to the end). */
export function wholeElements(data: Uint8Array): boolean {
  let at = 0;
  while (at < data.length) {
    const id = readId(data, at);
    if (!id) return false;
    const size = readSize(data, at + id[1]);
    if (!size) return false;
    const end = size[0] === -1 ? data.length : at + id[1] + size[1] + size[0];
    if (end > data.length) return false;
    at = end;
  }
  return true;
}

/** Where the WebM header keeps the fields a finished file has and a crashed one lacks. */
export type WebmHeaderFields = {
  /** Offset and width of the Segment's size varint. */
  segmentSize: { offset: number; width: number };
  /** Offset of the Segment's data (sizes are counted from here). */
  segmentDataOffset: number;
  /** Offset and width (4 or 8) of the Duration float's payload, when present. */
  duration: { offset: number; width: number } | null;
  /** Nanoseconds per timestamp unit. */
  timecodeScale: number;
  /** The SeekHead element (offset, whole length): its positions are only written at finalize. */
  seekHead: { offset: number; length: number } | null;
};

/** Finds the Segment size and the Info/Duration field in the first stored chunk of a WebM file. */
export function webmHeaderFields(head: Uint8Array): WebmHeaderFields | null {
  let at = 0;
  while (at < head.length) {
    const id = readId(head, at);
    if (!id) return null;
    const size = readSize(head, at + id[1]);
    if (!size) return null;
    const dataAt = at + id[1] + size[1];
    if (id[0] !== EBML.Segment) {
      at = dataAt + size[0];
      continue;
    }
    const out: WebmHeaderFields = { segmentSize: { offset: at + id[1], width: size[1] }, segmentDataOffset: dataAt, duration: null, timecodeScale: 1_000_000, seekHead: null };
    // Walk the Segment's children present in this chunk to Info, then Info's children.
    let c = dataAt;
    while (c < head.length) {
      const cid = readId(head, c);
      if (!cid) break;
      const cs = readSize(head, c + cid[1]);
      if (!cs || cs[0] < 0) break;
      const cData = c + cid[1] + cs[1];
      if (cid[0] === EBML.SeekHead) out.seekHead = { offset: c, length: cid[1] + cs[1] + cs[0] };
      if (cid[0] === EBML.Cluster) break;
      if (cid[0] === EBML.Info) {
        let i = cData;
        while (i < cData + cs[0]) {
          const iid = readId(head, i);
          const is = iid && readSize(head, i + iid[1]);
          if (!iid || !is) break;
          const iData = i + iid[1] + is[1];
          if (iid[0] === EBML.Duration) out.duration = { offset: iData, width: is[0] };
          if (iid[0] === EBML.TimecodeScale) {
            let v = 0;
            for (let k = 0; k < is[0]; k++) v = v * 256 + (head[iData + k] as number);
            out.timecodeScale = v;
          }
          i = iData + is[0];
        }
      }
      c = cData + cs[0];
    }
    return out;
  }
  return null;
}

/** An EBML size varint of `width` bytes holding `value`. */
export function sizeVarInt(value: number, width: number): Uint8Array {
  const out = new Uint8Array(width);
  let v = value;
  for (let i = width - 1; i >= 0; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  out[0] = (out[0] as number) | (0x80 >> (width - 1));
  return out;
}

/** A Void element filling exactly `length` (≥ 9) bytes: demuxers skip it. */
export function voidElement(length: number): Uint8Array {
  const out = new Uint8Array(length);
  out[0] = EBML.Void;
  out.set(sizeVarInt(length - 9, 8), 1);
  return out;
}

/** A big-endian float of `width` (4 or 8) bytes. */
export function floatBytes(value: number, width: number): Uint8Array {
  const out = new Uint8Array(width);
  const v = new DataView(out.buffer);
  if (width === 4) v.setFloat32(0, value);
  else v.setFloat64(0, value);
  return out;
}
