/**
 * Capture worklet: forwards microphone PCM to the encode worker over its own MessagePort (the main
 * thread is not in the path) and reports the level to the page. `frame` is the context frame of
 * the first sample, the continuous sample clock that the encode worker calibrates to capture time.
 */
declare const currentFrame: number;
declare const sampleRate: number;
declare function registerProcessor(name: string, ctor: unknown): void;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}

/** Frames per message to the worker (~21 ms at 48 kHz). */
const BATCH = 1024;

class CaptureProcessor extends AudioWorkletProcessor {
  private out: MessagePort | null = null;
  private buf: Float32Array[] = [];
  private filled = 0;
  private firstFrame = 0;
  private readonly channels: number;
  private levelSum = 0;
  private levelPeak = 0;
  private levelFrames = 0;
  private stopped = false;

  constructor(options: { processorOptions?: { channels?: number } }) {
    super();
    this.channels = options.processorOptions?.channels ?? 1;
    this.reset();
    this.port.onmessage = (e: MessageEvent<{ type: 'connect'; port: MessagePort } | { type: 'close' }>) => {
      if (e.data.type === 'connect') this.out = e.data.port;
      else {
        this.stopped = true;
        this.out?.close();
        this.out = null;
      }
    };
  }

  private reset(): void {
    this.buf = Array.from({ length: this.channels }, () => new Float32Array(BATCH));
    this.filled = 0;
  }

  process(inputs: Float32Array[][]): boolean {
    if (this.stopped) return false;
    const input = inputs[0] ?? [];
    const n = input[0]?.length ?? 128;
    if (this.filled === 0) this.firstFrame = currentFrame;
    for (let ch = 0; ch < this.channels; ch++) {
      // No input connected (a muted or ended track): silence keeps the sample clock continuous.
      const src = input[ch] ?? input[0];
      const dst = this.buf[ch] as Float32Array;
      if (src) dst.set(src, this.filled);
      else dst.fill(0, this.filled, this.filled + n);
    }
    const mono = input[0];
    if (mono) {
      for (let i = 0; i < mono.length; i++) {
        const v = mono[i] as number;
        this.levelSum += v * v;
        const a = Math.abs(v);
        if (a > this.levelPeak) this.levelPeak = a;
      }
    }
    this.levelFrames += n;
    this.filled += n;
    if (this.filled >= BATCH) {
      if (this.out) this.out.postMessage({ type: 'pcm', frame: this.firstFrame, channels: this.buf }, this.buf.map((b) => b.buffer));
      this.reset();
    }
    if (this.levelFrames >= sampleRate / 20) {
      this.port.postMessage({ type: 'level', rms: Math.sqrt(this.levelSum / this.levelFrames), peak: this.levelPeak });
      this.levelSum = this.levelPeak = this.levelFrames = 0;
    }
    return true;
  }
}

registerProcessor('ipr-capture', CaptureProcessor);
