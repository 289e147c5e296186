/// <reference lib="webworker" />
// AAC for browsers whose AudioEncoder has none (Chromium on Linux, Firefox): libavcodec's encoder,
// compiled to wasm by @mediabunny/aac-encoder, run here in the encode worker.
//
// That package runs the same wasm in a worker of its own, one message round trip per 1024 samples
// (47 a second each way, each waking two threads and copying the PCM twice). Measured with
// bench:cpu on this project's machine, that thread cost ~1.6 CPU s per recorded minute with a
// good part of it spent on messaging; here the PCM is copied into the frame being filled and from there into the wasm heap and encoded
// synchronously (well under a millisecond per frame), and the stop has no round trip to wait for.
//
// Packets are stamped as that package stamps them (from the first input sample, advancing by each
// packet's duration), so the priming compensation in the audio pipeline is unchanged.
import { CustomAudioEncoder, EncodedPacket, registerEncoder, type AudioCodec, type AudioSample } from 'mediabunny';
import createAacModule from 'virtual:aac-wasm';

/** The C entry points of the package's wasm build (the ones its own worker calls). */
interface AacModule {
  HEAPU8: Uint8Array;
  _init_encoder(channels: number, sampleRate: number, bitrate: number): number;
  _get_encoder_frame_size(ctx: number): number;
  _get_encoder_extradata(ctx: number): number;
  _get_encoder_extradata_size(ctx: number): number;
  _get_encode_input_ptr(ctx: number, bytes: number): number;
  _send_frame(ctx: number, pts: bigint): number;
  _receive_packet(ctx: number): number;
  _get_encoded_data(ctx: number): number;
  _get_encoded_duration(ctx: number): number;
  _flush_encoder_start(ctx: number): void;
  _reset_encoder(ctx: number): void;
  _close_encoder?(ctx: number): void;
}

const AAC_SAMPLE_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

let modulePromise: Promise<AacModule> | null = null;
const loadModule = (): Promise<AacModule> => (modulePromise ??= createAacModule() as Promise<AacModule>);

class InThreadAacEncoder extends CustomAudioEncoder {
  private m: AacModule | null = null;
  private ctx = 0;
  private frameSize = 1024;
  private channels = 1;
  private sampleRate = 48000;
  private description = new Uint8Array(0);
  /** The frame being filled: interleaved f32, `pendingFrames` of `frameSize` so far. */
  private pending = new Float32Array(0);
  private pendingFrames = 0;
  private nextInputSample: number | null = null;
  private nextPacketSample = 0;
  private metaSent = false;

  static override supports(codec: AudioCodec, config: AudioEncoderConfig): boolean {
    return codec === 'aac' && config.numberOfChannels >= 1 && config.numberOfChannels <= 8 && AAC_SAMPLE_RATES.includes(config.sampleRate) && config.bitrate !== undefined;
  }

  async init(): Promise<void> {
    const m = await loadModule();
    this.m = m;
    this.channels = this.config.numberOfChannels;
    this.sampleRate = this.config.sampleRate;
    this.ctx = m._init_encoder(this.channels, this.sampleRate, this.config.bitrate ?? 128_000);
    if (this.ctx === 0) throw new Error('The AAC encoder did not initialise');
    this.frameSize = m._get_encoder_frame_size(this.ctx);
    const ptr = m._get_encoder_extradata(this.ctx);
    this.description = m.HEAPU8.slice(ptr, ptr + m._get_encoder_extradata_size(this.ctx));
    this.pending = new Float32Array(this.frameSize * this.channels);
  }

  encode(sample: AudioSample): void {
    if (this.nextInputSample === null) {
      this.nextInputSample = Math.round(sample.timestamp * this.sampleRate);
      this.nextPacketSample = this.nextInputSample;
    }
    // Straight into the frame being filled, interleaved: one copy of the PCM before the wasm heap.
    const ch = this.channels;
    for (let at = 0; at < sample.numberOfFrames; ) {
      const take = Math.min(sample.numberOfFrames - at, this.frameSize - this.pendingFrames);
      sample.copyTo(this.pending.subarray(this.pendingFrames * ch, (this.pendingFrames + take) * ch), { format: 'f32', planeIndex: 0, frameOffset: at, frameCount: take });
      this.pendingFrames += take;
      at += take;
      if (this.pendingFrames === this.frameSize) this.encodeFrame();
    }
  }

  flush(): void {
    if (!this.m) return;
    if (this.pendingFrames > 0) {
      this.pending.fill(0, this.pendingFrames * this.channels);
      this.pendingFrames = this.frameSize;
      this.encodeFrame();
    }
    this.m._flush_encoder_start(this.ctx);
    this.drain();
    this.m._reset_encoder(this.ctx);
    this.pendingFrames = 0;
    this.nextInputSample = null;
    this.metaSent = false;
  }

  close(): void {
    if (this.m && this.ctx) this.m._close_encoder?.(this.ctx);
    this.ctx = 0;
    this.m = null;
  }

  private encodeFrame(): void {
    const m = this.m!;
    const bytes = this.pending.byteLength;
    const ptr = m._get_encode_input_ptr(this.ctx, bytes);
    if (ptr === 0) throw new Error('The AAC encoder could not allocate its input');
    // HEAPU8 is read again on every call: a heap growth replaces it.
    m.HEAPU8.set(new Uint8Array(this.pending.buffer, 0, bytes), ptr);
    const ret = m._send_frame(this.ctx, BigInt(this.nextInputSample!));
    if (ret < 0) throw new Error(`The AAC encoder failed (${ret})`);
    this.nextInputSample! += this.frameSize;
    this.pendingFrames = 0;
    this.drain();
  }

  private drain(): void {
    const m = this.m!;
    let size: number;
    while ((size = m._receive_packet(this.ctx)) > 0) {
      const ptr = m._get_encoded_data(this.ctx);
      const duration = m._get_encoded_duration(this.ctx);
      const packet = new EncodedPacket(m.HEAPU8.slice(ptr, ptr + size), 'key', this.nextPacketSample / this.sampleRate, duration / this.sampleRate);
      this.nextPacketSample += duration;
      if (this.metaSent) this.onPacket(packet);
      else {
        this.metaSent = true;
        this.onPacket(packet, {
          decoderConfig: { codec: 'mp4a.40.2', numberOfChannels: this.channels, sampleRate: this.sampleRate, description: this.description },
        });
      }
    }
  }
}

let registered = false;
/** Makes Mediabunny encode AAC with the in-thread encoder (once per worker). */
export function registerInThreadAacEncoder(): void {
  if (registered) return;
  registered = true;
  registerEncoder(InThreadAacEncoder);
}
