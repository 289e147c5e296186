import { EncodedPacket, type EncodedVideoPacketSource } from 'mediabunny';
import { VideoClockOffset, type SessionClock } from '../../src/clock/session-clock.js';

/** Pixel formats encoders take; others (a depth camera's 16-bit luma, say) go through the canvas. */
const ENCODABLE = new Set(['I420', 'I420A', 'I422', 'I444', 'NV12', 'RGBA', 'RGBX', 'BGRA', 'BGRX']);

type Held = { packet: EncodedPacket; meta?: EncodedVideoChunkMetadata; timestampUs: number };

/**
 * Places camera frames on the session timeline by capture time and encodes them as they come. The
 * newest encoded packet is held back so that its duration is known (the next frame's time, or the
 * stop instant); when the encoder queue is full, new frames are dropped and the packet before them
 * simply lasts longer. Holding the packet rather than the frame leaves stop nothing to encode: it
 * held the last frame until then, and encoding one 720p frame at stop took 5-15 ms of the stop,
 * 20-40 ms with other recorders busy on the same two cores.
 */
export class VideoPipeline {
  offset = new VideoClockOffset();
  framesIn = 0;
  framesEncoded = 0;
  framesDropped = 0;
  /** Frames given to the encoder (framesEncoded counts what came out). */
  private framesSubmitted = 0;
  private encoder: VideoEncoder;
  /** The newest packet out of the encoder, added to the muxer once its duration is known. */
  private held: Held | null = null;
  /** Timeline position (µs) of the newest frame given to the encoder. */
  private lastMediaUs = -Infinity;
  /** Nominal frame duration (whole µs), for the frame given to the encoder before the next one is known. */
  private readonly frameUs: number;
  /** Newest frame captured before start: it is what the camera showed at time 0. */
  private preroll: { frame: VideoFrame; captureUs: number } | null = null;
  private lastKeyUs = -Infinity;
  private lastCaptureUs = -Infinity;
  private chain: Promise<void> = Promise.resolve();
  private failed: ((e: unknown) => void) | null = null;
  private readonly maxQueue: number;
  private readonly keyframeIntervalUs: number;
  width = 0;
  height = 0;
  /** Frames of another size (a switched camera, a resized window) are fitted into the recording's size here. */
  private canvas: OffscreenCanvas | null = null;
  private ctx: OffscreenCanvasRenderingContext2D | null = null;
  framesScaled = 0;

  constructor(
    private readonly clock: SessionClock,
    private readonly source: EncodedVideoPacketSource,
    config: VideoEncoderConfig,
    opts: { maxQueueFrames: number; keyframeIntervalUs: number; onError: (e: unknown) => void },
  ) {
    this.maxQueue = opts.maxQueueFrames;
    this.keyframeIntervalUs = opts.keyframeIntervalUs;
    this.failed = opts.onError;
    this.width = config.width;
    this.height = config.height;
    this.frameUs = Math.round(1e6 / (config.framerate ?? 30));
    this.encoder = new VideoEncoder({
      output: (chunk, meta) => {
        this.framesEncoded++;
        // The held packet lasts until this one (output is in timestamp order: no B-frames in realtime mode).
        this.addHeld(chunk.timestamp);
        this.held = { packet: EncodedPacket.fromEncodedChunk(chunk), meta, timestampUs: chunk.timestamp };
      },
      error: (e) => this.failed?.(e),
    });
    this.encoder.configure(config);
  }

  get queue(): number {
    return this.encoder.state === 'configured' ? this.encoder.encodeQueueSize : 0;
  }

  /** Capture time (page clock, µs) of the newest frame seen. */
  get newestCaptureUs(): number {
    return this.lastCaptureUs;
  }

  /**
   * Another camera: its timestamps may count from another origin, so the offset to the page clock
   * is estimated afresh. The held frame stays: it lasts until the new camera's first frame.
   */
  newSource(): void {
    this.offset = new VideoClockOffset();
  }

  /** A frame from the camera; `captureUs` when the caller knows it exactly, else mapped from its timestamp. */
  push(frame: VideoFrame, arrivalUs: number, captureUs?: number): void {
    // Stop reads audio on after video has finished (see Session.doStop()).
    if (this.finishing) {
      frame.close();
      return;
    }
    this.framesIn++;
    if (captureUs === undefined) {
      this.offset.observe(frame.timestamp, arrivalUs);
      captureUs = this.offset.toCapture(frame.timestamp);
    }
    this.lastCaptureUs = Math.max(this.lastCaptureUs, captureUs);
    if (!this.clock.started) {
      this.preroll?.frame.close();
      this.preroll = { frame, captureUs };
      return;
    }
    const mediaUs = this.clock.toMedia(captureUs);
    if (mediaUs === null) {
      frame.close();
      return;
    }
    this.placePreroll(mediaUs);
    if (mediaUs <= this.lastMediaUs) {
      frame.close();
      return;
    }
    if (this.lastMediaUs >= 0 && this.queue >= this.maxQueue) {
      // Encoder behind: drop the new frame; the one before covers its time.
      this.framesDropped++;
      frame.close();
      return;
    }
    this.encodeAt(frame, mediaUs);
    frame.close();
  }

  /** The last frame before start is what was on camera at 0: encoded there if nothing was, and the time up to `untilUs` is not empty. */
  private placePreroll(untilUs: number): void {
    if (!this.preroll) return;
    if (this.lastMediaUs < 0 && untilUs > 0) this.encodeAt(this.preroll.frame, 0);
    this.preroll.frame.close();
    this.preroll = null;
  }

  /** Adds the held packet to the muxer, lasting until `untilUs`. */
  private addHeld(untilUs: number): void {
    const h = this.held;
    if (!h) return;
    this.held = null;
    const packet = h.packet.clone({ duration: Math.max(1, untilUs - h.timestampUs) / 1e6 });
    this.chain = this.chain.then(() => this.source.add(packet, h.meta)).catch((e) => this.failed?.(e));
  }

  private encodeAt(frame: VideoFrame, mediaUs: number): void {
    const ts = Math.round(mediaUs);
    this.lastMediaUs = mediaUs;
    // A key frame only where the muxer starts a fragment (≥ the fragment length after the last one;
    // +1 µs because it compares in floating-point seconds). One a little earlier would land inside
    // the running fragment, where Mediabunny's trun marks it as a delta frame: the fragment would
    // run on to the next key frame (twice as long, twice the crash loss) with an unmarked IDR.
    const keyFrame = ts - this.lastKeyUs >= this.keyframeIntervalUs + 1;
    if (keyFrame) this.lastKeyUs = ts;
    const out = this.fit(frame, ts, this.frameUs);
    try {
      this.encoder.encode(out, { keyFrame });
      this.framesSubmitted++;
    } finally {
      out.close();
    }
  }

  /**
   * The frame re-stamped for the timeline; scaled (aspect kept, black bars) when its size is not the
   * recording's, and converted when its pixel format is not one encoders take.
   */
  private fit(frame: VideoFrame, timestamp: number, duration: number): VideoFrame {
    const w = this.width;
    const h = this.height;
    if (frame.displayWidth === w && frame.displayHeight === h && ENCODABLE.has(frame.format as string)) return new VideoFrame(frame, { timestamp, duration });
    if (!this.canvas) {
      this.canvas = new OffscreenCanvas(w, h);
      this.ctx = this.canvas.getContext('2d', { alpha: false });
    }
    const ctx = this.ctx as OffscreenCanvasRenderingContext2D;
    const s = Math.min(w / frame.displayWidth, h / frame.displayHeight);
    const dw = frame.displayWidth * s;
    const dh = frame.displayHeight * s;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, w, h);
    ctx.drawImage(frame, (w - dw) / 2, (h - dh) / 2, dw, dh);
    this.framesScaled++;
    return new VideoFrame(this.canvas, { timestamp, duration });
  }

  /** Set by finish(): frames pushed after it are not recorded. */
  private finishing = false;

  /** Drains the encoder; the last frame lasts to the stop instant. */
  async finish(endMediaUs: number): Promise<void> {
    this.finishing = true;
    this.placePreroll(endMediaUs);
    // A flush is a round trip to the codec thread even with nothing left to encode: each frame was
    // encoded as it came, so at stop every one is usually out already. Flushed only when one is not.
    if (this.encoder.state === 'configured' && (this.framesEncoded < this.framesSubmitted || this.encoder.encodeQueueSize > 0)) await this.encoder.flush();
    this.addHeld(Math.round(endMediaUs));
    await this.chain;
  }

  close(): void {
    this.preroll?.frame.close();
    this.held = this.preroll = null;
    if (this.encoder.state !== 'closed') this.encoder.close();
  }
}
