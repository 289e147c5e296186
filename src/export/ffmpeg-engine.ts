import { FFFSType, FFmpeg } from '@ffmpeg/ffmpeg';
import { fetchFile } from '@ffmpeg/util';
// The cores are files of this package's build, served from the page's own origin beside the
// module (never a CDN), and only fetched when the first ffmpeg.wasm export starts.
import coreURL from '@ffmpeg/core?url&no-inline';
import wasmURL from '@ffmpeg/core/wasm?url&no-inline';
import mtCoreURL from '@ffmpeg/core-mt?url&no-inline';
import mtWasmURL from '@ffmpeg/core-mt/wasm?url&no-inline';
import mtWorkerURL from '@ffmpeg/core-mt/worker?url&no-inline';
import ffmpegWorkerURL from '../../workers/export/ffmpeg-worker.ts?worker&url';
import { RecorderError } from '../errors.js';
import { exportFailed } from './ffmpeg-log.js';
import { seekTo } from './targets.js';

const abs = (u: string) => new URL(u, import.meta.url).href;

/**
 * Global options every run sets afresh: one ffmpeg.wasm instance keeps globals such as the log
 * level from one run to the next, and the loudness pass reads its result from the info-level log.
 */
const GLOBAL_ARGS = ['-hide_banner', '-loglevel', 'info'];

/**
 * Runs before an instance is replaced by a fresh one. ffmpeg ends each run with exit(), which
 * this core turns into an exception without unwinding the wasm stack: every run leaves part of
 * the 64 KiB stack in use, and after some dozens the next one traps.
 */
export const MAX_RUNS = 16;

/** One ffmpeg.wasm instance: its own worker and wasm memory. Terminating it frees both. */
export class FfmpegEngine {
  private readonly ff = new FFmpeg();
  private loading: Promise<void> | null = null;
  private lines: string[] = [];
  private onTime: ((seconds: number) => void) | null = null;
  /** The input as ffmpeg sees it: mounted (WORKERFS) or copied into memory. */
  private input: { path: string; copied: boolean } | null = null;
  /** ffmpeg runs so far: each leaves a little of the wasm stack behind (see `MAX_RUNS`). */
  runs = 0;
  /** Milliseconds the core took to load, once it has. */
  loadMs: number | null = null;
  terminated = false;

  constructor(readonly threads: 'single' | 'multi') {
    this.ff.on('log', ({ message }) => {
      this.lines.push(message);
      if (this.lines.length > 500) this.lines.splice(0, this.lines.length - 500);
    });
    // `time` is the output position in µs (ffmpeg's own `progress` assumes the whole input is
    // read); before the first packet it is AV_NOPTS_VALUE, which is no position at all.
    this.ff.on('progress', ({ time }) => {
      if (time >= 0 && time < 1e15) this.onTime?.(time / 1e6);
    });
  }

  /** Loads the core (once); resolves with whether this call did the loading (a cold start). */
  async load(): Promise<boolean> {
    if (this.loading) {
      await this.loading;
      return false;
    }
    const t0 = performance.now();
    const multi = this.threads === 'multi';
    this.loading = this.ff
      .load({
        classWorkerURL: abs(ffmpegWorkerURL),
        coreURL: abs(multi ? mtCoreURL : coreURL),
        wasmURL: abs(multi ? mtWasmURL : wasmURL),
        ...(multi ? { workerURL: abs(mtWorkerURL) } : {}),
      })
      .then(() => {
        this.loadMs = performance.now() - t0;
      });
    await this.loading;
    return true;
  }

  /**
   * Makes `file` readable by ffmpeg as `/in/<name>` without copying it into wasm memory (WORKERFS
   * reads the Blob in slices as ffmpeg asks). Returns the path.
   */
  async mount(file: Blob, name: string): Promise<string> {
    await this.ff.createDir('/in');
    const path = `/in/${name}`;
    const mounted = await this.ff.mount(FFFSType.WORKERFS, { blobs: [{ name, data: file }] }, '/in');
    // A core built without WORKERFS gets a copy in memory instead.
    if (!mounted) await this.ff.writeFile(path, await fetchFile(file));
    this.input = { path, copied: !mounted };
    return path;
  }

  async unmount(): Promise<void> {
    const input = this.input;
    if (!input) return;
    this.input = null;
    if (input.copied) await this.ff.deleteFile(input.path);
    else await this.ff.unmount('/in');
    await this.ff.deleteDir('/in');
  }

  /** Runs one ffmpeg command; resolves with its log, rejects with `export-failed` on a non-zero exit. */
  async run(args: string[], onTime: (seconds: number) => void): Promise<string[]> {
    this.lines = [];
    this.onTime = onTime;
    try {
      this.runs++;
      const code = await this.ff.exec([...GLOBAL_ARGS, ...args]);
      if (code !== 0) throw exportFailed(`ffmpeg exited with code ${code}`, this.lines);
      return this.lines;
    } catch (e) {
      if (e instanceof RecorderError) throw e;
      // A trap in wasm (out of memory, memory access out of bounds) or a crashed worker.
      throw exportFailed(`ffmpeg.wasm failed: ${e instanceof Error ? e.message : String(e)}`, this.lines, e);
    } finally {
      this.onTime = null;
    }
  }

  /**
   * The video key frame at or before `t` (s): where ffmpeg's own seek starts a stream copy. Found
   * by doing that seek and copying one packet, whose time then says where it landed.
   */
  async keyframeAtOrBefore(input: string, t: number): Promise<number | null> {
    const out = '/keyframe.txt';
    // A key frame asked for by its printed time (rounded to the µs) is still that key frame.
    const seek = t + 0.001;
    this.runs++;
    const code = await this.ff.exec([...GLOBAL_ARGS, ...seekTo(seek.toFixed(6)), '-i', input, '-map', '0:v:0', '-c', 'copy', '-frames:v', '1', '-avoid_negative_ts', 'disabled', '-f', 'framemd5', out]);
    if (code !== 0) return null;
    const text = await this.ff.readFile(out, 'utf8').catch(() => '');
    await this.remove(out);
    const offset = parseFirstPacketTime(typeof text === 'string' ? text : new TextDecoder().decode(text));
    // The copy's timestamps count from the seek point: the key frame before it is at a negative one.
    return offset === null ? null : Math.max(0, seek + offset);
  }

  async read(path: string): Promise<Uint8Array> {
    const data = await this.ff.readFile(path);
    if (typeof data === 'string') throw new Error('expected binary data');
    return data;
  }

  async remove(path: string): Promise<void> {
    await this.ff.deleteFile(path).catch(() => undefined);
  }

  /** The log of the command that ran last. */
  get log(): readonly string[] {
    return this.lines;
  }

  /** Ends the worker: whatever runs is rejected, the wasm memory is freed. */
  terminate(): void {
    this.terminated = true;
    this.ff.terminate();
  }
}

/** The first packet's time (s) in ffmpeg's framemd5 output (`#tb 0: 1/90000`, then `0, dts, pts, …`). */
export function parseFirstPacketTime(framemd5: string): number | null {
  const tb = /^#tb 0: (\d+)\/(\d+)/m.exec(framemd5);
  const packet = /^0,\s*-?\d+,\s*(-?\d+),/m.exec(framemd5);
  if (!tb || !packet) return null;
  return (Number(packet[1]) * Number(tb[1])) / Number(tb[2]);
}
