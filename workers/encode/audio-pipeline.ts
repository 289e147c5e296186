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
  /** End of the worklet stream received so far, in context frames. */
  private workletEnd = -1;
  /** Context frame after the last one placed. */
  private placedEnd = -Infinity;
  private finished = false;
  /** The last ~0.5 s of capture-stamped audio, all channels: the tail at stop comes from here. */
  private recent: { us: number; channels: Float32Array[] }[] = [];
  private readonly period: number;
  private lastLockAt = 0;
  /** (capture time, calibrated offset) of each lock: the offset's slope is the device clock's drift. */
  private readonly locks: [number, number][] = [];

  /** Audio device clock drift against the system clock, ppm (positive: the device runs slow); null until 30 s of locks. */
  get driftPpm(): number | null {
    const l = this.locks;
    if (l.length < 3 || (l[l.length - 1] as [number, number])[0] - (l[0] as [number, number])[0] < 30e6) return null;
    const mx = l.reduce((a, p) => a + p[0], 0) / l.length;
    const my = l.reduce((a, p) => a + p[1], 0) / l.length;
    let num = 0;
    let den = 0;
    for (const [x, y] of l) {
      num += (x - mx) * (y - my);
      den += (x - mx) ** 2;
    }
    return den ? (num / den) * 1e6 : null;
  }

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
    if (!this.calibrated) return this.newestCaptureUs;
    const last = this.recent[this.recent.length - 1];
    return Math.max(this.newestCaptureUs, last ? last.us + (last.channels[0]?.length ?? 0) * this.period : -Infinity);
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
    const channels = Array.from({ length: this.channels }, (_, ch) => {
      const plane = new Float32Array(data.numberOfFrames);
      data.copyTo(plane, { planeIndex: Math.min(ch, data.numberOfChannels - 1), format: 'f32-planar' });
      return plane;
    });
    this.calibrator.addCaptured(data.timestamp, channels[0] as Float32Array);
    this.recent.push({ us: data.timestamp, channels });
    while (this.recent.length > 1 && (this.recent[0] as { us: number }).us < data.timestamp - 500_000) this.recent.shift();
    const now = performance.now();
    // Until locked try often; afterwards re-check now and then with a narrow search (cheap).
    if (!this.calibrated ? now - this.lastLockAt > 100 : now - this.lastLockAt > 5000) {
      this.lastLockAt = now;
      const lock = this.calibrator.tryLock();
      if (lock) {
        this.locks.push([lock.captureUs, lock.offsetUs]);
        if (this.locks.length > 120) this.locks.shift();
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
    this.workletEnd = Math.max(this.workletEnd, block.frame + (block.channels[0]?.length ?? 0));
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
    if (this.finished) return;
    // Frames already placed (the stop tail taken from capture-stamped audio) are not placed twice.
    if (block.frame < this.placedEnd) {
      const skip = this.placedEnd - block.frame;
      if (skip >= (block.channels[0]?.length ?? 0)) return;
      block = { frame: this.placedEnd, channels: block.channels.map((c) => c.subarray(skip)) };
    }
    const n = block.channels[0]?.length ?? 0;
    if (!n || this.anchorUs === null) return;
    this.placedEnd = block.frame + n;
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

  /**
   * The worklet delivers samples tens of ms after capture; capture-stamped AudioData arrives within
   * a few. At stop, the samples the worklet has not delivered yet are taken from the latter (the
   * same samples, mapped to context frames through the calibration), so stop need not wait.
   */
  private fillTail(): void {
    if (!this.calibrated || this.anchorUs === null || this.workletEnd < 0) return;
    for (const c of this.recent) {
      const n = c.channels[0]?.length ?? 0;
      const frame = Math.round((c.us - this.anchorUs) / this.period);
      if (frame + n <= this.workletEnd) continue;
      const skip = Math.max(0, this.workletEnd - frame);
      this.place({ frame: frame + skip, channels: c.channels.map((x) => x.subarray(skip)) });
      this.workletEnd = frame + n;
    }
  }

  /** Media time emitted so far, µs. */
  get emittedUs(): number {
    return this.emitted * this.period;
  }

  /** Pads with silence to exactly `endMediaUs` (or cuts the excess), then waits for the encoder. */
  async finish(endMediaUs: number): Promise<void> {
    this.fillTail();
    const missing = Math.round((endMediaUs - this.emittedUs) / this.period);
    if (missing > 0) this.emit(Array.from({ length: this.channels }, () => new Float32Array(missing)));
    this.finished = true;
    await this.chain;
    this.source.close();
  }
}
