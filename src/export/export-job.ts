// One export from start to end: read the source's tracks, pick the engine, run it with progress,
// cancel by terminating the engine's worker. Loaded on the first export only.
import { ErrorCode, RecorderError } from '../errors.js';
import type { SourceInfo } from '../../workers/export/protocol.js';
import type { ExportProgress, ExportResult, ExportStage, ResolvedExport } from './export-api.js';
import { FfmpegEngine, MAX_RUNS } from './ffmpeg-engine.js';
import { exportFailed } from './ffmpeg-log.js';
import { checkInputSize, MULTI_THREAD_LIMIT, type ExportEngine } from './limits.js';
import { MediabunnyEngine } from './mediabunny-engine.js';
import { wasmAllowed } from './support.js';
import { EXPORT_TARGETS, LOUDNESS_TARGETS, type ArgsContext, type ExportTargetId, type LoudnessMeasure } from './targets.js';

const UNKNOWN: SourceInfo = { container: null, videoCodec: null, audioCodec: null, durationS: null, width: null, height: null };

/** A loaded ffmpeg.wasm is kept this long after a job, so the next one starts warm. */
const KEEP_WARM_MS = 30_000;
/** After a job this large (input + output) the wasm memory it grew to is freed at once. */
const RELEASE_AFTER_BYTES = 256 * 1024 ** 2;

/** The engines, kept between exports. Jobs run one at a time: cancelling one ends its engine's worker. */
class EnginePool {
  readonly mediabunny = new MediabunnyEngine();
  private ffmpeg: FfmpegEngine | null = null;
  private idle: ReturnType<typeof setTimeout> | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  /** Runs `job` after the ones before it. */
  serial<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job, job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  ffmpegFor(threads: 'single' | 'multi'): FfmpegEngine {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    if (!this.ffmpeg || this.ffmpeg.terminated || this.ffmpeg.threads !== threads) {
      this.ffmpeg?.terminate();
      this.ffmpeg = new FfmpegEngine(threads);
    }
    return this.ffmpeg;
  }

  /** Ends the engines' workers: whatever runs is rejected; the next job starts fresh ones. */
  terminate(): void {
    this.mediabunny.terminate();
    this.ffmpeg?.terminate();
    this.ffmpeg = null;
  }

  keepWarm(bytes: number): void {
    if (bytes > RELEASE_AFTER_BYTES || (this.ffmpeg?.runs ?? 0) >= MAX_RUNS) return this.releaseFfmpeg();
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => this.releaseFfmpeg(), KEEP_WARM_MS);
  }

  releaseFfmpeg(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    this.ffmpeg?.terminate();
    this.ffmpeg = null;
  }
}

const pool = new EnginePool();

export function releaseEngines(): void {
  pool.releaseFfmpeg();
  pool.mediabunny.terminate();
}

/** Reports progress with an ETA from the rate of work so far (loading the engine not counted); never goes backwards. */
class Progress {
  private workStart: number | null = null;
  private last = 0;
  constructor(private readonly cb: ((p: ExportProgress) => void) | null) {}

  report(stage: ExportStage, fraction: number): void {
    if (!this.cb) return;
    const now = performance.now();
    if (stage !== 'probing' && stage !== 'loading') this.workStart ??= now;
    const f = Math.max(this.last, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
    this.last = f;
    const elapsed = this.workStart === null ? 0 : now - this.workStart;
    this.cb({ fraction: f, stage, etaMs: f >= 1 ? 0 : f >= 0.02 && elapsed > 0 ? (elapsed * (1 - f)) / f : null });
  }
}

const aborted = () => new RecorderError(ErrorCode.Aborted, 'The export was cancelled.');

function outputName(fileName: string | null, target: ExportTargetId, extension: string): string | null {
  if (!fileName) return null;
  const dot = fileName.lastIndexOf('.');
  const base = dot > 0 ? fileName.slice(0, dot) : fileName;
  const same = dot > 0 && fileName.slice(dot + 1).toLowerCase() === extension;
  return same ? `${base} (${target}).${extension}` : `${base}.${extension}`;
}

/** The JSON loudnorm prints at the end of its measuring pass. */
export function parseLoudnorm(log: readonly string[]): LoudnessMeasure {
  const text = log.join('\n');
  const blocks = text.match(/\{[^{}]*"input_i"[^{}]*\}/g);
  const m = blocks ? (JSON.parse(blocks[blocks.length - 1] as string) as LoudnessMeasure) : null;
  if (!m || !Number.isFinite(Number(m.input_i))) throw exportFailed('The loudness measurement gave no result (is the audio silent?)', log);
  return m;
}

/** Checks what the job needs from the source: the tracks it exports, and times inside it. */
function checkSource(job: ResolvedExport, s: SourceInfo): void {
  const spec = EXPORT_TARGETS[job.target];
  const known = s.videoCodec !== null || s.audioCodec !== null;
  if (!known) return; // Mediabunny could not read it; ffmpeg may, and says so if not.
  const needsAudio = spec.kind === 'audio' || job.target.startsWith('loudness');
  if (needsAudio && !s.audioCodec) throw new RecorderError(ErrorCode.InvalidOptions, `This recording has no audio, so it cannot be exported as ${spec.label}.`);
  if (spec.kind === 'image' && !s.videoCodec) throw new RecorderError(ErrorCode.InvalidOptions, 'This recording has no video, so it has no poster frame.');
  const d = s.durationS;
  if (d === null) return;
  if (job.at !== null && job.at >= d) throw new TypeError(`options.at must be within the recording (0–${d.toFixed(3)} s; got ${job.at})`);
  if (job.trim && job.trim.start >= d) throw new TypeError(`options.trim.start must be within the recording (0–${d.toFixed(3)} s; got ${job.trim.start})`);
}

/** Runs one export (one at a time); see `exportRecording`. */
export function runExport(file: Blob, job: ResolvedExport): Promise<ExportResult> {
  return pool.serial(async () => {
    if (job.signal?.aborted) throw aborted();
    const onAbort = () => pool.terminate();
    job.signal?.addEventListener('abort', onAbort);
    try {
      return await run(file, job);
    } catch (e) {
      if (job.signal?.aborted) throw aborted();
      throw e;
    } finally {
      job.signal?.removeEventListener('abort', onAbort);
    }
  });
}

async function run(file: Blob, job: ResolvedExport): Promise<ExportResult> {
  const t0 = performance.now();
  const spec = EXPORT_TARGETS[job.target];
  const progress = new Progress(job.onProgress);
  progress.report('probing', 0);
  const source = await pool.mediabunny.probe(file).catch((e) => {
    if (job.signal?.aborted) throw e;
    return UNKNOWN;
  });
  checkSource(job, source);
  const trim = job.trim && { ...job.trim, end: Math.min(job.trim.end, source.durationS ?? Infinity) };
  const at = job.at ?? (source.durationS !== null ? Math.min(1, source.durationS / 2) : 0);
  const result = (engine: ExportEngine, blob: Blob, extra: Partial<ExportResult> = {}): ExportResult => ({
    blob,
    target: job.target,
    engine,
    mimeType: spec.mimeType,
    extension: spec.extension,
    fileName: outputName(job.fileName, job.target, spec.extension),
    durationMs: performance.now() - t0,
    loadMs: null,
    threads: null,
    bytesIn: file.size,
    bytesOut: blob.size,
    trim: trim ? { start: trim.start, end: trim.end } : null,
    loudness: null,
    fallback: null,
    saved: null,
    ...extra,
  });

  let fallback: string | null = null;
  const plan = job.engine !== 'ffmpeg.wasm' && spec.mediabunny ? spec.mediabunny(source) : null;
  if (plan) {
    const r = await pool.mediabunny.convert(file, plan, spec.mimeType, (f) => progress.report('converting', f));
    if ('blob' in r) {
      progress.report('finishing', 1);
      return result('mediabunny', r.blob);
    }
    fallback = r.unsupported;
  } else if (spec.mediabunny && job.engine !== 'ffmpeg.wasm') {
    fallback = source === UNKNOWN ? 'Mediabunny could not read the file' : `Mediabunny cannot copy ${source.videoCodec ?? 'no video'} + ${source.audioCodec ?? 'no audio'} into ${job.target}`;
  }
  if (fallback && job.engine === 'mediabunny') {
    throw new RecorderError(ErrorCode.ExportFailed, `Mediabunny cannot make ${spec.label} from this file (${fallback}). The original file is unchanged.`);
  }

  // ffmpeg.wasm. A fallback from Mediabunny meets ffmpeg.wasm's own limit here, still before loading it.
  checkInputSize(file.size, 'ffmpeg.wasm', job.limits['ffmpeg.wasm']);
  if (!(await wasmAllowed())) {
    throw new RecorderError(
      ErrorCode.ExportUnavailable,
      `This page's Content Security Policy forbids WebAssembly (it lacks 'wasm-unsafe-eval'), which ${spec.label} export needs. Recording and downloading the original still work.`,
    );
  }
  const threads = job.threads !== 'single' && globalThis.crossOriginIsolated && file.size <= MULTI_THREAD_LIMIT ? 'multi' : 'single';
  const ff = pool.ffmpegFor(threads);
  progress.report('loading', 0);
  let cold: boolean;
  try {
    cold = await ff.load();
  } catch (e) {
    pool.releaseFfmpeg();
    if (job.signal?.aborted) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    if (/WebAssembly|wasm|CompileError|Content Security Policy|unsafe-eval/i.test(msg) && !/fetch|network|404/i.test(msg)) {
      throw new RecorderError(ErrorCode.ExportUnavailable, `The export engine could not start here: ${msg}. Recording and downloading the original still work.`, { cause: e });
    }
    throw exportFailed(`The export engine (ffmpeg.wasm) could not be loaded: ${msg}`, ff.log, e);
  }
  const loadMs = cold ? (ff.loadMs ?? 0) : 0;
  const ext = (job.fileName?.match(/\.(\w{2,4})$/)?.[1] ?? source.container ?? 'bin').toLowerCase();
  const output = `/out.${spec.extension}`;
  let outBytes = 0;
  try {
    const input = await ff.mount(file, `input.${ext}`);
    // A stream copy can only start on a key frame: the span starts at the one at or before `start`.
    if (trim?.mode === 'copy' && source.videoCodec !== null) trim.start = (await ff.keyframeAtOrBefore(input, trim.start)) ?? trim.start;
    const ctx: ArgsContext = { input, output, source, at, trim, measured: null };
    const length = trim ? trim.end - trim.start : spec.kind === 'image' ? null : source.durationS;
    const share = spec.measure ? 0.4 : 0;
    const stage = (name: ExportStage, from: number, span: number) => (t: number) => {
      if (length) progress.report(name, from + span * Math.min(1, t / length));
    };
    let loudness: ExportResult['loudness'] = null;
    if (spec.measure) {
      ctx.measured = parseLoudnorm(await ff.run(spec.measure(ctx), stage('measuring', 0, share)));
    }
    const log = await ff.run(spec.ffmpeg(ctx), stage('converting', share, 1 - share));
    if (ctx.measured && job.target in LOUDNESS_TARGETS) {
      const t = LOUDNESS_TARGETS[job.target as keyof typeof LOUDNESS_TARGETS];
      loudness = {
        targetLufs: t.integrated,
        truePeakDb: t.truePeak,
        measuredLufs: Number(ctx.measured.input_i),
        measuredPeakDb: Number(ctx.measured.input_tp),
        linear: log.some((l) => /Normalization Type:\s*Linear/i.test(l)),
      };
    }
    progress.report('finishing', 0.99);
    const data = await ff.read(output).catch((e) => {
      throw exportFailed('ffmpeg produced no output', ff.log, e);
    });
    await ff.remove(output);
    await ff.unmount();
    outBytes = data.length;
    const blob = new Blob([data as Uint8Array<ArrayBuffer>], { type: spec.mimeType });
    progress.report('finishing', 1);
    return result('ffmpeg.wasm', blob, { loadMs, threads, loudness, fallback });
  } catch (e) {
    // A failed run leaves files and grown memory behind, a trap leaves the engine unusable: start the next job afresh.
    pool.releaseFfmpeg();
    if (e instanceof RecorderError || e instanceof TypeError || job.signal?.aborted) throw e;
    throw exportFailed(`ffmpeg.wasm failed: ${e instanceof Error ? e.message : String(e)}`, ff.log, e);
  } finally {
    if (!ff.terminated) pool.keepWarm(file.size + outBytes);
  }
}
