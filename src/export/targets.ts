// Every export target in one table: what it produces, the ffmpeg arguments that make it, and the
// Mediabunny job that makes it faster where there is one. The same arguments run natively in
// `bench/export.mjs`, so the browser and native ffmpeg are compared on the same job.
import type { MediabunnyPlan, SourceInfo } from '../../workers/export/protocol.js';

/** A trim: `start`/`end` in seconds of the source; `copy` cuts at the key frame at or before `start`, `exact` re-encodes. */
export type TrimSpan = { start: number; end: number; mode: 'copy' | 'exact' };

/** Loudness measured by the first loudnorm pass (its JSON), handed to the second. */
export type LoudnessMeasure = { input_i: string; input_tp: string; input_lra: string; input_thresh: string; target_offset: string };

/** What an argument list is built from. File names are inside ffmpeg's file system. */
export type ArgsContext = {
  input: string;
  output: string;
  source: SourceInfo;
  /** Poster time, s. */
  at: number;
  /** Trim, with `start` already moved to a key frame for `copy`. */
  trim: TrimSpan | null;
  measured: LoudnessMeasure | null;
};

export type ExportTargetSpec = {
  label: string;
  extension: string;
  mimeType: string;
  kind: 'video' | 'audio' | 'image';
  /** A parameter the caller has to give (`options.trim`); such targets are not offered by `createExporter()`. */
  needs: 'trim' | null;
  /** The faster Mediabunny job for this source, or null where ffmpeg.wasm has to do it. */
  mediabunny: ((s: SourceInfo) => MediabunnyPlan | null) | null;
  /** A measuring pass, run first; its log is parsed into `measured` for `ffmpeg`. */
  measure: ((c: ArgsContext) => string[]) | null;
  ffmpeg: (c: ArgsContext) => string[];
};

/** Mediabunny codec names → what MP4 takes without re-encoding. */
const MP4_VIDEO = ['avc', 'hevc', 'vp9', 'av1'];
const MP4_AUDIO = ['aac', 'opus', 'mp3', 'flac'];
const MOV_VIDEO = ['avc', 'hevc'];
const MOV_AUDIO = ['aac', 'mp3'];
const WEBM_VIDEO = ['vp8', 'vp9', 'av1'];
const WEBM_AUDIO = ['opus', 'vorbis'];

const has = (list: readonly string[], codec: string | null) => codec !== null && list.includes(codec);
const MAP = ['-map', '0:v:0?', '-map', '0:a:0?'];
/**
 * Input seek to `t` s as a timestamp of the file (-seek_timestamp): by default ffmpeg adds the file's
 * start time, which is negative where audio starts with encoder priming (MP4 AAC at -21.3 ms, Opus in
 * WebM), and a seek then landed on the key frame before.
 */
export const seekTo = (t: string): string[] => ['-seek_timestamp', '1', '-ss', t];
const FAST_START = ['-movflags', '+faststart'];
const H264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p'];
const AAC = ['-c:a', 'aac', '-b:a', '160k'];
// @ffmpeg/core 0.12.10 runs with a 64 KiB stack: libopus on 20 ms stereo frames and the MJPEG
// encoder's optimal Huffman tables overflow it ("memory access out of bounds"); 10 ms frames and
// the default tables fit.
const OPUS = ['-c:a', 'libopus', '-b:a', '128k', '-ar', '48000', '-frame_duration', '10'];

const videoFor = (s: SourceInfo, takes: readonly string[], encode: string[]) => (has(takes, s.videoCodec) ? ['-c:v', 'copy'] : encode);
const audioFor = (s: SourceInfo, takes: readonly string[], encode: string[]) => (has(takes, s.audioCodec) ? ['-c:a', 'copy'] : encode);
/** Remux when Mediabunny can copy every track into `format`. */
const remux = (format: MediabunnyPlan['format'], video: readonly string[], audio: readonly string[]) => (s: SourceInfo): MediabunnyPlan | null =>
  (s.videoCodec === null || has(video, s.videoCodec)) && (s.audioCodec === null || has(audio, s.audioCodec)) && (s.videoCodec || s.audioCodec)
    ? { format, video: s.videoCodec ? 'copy' : 'drop', audio: s.audioCodec ? 'copy' : 'drop' }
    : null;

function loudness(integrated: number, truePeak: number): Pick<ExportTargetSpec, 'measure' | 'ffmpeg'> {
  // The loudness range is left as recorded (20 LU is loudnorm's widest), so the second pass can
  // apply one linear gain whenever the true peak allows it.
  const base = `loudnorm=I=${integrated}:TP=${truePeak}:LRA=20`;
  return {
    measure: (c) => ['-i', c.input, '-map', '0:a:0', '-vn', '-af', `${base}:print_format=json`, '-f', 'null', '-'],
    ffmpeg: (c) => {
      const m = c.measured;
      if (!m) throw new Error('loudnorm needs the measuring pass first');
      const apply = `${base}:measured_I=${m.input_i}:measured_TP=${m.input_tp}:measured_LRA=${m.input_lra}:measured_thresh=${m.input_thresh}:offset=${m.target_offset}:linear=true:print_format=summary`;
      return ['-i', c.input, ...MAP, ...videoFor(c.source, MP4_VIDEO, H264), '-af', apply, '-ar', '48000', '-c:a', 'aac', '-b:a', '192k', ...FAST_START, c.output];
    },
  };
}

const spec = (s: Partial<ExportTargetSpec> & Pick<ExportTargetSpec, 'label' | 'extension' | 'mimeType' | 'kind' | 'ffmpeg'>): ExportTargetSpec => ({
  needs: null,
  mediabunny: null,
  measure: null,
  ...s,
});

/** The export targets by id: label, file extension, MIME type, and how each engine makes it. */
export const EXPORT_TARGETS = {
  mp4: spec({
    label: 'MP4 (fast start)',
    extension: 'mp4',
    mimeType: 'video/mp4',
    kind: 'video',
    mediabunny: remux('mp4', MP4_VIDEO, MP4_AUDIO),
    ffmpeg: (c) => ['-i', c.input, ...MAP, ...videoFor(c.source, MP4_VIDEO, H264), ...audioFor(c.source, MP4_AUDIO, AAC), ...FAST_START, c.output],
  }),
  'mp4-aac': spec({
    label: 'MP4 with AAC audio',
    extension: 'mp4',
    mimeType: 'video/mp4',
    kind: 'video',
    // With AAC already inside this is the plain fast-start remux; Opus and others are re-encoded.
    mediabunny: (s) => (s.audioCodec === 'aac' ? remux('mp4', MP4_VIDEO, ['aac'])(s) : null),
    ffmpeg: (c) => ['-i', c.input, ...MAP, ...videoFor(c.source, MP4_VIDEO, H264), ...audioFor(c.source, ['aac'], AAC), ...FAST_START, c.output],
  }),
  mov: spec({
    label: 'QuickTime MOV',
    extension: 'mov',
    mimeType: 'video/quicktime',
    kind: 'video',
    mediabunny: remux('mov', MOV_VIDEO, MOV_AUDIO),
    ffmpeg: (c) => ['-i', c.input, ...MAP, ...videoFor(c.source, MOV_VIDEO, H264), ...audioFor(c.source, MOV_AUDIO, AAC), ...FAST_START, '-f', 'mov', c.output],
  }),
  mkv: spec({
    label: 'Matroska MKV',
    extension: 'mkv',
    mimeType: 'video/x-matroska',
    kind: 'video',
    mediabunny: remux('mkv', [...MP4_VIDEO, 'vp8'], [...MP4_AUDIO, 'vorbis', 'pcm-s16']),
    ffmpeg: (c) => ['-i', c.input, ...MAP, '-c', 'copy', '-f', 'matroska', c.output],
  }),
  webm: spec({
    label: 'WebM (VP9 + Opus)',
    extension: 'webm',
    mimeType: 'video/webm',
    kind: 'video',
    // The browser's own VP9 and Opus encoders (WebCodecs) are many times faster than libvpx in wasm.
    mediabunny: (s) =>
      s.videoCodec || s.audioCodec
        ? {
            format: 'webm',
            video: s.videoCodec === null ? 'drop' : has(WEBM_VIDEO, s.videoCodec) ? 'copy' : 'vp9',
            audio: s.audioCodec === null ? 'drop' : has(WEBM_AUDIO, s.audioCodec) ? 'copy' : 'opus',
          }
        : null,
    ffmpeg: (c) => [
      '-i', c.input, ...MAP,
      ...videoFor(c.source, WEBM_VIDEO, ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-row-mt', '1', '-crf', '32', '-b:v', '0']),
      ...audioFor(c.source, WEBM_AUDIO, OPUS),
      '-f', 'webm', c.output,
    ],
  }),
  ts: spec({
    label: 'MPEG-TS',
    extension: 'ts',
    mimeType: 'video/mp2t',
    kind: 'video',
    ffmpeg: (c) => ['-i', c.input, ...MAP, ...videoFor(c.source, ['avc', 'hevc'], H264), ...audioFor(c.source, ['aac', 'mp3', 'opus'], AAC), '-f', 'mpegts', c.output],
  }),
  m4a: spec({
    label: 'Audio: M4A (AAC)',
    extension: 'm4a',
    mimeType: 'audio/mp4',
    kind: 'audio',
    ffmpeg: (c) => ['-i', c.input, '-map', '0:a:0', '-vn', ...audioFor(c.source, ['aac'], AAC), ...FAST_START, '-f', 'ipod', c.output],
  }),
  mp3: spec({
    label: 'Audio: MP3',
    extension: 'mp3',
    mimeType: 'audio/mpeg',
    kind: 'audio',
    ffmpeg: (c) => ['-i', c.input, '-map', '0:a:0', '-vn', '-c:a', 'libmp3lame', '-q:a', '2', c.output],
  }),
  wav: spec({
    label: 'Audio: WAV',
    extension: 'wav',
    mimeType: 'audio/wav',
    kind: 'audio',
    ffmpeg: (c) => ['-i', c.input, '-map', '0:a:0', '-vn', '-c:a', 'pcm_s16le', c.output],
  }),
  opus: spec({
    label: 'Audio: Opus',
    extension: 'opus',
    mimeType: 'audio/ogg; codecs=opus',
    kind: 'audio',
    ffmpeg: (c) => ['-i', c.input, '-map', '0:a:0', '-vn', ...audioFor(c.source, ['opus'], OPUS), '-f', 'opus', c.output],
  }),
  poster: spec({
    label: 'Poster image (JPEG)',
    extension: 'jpg',
    mimeType: 'image/jpeg',
    kind: 'image',
    ffmpeg: (c) => [...seekTo(String(c.at)), '-i', c.input, '-map', '0:v:0', '-frames:v', '1', '-q:v', '2', '-huffman', 'default', '-f', 'image2', c.output],
  }),
  trim: spec({
    label: 'Trimmed MP4',
    extension: 'mp4',
    mimeType: 'video/mp4',
    kind: 'video',
    needs: 'trim',
    ffmpeg: (c) => {
      const t = c.trim;
      if (!t) throw new Error('trim needs options.trim');
      if (t.mode === 'exact') return [...seekTo(t.start.toFixed(6)), '-i', c.input, '-t', (t.end - t.start).toFixed(6), ...MAP, ...H264, ...AAC, ...FAST_START, c.output];
      // A copy starts at the key frame `start` was moved to. Seeking 1 ms past it still lands on
      // it, where seeking to its rounded time could land on the one before.
      return [
        ...seekTo((t.start + 0.001).toFixed(6)), '-i', c.input, '-t', (t.end - t.start).toFixed(6), ...MAP,
        ...videoFor(c.source, MP4_VIDEO, H264), ...audioFor(c.source, MP4_AUDIO, AAC),
        '-avoid_negative_ts', 'make_zero', ...FAST_START, c.output,
      ];
    },
  }),
  'loudness-ebu': spec({
    label: 'Loudness: EBU R128 (−23 LUFS)',
    extension: 'mp4',
    mimeType: 'video/mp4',
    kind: 'video',
    ...loudness(-23, -1),
  }),
  'loudness-streaming': spec({
    label: 'Loudness: streaming (−16 LUFS, −1 dBTP)',
    extension: 'mp4',
    mimeType: 'video/mp4',
    kind: 'video',
    ...loudness(-16, -1),
  }),
} as const satisfies Record<string, ExportTargetSpec>;

export type ExportTargetId = keyof typeof EXPORT_TARGETS;

/** Loudness each loudness target aims at (LUFS, dBTP). */
export const LOUDNESS_TARGETS = { 'loudness-ebu': { integrated: -23, truePeak: -1 }, 'loudness-streaming': { integrated: -16, truePeak: -1 } } as const;

export const isTargetId = (id: unknown): id is ExportTargetId => typeof id === 'string' && Object.hasOwn(EXPORT_TARGETS, id);
