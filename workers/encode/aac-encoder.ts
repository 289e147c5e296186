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

/** libavcodec's AAC quantiser searches: `twoloop` is its default, `fast` its cheaper one. */
export type AacCoder = 'twoloop' | 'fast';

/** Bytes of an AVOption in a wasm32 build: name, help, offset, type (4 each), default (8), min, max (8 each), flags, unit (4 each). */
const AVOPTION_BYTES = 48;
/** Where the package's build keeps its static data (the option tables sit below 64 KB in 1.59.0). */
const STATIC_DATA_BYTES = 1 << 20;

/**
 * Sets the quantiser search that encoders made from now on in this module get, by rewriting the
 * default of the encoder's `aac_coder` option in the module's static data: the package's C entry
 * point opens the encoder without options, and this is the only way to pass one. The table entry is
 * recognised by its whole shape (name, help, type, range, and its two named values right after it,
 * `twoloop` = 0 and `fast` = 1); if anything differs (another build), nothing is written and false
 * is returned: encoders then keep libavcodec's default.
 *
 * Why `fast`: in this worker the wasm encoder was ~1.1 of the ~3.6 CPU s per recorded minute the
 * encode worker costs (bench:cpu), and `fast` takes a quarter to a half of the time: in Node, 20 s
 * of a voice-like mono signal took 332 ms with `twoloop` and 88 ms with `fast` at 128 kb/s (241 and
 * 80 at 64 kb/s); 60 s of a tone-and-noise mix 600-670 and 325-350 ms. What it costs, as the
 * decoded output's SNR against its input (a crude measure for a perceptual coder, but the one that
 * shows a coder that spends its bits badly): on the voice-like signal 22.3 dB against 23.8 at
 * 128 kb/s and 18.1 against 17.7 at 64 kb/s (tests/unit/aac-encoder.test.ts); on the mix, with
 * native ffmpeg's build of the same encoder, 24.7 against 24.9 and 15.5 against 12.7 dB; on
 * synthesised speech (espeak-ng), native, 46.0 against 32.3 dB at 128 kb/s, 31.9 against 23.9 at 64.
 */
export function setAacCoder(m: { HEAPU8: Uint8Array }, coder: AacCoder): boolean {
  const heap = m.HEAPU8;
  const size = Math.min(heap.byteLength, STATIC_DATA_BYTES) & ~3;
  const text = new TextDecoder('latin1').decode(heap.subarray(0, size));
  const at = (name: string): number => {
    const i = text.indexOf(`\0${name}\0`);
    return i < 0 ? -1 : i + 1;
  };
  const cstr = (p: number): string => (p > 0 && p < size ? text.slice(p, text.indexOf('\0', p)) : '');
  const name = at('aac_coder');
  if (name < 0) return false;
  const view = new DataView(heap.buffer, heap.byteOffset, size);
  const words = new Uint32Array(heap.buffer, heap.byteOffset, size / 4);
  for (let w = 0; w < words.length; w++) {
    if (words[w] !== name) continue;
    const b = w * 4;
    if (b % 8 !== 0 || b + 3 * AVOPTION_BYTES > size) continue;
    const entry = (k: number) => ({
      name: cstr(view.getUint32(b + k * AVOPTION_BYTES, true)),
      value: view.getBigInt64(b + k * AVOPTION_BYTES + 16, true),
      unit: cstr(view.getUint32(b + k * AVOPTION_BYTES + 44, true)),
    });
    const option = entry(0);
    const shaped =
      cstr(view.getUint32(b + 4, true)) === 'Coding algorithm' &&
      view.getFloat64(b + 24, true) === 0 &&
      view.getFloat64(b + 32, true) === 1 &&
      option.unit === 'coder' &&
      (option.value === 0n || option.value === 1n) &&
      entry(1).name === 'twoloop' && entry(1).value === 0n && entry(1).unit === 'coder' &&
      entry(2).name === 'fast' && entry(2).value === 1n && entry(2).unit === 'coder';
    if (!shaped) continue;
    view.setBigInt64(b + 16, coder === 'fast' ? 1n : 0n, true);
    return true;
  }
  return false;
}

let coderInUse: AacCoder | null = null;
/** The quantiser search this worker's AAC encoders use (null until the encoder has loaded). */
export const aacCoder = (): AacCoder | null => coderInUse;

let modulePromise: Promise<AacModule> | null = null;
const loadModule = (): Promise<AacModule> =>
  (modulePromise ??= (createAacModule() as Promise<AacModule>).then((m) => {
    coderInUse = setAacCoder(m, 'fast') ? 'fast' : 'twoloop';
    return m;
  }));

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
