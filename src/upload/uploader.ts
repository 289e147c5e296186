import { Upload, type DetailedError, type HttpRequest, type HttpResponse } from 'tus-js-client';
import { ErrorCode, RecorderError } from '../errors.js';
import { chunkRange, updateSession, type RecorderDatabase, type StoredChunk } from '../store/chunk-store.js';
import type { SessionRecord, UploadRecord, UploadState } from '../store/schema.js';
import { holdBackFrom, RecordingSource } from './recording-source.js';
import type { ResolvedUpload } from './upload-options.js';

export type { UploadState } from '../store/schema.js';

/** Where an upload stands, as `uploadprogress` reports it. */
export type UploadProgress = {
  id: string;
  state: UploadState;
  /** Bytes the server has acknowledged. */
  bytesUploaded: number;
  /** Bytes of the file stored locally so far (the final size once stopped). */
  bytesLocal: number;
  /** Final size, once the recording has stopped. */
  bytesTotal: number | null;
  /** Percent of the final size once known, else of what is stored so far. */
  percent: number;
  /** Seconds recorded but not yet on the server. */
  lagSeconds: number;
};

/** A verified upload: the server holds `bytes` bytes, as many as the local file whose SHA-256 is `sha256`. */
export type UploadResult = { id: string; url: string; bytes: number; sha256: string; verifiedAt: number };

/** The upload of one recording, as an app sees it (`Recording.upload`, `resumeUploads()`). */
export type RecordingUpload = {
  readonly id: string;
  readonly state: UploadState;
  readonly url: string | null;
  readonly progress: UploadProgress;
  /** SHA-256 (hex) of the local file, once it is final; also sent to the server. */
  sha256(): Promise<string>;
  /** Resolves once the server's copy is verified; rejects with an `upload-*` RecorderError. */
  readonly done: Promise<UploadResult>;
  /** Stops uploading (the recording stays local; a later `resumeUploads()` picks it up). */
  abort(): Promise<void>;
};

export type UploaderHooks = {
  onProgress?: (p: UploadProgress) => void;
  onError?: (e: RecorderError) => void;
  onComplete?: (r: UploadResult) => void;
  /** Media recorded so far, µs (for the lag while recording). */
  recordedUs?: () => number;
};

/** Sent with the request that declares the final length: what only the end of a recording knows. */
export const FINAL_METADATA_HEADER = 'Upload-Final-Metadata';

export const uploadLockName = (id: string) => `inpage-recorder-upload:${id}`;

const FINAL: readonly SessionRecord['state'][] = ['complete', 'recovered'];

function encodeMetadata(m: Record<string, string>): string {
  const b64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));
  return Object.entries(m)
    .map(([k, v]) => `${k} ${b64(v)}`)
    .join(',');
}

function statusOf(e: unknown): number {
  return (e as DetailedError | null)?.originalResponse?.getStatus?.() ?? 0;
}

/** Network faults, server faults and conflicts tus can resume from; everything else is final. */
function transient(status: number): boolean {
  return status === 0 || status >= 500 || [404, 408, 409, 410, 423, 429].includes(status);
}

/**
 * Uploads one recording with tus while it records: the upload is created with a deferred length,
 * each PATCH sends what the chunk store holds (read from IndexedDB, not memory), and the final
 * length goes with the last PATCH once the file is final. Faults are resumed from the server's
 * offset; the result is verified against the local length and a SHA-256 of the local file.
 */
export class Uploader implements RecordingUpload {
  readonly id: string;
  private readonly db: RecorderDatabase;
  private readonly options: ResolvedUpload;
  private readonly hooks: UploaderHooks;
  private source!: RecordingSource;
  private session!: SessionRecord;
  private tus: Upload | null = null;
  private record: UploadRecord;
  private settle!: { resolve: (r: UploadResult) => void; reject: (e: RecorderError) => void };
  readonly done: Promise<UploadResult>;
  private stopped = false;
  private retryTimer = 0;
  private releaseLock: (() => void) | null = null;
  private readonly onOnline = () => this.resumeNow();
  /** Upload offsets the server reported when the upload was (re)opened: where each resume began. */
  readonly resumedAt: number[] = [];
  /** Bytes sent in PATCH bodies (including any a server did not keep). */
  bytesSent = 0;

  private constructor(db: RecorderDatabase, id: string, options: ResolvedUpload, hooks: UploaderHooks) {
    this.db = db;
    this.id = id;
    this.options = options;
    this.hooks = hooks;
    this.record = { endpoint: options.endpoint, url: null, state: 'waiting', bytesUploaded: 0 };
    this.done = new Promise<UploadResult>((resolve, reject) => (this.settle = { resolve, reject }));
    this.done.catch(() => {});
  }

  /**
   * Starts (or resumes, from the URL kept on the session record) the upload of a stored recording.
   * A recording still being made here is followed as its chunks are stored: call `chunkStored()`
   * for each and `recordingFinished()` at stop.
   */
  static async start(db: RecorderDatabase, id: string, options: ResolvedUpload, hooks: UploaderHooks = {}): Promise<Uploader> {
    const u = new Uploader(db, id, options, hooks);
    await u.init();
    return u;
  }

  get state(): UploadState {
    return this.record.state;
  }
  get url(): string | null {
    return this.record.url;
  }
  sha256(): Promise<string> {
    return this.source.sha256();
  }

  get progress(): UploadProgress {
    const total = this.source.size;
    const local = this.source.bytesStored;
    const up = this.record.bytesUploaded;
    let lagUs = 0;
    if (this.record.state !== 'complete') {
      const recorded = this.source.isFinal ? (this.session.durationMs ?? 0) * 1000 : (this.hooks.recordedUs?.() ?? 0);
      const uploadedTo = total !== null && up >= total ? recorded : (this.source.mediaTimeAt(up) ?? 0);
      lagUs = Math.max(0, recorded - uploadedTo);
    }
    return {
      id: this.id,
      state: this.record.state,
      bytesUploaded: up,
      bytesLocal: local,
      bytesTotal: total,
      percent: (total ?? local) > 0 ? Math.min(100, (100 * up) / (total ?? local)) : 0,
      lagSeconds: lagUs / 1e6,
    };
  }

  private async init(): Promise<void> {
    await this.lock();
    const s = await this.db.get('sessions', this.id);
    if (!s) throw new RecorderError(ErrorCode.NotFound, `No recording with id ${this.id} is stored.`);
    this.session = s;
    if (s.upload && s.upload.endpoint === this.options.endpoint) this.record = { ...s.upload, error: undefined };
    this.source = new RecordingSource(this.db, this.id, this.options.export ? 0 : holdBackFrom(s.format));
    await this.source.load();
    if (FINAL.includes(s.state)) await this.source.finish();
    if (this.record.state === 'complete') {
      this.releaseLock?.();
      this.settle.resolve({ id: this.id, url: this.record.url as string, bytes: this.source.size ?? 0, sha256: this.record.sha256 ?? (await this.sha256()), verifiedAt: this.record.completedAt ?? 0 });
      return;
    }
    await this.setState(this.source.available > 0 || this.source.isFinal ? 'uploading' : 'waiting');
    globalThis.addEventListener?.('online', this.onOnline);
    if (this.options.export) {
      if (this.source.isFinal) void this.startExport();
      return;
    }
    this.tus = this.makeTus(this.record.url);
    this.tus.start();
  }

  /** One upload per recording across tabs: the one that holds the lock uploads. */
  private async lock(): Promise<void> {
    if (!navigator.locks) return;
    const got = await new Promise<boolean>((granted) => {
      void navigator.locks.request(uploadLockName(this.id), { ifAvailable: true }, (lock) => {
        if (!lock) return granted(false);
        granted(true);
        return new Promise<void>((release) => (this.releaseLock = release));
      });
    });
    if (!got) throw new RecorderError(ErrorCode.InvalidState, 'This recording is being uploaded by another tab.');
  }

  /** A chunk of the recording was stored. */
  chunkStored(c: StoredChunk): void {
    this.source.add(c);
    if (this.record.state === 'waiting' && this.source.available > 0) void this.setState('uploading');
    this.hooks.onProgress?.(this.progress);
  }

  /** The recording stopped (complete, or recovered after a fault): upload the rest and the final length. */
  async recordingFinished(): Promise<void> {
    await this.source.finish();
    this.session = this.source.session as SessionRecord;
    if (this.stopped) return;
    if (this.options.export) return this.startExport();
    if (this.source.divergesBefore(this.source.sentEnd)) {
      // Finalize rewrote bytes the server already has: the only exact copy is a fresh upload.
      const old = this.tus;
      this.tus = null;
      await old?.abort(true).catch(() => {});
      this.source.sentEnd = 0;
      this.record = { ...this.record, url: null, bytesUploaded: 0 };
      this.tus = this.makeTus(null);
      this.tus.start();
    }
    if (this.record.state === 'waiting') await this.setState('uploading');
  }

  private metadata(): Record<string, string> {
    const s = this.session;
    const m: Record<string, string> = {
      filename: s.fileName ?? `${s.name}.${s.format}`,
      filetype: s.mimeType,
      name: s.name,
      recordingId: s.id,
      format: s.format,
    };
    if (s.videoCodec) m.videoCodec = s.videoCodec;
    if (s.audioCodec) m.audioCodec = s.audioCodec;
    if (s.width && s.height) m.resolution = `${s.width}x${s.height}`;
    if (this.source.isFinal && s.durationMs !== undefined) m.durationMs = String(Math.round(s.durationMs));
    return { ...m, ...this.options.metadata };
  }

  private makeTus(url: string | null, file?: Blob, sha256?: string): Upload {
    const o = this.options;
    const live = !file;
    return new Upload(file ?? new Blob([]), {
      endpoint: o.endpoint,
      uploadUrl: url,
      uploadLengthDeferred: live,
      chunkSize: o.chunkSize,
      retryDelays: o.retryDelays,
      headers: o.headers,
      metadata: sha256 ? { ...this.metadata(), sha256 } : this.metadata(),
      // A Blob rebuilt from IndexedDB has no name or lastModified; the recording id is the identity.
      fingerprint: async () => `inpage-recorder:${this.id}`,
      // The upload URL lives on the session record, not in localStorage.
      storeFingerprintForResuming: false,
      ...(live ? { fileReader: { openFile: async () => this.fileSource() } } : {}),
      onBeforeRequest: (req) => this.beforeRequest(req),
      onAfterResponse: (req, res) => this.afterResponse(req, res),
      onShouldRetry: (err) => {
        const retry = transient(statusOf(err)) && navigator.onLine !== false && !this.stopped;
        if (retry) void this.setState('retrying');
        return retry;
      },
      onUploadUrlAvailable: () => {
        const u = this.tus?.url ?? null;
        if (u && u !== this.record.url) void this.save({ url: u });
      },
      onChunkComplete: (_n, accepted) => {
        this.record.bytesUploaded = accepted;
        void this.save({ bytesUploaded: accepted, state: 'uploading' });
        this.hooks.onProgress?.(this.progress);
      },
      onSuccess: () => void this.verify(),
      onError: (e) => this.failed(e),
    });
  }

  /** tus reads the recording through this: slices wait for stored bytes until the file is final. */
  private fileSource() {
    const src = this.source;
    return {
      size: 0,
      slice: async (start: number, end: number) => {
        await src.waitFor(start);
        const stop = Math.min(end, src.available);
        src.sentEnd = Math.max(src.sentEnd, stop);
        const value = await src.read(start, stop);
        const done = src.isFinal && stop >= (src.size as number);
        this.bytesSent += value.size;
        return { value, done };
      },
      close: () => {},
    };
  }

  private async beforeRequest(req: HttpRequest): Promise<void> {
    const extra = await this.options.beforeRequest?.({ method: req.getMethod(), url: req.getURL() });
    if (extra) for (const [k, v] of Object.entries(extra)) req.setHeader(k, v);
    // The last PATCH declares the length: send what only the end knows (the file's SHA-256, its duration).
    if (req.getMethod() === 'PATCH' && req.getHeader('Upload-Length') !== undefined) {
      const sha256 = await this.source.sha256();
      this.record.sha256 = sha256;
      req.setHeader(FINAL_METADATA_HEADER, encodeMetadata({ sha256, size: String(this.source.size), durationMs: String(Math.round(this.session.durationMs ?? 0)) }));
    }
  }

  private afterResponse(req: HttpRequest, res: HttpResponse): void {
    const status = res.getStatus();
    if (req.getMethod() === 'HEAD' && status >= 200 && status < 300) {
      const offset = Number.parseInt(res.getHeader('Upload-Offset') ?? '', 10);
      if (Number.isFinite(offset)) {
        this.resumedAt.push(offset);
        this.record.bytesUploaded = offset;
      }
    }
    if (this.record.state === 'retrying' || this.record.state === 'offline') void this.setState('uploading');
  }

  /** tus gave up on a request (after its own retries): retry while the fault is transient, else stop with a code. */
  private failed(e: Error | DetailedError): void {
    if (this.stopped) return;
    const status = statusOf(e);
    const isHttp = (e as DetailedError).originalRequest != null;
    if (isHttp && transient(status)) {
      const offline = navigator.onLine === false;
      void this.setState(offline ? 'offline' : 'retrying');
      clearTimeout(this.retryTimer);
      const delay = this.options.retryDelays[this.options.retryDelays.length - 1] as number;
      // Offline: the `online` event resumes at once; the timer is a fallback for a missed event.
      this.retryTimer = setTimeout(() => this.resumeNow(), offline ? Math.max(delay, 5000) : delay) as unknown as number;
      return;
    }
    const err =
      status === 401 || status === 403
        ? new RecorderError(ErrorCode.UploadUnauthorized, `The upload server refused the credentials (HTTP ${status}). The recording is kept in this browser; sign in again and resume the upload.`, { cause: e, details: { status } })
        : status === 413
          ? new RecorderError(ErrorCode.UploadTooLarge, 'The upload server does not accept a file this large (HTTP 413). The recording is kept in this browser.', { cause: e, details: { status } })
          : new RecorderError(ErrorCode.UploadFailed, `The upload failed${status ? ` (HTTP ${status})` : ''}: ${e.message}. The recording is kept in this browser.`, { cause: e, details: { status } });
    void this.fail(err);
  }

  private resumeNow(): void {
    clearTimeout(this.retryTimer);
    if (this.stopped || !this.tus || (this.record.state !== 'retrying' && this.record.state !== 'offline')) return;
    void this.setState('uploading');
    this.tus.start();
  }

  /** Uploads the result of `options.export` (known length, metadata complete at creation). */
  private async startExport(): Promise<void> {
    try {
      const file = new File([await this.sourceFile()], this.session.fileName ?? this.session.name, { type: this.session.mimeType });
      const blob = await (this.options.export as NonNullable<ResolvedUpload['export']>)(file);
      const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
      const sha256 = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
      this.exported = { blob, sha256 };
      this.tus = this.makeTus(this.record.url, blob, sha256);
      this.tus.start();
    } catch (e) {
      void this.fail(e instanceof RecorderError ? e : new RecorderError(ErrorCode.UploadFailed, `Preparing the export to upload failed: ${(e as Error).message}`, { cause: e }));
    }
  }
  private exported: { blob: Blob; sha256: string } | null = null;

  private sourceFile(): Promise<Blob> {
    return this.source.read(0, this.source.size as number);
  }

  /** The server says it has everything: check its length against ours before calling it done. */
  private async verify(): Promise<void> {
    await this.setState('verifying');
    const url = this.tus?.url ?? this.record.url;
    const size = this.exported ? this.exported.blob.size : (this.source.size as number);
    try {
      if (!url) throw new Error('no upload URL');
      const headers = new Headers({ 'Tus-Resumable': '1.0.0', ...this.options.headers });
      const extra = await this.options.beforeRequest?.({ method: 'HEAD', url });
      if (extra) for (const [k, v] of Object.entries(extra)) headers.set(k, v);
      const res = await fetch(url, { method: 'HEAD', headers, cache: 'no-store' });
      const offset = Number(res.headers.get('Upload-Offset'));
      const length = Number(res.headers.get('Upload-Length'));
      if (!res.ok || offset !== size || length !== size) {
        throw new RecorderError(ErrorCode.UploadFailed, `The server's copy did not verify: it holds ${offset} of ${length} bytes, the local file has ${size}. The recording is kept in this browser.`, { details: { offset, length, size } });
      }
      const sha256 = this.exported ? this.exported.sha256 : await this.source.sha256();
      const result: UploadResult = { id: this.id, url, bytes: size, sha256, verifiedAt: Date.now() };
      this.record.bytesUploaded = size;
      await this.setState('complete', { url, sha256, completedAt: result.verifiedAt, bytesUploaded: size });
      this.cleanUp();
      if (this.options.deleteLocalAfterUpload) await this.deleteLocal();
      this.hooks.onProgress?.(this.progress);
      this.hooks.onComplete?.(result);
      this.settle.resolve(result);
    } catch (e) {
      await this.fail(e instanceof RecorderError ? e : new RecorderError(ErrorCode.UploadFailed, `Verifying the upload failed: ${(e as Error).message}. The recording is kept in this browser.`, { cause: e }));
    }
  }

  private async deleteLocal(): Promise<void> {
    const tx = this.db.transaction(['sessions', 'chunks'], 'readwrite');
    await Promise.all([tx.objectStore('chunks').delete(chunkRange(this.id)), tx.objectStore('sessions').delete(this.id)]);
    await tx.done;
  }

  private async fail(err: RecorderError): Promise<void> {
    if (this.record.state === 'failed') return;
    this.stopped = true;
    await this.tus?.abort().catch(() => {});
    await this.setState('failed', { error: { code: err.code, message: err.message } });
    this.cleanUp();
    this.hooks.onError?.(err);
    this.settle.reject(err);
  }

  async abort(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.tus?.abort().catch(() => {});
    this.cleanUp();
    this.settle.reject(new RecorderError(ErrorCode.Aborted, 'The upload was stopped; the recording is kept in this browser.'));
  }

  private cleanUp(): void {
    clearTimeout(this.retryTimer);
    globalThis.removeEventListener?.('online', this.onOnline);
    this.source.close();
    this.releaseLock?.();
    this.releaseLock = null;
  }

  private async setState(state: UploadState, change: Partial<UploadRecord> = {}): Promise<void> {
    const changed = state !== this.record.state;
    await this.save({ ...change, state });
    if (changed) this.hooks.onProgress?.(this.progress);
  }

  /** Keeps the upload's state on the session record (the recording may be deleted meanwhile: then nothing to keep). */
  private async save(change: Partial<UploadRecord>): Promise<void> {
    this.record = { ...this.record, ...change };
    if (this.record.state === 'complete' && this.options.deleteLocalAfterUpload) return;
    try {
      await updateSession(this.db, this.id, { upload: { ...this.record } });
    } catch {
      /* storage trouble is reported by the recorder; the upload goes on */
    }
  }
}
