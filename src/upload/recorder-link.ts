import { ErrorCode, RecorderError, toRecorderError } from '../errors.js';
import type { ResolvedUpload } from './upload-options.js';
import { openRecorderDB, type RecorderDatabase, type StoredChunk } from '../store/chunk-store.js';
import type { RecorderStats } from '../stats.js';
import { Uploader, type RecordingUpload, type UploadProgress, type UploadResult } from './uploader.js';

/**
 * One finished fragment of the recording as it is stored (fMP4 moof+mdat, or a WebM cluster), for
 * apps that stream to their own backend. Segment 0 also holds the file header (ftyp+moov, or the
 * EBML and Segment headers with Tracks), so the segments in order are a playable live stream.
 */
export type Segment = {
  index: number;
  /** The fragment's bytes (backed by IndexedDB: `ws.send(data)`, or `await data.arrayBuffer()`). */
  data: Blob;
  /** Byte offset in the file. */
  offset: number;
  /** Media time the fragment starts and ends, µs (the tail written at stop has no media: both are the duration). */
  startUs: number;
  endUs: number;
  /** Whether the fragment starts with a keyframe (every media fragment does; the tail does not). */
  keyframe: boolean;
  /** The last segment of the recording. */
  final: boolean;
};

/** What the link needs of the Recorder: its public events and figures. */
type Host = EventTarget & { readonly id: string; readonly stats: RecorderStats; readonly state: string };

/**
 * The Recorder's side of live segments and upload: follows the chunks the encode worker stores,
 * emits `segment` for each finished fragment, and drives the Uploader. Kept out of recorder.ts.
 */
export class RecorderLink {
  private uploader: Uploader | null = null;
  private starting: Promise<void> | null = null;
  private early: StoredChunk[] = [];
  /** Stored chunks whose end time is not known yet (waiting for the next fragment's start). */
  private held: StoredChunk[] = [];
  private segments: Promise<void> = Promise.resolve();
  private dbp: Promise<RecorderDatabase> | null = null;
  private statsAt = performance.now();
  private readonly onStats = () => (this.statsAt = performance.now());

  constructor(
    private readonly host: Host,
    private readonly upload: ResolvedUpload | false,
  ) {
    host.addEventListener('stats', this.onStats);
  }

  private emit<T>(type: string, detail: T): void {
    this.host.dispatchEvent(new CustomEvent(type, { detail }));
  }

  private db(): Promise<RecorderDatabase> {
    this.dbp ??= openRecorderDB();
    return this.dbp;
  }

  /** The recording is being stored: start uploading it, if upload is on. Never throws (the recording goes on without). */
  start(): void {
    if (!this.upload) return;
    const options = this.upload;
    this.starting = (async () => {
      try {
        this.uploader = await Uploader.start(await this.db(), this.host.id, options, {
          recordedUs: () => this.recordedUs(),
          onProgress: (p) => this.emit<UploadProgress>('uploadprogress', p),
          onComplete: (r) => this.emit<UploadResult>('uploadcomplete', r),
          onError: (e) => this.emit<RecorderError>('error', e),
        });
        for (const c of this.early) this.uploader.chunkStored(c);
      } catch (e) {
        this.emit('error', e instanceof RecorderError && e.code.startsWith('upload-') ? e : toRecorderError(e, ErrorCode.UploadFailed, 'Starting the upload failed (the recording goes on, stored in this browser)'));
      }
      this.early = [];
    })();
  }

  /** Media recorded so far, µs: the last stats figure plus the time since, while recording. */
  private recordedUs(): number {
    const s = this.host.stats;
    return (s.durationMs + (this.host.state === 'recording' ? performance.now() - this.statsAt : 0)) * 1000;
  }

  /** The upload, once started (null without upload or if it could not start). */
  get recordingUpload(): RecordingUpload | null {
    return this.uploader;
  }

  chunk(c: StoredChunk): void {
    if (this.uploader) this.uploader.chunkStored(c);
    else if (this.upload) this.early.push(c);
    // A fragment's time range ends where the next begins, so each segment goes out when the next
    // fragment is stored (the tail written at stop has no start time: it waits for the duration).
    if (c.startUs !== undefined) {
      for (const h of this.held) this.emitSegment(h, c.startUs, false);
      this.held = [];
    }
    this.held.push(c);
  }

  private emitSegment(c: StoredChunk, endUs: number, final: boolean): void {
    this.segments = this.segments.then(async () => {
      try {
        const record = await (await this.db()).get('chunks', [this.host.id, c.seq]);
        if (!record) return;
        const start = c.startUs ?? endUs;
        this.emit<Segment>('segment', {
          index: c.seq,
          data: record.blob,
          offset: c.offset,
          startUs: start,
          endUs: Math.max(start, endUs),
          keyframe: c.startUs !== undefined,
          final,
        });
      } catch {
        /* a segment that cannot be read back is skipped; the recording itself is unaffected */
      }
    });
  }

  /** The recording stopped with this duration: last segment out, upload the rest. Resolves with the upload handle. */
  async finish(durationUs: number): Promise<void> {
    this.held.forEach((h, i) => this.emitSegment(h, durationUs, i === this.held.length - 1));
    this.held = [];
    this.host.removeEventListener('stats', this.onStats);
    await this.starting;
    await this.uploader?.recordingFinished().catch((e) => this.emit('error', toRecorderError(e, ErrorCode.UploadFailed, 'Finishing the upload failed')));
  }

  /** The recording was abandoned (cancelled, or failed with nothing to salvage): stop uploading it. */
  async abandon(): Promise<void> {
    this.host.removeEventListener('stats', this.onStats);
    await this.starting;
    await this.uploader?.abort();
  }
}
