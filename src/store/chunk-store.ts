import { openDB, type IDBPDatabase } from 'idb';
import { crc32 } from './crc32.js';
import { DB_NAME, DB_VERSION, type ChunkRecord, type Patch, type RecorderDB, type SessionRecord } from './schema.js';

export type RecorderDatabase = IDBPDatabase<RecorderDB>;

/** Opens (and creates or upgrades) the recordings database. Works in windows and workers. */
export function openRecorderDB(name = DB_NAME): Promise<RecorderDatabase> {
  return openDB<RecorderDB>(name, DB_VERSION, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        const sessions = db.createObjectStore('sessions', { keyPath: 'id' });
        sessions.createIndex('by-created', 'createdAt');
        db.createObjectStore('chunks', { keyPath: ['sessionId', 'seq'] });
      }
    },
  });
}

export const chunkRange = (sessionId: string) => IDBKeyRange.bound([sessionId, 0], [sessionId, Infinity]);

/** Facts about each stored chunk, as reported to listeners. */
export type StoredChunk = { seq: number; offset: number; size: number; startUs?: number };

/**
 * Receives the muxer's writes and persists them: bytes appended at the end become one chunk record
 * each (a fragment or cluster), writes into already-stored bytes become patches on the session
 * record. Nothing is kept in memory after its transaction commits.
 */
export class ChunkStore {
  readonly sessionId: string;
  private readonly db: RecorderDatabase;
  private seq = 0;
  /** Bytes handed to IndexedDB (committed or in flight). */
  private end = 0;
  private committedBytes = 0;
  private pendingBytes = 0;
  private readonly patches: Patch[] = [];
  private nextStartUs: number | undefined;
  private failure: unknown = null;
  onChunk: ((c: StoredChunk) => void) | null = null;
  onError: ((e: unknown) => void) | null = null;

  constructor(db: RecorderDatabase, sessionId: string) {
    this.db = db;
    this.sessionId = sessionId;
  }

  get bytesStored(): number {
    return this.committedBytes;
  }
  /** Bytes the muxer produced that are not yet committed to IndexedDB. */
  get bytesPending(): number {
    return this.pendingBytes;
  }
  get chunkCount(): number {
    return this.seq;
  }

  /** The media time of the fragment the muxer is about to write (from its fragment callbacks). */
  markFragment(startUs: number): void {
    this.nextStartUs = startUs;
  }

  /** A WritableStream for Mediabunny's StreamTarget; backpressure is the IndexedDB commit. */
  writable(): WritableStream<{ type: 'write'; data: Uint8Array; position: number }> {
    return new WritableStream(
      {
        write: (chunk) => this.write(chunk.data, chunk.position),
      },
      { highWaterMark: 4 },
    );
  }

  private async write(data: Uint8Array, position: number): Promise<void> {
    if (this.failure) throw this.failure;
    // Part before the end overwrites stored bytes: keep it as a patch applied when the file is assembled.
    if (position < this.end) {
      const overlap = Math.min(data.length, this.end - position);
      this.patches.push({ position, data: data.slice(0, overlap) });
      await this.persistPatches();
      if (overlap === data.length) return;
      data = data.subarray(overlap);
      position += overlap;
    }
    if (position > this.end) {
      // The muxer never leaves holes; if it ever did, zeros keep offsets right.
      const filled = new Uint8Array(position - this.end + data.length);
      filled.set(data, position - this.end);
      data = filled;
      position = this.end;
    }
    const record: ChunkRecord = {
      sessionId: this.sessionId,
      seq: this.seq++,
      offset: position,
      size: data.length,
      blob: new Blob([data as Uint8Array<ArrayBuffer>]),
      startUs: this.nextStartUs,
      crc32: crc32(data),
    };
    this.nextStartUs = undefined;
    this.end += data.length;
    this.pendingBytes += data.length;
    try {
      await this.db.put('chunks', record);
    } catch (e) {
      this.failure = e;
      this.onError?.(e);
      throw e;
    } finally {
      this.pendingBytes -= data.length;
    }
    this.committedBytes += data.length;
    this.onChunk?.({ seq: record.seq, offset: record.offset, size: record.size, startUs: record.startUs });
  }

  private async persistPatches(): Promise<void> {
    const tx = this.db.transaction('sessions', 'readwrite');
    const s = await tx.store.get(this.sessionId);
    if (s) await tx.store.put({ ...s, patches: this.patches.slice() });
    await tx.done;
  }

  /** Merged, non-overlapping patches (later writes win). */
  get allPatches(): Patch[] {
    return normalizePatches(this.patches);
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
export function fileParts(chunks: readonly Pick<ChunkRecord, 'offset' | 'size' | 'blob'>[], patches: readonly Patch[]): BlobPart[] {
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
      if (from > at) parts.push(c.blob.slice(at - c.offset, from - c.offset));
      parts.push(p.data.subarray(from - p.position, to - p.position) as Uint8Array<ArrayBuffer>);
      at = to;
    }
    if (at < cEnd) parts.push(at === c.offset ? c.blob : c.blob.slice(at - c.offset));
  }
  return parts;
}

/** The session's stored file, assembled from its chunk records without copying their bytes. */
export async function assembleFile(db: RecorderDatabase, session: SessionRecord, fileName: string): Promise<File> {
  const chunks = await db.getAll('chunks', chunkRange(session.id));
  return new File(fileParts(chunks, session.patches), fileName, { type: session.mimeType, lastModified: session.stoppedAt ?? Date.now() });
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
