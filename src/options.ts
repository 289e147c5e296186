import type { VideoCodecName } from './codecs.js';
import { resolveUpload, type ResolvedUpload, type UploadOptions } from './upload/upload-options.js';

export const Resolutions = {
  '480p': { width: 854, height: 480 },
  '720p': { width: 1280, height: 720 },
  '1080p': { width: 1920, height: 1080 },
  '4k': { width: 3840, height: 2160 },
} as const;
export type Resolution = keyof typeof Resolutions;

export const Qualities = ['fast', 'balanced', 'high', 'ultra'] as const;
export type Quality = (typeof Qualities)[number];

/** H.264 bits per second at 30 fps; other codecs and rates are scaled from these. */
const VIDEO_BITRATES: Record<Resolution, Record<Quality, number>> = {
  '480p': { fast: 1_000_000, balanced: 1_500_000, high: 2_500_000, ultra: 4_000_000 },
  '720p': { fast: 2_500_000, balanced: 4_000_000, high: 6_000_000, ultra: 8_000_000 },
  '1080p': { fast: 4_000_000, balanced: 6_000_000, high: 9_000_000, ultra: 12_000_000 },
  '4k': { fast: 12_000_000, balanced: 20_000_000, high: 30_000_000, ultra: 45_000_000 },
};

export const AudioQualities = { voice: 64_000, standard: 128_000, high: 192_000 } as const;
export type AudioQuality = keyof typeof AudioQualities;

export const Formats = ['mp4', 'webm'] as const;
export type Format = (typeof Formats)[number];
export const VideoCodecNames = ['h264', 'vp9', 'vp8', 'av1'] as const;

export type VideoOptions = {
  /** Capture/encode size preset. Ignored for a caller's stream, whose size is kept unless width/height are set. */
  resolution?: Resolution;
  width?: number;
  height?: number;
  /** Frames per second asked of the camera and used for rate control (15, 24, 30, 60 …). */
  frameRate?: number;
  deviceId?: string;
  facingMode?: 'user' | 'environment';
  /** Force one codec; default is the container's fallback chain. */
  codec?: VideoCodecName;
  quality?: Quality;
  /** Bits per second; overrides quality. */
  bitrate?: number;
  /** Seconds between keyframes (= fragment length). */
  keyframeInterval?: number;
  /** Seconds of frames the encoder may queue before new frames are dropped. */
  maxQueueSeconds?: number;
};

export type AudioOptions = {
  deviceId?: string;
  /** Bits per second, or a preset name. */
  bitrate?: number | AudioQuality;
  channels?: 1 | 2;
  echoCancellation?: boolean;
  noiseSuppression?: boolean;
  autoGainControl?: boolean;
};

export type RecorderOptions = {
  format?: Format;
  /** `false` records no video. */
  video?: VideoOptions | false;
  /** `false` records no audio. */
  audio?: AudioOptions | false;
  /** Shown in the recordings library; defaults to the start date. */
  name?: string;
  /** Milliseconds between `stats` events. */
  statsInterval?: number;
  /** Warn (`storagewarning` event) when free storage holds fewer minutes than this. */
  storageWarningMinutes?: number;
  /** Upload to a tus server while recording. Without it the recorder never touches the network. */
  upload?: UploadOptions | false;
};

export type ResolvedVideo = Required<Pick<VideoOptions, 'frameRate' | 'quality' | 'keyframeInterval' | 'maxQueueSeconds'>> &
  Pick<VideoOptions, 'deviceId' | 'facingMode' | 'codec' | 'bitrate' | 'width' | 'height'> & { resolution: Resolution };
export type ResolvedAudio = Required<Pick<AudioOptions, 'echoCancellation' | 'noiseSuppression' | 'autoGainControl'>> &
  Pick<AudioOptions, 'deviceId' | 'channels'> & { bitrate: number };
export type ResolvedOptions = {
  format: Format;
  video: ResolvedVideo | false;
  audio: ResolvedAudio | false;
  name?: string;
  statsInterval: number;
  storageWarningMinutes: number;
  upload: ResolvedUpload | false;
};

function fail(path: string, expected: string, got: unknown): never {
  // Top-level options arrive as '' or '.key'; nested ones as 'video.key'.
  const name = ['options', ...path.split('.').filter(Boolean)].join('.');
  throw new TypeError(`${name} must be ${expected} (got ${JSON.stringify(got) ?? String(got)})`);
}
function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function num(o: Record<string, unknown>, path: string, key: string, min: number, max: number, int = false): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (int && !Number.isInteger(v))) {
    fail(`${path}.${key}`, `${int ? 'an integer' : 'a number'} from ${min} to ${max}`, v);
  }
  return v;
}
function oneOf<T extends string>(o: Record<string, unknown>, path: string, key: string, allowed: readonly T[]): T | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !allowed.includes(v as T)) fail(`${path}.${key}`, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, v);
  return v as T;
}
function str(o: Record<string, unknown>, path: string, key: string): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') fail(`${path}.${key}`, 'a string', v);
  return v;
}
function bool(o: Record<string, unknown>, path: string, key: string): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') fail(`${path}.${key}`, 'a boolean', v);
  return v;
}
function known(o: Record<string, unknown>, path: string, keys: readonly string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new TypeError(`${path}.${k} is not a known option (known: ${keys.join(', ')})`);
}

/** Validates caller options and fills defaults. Throws a TypeError naming the offending option. */
export function resolveOptions(input: unknown = {}): ResolvedOptions {
  if (!isObj(input)) fail('', 'an object', input);
  known(input, 'options', ['format', 'video', 'audio', 'name', 'statsInterval', 'storageWarningMinutes', 'upload']);
  const format = oneOf(input, '', 'format', Formats) ?? 'mp4';
  const statsInterval = num(input, '', 'statsInterval', 50, 60_000) ?? 1000;
  const name = str(input, '', 'name');
  const v = input.video ?? {};
  const a = input.audio ?? {};
  let video: ResolvedVideo | false = false;
  if (v !== false) {
    if (!isObj(v)) fail('video', 'an object or false', v);
    known(v, 'options.video', ['resolution', 'width', 'height', 'frameRate', 'deviceId', 'facingMode', 'codec', 'quality', 'bitrate', 'keyframeInterval', 'maxQueueSeconds']);
    const width = num(v, 'video', 'width', 16, 7680, true);
    const height = num(v, 'video', 'height', 16, 4320, true);
    if ((width === undefined) !== (height === undefined)) fail('video.width', 'given together with options.video.height', width ?? height);
    if (width !== undefined && (width % 2 || (height as number) % 2)) fail('video.width', 'even, as is height (4:2:0 video)', `${width}x${height}`);
    video = {
      resolution: oneOf(v, 'video', 'resolution', Object.keys(Resolutions) as Resolution[]) ?? '720p',
      width,
      height,
      frameRate: num(v, 'video', 'frameRate', 1, 120) ?? 30,
      deviceId: str(v, 'video', 'deviceId'),
      facingMode: oneOf(v, 'video', 'facingMode', ['user', 'environment'] as const),
      codec: oneOf(v, 'video', 'codec', VideoCodecNames),
      quality: oneOf(v, 'video', 'quality', Qualities) ?? 'balanced',
      bitrate: num(v, 'video', 'bitrate', 50_000, 200_000_000, true),
      keyframeInterval: num(v, 'video', 'keyframeInterval', 0.1, 10) ?? 1,
      maxQueueSeconds: num(v, 'video', 'maxQueueSeconds', 0.05, 5) ?? 0.75,
    };
  }
  let audio: ResolvedAudio | false = false;
  if (a !== false) {
    if (!isObj(a)) fail('audio', 'an object or false', a);
    known(a, 'options.audio', ['deviceId', 'bitrate', 'channels', 'echoCancellation', 'noiseSuppression', 'autoGainControl']);
    let bitrate: number = AudioQualities.standard;
    if (typeof a.bitrate === 'string') bitrate = AudioQualities[oneOf(a, 'audio', 'bitrate', Object.keys(AudioQualities) as AudioQuality[])!];
    else bitrate = num(a, 'audio', 'bitrate', 6_000, 510_000, true) ?? bitrate;
    const channels = a.channels;
    if (channels !== undefined && channels !== 1 && channels !== 2) fail('audio.channels', '1 or 2', channels);
    audio = {
      deviceId: str(a, 'audio', 'deviceId'),
      bitrate,
      channels: channels as 1 | 2 | undefined,
      echoCancellation: bool(a, 'audio', 'echoCancellation') ?? true,
      noiseSuppression: bool(a, 'audio', 'noiseSuppression') ?? true,
      autoGainControl: bool(a, 'audio', 'autoGainControl') ?? true,
    };
  }
  if (!video && !audio) throw new TypeError('options.video and options.audio cannot both be false');
  const storageWarningMinutes = num(input, '', 'storageWarningMinutes', 0, 10_000) ?? 5;
  const upload = resolveUpload(input.upload);
  return { format, video, audio, name, statsInterval, storageWarningMinutes, upload };
}

/** The preset a frame size belongs to, by its shorter side. */
export function resolutionOf(width: number, height: number): Resolution {
  const short = Math.min(width, height);
  if (short <= 540) return '480p';
  if (short <= 800) return '720p';
  if (short <= 1200) return '1080p';
  return '4k';
}

/**
 * Bitrate for a quality preset at a size and rate: the table is H.264 at 30 fps; it scales with
 * pixel count against the preset's, with frame rate sub-linearly, and VP9/AV1 need ~30 % less.
 */
export function videoBitrate(quality: Quality, width: number, height: number, frameRate: number, codec: VideoCodecName): number {
  const preset = resolutionOf(width, height);
  const ref = Resolutions[preset];
  const pixels = (width * height) / (ref.width * ref.height);
  const rate = Math.pow(Math.max(frameRate, 1) / 30, 0.75);
  const codecFactor = codec === 'vp9' || codec === 'av1' ? 0.7 : 1;
  return Math.round((VIDEO_BITRATES[preset][quality] * pixels * rate * codecFactor) / 1000) * 1000;
}
