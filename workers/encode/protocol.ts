/** Messages between the page's Recorder and the encode worker. Imported by both sides. */
import type { AudioCodecName, VideoCodecName } from '../../src/codecs.js';
import type { SerializedError } from '../../src/errors.js';
import type { Format } from '../../src/options.js';
import type { StoredChunk } from '../../src/store/chunk-store.js';
import type { RecorderStats } from '../../src/stats.js';
import type { ClockPing, ClockPong } from '../../src/clock/worker-clock.js';

export type EncodeConfig = {
  sessionId: string;
  dbName: string;
  name: string;
  fileName: string;
  format: Format;
  mimeType: string;
  /**
   * The page's performance.timeOrigin: every time in a command is on the page's clock. The worker
   * measures the two clocks' distance by round trips at init (the timeOrigins can be off by a
   * wall-clock step) and keeps this difference only if the page does not answer.
   */
  pageTimeOrigin: number;
  video: null | {
    codec: VideoCodecName;
    config: VideoEncoderConfig;
    keyframeIntervalUs: number;
    maxQueueFrames: number;
    frameRate: number;
  };
  audio: null | {
    codec: AudioCodecName;
    bitrate: number;
    sampleRate: number;
    channels: number;
    /** No native encoder for this codec: use the bundled wasm one (AAC). */
    wasmEncoder: boolean;
    /**
     * The capture-stamped AudioData (init.audioCapture) are what is recorded, and there is no
     * worklet stream (see AudioPipeline.direct); else the worklet's PCM is.
     */
    direct: boolean;
  };
  statsIntervalMs: number;
  /** Fragment / cluster length, s. */
  fragmentSeconds: number;
  options: unknown;
};

/** Worklet → worker: PCM from the capture worklet, `frame` is the context frame of the first sample. */
export type PcmMessage = { type: 'pcm'; frame: number; channels: Float32Array[] };

/**
 * AudioData (10 ms each) the microphone's track processor keeps while the encode worker is busy:
 * with the AudioData recorded directly, what it drops is a hole in the recording. (Read on the
 * page's main thread, as before, 20 lost 200 ms of a 400 ms block of the page.)
 */
export const AUDIO_QUEUE_CHUNKS = 300;

export type EncodeCommand =
  | ClockPong
  | {
      type: 'init';
      config: EncodeConfig;
      /** Camera frames (MediaStreamTrackProcessor readable), when the page has it. */
      video?: ReadableStream<VideoFrame>;
      /** PCM from the capture worklet. */
      pcm?: MessagePort;
      /**
       * The same microphone as capture-stamped AudioData (a MediaStreamTrackProcessor readable made on
       * the page; see TransferredStamps for its timestamps): the audio recorded (config.audio.direct).
       */
      audioCapture?: ReadableStream<AudioData>;
      /** Rough capture time of context frame 0 (µs, page clock). */
      audioPriorUs?: number;
    }
  /** Fallback video path: frames the page took from a <video> element, with their capture time. */
  | { type: 'video-frame'; frame: VideoFrame; captureUs: number }
  | { type: 'audio-prior'; offsetUs: number }
  /** Another camera mid-recording: it takes over at its first frame (the old one runs until then). */
  | { type: 'video-source'; video: ReadableStream<VideoFrame> }
  /** Another microphone mid-recording (already connected to the worklet); its capture-stamped AudioData, when available. */
  | { type: 'audio-source'; audioCapture?: ReadableStream<AudioData> }
  | { type: 'start'; at: number }
  | { type: 'pause'; at: number }
  | { type: 'resume'; at: number }
  | { type: 'stop'; at: number }
  | { type: 'cancel' };

export type StopResult = {
  file: File;
  durationUs: number;
  videoCodec: string | null;
  audioCodec: string | null;
  mimeType: string;
  width: number | null;
  height: number | null;
  stats: RecorderStats;
  /** Milliseconds from the stop command to each step of finishing (where stop latency goes). */
  timings: Record<string, number>;
};

export type EncodeEvent =
  | ClockPing
  | { type: 'ready'; audioClock: RecorderStats['audioClock'] }
  | { type: 'stats'; stats: RecorderStats }
  /** The microphone's level, every 50 ms of audio, when the worker takes it (direct audio). */
  | { type: 'level'; rms: number; peak: number }
  | { type: 'chunk'; chunk: StoredChunk }
  /** The finished file, handed over before its last fragments are committed (see 'stored'). */
  | { type: 'stopped'; result: StopResult }
  /** Every fragment of the stopped recording is committed and the record marked complete. */
  | { type: 'stored'; timings: Record<string, number>; stats: RecorderStats }
  /** A fault; `salvaged` is the file rebuilt from what was stored before it, if anything was. */
  | { type: 'error'; error: SerializedError; fatal: boolean; salvaged?: StopResult };

export function assertNever(x: never): never {
  throw new Error(`unexpected message ${JSON.stringify(x)}`);
}
