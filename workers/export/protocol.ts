/** Messages between the page's export module and the export worker (Mediabunny). Imported by both sides. */
import type { SerializedError } from '../../src/errors.js';

/** What a source file holds, as Mediabunny reads it. `null` where it could not tell. */
export type SourceInfo = {
  /** `mp4`, `mov`, `webm`, `mkv`, `ogg`, `wav`, `mp3`, … */
  container: string | null;
  /** Mediabunny's codec names: `avc`, `hevc`, `vp8`, `vp9`, `av1`; `aac`, `opus`, `mp3`, `vorbis`, `flac`, `pcm-s16`, … */
  videoCodec: string | null;
  audioCodec: string | null;
  durationS: number | null;
  width: number | null;
  height: number | null;
};

export type RemuxFormat = 'mp4' | 'mov' | 'mkv' | 'webm';

/**
 * One Mediabunny job: the output container (MP4 and MOV with the index first), and per track
 * whether packets are copied, re-encoded with the browser's own encoder (WebCodecs), or left out.
 */
export type MediabunnyPlan = {
  format: RemuxFormat;
  video: 'copy' | 'vp9' | 'drop';
  audio: 'copy' | 'opus' | 'drop';
};

export type ExportCommand =
  | { type: 'probe'; id: number; file: Blob }
  | { type: 'convert'; id: number; file: Blob; plan: MediabunnyPlan; mimeType: string };

export type ExportEvent =
  | { type: 'probed'; id: number; info: SourceInfo }
  | { type: 'progress'; id: number; fraction: number }
  | { type: 'converted'; id: number; blob: Blob }
  /** Mediabunny cannot do this job here (a track it cannot copy or encode): the caller falls back to ffmpeg.wasm. */
  | { type: 'unsupported'; id: number; reason: string }
  | { type: 'error'; id: number; error: SerializedError };

export function assertNever(x: never): never {
  throw new Error(`unexpected message ${JSON.stringify(x)}`);
}
