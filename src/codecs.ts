import { ErrorCode, RecorderError } from './errors.js';
import type { Format } from './options.js';

export type VideoCodecName = 'h264' | 'vp9' | 'vp8' | 'av1';
export type AudioCodecName = 'aac' | 'opus';

/** One rung of a fallback chain: a codec family and the profile to try. */
export type VideoCandidate = { codec: VideoCodecName; profile?: 'high' | 'main' | 'baseline' };

/** Fallback chains per container, best first. */
export const VIDEO_CHAINS: Record<Format, readonly VideoCandidate[]> = {
  mp4: [
    { codec: 'h264', profile: 'high' },
    { codec: 'h264', profile: 'main' },
    { codec: 'h264', profile: 'baseline' },
    { codec: 'av1' },
    { codec: 'vp9' },
  ],
  webm: [{ codec: 'vp9' }, { codec: 'vp8' }, { codec: 'av1' }],
};
export const AUDIO_CODEC: Record<Format, AudioCodecName> = { mp4: 'aac', webm: 'opus' };

/** Mediabunny's names for our codecs. */
export const MEDIABUNNY_VIDEO = { h264: 'avc', vp9: 'vp9', vp8: 'vp8', av1: 'av1' } as const;

// H.264 levels (Table A-1): max macroblocks per frame and per second.
const AVC_LEVELS: readonly [level: number, maxFs: number, maxMbps: number][] = [
  [0x1e, 1620, 40500],
  [0x1f, 3600, 108000],
  [0x20, 5120, 216000],
  [0x28, 8192, 245760],
  [0x2a, 8704, 522240],
  [0x32, 22080, 589824],
  [0x33, 36864, 983040],
  [0x34, 36864, 2073600],
  [0x3c, 139264, 4177920],
  [0x3d, 139264, 8355840],
  [0x3e, 139264, 16711680],
];

/** The lowest H.264 level that holds this size and rate (a fixed level such as 3.1 is refused at 1080p). */
export function avcLevel(width: number, height: number, frameRate: number): number {
  const fs = Math.ceil(width / 16) * Math.ceil(height / 16);
  const mbps = fs * frameRate;
  for (const [level, maxFs, maxMbps] of AVC_LEVELS) if (fs <= maxFs && mbps <= maxMbps) return level;
  return 0x3e;
}

// AV1 seq_level_idx (Annex A): max picture size and max display rate (samples/s).
const AV1_LEVELS: readonly [idx: number, maxPic: number, maxRate: number][] = [
  [0, 147456, 4423680],
  [1, 278784, 8363520],
  [4, 665856, 19975680],
  [5, 1065024, 31950720],
  [8, 2359296, 70778880],
  [9, 2359296, 141557760],
  [12, 8912896, 267386880],
  [13, 8912896, 534773760],
  [14, 8912896, 1069547520],
  [16, 35651584, 1069547520],
  [17, 35651584, 2139095040],
  [18, 35651584, 4278190080],
];
function av1Level(width: number, height: number, frameRate: number): number {
  const pic = width * height;
  for (const [idx, maxPic, maxRate] of AV1_LEVELS) if (pic <= maxPic && pic * frameRate <= maxRate) return idx;
  return 18;
}
// VP9 levels: max luma sample rate and max luma picture size.
const VP9_LEVELS: readonly [level: string, maxRate: number, maxPic: number][] = [
  ['31', 36_864_000, 983_040],
  ['40', 83_558_400, 2_228_224],
  ['41', 160_432_128, 2_228_224],
  ['50', 311_951_360, 8_912_896],
  ['51', 588_251_136, 8_912_896],
  ['52', 1_176_502_272, 8_912_896],
  ['60', 1_176_502_272, 35_651_584],
  ['61', 2_353_004_544, 35_651_584],
  ['62', 4_706_009_088, 35_651_584],
];
function vp9Level(width: number, height: number, frameRate: number): string {
  const pic = width * height;
  for (const [level, maxRate, maxPic] of VP9_LEVELS) if (pic <= maxPic && pic * frameRate <= maxRate) return level;
  return '62';
}

/** The WebCodecs codec string for a candidate at a size and rate. */
export function codecString(c: VideoCandidate, width: number, height: number, frameRate: number): string {
  switch (c.codec) {
    case 'h264': {
      const profile = c.profile === 'baseline' ? '42e0' : c.profile === 'main' ? '4d00' : '6400';
      return `avc1.${profile}${avcLevel(width, height, frameRate).toString(16).padStart(2, '0')}`;
    }
    case 'av1':
      return `av01.0.${String(av1Level(width, height, frameRate)).padStart(2, '0')}M.08`;
    case 'vp9':
      return `vp09.00.${vp9Level(width, height, frameRate)}.08`;
    case 'vp8':
      return 'vp8';
  }
}

export type VideoEncoderChoice = { codec: VideoCodecName; config: VideoEncoderConfig };

/** Walks the chain and returns the first config this browser's VideoEncoder accepts, or throws `codec-unsupported`. */
export async function chooseVideoEncoder(
  format: Format,
  base: { width: number; height: number; frameRate: number; bitrate: (codec: VideoCodecName) => number },
  only?: VideoCodecName,
): Promise<VideoEncoderChoice> {
  if (typeof VideoEncoder === 'undefined') throw new RecorderError(ErrorCode.Unsupported, 'This browser has no WebCodecs VideoEncoder; use a current Chrome, Edge, Firefox or Safari.');
  const chain = VIDEO_CHAINS[format].filter((c) => !only || c.codec === only);
  if (only && !chain.length) {
    throw new RecorderError(ErrorCode.CodecUnsupported, `${only} cannot be stored in ${format.toUpperCase()}; choose one of ${[...new Set(VIDEO_CHAINS[format].map((c) => c.codec))].join(', ')}.`);
  }
  const tried: string[] = [];
  for (const c of chain) {
    const config: VideoEncoderConfig = {
      codec: codecString(c, base.width, base.height, base.frameRate),
      width: base.width,
      height: base.height,
      bitrate: base.bitrate(c.codec),
      framerate: base.frameRate,
      latencyMode: 'realtime',
      ...(c.codec === 'h264' ? { avc: { format: 'avc' } } : {}),
    } as VideoEncoderConfig;
    tried.push(config.codec);
    try {
      const r = await VideoEncoder.isConfigSupported(config);
      if (r.supported) return { codec: c.codec, config };
    } catch {
      /* a malformed string for this browser counts as unsupported */
    }
  }
  const can = await probeVideoCodecs(base.width, base.height, base.frameRate);
  throw new RecorderError(
    ErrorCode.CodecUnsupported,
    `This browser cannot encode ${format.toUpperCase()} video at ${base.width}x${base.height} (tried ${tried.join(', ')}). It can encode: ${can.length ? can.join(', ') : 'nothing at this size'}. Choose another format or a smaller resolution.`,
    { details: { tried, supported: can } },
  );
}

/** Which video codec families encode at this size and rate. */
export async function probeVideoCodecs(width: number, height: number, frameRate: number): Promise<VideoCodecName[]> {
  if (typeof VideoEncoder === 'undefined') return [];
  const all: VideoCandidate[] = [{ codec: 'h264', profile: 'baseline' }, { codec: 'vp9' }, { codec: 'vp8' }, { codec: 'av1' }];
  const ok = await Promise.all(
    all.map((c) =>
      VideoEncoder.isConfigSupported({ codec: codecString(c, width, height, frameRate), width, height, bitrate: 2_000_000, framerate: frameRate }).then(
        (r) => !!r.supported,
        () => false,
      ),
    ),
  );
  const out = all.filter((_, i) => ok[i]).map((c) => c.codec);
  return out;
}

/** Whether the browser's own AudioEncoder does this codec (AAC falls back to a wasm encoder). */
export async function nativeAudioEncoder(codec: AudioCodecName, sampleRate: number, channels: number): Promise<boolean> {
  if (typeof AudioEncoder === 'undefined') return false;
  try {
    const r = await AudioEncoder.isConfigSupported({ codec: codec === 'aac' ? 'mp4a.40.2' : 'opus', sampleRate, numberOfChannels: channels, bitrate: 128_000 });
    return !!r.supported;
  } catch {
    return false;
  }
}
