import { ErrorCode, RecorderError } from '../errors.js';

/** Which engine ran an export: Mediabunny (remux, WebCodecs) or ffmpeg.wasm (everything else). */
export type ExportEngine = 'mediabunny' | 'ffmpeg.wasm';

const GiB = 1024 ** 3;

/**
 * Largest input each engine takes, bytes. ffmpeg.wasm reads the input from the Blob (WORKERFS) but
 * builds its output in wasm memory, which stops at 2 GiB (1 GiB fixed for the multi-threaded
 * core) and grows by copying: 1 GiB of input leaves room for a same-sized output. Mediabunny
 * streams the input and hands its output to the browser as Blobs; fast-start MP4 and MOV keep
 * the media in memory until the index is written, so it is bounded by what a tab can hold.
 */
export const EXPORT_LIMITS = { 'ffmpeg.wasm': 1 * GiB, mediabunny: 4 * GiB } as const satisfies Record<ExportEngine, number>;

/** Above this the multi-threaded core (1 GiB of fixed memory) is passed over for the single-threaded one. */
export const MULTI_THREAD_LIMIT = 512 * 1024 ** 2;

export function formatBytes(n: number): string {
  if (n >= GiB) return `${(n / GiB).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${Math.round(n / 1024)} KiB`;
}

/** Refuses, before anything loads, an input larger than `limit` (the engine's own by default). */
export function checkInputSize(bytes: number, engine: ExportEngine, limit: number = EXPORT_LIMITS[engine]): void {
  if (bytes <= limit) return;
  throw new RecorderError(
    ErrorCode.ExportTooLarge,
    `This file is ${formatBytes(bytes)}, more than ${engine} can export in the browser (${formatBytes(limit)}). Download the original file instead; it is unchanged.`,
    { details: { bytes, limit, engine } },
  );
}
