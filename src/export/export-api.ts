// The public face of export. Small on purpose: it validates, refuses inputs that are too large,
// and only then imports the engines (Mediabunny's worker, ffmpeg.wasm and its ~30 MB core), so a
// page that records but never exports never downloads them.
import type { Exporter, ExportTarget } from '../element/exporter.js';
import { ErrorCode, RecorderError } from '../errors.js';
import { RecordingsLibrary, type ExportInfo } from '../store/recordings-library.js';
import { checkInputSize, EXPORT_LIMITS, type ExportEngine } from './limits.js';
import { wasmAllowed } from './support.js';
import { EXPORT_TARGETS, isTargetId, type ExportTargetId, type TrimSpan } from './targets.js';

/** A file, a `Recording` (what `stop()` returns), or the id of a stored recording. */
export type ExportInput = Blob | { file: Blob; id?: string } | string;

export type ExportStage = 'probing' | 'loading' | 'measuring' | 'converting' | 'finishing';

/** Progress of one export: `fraction` 0‥1 of the work, and the time left once it can be estimated. */
export type ExportProgress = { fraction: number; etaMs: number | null; stage: ExportStage };

export type ExportOptions = {
  signal?: AbortSignal;
  onProgress?: (progress: ExportProgress) => void;
  /** `auto` (default) runs each job on the engine that does it fastest. */
  engine?: 'auto' | ExportEngine;
  /** Required by `trim`: seconds of the source; `mode` `copy` (default: cut at key frames, no re-encode) or `exact` (re-encode). */
  trim?: { start: number; end: number; mode?: 'copy' | 'exact' };
  /** `poster`: the time of the frame, s (default: 1 s, or the middle of shorter recordings). */
  at?: number;
  /** Largest input per engine, bytes (defaults: `EXPORT_LIMITS`). */
  limits?: Partial<Record<ExportEngine, number>>;
  /** `single` keeps ffmpeg.wasm on one thread even when the page is cross-origin isolated. */
  threads?: 'auto' | 'single';
  /** Keep the result in the recordings library next to its recording (the input must be a recording or its id). */
  save?: boolean;
  /** The library to read a recording id from and save into (default: this origin's). */
  library?: RecordingsLibrary;
};

/** What an export produced, and how. */
export type ExportResult = {
  blob: Blob;
  target: ExportTargetId;
  engine: ExportEngine;
  mimeType: string;
  extension: string;
  /** A download name derived from the input's name, when it had one. */
  fileName: string | null;
  /** Wall time of the whole export, ms (probe, engine load, conversion, read-back). */
  durationMs: number;
  /** ffmpeg.wasm only: how long loading its core took (0 when it was already loaded), and which core. */
  loadMs: number | null;
  threads: 'single' | 'multi' | null;
  bytesIn: number;
  bytesOut: number;
  /** `trim`: the span actually cut, s of the source (`copy` starts at the key frame at or before `start`). */
  trim: { start: number; end: number } | null;
  /** Loudness targets: what the first pass measured and whether one linear gain reached the target. */
  loudness: { targetLufs: number; truePeakDb: number; measuredLufs: number; measuredPeakDb: number; linear: boolean } | null;
  /** Why the faster engine could not do this job, when it fell back to ffmpeg.wasm. */
  fallback: string | null;
  /** The library entry, with `save: true`. */
  saved: ExportInfo | null;
};

/** Options after validation, as the export job takes them. */
export type ResolvedExport = {
  target: ExportTargetId;
  engine: 'auto' | ExportEngine;
  trim: TrimSpan | null;
  at: number | null;
  limits: Record<ExportEngine, number>;
  threads: 'auto' | 'single';
  signal: AbortSignal | null;
  onProgress: ((p: ExportProgress) => void) | null;
  fileName: string | null;
};

const OPTION_KEYS = ['signal', 'onProgress', 'engine', 'trim', 'at', 'limits', 'threads', 'save', 'library'] as const;
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Validates `exportRecording`'s target and options; throws TypeErrors naming the option. */
export function resolveExport(target: unknown, o: ExportOptions = {}): ResolvedExport {
  if (!isTargetId(target)) throw new TypeError(`target must be one of ${Object.keys(EXPORT_TARGETS).join(', ')} (got ${JSON.stringify(target)})`);
  if (typeof o !== 'object' || o === null) throw new TypeError('options must be an object');
  for (const k of Object.keys(o)) if (!(OPTION_KEYS as readonly string[]).includes(k)) throw new TypeError(`options.${k} is not a known option (known: ${OPTION_KEYS.join(', ')})`);
  const spec = EXPORT_TARGETS[target];
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new TypeError('options.signal must be an AbortSignal');
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw new TypeError('options.onProgress must be a function');
  const engine = o.engine ?? 'auto';
  if (!['auto', 'mediabunny', 'ffmpeg.wasm'].includes(engine)) throw new TypeError(`options.engine must be 'auto', 'mediabunny' or 'ffmpeg.wasm' (got ${JSON.stringify(engine)})`);
  if (engine === 'mediabunny' && !spec.mediabunny) throw new TypeError(`options.engine 'mediabunny' cannot make '${target}'; only ffmpeg.wasm can`);
  let trim: TrimSpan | null = null;
  if (spec.needs === 'trim' || o.trim !== undefined) {
    if (spec.needs !== 'trim') throw new TypeError(`options.trim only applies to the 'trim' target`);
    const t = o.trim;
    if (!t || typeof t !== 'object') throw new TypeError(`options.trim must be { start, end, mode? } in seconds for the 'trim' target`);
    if (!finite(t.start) || t.start < 0) throw new TypeError(`options.trim.start must be a number of seconds ≥ 0 (got ${JSON.stringify(t.start)})`);
    if (!finite(t.end) || t.end <= t.start) throw new TypeError(`options.trim.end must be a number of seconds greater than options.trim.start (got ${JSON.stringify(t.end)})`);
    const mode = t.mode ?? 'copy';
    if (mode !== 'copy' && mode !== 'exact') throw new TypeError(`options.trim.mode must be 'copy' or 'exact' (got ${JSON.stringify(mode)})`);
    trim = { start: t.start, end: t.end, mode };
  }
  if (o.at !== undefined && (!finite(o.at) || o.at < 0)) throw new TypeError(`options.at must be a number of seconds ≥ 0 (got ${JSON.stringify(o.at)})`);
  if (o.at !== undefined && target !== 'poster') throw new TypeError(`options.at only applies to the 'poster' target`);
  const limits = { ...EXPORT_LIMITS } as Record<ExportEngine, number>;
  for (const [k, v] of Object.entries(o.limits ?? {})) {
    if (!(k in limits)) throw new TypeError(`options.limits.${k} is not an engine (mediabunny, ffmpeg.wasm)`);
    if (!finite(v) || v <= 0) throw new TypeError(`options.limits.${k} must be a number of bytes > 0 (got ${JSON.stringify(v)})`);
    limits[k as ExportEngine] = v;
  }
  const threads = o.threads ?? 'auto';
  if (threads !== 'auto' && threads !== 'single') throw new TypeError(`options.threads must be 'auto' or 'single' (got ${JSON.stringify(threads)})`);
  if (o.library !== undefined && !(o.library instanceof RecordingsLibrary)) throw new TypeError('options.library must be a RecordingsLibrary');
  return { target, engine, trim, at: o.at ?? null, limits, threads, signal: o.signal ?? null, onProgress: o.onProgress ?? null, fileName: null };
}

/** The engine a target runs on unless the source rules it out: known before anything loads. */
export const plannedEngine = (r: Pick<ResolvedExport, 'target' | 'engine'>): ExportEngine =>
  r.engine === 'ffmpeg.wasm' || !EXPORT_TARGETS[r.target].mediabunny ? 'ffmpeg.wasm' : 'mediabunny';

let jobs: Promise<typeof import('./export-job.js')> | null = null;
const loadJobs = () => (jobs ??= import('./export-job.js'));

const aborted = () => new RecorderError(ErrorCode.Aborted, 'The export was cancelled.');

/**
 * Converts a recording (a file, a `Recording`, or a stored recording's id) into `target` in the
 * browser: on Mediabunny where it is faster, else on ffmpeg.wasm (loaded on first use). Rejects
 * with `export-too-large` before loading anything when the input is too big, `export-failed`
 * (with ffmpeg's last log lines in `details.log`) when the conversion fails, `export-unavailable`
 * when the page may not run WebAssembly, and `aborted` when `options.signal` aborts.
 */
export async function exportRecording(input: ExportInput, target: ExportTargetId, options: ExportOptions = {}): Promise<ExportResult> {
  const job = resolveExport(target, options);
  const library = options.library ?? (typeof input === 'string' || options.save ? new RecordingsLibrary() : null);
  let file: Blob;
  let recordingId: string | null = null;
  if (typeof input === 'string') {
    recordingId = input;
    file = await library!.get(input);
  } else if (input instanceof Blob) file = input;
  else if (input && typeof input === 'object' && input.file instanceof Blob) {
    file = input.file;
    recordingId = typeof input.id === 'string' ? input.id : null;
  } else throw new TypeError('input must be a Blob, a Recording ({ file, id }) or a recording id');
  if (options.save && !recordingId) throw new TypeError('options.save needs a recording (or its id) as input, to keep the export next to it');
  job.fileName = file instanceof File && file.name ? file.name : null;
  checkInputSize(file.size, plannedEngine(job), job.limits[plannedEngine(job)]);
  if (job.signal?.aborted) throw aborted();
  const result = await (await loadJobs()).runExport(file, job);
  if (options.save && recordingId && library) {
    result.saved = await library.saveExport(recordingId, result.blob, { target: result.target, fileName: result.fileName ?? `export.${result.extension}`, engine: result.engine });
  }
  return result;
}

/** What this page can run: WebAssembly (a CSP without 'wasm-unsafe-eval' forbids it) and ffmpeg.wasm's threads. */
export async function exportSupport(): Promise<{ ffmpeg: boolean; threads: 'single' | 'multi'; webCodecs: boolean }> {
  return {
    ffmpeg: await wasmAllowed(),
    threads: globalThis.crossOriginIsolated ? 'multi' : 'single',
    webCodecs: typeof globalThis.VideoEncoder === 'function',
  };
}

/** Ends the export engines kept warm between exports, freeing their memory now rather than when idle. */
export async function releaseExportEngines(): Promise<void> {
  if (jobs) (await jobs).releaseEngines();
}

/** Targets that need no parameters, as the element offers them. */
export const exporterTargets = (ids: readonly ExportTargetId[] = Object.keys(EXPORT_TARGETS) as ExportTargetId[]): ExportTarget[] =>
  ids.filter((id) => !EXPORT_TARGETS[id].needs).map((id) => ({ id, label: EXPORT_TARGETS[id].label, extension: EXPORT_TARGETS[id].extension }));

/**
 * An `Exporter` for `<inpage-recorder>` (`element.exporter`, or `InpageRecorderElement.defaultExporter`)
 * that exports with `exportRecording`. `targets` limits the menu; `trim` needs parameters and is never offered.
 */
export function createExporter(options: { targets?: readonly ExportTargetId[]; limits?: ExportOptions['limits'] } = {}): Exporter {
  for (const id of options.targets ?? []) if (!isTargetId(id)) throw new TypeError(`options.targets: ${JSON.stringify(id)} is not an export target`);
  return {
    targets: exporterTargets(options.targets),
    async export(file, target, { signal, onProgress }) {
      try {
        const r = await exportRecording(file, target as ExportTargetId, { signal, onProgress: (p) => onProgress(p.fraction), limits: options.limits });
        return r.blob;
      } catch (e) {
        // The element's contract: cancelling rejects with an AbortError.
        if (signal.aborted) throw new DOMException('The export was cancelled.', 'AbortError');
        throw e;
      }
    },
  };
}
