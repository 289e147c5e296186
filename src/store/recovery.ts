import { crc32 } from './crc32.js';
import { EBML, floatBytes, readId, readSize, voidElement, webmHeaderFields, wholeBoxes, wholeElements } from './container-scan.js';
import type { ChunkRecord, Patch, SessionRecord } from './schema.js';

/** A stretch of media that could not be recovered, and why. */
export type Gap = {
  seq: number;
  /** Media time the lost fragment started and ended, ms (null where unknown). */
  fromMs: number | null;
  toMs: number | null;
  reason: 'checksum' | 'unreadable' | 'incomplete' | 'missing';
};

/** What recovery found: how much it could rebuild and what was lost. */
export type RecoveryReport = {
  id: string;
  name: string;
  /** Media recovered, ms. */
  recoveredMs: number;
  bytes: number;
  chunksUsed: number;
  chunksSkipped: number;
  gaps: Gap[];
  /** Why nothing could be rebuilt (e.g. the header fragment itself is lost). */
  failure?: string;
};

/** How to assemble a recovered file: which stored chunks to leave out and what to patch. */
export type RecoveryPlan = { skip: number[]; patches: Patch[]; durationMs: number };

type Checked = { chunk: ChunkRecord; ok: true; data: Uint8Array } | { chunk: ChunkRecord; ok: false; reason: Gap['reason'] };

async function check(chunk: ChunkRecord, format: SessionRecord['format']): Promise<Checked> {
  let data: Uint8Array;
  try {
    data = new Uint8Array(await chunk.blob.arrayBuffer());
  } catch {
    // NotReadableError: the blob's backing file is gone. The record stays; recovery reads around it.
    return { chunk, ok: false, reason: 'unreadable' };
  }
  if (data.length !== chunk.size || crc32(data) !== chunk.crc32) return { chunk, ok: false, reason: 'checksum' };
  const whole = format === 'mp4' ? wholeBoxes(data) : wholeElements(data);
  return whole ? { chunk, ok: true, data } : { chunk, ok: false, reason: 'incomplete' };
}

/** End of the media in a run of WebM elements, ms: the latest cluster's timestamp plus its latest block's, plus one block. */
function clustersEndMs(data: Uint8Array, scaleNs: number): number | null {
  let best: number | null = null;
  let at = 0;
  while (at < data.length) {
    const id = readId(data, at);
    const size = id && readSize(data, at + id[1]);
    if (!id || !size) break;
    const dataAt = at + id[1] + size[1];
    // A Segment header with a known size is stepped over; clusters follow it at this level.
    const end = size[0] < 0 ? data.length : Math.min(data.length, dataAt + size[0]);
    if (id[0] === EBML.Cluster) {
      const e = clusterEndMs(data.subarray(dataAt, end), scaleNs);
      if (e !== null) best = Math.max(best ?? 0, e);
    }
    at = id[0] === EBML.Segment && size[0] < 0 ? dataAt : end;
  }
  return best;
}

function clusterEndMs(body: Uint8Array, scaleNs: number): number | null {
  let at = 0;
  let base = 0;
  let last = 0;
  let step = 0;
  while (at < body.length) {
    const eid = readId(body, at);
    const es = eid && readSize(body, at + eid[1]);
    if (!eid || !es || es[0] < 0) break;
    const d = at + eid[1] + es[1];
    if (eid[0] === 0xe7) {
      base = 0;
      for (let k = 0; k < es[0]; k++) base = base * 256 + (body[d + k] as number);
    } else if (eid[0] === 0xa3 || eid[0] === 0xa0) {
      // SimpleBlock (or BlockGroup's first child): track varint, int16 relative timestamp.
      let b = d;
      if (eid[0] === 0xa0) {
        const bid = readId(body, d);
        const bs = bid && readSize(body, d + bid[1]);
        if (!bid || !bs) break;
        b = d + bid[1] + bs[1];
      }
      const track = readSize(body, b);
      if (track) {
        const rel = ((body[b + track[1]] as number) << 8) | (body[b + track[1] + 1] as number);
        const t = rel >= 0x8000 ? rel - 0x10000 : rel;
        if (t > last) {
          step = t - last;
          last = t;
        }
      }
    }
    at = d + es[0];
  }
  return ((base + last + Math.min(step, 50)) * scaleNs) / 1e6;
}

/**
 * Works out how to rebuild a playable file from whatever chunks of a session are intact: skips
 * chunks that cannot be read, fail their checksum or are cut, reports each gap with its media
 * time, and (WebM) patches the header so players read every cluster and know the duration.
 * Reads every chunk; deletes nothing.
 */
export async function planRecovery(session: SessionRecord, chunks: ChunkRecord[]): Promise<{ plan: RecoveryPlan | null; report: RecoveryReport }> {
  const sorted = [...chunks].sort((a, b) => a.seq - b.seq);
  const report: RecoveryReport = { id: session.id, name: session.name, recoveredMs: 0, bytes: 0, chunksUsed: 0, chunksSkipped: 0, gaps: [] };
  const ms = (us: number | undefined) => (us === undefined ? null : us / 1000);
  const checked: Checked[] = [];
  for (const c of sorted) checked.push(await check(c, session.format));
  // Sequence numbers with no record at all (deleted, or never committed before a later one was).
  const present = new Set(sorted.map((c) => c.seq));
  // The last checkpoint's count also reveals chunks missing at the end.
  const maxSeq = Math.max(sorted.length ? (sorted[sorted.length - 1] as ChunkRecord).seq : -1, (session.chunkCount ?? 0) - 1);
  const starts = sorted.filter((c) => c.startUs !== undefined).map((c) => c.startUs as number);
  const spans = starts.slice(1).map((s, i) => s - (starts[i] as number)).sort((a, b) => a - b);
  const typical = spans.length ? (spans[Math.floor(spans.length / 2)] as number) : 1_000_000;
  // A lost fragment runs from the end of the fragment before it to the start of the one after.
  const span = (seq: number): [number | null, number | null] => {
    const before = [...sorted].reverse().find((c) => c.seq < seq && c.startUs !== undefined);
    const after = sorted.find((c) => c.seq > seq && c.startUs !== undefined);
    const to = after?.startUs;
    const from = before?.startUs !== undefined ? before.startUs + typical * (seq - before.seq) : undefined;
    return [ms(from === undefined || to === undefined ? from : Math.min(from, to)), ms(to)];
  };
  for (let s = 0; s <= maxSeq; s++) {
    if (!present.has(s)) report.gaps.push({ seq: s, fromMs: span(s)[0], toMs: span(s)[1], reason: 'missing' });
  }
  const head = checked[0];
  if (!head || head.chunk.seq !== 0 || !head.ok) {
    report.failure = 'The start of the file (its header) was not stored or cannot be read, so nothing can be rebuilt.';
    for (const c of checked) if (!c.ok) report.gaps.push({ seq: c.chunk.seq, fromMs: ms(c.chunk.startUs), toMs: null, reason: c.reason });
    return { plan: null, report };
  }
  const skip: number[] = [];
  let lastOk: Extract<Checked, { ok: true }> = head;
  for (let i = 0; i < checked.length; i++) {
    const c = checked[i] as Checked;
    if (c.ok) {
      lastOk = c;
      report.chunksUsed++;
      report.bytes += c.chunk.size;
      continue;
    }
    skip.push(c.chunk.seq);
    report.chunksSkipped++;
    report.gaps.push({ seq: c.chunk.seq, fromMs: ms(c.chunk.startUs) ?? span(c.chunk.seq)[0], toMs: span(c.chunk.seq)[1], reason: c.reason });
  }
  report.gaps.sort((a, b) => a.seq - b.seq);

  // Media end: WebM from the last cluster's blocks; MP4 from the last fragment's start plus the typical fragment length.
  let durationMs = lastOk.chunk.startUs !== undefined ? (lastOk.chunk.startUs + typical) / 1000 : 0;
  // Writes into stored bytes that were persisted before the crash still apply.
  const patches: Patch[] = [...(session.patches ?? [])];
  if (session.format === 'webm') {
    const fields = webmHeaderFields(head.data);
    if (fields) {
      const end = clustersEndMs(lastOk.data, fields.timecodeScale);
      if (end !== null) durationMs = end;
      // Unknown size: players read clusters to the end of the file.
      const unknown = new Uint8Array(fields.segmentSize.width).fill(0xff);
      unknown[0] = (0xff >> (fields.segmentSize.width - 1)) & 0xff;
      patches.push({ position: fields.segmentSize.offset, data: unknown });
      // The SeekHead's positions are written at finalize; until then it points at nothing real.
      if (fields.seekHead && fields.seekHead.length >= 9) patches.push({ position: fields.seekHead.offset, data: voidElement(fields.seekHead.length) });
      if (fields.duration) patches.push({ position: fields.duration.offset, data: floatBytes((durationMs * 1e6) / fields.timecodeScale, fields.duration.width) });
    }
  }
  report.recoveredMs = Math.max(0, durationMs - report.gaps.reduce((sum, g) => sum + (g.fromMs !== null && g.toMs !== null ? g.toMs - g.fromMs : 0), 0));
  return { plan: { skip, patches, durationMs }, report };
}
