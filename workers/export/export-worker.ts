/// <reference lib="webworker" />
// The export worker: reads a source file's tracks, and runs the jobs Mediabunny does faster than
// ffmpeg.wasm (remux into fast-start MP4, MOV or MKV; WebM with the browser's own encoders), off
// the page's main thread. Cancel terminates this worker, which frees everything a job held.
import {
  ALL_FORMATS,
  BlobSource,
  Conversion,
  Input,
  MkvOutputFormat,
  MovOutputFormat,
  Mp4OutputFormat,
  Output,
  QUALITY_HIGH,
  QUALITY_MEDIUM,
  Quality,
  StreamTarget,
  WebMOutputFormat,
  type ConversionAudioOptions,
  type ConversionVideoOptions,
  type OutputFormat,
  type StreamTargetChunk,
} from 'mediabunny';
import { ErrorCode, toRecorderError } from '../../src/errors.js';
import { fileParts } from '../../src/store/chunk-store.js';
import type { Patch } from '../../src/store/schema.js';
import { assertNever, type ExportCommand, type ExportEvent, type MediabunnyPlan, type RemuxFormat, type SourceInfo } from './protocol.js';

declare const self: DedicatedWorkerGlobalScope;
const post = (e: ExportEvent, transfer: Transferable[] = []) => self.postMessage(e, transfer);

const CONTAINERS: [RegExp, string][] = [
  [/^video\/webm|^audio\/webm/, 'webm'],
  [/matroska/, 'mkv'],
  [/quicktime/, 'mov'],
  [/^(video|audio)\/mp4/, 'mp4'],
  [/ogg/, 'ogg'],
  [/wav/, 'wav'],
  [/^audio\/mpeg/, 'mp3'],
  [/^video\/mp2t/, 'ts'],
];

async function probe(file: Blob): Promise<SourceInfo> {
  const input = new Input({ source: new BlobSource(file), formats: ALL_FORMATS });
  try {
    const mime = await input.getMimeType();
    const video = await input.getPrimaryVideoTrack();
    const audio = await input.getPrimaryAudioTrack();
    return {
      container: CONTAINERS.find(([re]) => re.test(mime))?.[1] ?? null,
      videoCodec: video?.codec ?? null,
      audioCodec: audio?.codec ?? null,
      durationS: await input.computeDuration(),
      width: video?.displayWidth ?? null,
      height: video?.displayHeight ?? null,
    };
  } finally {
    input.dispose();
  }
}

function outputFormat(f: RemuxFormat): OutputFormat {
  switch (f) {
    // The index (moov) goes first, so players start before the whole file has arrived.
    case 'mp4':
      return new Mp4OutputFormat({ fastStart: 'in-memory' });
    case 'mov':
      return new MovOutputFormat({ fastStart: 'in-memory' });
    case 'mkv':
      return new MkvOutputFormat();
    case 'webm':
      return new WebMOutputFormat();
    default:
      return assertNever(f);
  }
}

/**
 * Collects what the muxer writes as Blobs, which the browser may keep on disk, rather than one
 * growing ArrayBuffer. Writes behind the end (header fields fixed up at finalize) are kept as
 * patches and spliced in at the end, as the chunk store does for recordings.
 */
class BlobSink {
  private parts: { offset: number; size: number; blob: Blob }[] = [];
  private patches: Patch[] = [];
  private end = 0;
  readonly writable = new WritableStream<StreamTargetChunk>({ write: (c) => this.write(c.data, c.position) });

  private write(data: Uint8Array, position: number): void {
    if (position > this.end) this.append(new Uint8Array(position - this.end));
    const behind = Math.min(data.length, Math.max(0, this.end - position));
    if (behind > 0) this.patches.push({ position, data: data.slice(0, behind) });
    if (behind < data.length) this.append(data.subarray(behind));
  }

  private append(data: Uint8Array): void {
    this.parts.push({ offset: this.end, size: data.length, blob: new Blob([data as Uint8Array<ArrayBuffer>]) });
    this.end += data.length;
  }

  blob(type: string): Blob {
    return new Blob(fileParts(this.parts, this.patches), { type });
  }
}

/**
 * The re-encoded video gets the bitrate the source has, which VP9 spends at least as well as the
 * H.264 it replaces (a quality level alone gave files twice the size here).
 */
async function sameBitrate(input: Input): Promise<Quality> {
  const seconds = await input.computeDuration();
  const bits = (await input.source.getSize()) * 8;
  const bitrate = seconds > 0 ? Math.round(bits / seconds) : 0;
  return bitrate > 0 ? new Quality({ bitrate: Math.min(12e6, Math.max(1e6, bitrate)), bitrateMode: 'variable' }) : QUALITY_MEDIUM;
}

async function convert(id: number, file: Blob, plan: MediabunnyPlan, mimeType: string): Promise<void> {
  const input = new Input({ source: new BlobSource(file), formats: ALL_FORMATS });
  try {
    await run(id, input, plan, mimeType);
  } finally {
    input.dispose();
  }
}

async function run(id: number, input: Input, plan: MediabunnyPlan, mimeType: string): Promise<void> {
  const sink = new BlobSink();
  const output = new Output({ format: outputFormat(plan.format), target: new StreamTarget(sink.writable, { chunked: true }) });
  const video: ConversionVideoOptions =
    plan.video === 'drop' ? { discard: true } : plan.video === 'copy' ? {} : { codec: plan.video, forceTranscode: true, quality: await sameBitrate(input) };
  const audio: ConversionAudioOptions =
    plan.audio === 'drop' ? { discard: true } : plan.audio === 'copy' ? {} : { codec: plan.audio, forceTranscode: true, quality: QUALITY_HIGH };
  const conversion = await Conversion.init({
    input,
    output,
    tracks: 'primary',
    video,
    audio,
    // A track planned as a copy must be copied: if it cannot be, ffmpeg.wasm does the job instead.
    copy: plan.video !== 'vp9' && plan.audio !== 'opus' ? { mode: 'forced' } : {},
    showWarnings: false,
  });
  const lost = conversion.discardedTracks.filter((d) => d.reason !== 'discarded_by_user');
  if (!conversion.isValid || lost.length) {
    post({ type: 'unsupported', id, reason: lost.map((d) => `${d.track.type} ${d.track.codec ?? 'unknown'}: ${d.reason}`).join('; ') || 'no track to convert' });
    return;
  }
  let last = 0;
  conversion.onProgress = (fraction) => {
    const now = performance.now();
    if (now - last < 100) return;
    last = now;
    post({ type: 'progress', id, fraction });
  };
  await conversion.execute();
  post({ type: 'converted', id, blob: sink.blob(mimeType) });
}

self.onmessage = async (e: MessageEvent<ExportCommand>) => {
  const cmd = e.data;
  try {
    switch (cmd.type) {
      case 'probe':
        post({ type: 'probed', id: cmd.id, info: await probe(cmd.file) });
        break;
      case 'convert':
        await convert(cmd.id, cmd.file, cmd.plan, cmd.mimeType);
        break;
      default:
        assertNever(cmd);
    }
  } catch (err) {
    post({ type: 'error', id: cmd.id, error: toRecorderError(err, ErrorCode.ExportFailed, 'Mediabunny could not convert this file').toJSON() });
  }
};
