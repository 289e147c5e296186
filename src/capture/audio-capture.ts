import workletUrl from '../../workers/capture-worklet.ts?worker&url';
import { ErrorCode, RecorderError } from '../errors.js';

/** Context latency assumed (capture → worklet) until calibration against capture timestamps. */
const DEFAULT_INPUT_LATENCY_MS = 45;

export type AudioLevel = { rms: number; peak: number };

/**
 * The microphone side on the main thread: an AudioContext with the capture worklet. PCM goes from
 * the worklet straight to the encode worker over a MessagePort; levels come here.
 */
export class AudioCapture {
  readonly context: AudioContext;
  readonly channels: number;
  private node: AudioWorkletNode | null = null;
  private source: MediaStreamAudioSourceNode | null = null;
  onLevel: ((l: AudioLevel) => void) | null = null;

  private constructor(context: AudioContext, channels: number) {
    this.context = context;
    this.channels = channels;
  }

  static async open(track: MediaStreamTrack, channels: number, sampleRate: number): Promise<AudioCapture> {
    if (typeof AudioWorkletNode === 'undefined') throw new RecorderError(ErrorCode.Unsupported, 'This browser has no AudioWorklet; audio cannot be recorded.');
    const ctx = new AudioContext({ sampleRate, latencyHint: 'interactive' });
    const cap = new AudioCapture(ctx, channels);
    try {
      await ctx.audioWorklet.addModule(new URL(workletUrl, import.meta.url));
      cap.source = ctx.createMediaStreamSource(new MediaStream([track]));
      cap.node = new AudioWorkletNode(ctx, 'ipr-capture', {
        numberOfInputs: 1,
        numberOfOutputs: 0,
        channelCount: channels,
        channelCountMode: 'explicit',
        channelInterpretation: 'speakers',
        processorOptions: { channels },
      });
      cap.node.port.onmessage = (e: MessageEvent<{ type: 'level' } & AudioLevel>) => {
        if (e.data.type === 'level') cap.onLevel?.({ rms: e.data.rms, peak: e.data.peak });
      };
      cap.source.connect(cap.node);
      if (ctx.state !== 'running') await Promise.race([ctx.resume(), new Promise((r) => setTimeout(r, 1000))]);
      if (ctx.state !== 'running') {
        throw new RecorderError(ErrorCode.PermissionDenied, 'The browser blocked audio until the page is clicked. Start recording from a button click.');
      }
    } catch (e) {
      void ctx.close();
      throw e;
    }
    return cap;
  }

  /**
   * Feeds the worklet from another microphone. The new source is connected before the old one is
   * disconnected, within one render quantum: the sample clock runs on without a gap.
   */
  replaceSource(track: MediaStreamTrack): void {
    const next = this.context.createMediaStreamSource(new MediaStream([track]));
    next.connect(this.node!);
    this.source?.disconnect();
    this.source = next;
  }

  /** Hands a port to the worklet and returns its partner for the encode worker. */
  connect(): MessagePort {
    const ch = new MessageChannel();
    this.node!.port.postMessage({ type: 'connect', port: ch.port1 }, [ch.port1]);
    return ch.port2;
  }

  /** Rough capture time (page clock, µs) of context frame 0, from the output timestamp and an assumed input latency. */
  async prior(): Promise<number> {
    for (let i = 0; i < 50; i++) {
      const ts = this.context.getOutputTimestamp();
      if (ts.contextTime && ts.performanceTime) {
        return (ts.performanceTime - ts.contextTime * 1000 - DEFAULT_INPUT_LATENCY_MS) * 1000;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    return (performance.now() - this.context.currentTime * 1000 - DEFAULT_INPUT_LATENCY_MS) * 1000;
  }

  close(): void {
    this.node?.port.postMessage({ type: 'close' });
    this.source?.disconnect();
    this.node?.disconnect();
    void this.context.close().catch(() => {});
  }
}
