import { AudioSample, type AudioSampleSource } from 'mediabunny';
import { AudioCalibrator } from '../../src/clock/audio-calibrator.js';
import type { SessionClock } from '../../src/clock/session-clock.js';

/** Gaps or overlaps larger than this are filled with silence or trimmed at once; smaller errors are slewed. */
const STEP_LIMIT_US = 20_000;
/** Slew: at most one sample added or removed per this many samples (0.1 %, inaudible). */
const SLEW_EVERY = 1000;

type Block = { frame: number; channels: Float32Array[] };

/**
 * Audio on the session clock. The worklet's sample count is the continuous clock; the calibrator
 * anchors it to capture time. Output timestamps are the count of samples emitted, so audio never
 * steps; where the placement drifts from capture time by more than a sample it is slewed back by
 * dropping or repeating single samples, and a device stall is filled with silence.
 */
export class AudioPipeline {
  readonly calibrator: AudioCalibrator;
  /** capture(frame) = anchorUs + frame · period, once known. */
  private anchorUs: number | null = null;
  calibrated = false;
  /** Placing audio by the prior while calibration is still pending. */
  private estimated = false;
  private emitted = 0;
  private slewCounter = 0;
  private pending: Block[] = [];
  private chain: Promise<void> = Promise.resolve();
  samples = 0;
  gapFilledUs = 0;
  trimmedUs = 0;
  /** Latest placement error (µs): positive means audio is placed later than it was captured. */
  errorUs = 0;
  private newestCaptureUs = -Infinity;
  private readonly period: number;
  private lastLockAt = 0;

  constructor(
    private readonly clock: SessionClock,
    private readonly source: AudioSampleSource,
    readonly rate: number,
    readonly channels: number,
    private readonly onError: (e: unknown) => void,
  ) {
    this.calibrator = new AudioCalibrator(rate);
    this.period = 1e6 / rate;
  }

  get queue(): number {
    return this.pending.length;
  }
  /** Capture time of the newest sample received (page clock, µs). */
  get newestCapture(): number {
    return this.newestCaptureUs;
  }

  setPrior(offsetUs: number): void {
    this.calibrator.setPrior(offsetUs);
    if (this.anchorUs === null) this.anchorUs = offsetUs;
  }

  /** Uses the prior as the anchor (no capture timestamps available). */
  useEstimate(): void {
    this.estimated = true;
    if (this.anchorUs !== null) this.flushPending();
  }

  addCaptured(data: AudioData): void {
    const mono = new Float32Array(data.numberOfFrames);
    data.copyTo(mono, { planeIndex: 0, format: 'f32-planar' });
    this.calibrator.addCaptured(data.timestamp, mono);
    const now = performance.now();
    // Until locked try often; afterwards re-check now and then with a narrow search (cheap).
    if (!this.calibrated ? now - this.lastLockAt > 100 : now - this.lastLockAt > 5000) {
      this.lastLockAt = now;
      const lock = this.calibrator.tryLock();
      if (lock) {
        this.anchorUs = lock.offsetUs;
        this.calibrator.setPrior(lock.offsetUs);
        this.calibrator.searchUs = 5_000;
        if (!this.calibrated) {
          this.calibrated = true;
          this.flushPending();
        }
      }
    }
  }

  /** A block from the worklet. Held until the clock is anchored, then placed. */
  addPcm(block: Block): void {
    this.calibrator.addWorklet(block.frame, block.channels[0] as Float32Array);
    if (this.anchorUs === null || !(this.calibrated || this.estimated)) {
      this.pending.push(block);
      // Keep at most ~3 s while waiting for calibration.
      while (this.pending.length > 1 && this.pendingFrames() > this.rate * 3) this.pending.shift();
      return;
    }
    this.place(block);
  }

  private pendingFrames(): number {
    return this.pending.reduce((n, b) => n + (b.channels[0]?.length ?? 0), 0);
  }

  private flushPending(): void {
    const blocks = this.pending;
    this.pending = [];
    for (const b of blocks) this.place(b);
  }

  private place(block: Block): void {
    const n = block.channels[0]?.length ?? 0;
    if (!n || this.anchorUs === null) return;
    const c0 = this.anchorUs + block.frame * this.period;
    this.newestCaptureUs = Math.max(this.newestCaptureUs, c0 + n * this.period);
    if (!this.clock.started) return;
    for (const [from, to] of this.clock.keepRanges(c0, n, this.rate)) {
      const mediaUs = this.clock.toMedia(c0 + from * this.period) as number;
      this.emitRange(block.channels, from, to, mediaUs);
    }
  }

  private emitRange(channels: Float32Array[], from: number, to: number, mediaUs: number): void {
    const emittedUs = this.emitted * this.period;
    let err = emittedUs - mediaUs;
    this.errorUs = err;
    if (err < -STEP_LIMIT_US) {
      // The device stalled: fill the hole with silence so later audio stays on time.
      const gap = Math.round(-err / this.period);
      this.gapFilledUs += gap * this.period;
      this.emit(channels.map(() => new Float32Array(gap)));
      err = 0;
    } else if (err > STEP_LIMIT_US) {
      const cut = Math.min(to - from, Math.round(err / this.period));
      this.trimmedUs += cut * this.period;
      from += cut;
      if (from >= to) return;
      err = 0;
    }
    let out = channels.map((c) => c.subarray(from, to));
    // Slew sub-step errors: drop a sample when audio runs late, repeat one when it runs early.
    if (Math.abs(err) > this.period) {
      const len = to - from;
      this.slewCounter += len;
      if (this.slewCounter >= SLEW_EVERY) {
        this.slewCounter = 0;
        if (err > 0 && len > 1) out = out.map((c) => c.subarray(1));
        else if (err < 0) out = out.map((c) => { const x = new Float32Array(len + 1); x[0] = c[0] as number; x.set(c, 1); return x; });
      }
    }
    this.emit(out);
  }

  private emit(channels: Float32Array[]): void {
    const n = channels[0]?.length ?? 0;
    if (!n) return;
    const planar = new Float32Array(n * this.channels);
    for (let ch = 0; ch < this.channels; ch++) planar.set((channels[ch] ?? channels[0]) as Float32Array, ch * n);
    const sample = new AudioSample({ data: planar, format: 'f32-planar', numberOfChannels: this.channels, sampleRate: this.rate, timestamp: this.emitted / this.rate });
    this.emitted += n;
    this.samples += n;
    this.chain = this.chain
      .then(() => this.source.add(sample))
      .catch((e) => this.onError(e))
      .finally(() => sample.close());
  }

  /** Media time emitted so far, µs. */
  get emittedUs(): number {
    return this.emitted * this.period;
  }

  /** Pads with silence to exactly `endMediaUs` (or cuts the excess), then waits for the encoder. */
  async finish(endMediaUs: number): Promise<void> {
    const missing = Math.round((endMediaUs - this.emittedUs) / this.period);
    if (missing > 0) this.emit(Array.from({ length: this.channels }, () => new Float32Array(missing)));
    await this.chain;
    this.source.close();
  }
}
