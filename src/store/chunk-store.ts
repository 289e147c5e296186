import { chunkRange, type RecorderDatabase } from './db.js';
import { crc32 } from './crc32.js';
import type { ChunkRecord, Patch, SessionRecord } from './schema.js';

export { openRecorderDB, chunkRange, type RecorderDatabase } from './db.js';

/** Facts about each stored chunk, as reported to listeners. */
export type StoredChunk = { seq: number; offset: number; size: number; startUs?: number };

/**
 * Receives the muxer's writes and persists them one fragment (fMP4 moof+mdat, or WebM cluster) per
 * record. Bytes of the fragment being written are held until the muxer reports the fragment
 * complete (its end offset), so every record holds whole boxes / elements; writes into bytes
 * already stored (container headers rewritten at finalize) become patches on the session record.
 * Nothing stays in memory after its transaction commits.
 */
type Part = Pick<ChunkRecord, 'offset' | 'size' | 'blob'>;
/** A fragment on its way to IndexedDB: its bytes, until the stored record's Blob replaces them. */
type InFlight = { offset: number; size: number; data: Uint8Array<ArrayBuffer> };

/**
 * The stored Blobs joined as they come (a Blob of Blobs: references, no bytes copied), so that the
 * File at stop is made of two stored parts plus the tail, whatever the length. Chromium flattens
 * a Blob of Blobs into the list of their items, so a join costs as many items as it holds: each
 * fragment joins the run of the last GROUP (at most GROUP items), and each full run joins the
 * whole (once per GROUP fragments), which keeps the joins and the replaced Blobs left for garbage
 * collection small at any length. Joining 600 single parts at stop took ~58 ms here; merged 32 at
 * a time with up to ~31 parts per level left, making the File still took 5-6 ms of a loaded 30 s
 * stop with 29 parts, 2-4 ms with one.
 */
export class StoredParts {
  static readonly GROUP = 32;
  private whole: Part | null = null;
  private run: Part | null = null;
  private runCount = 0;

  push(part: Part): void {
    this.run = join(this.run, part);
    if (++this.runCount < StoredParts.GROUP) return;
    this.whole = join(this.whole, this.run);
    this.run = null;
    this.runCount = 0;
  }

  /** Contiguous parts covering everything pushed, in order (at most two). */
  get parts(): readonly Part[] {
    return [this.whole, this.run].filter((p): p is Part => p !== null);
  }
}

const join = (a: Part | null, b: Part): Part => (a ? { offset: a.offset, size: a.size + b.size, blob: new Blob([a.blob, b.blob]) } : { offset: b.offset, size: b.size, blob: b.blob });

export class ChunkStore {
  readonly sessionId: string;
  private readonly db: RecorderDatabase;
  private seq = 0;
  /** File offset of the first pending byte (everything before is in IndexedDB or in flight). */
  private pendingStart = 0;
  private pending = new Uint8Array(1 << 20);
  private pendingLen = 0;
  /**
   * Fragment ends the muxer reported and not yet stored, with the media time each fragment starts
   * at; `awaitAt`: a position whose (re)write the fragment waits for.
   */
  private boundaries: { end: number; startUs?: number; awaitAt?: number }[] = [];
  private nextStartUs: number | undefined;
  private committedBytes = 0;
  private committedChunks = 0;
  private readonly patches: Patch[] = [];
  private failure: unknown = null;
  private queue: Promise<void> = Promise.resolve();
  onChunk: ((c: StoredChunk) => void) | null = null;
  onError: ((e: unknown) => void) | null = null;

  /** The stored chunks' IndexedDB-backed Blobs, in order: the final File is made of these. */
  private readonly stored = new StoredParts();
  /**
   * Records handed to IndexedDB and not yet read back, in order, with their bytes: a File asked for
   * meanwhile takes these, so stop need not wait for the last writes.
   */
  private readonly inFlight: InFlight[] = [];

  constructor(db: RecorderDatabase, sessionId: string) {
    this.db = db;
    this.sessionId = sessionId;
  }

  get bytesStored(): number {
    return this.committedBytes;
  }
  private get inFlightBytes(): number {
    return this.inFlight.reduce((n, p) => n + p.size, 0);
  }
  /** Bytes the muxer produced that are not yet committed to IndexedDB (held or in flight). */
  get bytesPending(): number {
    return this.pendingLen + this.inFlightBytes;
  }
  /** Chunks handed to IndexedDB (committed or in flight): the next chunk's sequence number. */
  get chunkCount(): number {
    return this.seq;
  }
  /** Chunks whose commit to IndexedDB has completed. */
  get chunksCommitted(): number {
    return this.committedChunks;
  }
  private get end(): number {
    return this.pendingStart + this.pendingLen;
  }

  /** The muxer started a fragment at this media time (µs). */
  markFragmentStart(startUs: number): void {
    this.nextStartUs = startUs;
  }

  /**
   * The muxer finished a fragment whose bytes end at file offset `end`. With `awaitPatchAt`, the
   * fragment is stored only once a write covering that position has come after this call: a WebM
   * cluster's size is written back after its blocks, and that write can come after other writes
   * (two clusters closed between flushes at finalize), so "the next write" is not enough.
   */
  markFragmentEnd(end: number, awaitPatchAt?: number): void {
    this.boundaries.push({ end, startUs: this.nextStartUs, awaitAt: awaitPatchAt });
    this.nextStartUs = undefined;
    this.flushComplete();
  }

  private gate: Promise<void> | undefined;
  /** When the muxer last wrote (performance.now(), ms). */
  lastWriteAt = 0;

  /**
   * Holds the commits of fragments stored from now on (they stay in flight, and in file()) until
   * the returned function is called: stop calls it once the File is handed over.
   */
  hold(): () => void {
    let release = () => {};
    this.gate = new Promise<void>((r) => (release = r)).then(() => {
      this.gate = undefined;
    });
    return release;
  }

  /** A WritableStream for Mediabunny's StreamTarget; backpressure is the IndexedDB commit. */
  writable(): WritableStream<{ type: 'write'; data: Uint8Array; position: number }> {
    return new WritableStream(
      {
        write: (chunk) => {
          if (this.failure) throw this.failure;
          this.accept(chunk.data, chunk.position);
          this.flushComplete();
          this.lastWriteAt = performance.now();
          // Backpressure: the writer waits while more than a couple of records are in flight (not
          // while commits are held: the hold ends only after the writer's last write).
          return this.inFlightBytes > 8 << 20 && !this.gate ? this.queue : undefined;
        },
      },
      { highWaterMark: 1 },
    );
  }

  private accept(data: Uint8Array, position: number): void {
    for (const b of this.boundaries) if (b.awaitAt !== undefined && b.awaitAt >= position && b.awaitAt < position + data.length) b.awaitAt = undefined;
    // Into bytes already handed to IndexedDB: a patch applied when the file is assembled.
    if (position < this.pendingStart) {
      const n = Math.min(data.length, this.pendingStart - position);
      this.patches.push({ position, data: data.slice(0, n) });
      this.queue = this.queue.then(() => this.persistPatches());
      if (n === data.length) return;
      data = data.subarray(n);
      position += n;
    }
    const at = position - this.pendingStart;
    const needed = at + data.length;
    if (needed > this.pending.length) {
      const grown = new Uint8Array(Math.max(needed, this.pending.length * 2));
      grown.set(this.pending.subarray(0, this.pendingLen));
      this.pending = grown;
    }
    // Overwrites inside the pending fragment land in place; a hole (never written) stays zero.
    if (at > this.pendingLen) this.pending.fill(0, this.pendingLen, at);
    this.pending.set(data, at);
    this.pendingLen = Math.max(this.pendingLen, needed);
  }

  /** Stores every fragment whose bytes are all here. */
  private flushComplete(): void {
    // A size write that never comes must not hold storage back: after two more fragments the
    // waiting one is stored anyway (its size, if it comes later, becomes a patch).
    if (this.boundaries.length > 2 && this.boundaries[0]) this.boundaries[0].awaitAt = undefined;
    while (this.boundaries.length && (this.boundaries[0] as { end: number }).end <= this.end && this.boundaries[0]?.awaitAt === undefined) {
      const b = this.boundaries.shift() as { end: number; startUs?: number };
      if (b.end > this.pendingStart) this.store(b.end - this.pendingStart, b.startUs);
    }
  }

  /**
   * Stores whatever is pending (the tail the muxer writes at finalize). The tail is in flight as
   * soon as this is called (file() includes it); the promise settles when it is committed.
   */
  async flush(): Promise<void> {
    if (this.pendingLen) this.store(this.pendingLen, undefined);
    await this.queue;
    if (this.failure) throw this.failure;
  }

  private store(n: number, startUs: number | undefined): void {
    const data = this.pending.slice(0, n);
    this.pending.copyWithin(0, n, this.pendingLen);
    this.pendingLen -= n;
    const record: Omit<ChunkRecord, 'blob' | 'crc32'> = {
      sessionId: this.sessionId,
      seq: this.seq++,
      offset: this.pendingStart,
      size: n,
      startUs,
    };
    this.pendingStart += n;
    const part: InFlight = { offset: record.offset, size: n, data };
    this.inFlight.push(part);
    this.queue = this.queue.then(async () => {
      if (this.failure) return;
      try {
        // Held while stop hands the File over (see hold()): the checksum and the put are 5-15 ms
        // of CPU a loaded stop would wait for, and the File does not need them.
        await this.gate;
        // The Blob is made here, not when the fragment arrives: a File handed over meanwhile takes
        // the bytes themselves, so stop registers one Blob (the File), not two (3-8 ms each here).
        await this.db.put('chunks', { ...record, crc32: crc32(data), blob: new Blob([data]) });
        // Read the record back: its Blob refers to IndexedDB's stored copy, so the final File is
        // made of these handles at stop without reading the store again (stop stays flat with length).
        const blob = ((await this.db.get('chunks', [record.sessionId, record.seq])) as ChunkRecord).blob;
        this.inFlight.shift();
        this.stored.push({ offset: record.offset, size: record.size, blob });
        this.committedBytes += n;
        this.committedChunks++;
        this.onChunk?.({ seq: record.seq, offset: record.offset, size: record.size, startUs: record.startUs });
      } catch (e) {
        this.failure = e;
        this.onError?.(e);
      }
    });
  }

  private async persistPatches(): Promise<void> {
    if (this.failure) return;
    try {
      await updateSession(this.db, this.sessionId, { patches: normalizePatches(this.patches) });
    } catch (e) {
      this.failure = e;
      this.onError?.(e);
    }
  }

  /** Merged, non-overlapping patches (later writes win). */
  get allPatches(): Patch[] {
    return normalizePatches(this.patches);
  }

  /**
   * The file from the Blobs the writers handed back (no read of the chunk store), followed by the
   * records still in flight, from memory: at stop that is the last fragment or two, whose commit
   * then need not be waited for. Bytes still pending (no fragment end yet) are not included.
   */
  file(name: string, type: string): File {
    const inFlight = this.inFlight.map((p) => ({ offset: p.offset, size: p.size, blob: p.data }));
    return new File(fileParts([...this.stored.parts, ...inFlight], this.allPatches), name, { type });
  }

}

/** Later patches win where they overlap earlier ones. */
export function normalizePatches(patches: readonly Patch[]): Patch[] {
  let out: Patch[] = [];
  for (const p of patches) {
    const pEnd = p.position + p.data.length;
    const next: Patch[] = [];
    for (const q of out) {
      const qEnd = q.position + q.data.length;
      if (qEnd <= p.position || q.position >= pEnd) {
        next.push(q);
        continue;
      }
      if (q.position < p.position) next.push({ position: q.position, data: q.data.subarray(0, p.position - q.position) });
      if (qEnd > pEnd) next.push({ position: pEnd, data: q.data.subarray(pEnd - q.position) });
    }
    next.push(p);
    out = next;
  }
  return out.sort((a, b) => a.position - b.position);
}

/**
 * The pieces of a file: stored chunk Blobs, with patches spliced in as Blob slices. Nothing is
 * copied; the result is a list for `new Blob(parts)`.
 */
export function fileParts(chunks: readonly { offset: number; size: number; blob: Blob | Uint8Array<ArrayBuffer> }[], patches: readonly Patch[]): BlobPart[] {
  const ps = normalizePatches(patches);
  const parts: BlobPart[] = [];
  let pi = 0;
  for (const c of chunks) {
    const cEnd = c.offset + c.size;
    let at = c.offset;
    while (pi < ps.length && (ps[pi] as Patch).position + (ps[pi] as Patch).data.length <= c.offset) pi++;
    for (let j = pi; j < ps.length; j++) {
      const p = ps[j] as Patch;
      if (p.position >= cEnd) break;
      const from = Math.max(p.position, c.offset);
      const to = Math.min(p.position + p.data.length, cEnd);
      if (from > at) parts.push(cut(c.blob, at - c.offset, from - c.offset));
      parts.push(p.data.subarray(from - p.position, to - p.position) as Uint8Array<ArrayBuffer>);
      at = to;
    }
    if (at < cEnd) parts.push(at === c.offset ? c.blob : cut(c.blob, at - c.offset, c.size));
  }
  return parts;
}

const cut = (b: Blob | Uint8Array<ArrayBuffer>, from: number, to: number): Blob | Uint8Array<ArrayBuffer> => (b instanceof Blob ? b.slice(from, to) : b.subarray(from, to));

/** A session's file parts: its chunks in order, less those recovery skipped (offsets closed up), with its patches. */
export function sessionParts(chunks: readonly ChunkRecord[], session: Pick<SessionRecord, 'patches' | 'skip'>): BlobPart[] {
  if (!session.skip?.length) return fileParts(chunks, session.patches);
  const skip = new Set(session.skip);
  let offset = 0;
  const kept = chunks
    .filter((c) => !skip.has(c.seq))
    .map((c) => {
      const out = { offset, size: c.size, blob: c.blob };
      offset += c.size;
      return out;
    });
  return fileParts(kept, session.patches);
}

/** The session's stored file, assembled from its chunk records without copying their bytes. */
export async function assembleFile(db: RecorderDatabase, session: SessionRecord, fileName: string): Promise<File> {
  const chunks = await db.getAll('chunks', chunkRange(session.id));
  return new File(sessionParts(chunks, session), fileName, { type: session.mimeType, lastModified: session.stoppedAt ?? Date.now() });
}

export async function updateSession(db: RecorderDatabase, id: string, change: Partial<SessionRecord>, durability: IDBTransactionDurability = 'default'): Promise<SessionRecord | undefined> {
  const tx = db.transaction('sessions', 'readwrite', { durability });
  const s = await tx.store.get(id);
  if (!s) {
    await tx.done;
    return undefined;
  }
  const next = { ...s, ...change };
  await tx.store.put(next);
  await tx.done;
  return next;
}
