import type { DBSchema } from 'idb';
import type { Format } from '../options.js';
import type { RecoveryReport } from './recovery.js';

export const DB_NAME = 'inpage-recorder';
export const DB_VERSION = 2;

/** Lifecycle of a stored recording. `recording`/`paused`/`stopping` with a free lock mean interrupted. */
export type SessionState = 'recording' | 'paused' | 'stopping' | 'complete' | 'interrupted' | 'recovered' | 'failed';

/** A write that landed before the end of the stored bytes (container headers patched at finalize). */
export type Patch = { position: number; data: Uint8Array };

export type SessionRecord = {
  id: string;
  name: string;
  format: Format;
  mimeType: string;
  state: SessionState;
  createdAt: number;
  stoppedAt?: number;
  durationMs?: number;
  videoCodec?: string;
  audioCodec?: string;
  width?: number;
  height?: number;
  /** Stored bytes (appended; patches do not change the length). */
  bytes: number;
  chunkCount: number;
  patches: Patch[];
  /** Chunks left out of the file (recovery found them unreadable, corrupt or cut). */
  skip?: number[];
  /** What recovery found, once it ran. */
  recovery?: RecoveryReport;
  /** Last time the session record was committed with strict durability (ms since epoch). */
  checkpointAt?: number;
  /** File name offered for download. */
  fileName?: string;
  /** The options the recording ran with, for recovery and display. */
  options: unknown;
  error?: { code: string; message: string };
  /** Upload to a tus server, when the recording was made with `upload` on. */
  upload?: UploadRecord;
};

/** Where an upload stands; `complete` means the server's copy was verified against the local file. */
export type UploadState = 'waiting' | 'uploading' | 'retrying' | 'offline' | 'verifying' | 'complete' | 'failed';

/** Upload progress kept with the session, so an upload resumes after a reload or crash. */
export type UploadRecord = {
  endpoint: string;
  /** The tus upload's URL once created. */
  url: string | null;
  state: UploadState;
  /** Bytes the server has acknowledged. */
  bytesUploaded: number;
  /** SHA-256 (hex) of the local file, once it is final. */
  sha256?: string;
  error?: { code: string; message: string };
  completedAt?: number;
};

export type ChunkRecord = {
  sessionId: string;
  seq: number;
  /** Byte offset of this chunk in the file. */
  offset: number;
  size: number;
  blob: Blob;
  /** Media time this chunk's fragment starts at, µs (when the muxer says). */
  startUs?: number;
  /** CRC-32 of the bytes. */
  crc32: number;
};

/** An export kept next to its recording (version 2); deleted with it. */
export type ExportRecord = {
  id: string;
  recordingId: string;
  /** Export target id (`mp4`, `mp3`, `poster`, …). */
  target: string;
  fileName: string;
  mimeType: string;
  bytes: number;
  createdAt: number;
  /** Which engine made it (`mediabunny`, `ffmpeg.wasm`). */
  engine: string | null;
  blob: Blob;
};

export interface RecorderDB extends DBSchema {
  sessions: { key: string; value: SessionRecord; indexes: { 'by-created': number } };
  chunks: { key: [string, number]; value: ChunkRecord };
  exports: { key: string; value: ExportRecord; indexes: { 'by-recording': string } };
}
