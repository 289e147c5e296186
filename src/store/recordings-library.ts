import { ErrorCode, RecorderError, toRecorderError } from '../errors.js';
import { savesSettled } from './saving.js';
import { assembleFile, chunkRange, openRecorderDB, updateSession, type RecorderDatabase } from './chunk-store.js';
import { planRecovery, type RecoveryReport } from './recovery.js';
import { DB_NAME, type ExportRecord, type SessionRecord, type SessionState } from './schema.js';

/** The Web Lock a recording's tab holds while it records: a free lock on a non-final session means its owner died. */
export const sessionLockName = (id: string) => `inpage-recorder:${id}`;

const FINAL: readonly SessionState[] = ['complete', 'recovered', 'failed'];
const LIVE: readonly SessionState[] = ['recording', 'paused', 'stopping'];

/** One stored recording as the library lists it. */
export type RecordingInfo = {
  id: string;
  name: string;
  fileName: string;
  format: SessionRecord['format'];
  mimeType: string;
  /** `recording` while its tab records it; `interrupted` when that tab died before stopping. */
  state: SessionState;
  createdAt: number;
  durationMs: number | null;
  bytes: number;
  videoCodec: string | null;
  audioCodec: string | null;
  width: number | null;
  height: number | null;
  recovery: RecoveryReport | null;
  error: { code: string; message: string } | null;
  /** Upload state, when the recording was made with `upload` on. */
  upload: SessionRecord['upload'] | null;
  /** Exports kept next to this recording (`saveExport`), oldest first. */
  exports: ExportInfo[];
};

/** An export kept in the library, without its bytes (`getExport` has them). */
export type ExportInfo = Omit<ExportRecord, 'blob'>;

const exportInfo = ({ blob: _blob, ...rest }: ExportRecord): ExportInfo => rest;

export type StorageInfo = { usage: number | null; quota: number | null; persisted: boolean | null };

async function heldLocks(): Promise<Set<string>> {
  if (!navigator.locks?.query) return new Set();
  const q = await navigator.locks.query();
  return new Set([...(q.held ?? []), ...(q.pending ?? [])].map((l) => l.name ?? ''));
}

function info(s: SessionRecord, exports: ExportInfo[] = []): RecordingInfo {
  return {
    id: s.id,
    name: s.name,
    fileName: s.fileName ?? `${s.name}.${s.format}`,
    format: s.format,
    mimeType: s.mimeType,
    state: s.state,
    createdAt: s.createdAt,
    durationMs: s.durationMs ?? s.recovery?.recoveredMs ?? null,
    bytes: s.bytes,
    videoCodec: s.videoCodec ?? null,
    audioCodec: s.audioCodec ?? null,
    width: s.width ?? null,
    height: s.height ?? null,
    recovery: s.recovery ?? null,
    error: s.error ?? null,
    upload: s.upload ?? null,
    exports,
  };
}

/**
 * The recordings stored in this origin's IndexedDB: list, open, rename, delete, recover.
 * Safe to use from several tabs: a recording another tab is making is listed as `recording` and
 * is never offered for recovery.
 */
export class RecordingsLibrary {
  private dbp: Promise<RecorderDatabase> | null = null;
  constructor(private readonly dbName = DB_NAME) {}

  private async db(): Promise<RecorderDatabase> {
    // A recording this page stopped a moment ago may still be committing its last fragments.
    await savesSettled();
    this.dbp ??= openRecorderDB(this.dbName).catch((e) => {
      this.dbp = null;
      throw toRecorderError(e, ErrorCode.StorageFailed, 'Opening the recordings database failed');
    });
    return this.dbp;
  }

  /**
   * Every recording, newest first. Sessions left mid-recording by a tab that is gone (its lock is
   * free) are marked `interrupted` on the way.
   */
  async list(): Promise<RecordingInfo[]> {
    await this.markInterrupted();
    const db = await this.db();
    const all = await db.getAllFromIndex('sessions', 'by-created');
    // Byte counts of live or interrupted sessions come from their chunks, not the last checkpoint.
    for (const s of all) if (!FINAL.includes(s.state)) s.bytes = await this.storedBytes(s.id);
    const exports = new Map<string, ExportInfo[]>();
    for (const e of await db.getAll('exports')) exports.set(e.recordingId, [...(exports.get(e.recordingId) ?? []), exportInfo(e)]);
    return all.reverse().map((s) => info(s, (exports.get(s.id) ?? []).sort((a, b) => a.createdAt - b.createdAt)));
  }

  private async storedBytes(id: string): Promise<number> {
    const db = await this.db();
    let n = 0;
    let cursor = await db.transaction('chunks').store.openCursor(chunkRange(id));
    while (cursor) {
      n += cursor.value.size;
      cursor = await cursor.continue();
    }
    return n;
  }

  /** Marks sessions whose recording tab is gone as interrupted; returns them. */
  async markInterrupted(): Promise<RecordingInfo[]> {
    const db = await this.db();
    const held = await heldLocks();
    const out: RecordingInfo[] = [];
    for (const s of await db.getAll('sessions')) {
      if (LIVE.includes(s.state) && !held.has(sessionLockName(s.id))) {
        const next = await updateSession(db, s.id, { state: 'interrupted' });
        if (next) out.push(info(next));
      } else if (s.state === 'interrupted') out.push(info(s));
    }
    return out;
  }

  /** Interrupted recordings, ready to offer for recovery. */
  async interrupted(): Promise<RecordingInfo[]> {
    return (await this.markInterrupted()).filter((r) => r.state === 'interrupted');
  }

  /** Metadata of one recording. */
  async info(id: string): Promise<RecordingInfo> {
    return info(await this.session(id), await this.exports(id));
  }

  private async session(id: string): Promise<SessionRecord> {
    if (typeof id !== 'string') throw new TypeError('id must be a string');
    const s = await (await this.db()).get('sessions', id);
    if (!s) throw new RecorderError(ErrorCode.NotFound, `No recording with id ${id} is stored (it may have been deleted).`);
    return s;
  }

  /** The recording as a File (stored fragments, not copied). An interrupted one is recovered first. */
  async get(id: string): Promise<File> {
    let s = await this.session(id);
    if (s.state === 'interrupted') {
      await this.recover(id);
      s = await this.session(id);
    }
    if (LIVE.includes(s.state)) throw new RecorderError(ErrorCode.InvalidState, 'This recording is still being recorded; stop it first.');
    if (s.state === 'failed' && !s.bytes) throw new RecorderError(ErrorCode.StorageFailed, 'This recording failed before anything was stored.');
    return assembleFile(await this.db(), s, s.fileName ?? `${s.name}.${s.format}`);
  }

  async rename(id: string, name: string): Promise<void> {
    if (typeof name !== 'string' || !name.trim()) throw new TypeError('name must be a non-empty string');
    await this.session(id);
    await updateSession(await this.db(), id, { name: name.trim() });
  }

  /** Deletes a recording and every chunk of it. Refused while another tab records it. */
  async delete(id: string): Promise<void> {
    const s = await this.session(id);
    if (LIVE.includes(s.state) && (await heldLocks()).has(sessionLockName(id))) {
      throw new RecorderError(ErrorCode.InvalidState, 'This recording is still being recorded in another tab; stop it there first.');
    }
    const db = await this.db();
    const tx = db.transaction(['sessions', 'chunks', 'exports'], 'readwrite');
    const exportKeys = await tx.objectStore('exports').index('by-recording').getAllKeys(id);
    await Promise.all([
      tx.objectStore('chunks').delete(chunkRange(id)),
      tx.objectStore('sessions').delete(id),
      ...exportKeys.map((k) => tx.objectStore('exports').delete(k)),
    ]);
    await tx.done;
  }

  /**
   * Keeps an export next to its recording: listed with it (`exports`), deleted with it. The
   * recording itself is not touched.
   */
  async saveExport(recordingId: string, blob: Blob, meta: { target: string; fileName: string; engine?: string | null }): Promise<ExportInfo> {
    if (!(blob instanceof Blob)) throw new TypeError('blob must be a Blob');
    if (!meta || typeof meta.target !== 'string' || typeof meta.fileName !== 'string' || !meta.fileName) {
      throw new TypeError('meta must be { target: string, fileName: string, engine? }');
    }
    await this.session(recordingId);
    const record: ExportRecord = {
      id: crypto.randomUUID(),
      recordingId,
      target: meta.target,
      fileName: meta.fileName,
      mimeType: blob.type || 'application/octet-stream',
      bytes: blob.size,
      createdAt: Date.now(),
      engine: meta.engine ?? null,
      blob,
    };
    try {
      await (await this.db()).put('exports', record);
    } catch (e) {
      throw toRecorderError(e, ErrorCode.StorageFailed, 'Keeping the export failed');
    }
    return exportInfo(record);
  }

  /** The exports kept next to a recording, oldest first. */
  async exports(recordingId: string): Promise<ExportInfo[]> {
    const all = await (await this.db()).getAllFromIndex('exports', 'by-recording', recordingId);
    return all.sort((a, b) => a.createdAt - b.createdAt).map(exportInfo);
  }

  /** A kept export as a File. */
  async getExport(exportId: string): Promise<File> {
    const e = await (await this.db()).get('exports', exportId);
    if (!e) throw new RecorderError(ErrorCode.NotFound, `No export with id ${exportId} is stored (it may have been deleted).`);
    return new File([e.blob], e.fileName, { type: e.mimeType, lastModified: e.createdAt });
  }

  async deleteExport(exportId: string): Promise<void> {
    await (await this.db()).delete('exports', exportId);
  }

  /** Bytes of every stored chunk and kept export. */
  async totalBytes(): Promise<number> {
    const db = await this.db();
    let n = 0;
    let cursor = await db.transaction('chunks').store.openCursor();
    while (cursor) {
      n += cursor.value.size;
      cursor = await cursor.continue();
    }
    for (const e of await db.getAll('exports')) n += e.bytes;
    return n;
  }

  /** Usage and quota of this origin, and whether storage is persistent. */
  async storage(): Promise<StorageInfo> {
    const est = await navigator.storage?.estimate?.().catch(() => null);
    const persisted = (await navigator.storage?.persisted?.().catch(() => null)) ?? null;
    return { usage: est?.usage ?? null, quota: est?.quota ?? null, persisted };
  }

  /**
   * Rebuilds interrupted recordings (or the one given) from their intact fragments, marks them
   * `recovered`, and reports what was recovered and what was lost. Never deletes stored data.
   */
  async recover(id?: string): Promise<RecoveryReport[]> {
    const db = await this.db();
    await this.markInterrupted();
    const targets = id ? [await this.session(id)] : (await db.getAll('sessions')).filter((s) => s.state === 'interrupted');
    const reports: RecoveryReport[] = [];
    for (const t of targets) {
      const s = await db.get('sessions', t.id);
      if (!s || s.state !== 'interrupted') continue;
      const chunks = await db.getAll('chunks', chunkRange(s.id));
      const { plan, report } = await planRecovery(s, chunks);
      reports.push(report);
      if (!plan) {
        await updateSession(db, s.id, { state: 'failed', recovery: report, error: { code: ErrorCode.StorageFailed, message: report.failure ?? 'Nothing could be recovered.' } }, 'strict');
        continue;
      }
      await updateSession(
        db,
        s.id,
        { state: 'recovered', skip: plan.skip, patches: plan.patches, durationMs: plan.durationMs, bytes: report.bytes, recovery: report, stoppedAt: s.stoppedAt ?? s.checkpointAt ?? Date.now() },
        'strict',
      );
    }
    return reports;
  }

  /** Asks the browser to keep this origin's storage under pressure; returns whether it will. */
  async persist(): Promise<boolean> {
    return (await navigator.storage?.persist?.().catch(() => false)) ?? false;
  }
}
