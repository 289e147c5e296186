import { VIDEO_CHAINS, codecString, nativeAudioEncoder, type AudioCodecName, type VideoCodecName } from './codecs.js';
import type { Format } from './options.js';

export type ProbeResult = {
  /** Per container: the video codec the recorder would pick, every family it could use, and the audio codec. */
  formats: Record<Format, { video: VideoCodecName | null; videoCodecs: VideoCodecName[]; audio: AudioCodecName | null; audioEncoder: 'native' | 'wasm' | null }>;
  capture: {
    getUserMedia: boolean;
    /** Camera frames read with MediaStreamTrackProcessor (else the <video> fallback). */
    trackProcessor: boolean;
    audioWorklet: boolean;
    webCodecs: boolean;
    crossOriginIsolated: boolean;
  };
  storage: { indexedDB: boolean; webLocks: boolean; persisted: boolean | null; quota: number | null; usage: number | null };
};

/** What this browser can record at a size and rate (default 1280x720 @ 30). */
export async function probe(opts: { width?: number; height?: number; frameRate?: number } = {}): Promise<ProbeResult> {
  const width = opts.width ?? 1280;
  const height = opts.height ?? 720;
  const frameRate = opts.frameRate ?? 30;
  const formats = {} as ProbeResult['formats'];
  for (const format of ['mp4', 'webm'] as const) {
    const families: VideoCodecName[] = [];
    let pick: VideoCodecName | null = null;
    if (typeof VideoEncoder !== 'undefined') {
      for (const c of VIDEO_CHAINS[format]) {
        try {
          const r = await VideoEncoder.isConfigSupported({ codec: codecString(c, width, height, frameRate), width, height, bitrate: 2_000_000, framerate: frameRate });
          if (r.supported) {
            pick ??= c.codec;
            if (!families.includes(c.codec)) families.push(c.codec);
          }
        } catch {
          /* unsupported */
        }
      }
    }
    const audio: AudioCodecName = format === 'mp4' ? 'aac' : 'opus';
    const native = await nativeAudioEncoder(audio, 48000, 2);
    const wasm = audio === 'aac' && typeof WebAssembly !== 'undefined';
    formats[format] = { video: pick, videoCodecs: families, audio: native || wasm ? audio : null, audioEncoder: native ? 'native' : wasm ? 'wasm' : null };
  }
  const est = await navigator.storage?.estimate?.().catch(() => null);
  const persisted = (await navigator.storage?.persisted?.().catch(() => null)) ?? null;
  return {
    formats,
    capture: {
      getUserMedia: !!navigator.mediaDevices?.getUserMedia,
      trackProcessor: typeof (globalThis as { MediaStreamTrackProcessor?: unknown }).MediaStreamTrackProcessor === 'function',
      audioWorklet: typeof AudioWorkletNode !== 'undefined',
      webCodecs: typeof VideoEncoder !== 'undefined' && typeof AudioEncoder !== 'undefined',
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
    },
    storage: {
      indexedDB: typeof indexedDB !== 'undefined',
      webLocks: !!navigator.locks,
      persisted,
      quota: est?.quota ?? null,
      usage: est?.usage ?? null,
    },
  };
}
