import { chunkRange, sessionParts, type RecorderDatabase, type StoredChunk } from '../store/chunk-store.js';
import type { Format } from '../options.js';
import type { SessionRecord } from '../store/schema.js';
import { Sha256 } from './sha256.js';

/**
 * Lowest file offset that finalize may still rewrite while a recording runs (tus appends only, so
 * nothing at or after it can be sent before the file is final).
 *
 * - Fragmented MP4 (Mediabunny, `fastStart: 'fragmented'`): none. ftyp+moov are written once, with
 *   the first fragment; each moof+mdat is written whole; finalize only appends the mfra box, whose
 *   own size field it rewrites while the bytes are still held by the chunk store (not yet stored).
 *   So every stored byte is final the moment it is stored.
 * - WebM (Mediabunny, not append-only): finalize rewrites the Segment size (offset ~40), the
 *   SeekHead and Info/Duration, all inside the first record. Cluster sizes are rewritten before a
 *   cluster is stored (the chunk store waits for that write). So the file is final only from stop,
 *   and plain tus cannot send anything past byte ~40 before then.
 *
 * If a muxer ever patched bytes that were already sent, the uploader sees it at finalize
 * (`divergesBefore`) and sends the file again from the start: the server copy is still exact.
 */
export function holdBackFrom(format: Format): number {
  return format === 'mp4' ? Number.POSITIVE_INFINITY : 0;
}

type Indexed = StoredChunk;

/**
 * A recording's bytes as the uploader sees them: the stored chunks in IndexedDB while it records
 * (never memory, so an upload can resume from any offset after a reload), then the final file
 * (chunks with finalize's patches and recovery's skips) once the session is complete. Also hashes
 * the file (SHA-256) as its bytes become final.
 */
export class RecordingSource {
  private readonly index: Indexed[] = [];
  private storedEnd = 0;
  private final: { file: Blob; session: SessionRecord; divergence: number } | null = null;
  private waiters: (() => void)[] = [];
  private readonly hash = { h: new Sha256(), at: 0, running: false, ofFinal: false };
  private digestReady: { promise: Promise<string>; resolve: (d: string) => void; reject: (e: unknown) => void };
  /** Bytes handed to the upload (the end of the furthest slice read). */
  sentEnd = 0;
  private closed = false;

  constructor(
    private readonly db: RecorderDatabase,
    readonly sessionId: string,
    private readonly holdBack: number,
  ) {
    let resolve!: (d: string) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<string>((res, rej) => ((resolve = res), (reject = rej)));
    promise.catch(() => {});
    this.digestReady = { promise, resolve, reject };
  }

  /** Picks up chunks already stored (a resumed session, or chunks stored before the uploader started). */
  async load(): Promise<void> {
    let cursor = await this.db.transaction('chunks').store.openCursor(chunkRange(this.sessionId));
    while (cursor) {
      const c = cursor.value;
      this.add({ seq: c.seq, offset: c.offset, size: c.size, startUs: c.startUs });
      cursor = await cursor.continue();
    }
  }

  /** A chunk was stored. Chunks arrive in order; a repeat is ignored. */
  add(c: StoredChunk): void {
    if (this.final || c.offset < this.storedEnd) return;
    if (c.offset !== this.storedEnd) throw new Error(`chunk ${c.seq} at ${c.offset} does not follow ${this.storedEnd}`);
    this.index.push(c);
    this.storedEnd = c.offset + c.size;
    this.wake();
    this.pumpHash();
  }

  /** The session is final (complete or recovered): its file, with patches and skips, is what gets uploaded. */
  async finish(): Promise<void> {
    if (this.final) return;
    const session = await this.db.get('sessions', this.sessionId);
    if (!session) throw new Error('the recording was deleted');
    const chunks = await this.db.getAll('chunks', chunkRange(this.sessionId));
    const file = new Blob(sessionParts(chunks, session), { type: session.mimeType });
    // Where the final file first differs from the stored chunks read in order.
    let divergence = Math.min(Number.POSITIVE_INFINITY, ...session.patches.map((p) => p.position));
    const skip = new Set(session.skip ?? []);
    for (const c of chunks) if (skip.has(c.seq)) divergence = Math.min(divergence, c.offset);
    this.final = { file, session, divergence };
    this.wake();
    this.pumpHash();
  }

  get isFinal(): boolean {
    return this.final !== null;
  }
  get session(): SessionRecord | null {
    return this.final?.session ?? null;
  }
  /** Final size, once final. */
  get size(): number | null {
    return this.final ? this.final.file.size : null;
  }
  get bytesStored(): number {
    return this.final ? this.final.file.size : this.storedEnd;
  }
  /** Bytes that can be uploaded now: all of the final file, or the stored bytes finalize will not rewrite. */
  get available(): number {
    return this.final ? this.final.file.size : Math.min(this.storedEnd, this.holdBack);
  }

  /** Whether the final file differs from the stored chunks anywhere before `offset` (bytes already sent are then wrong). */
  divergesBefore(offset: number): boolean {
    return this.final !== null && this.final.divergence < offset;
  }

  /** Resolves once bytes past `offset` can be uploaded, or the file is final. */
  async waitFor(offset: number): Promise<void> {
    while (!this.final && !this.closed && this.available <= offset) await new Promise<void>((r) => this.waiters.push(r));
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }

  /** Bytes [start, end) as a Blob of IndexedDB-backed Blobs (nothing read into memory). */
  async read(start: number, end: number): Promise<Blob> {
    if (this.final) return this.final.file.slice(start, Math.min(end, this.final.file.size));
    end = Math.min(end, this.available);
    if (end <= start) return new Blob([]);
    const i0 = this.chunkAt(start);
    const i1 = this.chunkAt(end - 1);
    const first = this.index[i0] as Indexed;
    const last = this.index[i1] as Indexed;
    const records = await this.db.getAll('chunks', IDBKeyRange.bound([this.sessionId, first.seq], [this.sessionId, last.seq]));
    return new Blob(records.map((r) => r.blob)).slice(start - first.offset, end - first.offset);
  }

  /** Index of the stored chunk holding byte `offset`. */
  private chunkAt(offset: number): number {
    let lo = 0;
    let hi = this.index.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.index[mid] as Indexed).offset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Media time (µs) from which on nothing is uploaded yet, given the upload's offset; null if unknown. */
  mediaTimeAt(offset: number): number | null {
    if (!this.index.length) return null;
    const starts = this.index.map((c) => c.startUs).filter((t): t is number => t !== undefined);
    if (!starts.length) return null;
    const fragmentUs = starts.length > 1 ? ((starts[starts.length - 1] as number) - (starts[0] as number)) / (starts.length - 1) : 0;
    // Past the stored bytes, or in the tail written at stop (no start time): the end of the last fragment.
    const at = offset >= this.storedEnd ? undefined : this.index[this.chunkAt(offset)]?.startUs;
    return at ?? (starts[starts.length - 1] as number) + fragmentUs;
  }

  /** SHA-256 (hex) of the final file. */
  sha256(): Promise<string> {
    return this.digestReady.promise;
  }

  /** Hashes bytes in order as they become final; restarts from the final file if it differs from what was hashed. */
  private pumpHash(): void {
    if (this.hash.running) return;
    this.hash.running = true;
    void (async () => {
      try {
        for (;;) {
          // Bytes hashed from the stored chunks that the final file has patched or skipped: start over.
          if (this.final && !this.hash.ofFinal) {
            this.hash.ofFinal = true;
            if (this.final.divergence < this.hash.at) {
              this.hash.h = new Sha256();
              this.hash.at = 0;
            }
          }
          const until = this.available;
          if (this.hash.at >= until) break;
          const end = Math.min(until, this.hash.at + (4 << 20));
          const data = new Uint8Array(await (await this.read(this.hash.at, end)).arrayBuffer());
          this.hash.h.update(data);
          this.hash.at += data.length;
          // Let the page breathe between slices.
          await new Promise((r) => setTimeout(r, 0));
        }
        if (this.final && this.hash.at === this.final.file.size) this.digestReady.resolve(this.hash.h.digest());
      } catch (e) {
        this.digestReady.reject(e);
      } finally {
        this.hash.running = false;
      }
      // Bytes that became final while the last slice was hashed.
      if (!this.final || this.hash.at < this.final.file.size) {
        if (this.hash.at < this.available) this.pumpHash();
      }
    })();
  }

  /** Releases anything waiting for bytes (the upload was abandoned). */
  close(): void {
    this.closed = true;
    this.wake();
  }
}
