/**
 * Calibrates an AudioWorklet's sample clock (context frames) to capture time.
 *
 * The worklet counts samples perfectly but its context time sits tens of milliseconds from when the
 * sound was captured, by an amount that changes per session. Where the browser also delivers the
 * same track as `AudioData` with capture timestamps (MediaStreamTrackProcessor), both streams carry
 * the same samples: finding a capture-stamped window inside the worklet stream by normalised cross
 * correlation gives the offset to the sample. Result: capture(f) = offsetUs + f · 1e6 / rate.
 * The timestamps jitter by a few ms, so the offset is averaged over the captured chunks of the
 * last half second, each placed through the matched window by sample count.
 */
export type CalibrationLock = {
  offsetUs: number;
  score: number;
  frame: number;
  captureUs: number;
  /** Context frame of the first sample captured since resetCaptured(). */
  startFrame: number;
  /** A step lock: the context frame the step happened at (frames before it keep the old offset). */
  stepFrame?: number;
  /**
   * Averaged over less than the full half second, all of it after a step (the step is recent):
   * good to place audio by, too noisy (~0.6 ms) to measure the step's size for the drift fit by.
   */
  partial?: boolean;
};

/** A window of the capture-stamped audio to find in the worklet stream (see pickWindow()). */
type CapturedWindow = { us: number; at: number; starts: number[]; data: Float32Array };

const WINDOW = 2048;
/** Coarse search step and averaging length, samples (see tryLock). */
const DECIMATE = 4;
/** Coarse peaks searched again at full rate. */
const REFINE_PEAKS = 6;
const RING_SECONDS = 4;
/** The offset is taken over the chunks captured in the last this many µs (at least MIN_OFFSET_CHUNKS). */
const OFFSET_SPAN_US = 500_000;
const MIN_OFFSET_CHUNKS = 20;
/** A chunk's offset this far from the median of those averaged is an outlier, not jitter (µs). */
const OUTLIER_US = 5_000;
/**
 * A match is taken at this normalised correlation unless tryLock() is asked for more; both
 * streams carry the same samples, so a right match scores ~1.000.
 */
const MIN_SCORE = 0.9;
/** Centres of tryLock's two searches closer than this (samples) are one search. */
const ALIGNED_APART = 24;
/** A match scoring above this is the same samples (they score 1.0000 here; a tone a period off, less). */
const EXACT_SCORE = 0.999;
/**
 * Chunks off the line (same side, beyond the limit) among the last STEP_WINDOW that make a step: 40
 * to 50 ms (worklet audio waits for that, see stepSeenUntil). Not all of them in a row: under load one stamp in a few
 * still carries the clock before the step, and four in a row then missed the step altogether.
 */
const STEP_CHUNKS = 4;
const STEP_WINDOW = 5;
/**
 * Chunks a step may be seen late by and still be placed from where it began: the timestamps jitter
 * (p95 7.7 ms on the clapperboard source), so a chunk just after a step can sit within the limit
 * and hold the check back. Worklet audio waits for these too (stepSeenUntil).
 */
const STEP_LATE = 3;
/**
 * A jump of the capture timestamps larger than this (µs) is a device stall (relock, searching
 * wide); up to it, a step followed as one (stepLock()).
 */
export const STEP_LIMIT_US = 20_000;

export class AudioCalibrator {
  readonly rate: number;
  private readonly ringLen: number;
  private readonly ring: Float32Array;
  /** Absolute context frame index of the next worklet sample. */
  private wEnd = -1;
  private readonly captured: { us: number; data: Float32Array; offsetUs: number | null }[] = [];
  /**
   * Context frame of the first sample captured since resetCaptured(), from the last lock: with it,
   * every chunk that comes is a measurement of the offset without a search (the alignment holds
   * until the capture stream breaks).
   */
  private alignedStart: number | null = null;
  /** Only chunks captured from here on count for the offset (set where the offset stepped). */
  private offsetSinceUs = -Infinity;
  private capturedFrames = 0;
  /** Captured samples dropped from the front since resetCaptured(). */
  private droppedFrames = 0;
  private prior: number | null = null;
  /** Half-width of the lag search around the prior, µs. */
  searchUs = 250_000;
  lastLock: CalibrationLock | null = null;

  constructor(rate: number) {
    this.rate = rate;
    this.ringLen = Math.ceil(rate * RING_SECONDS);
    this.ring = new Float32Array(this.ringLen);
  }

  /** Rough offset (µs) from getOutputTimestamp or a default; bounds the search. */
  setPrior(offsetUs: number): void {
    this.prior = offsetUs;
  }

  addWorklet(frame: number, mono: Float32Array): void {
    for (let i = 0; i < mono.length; i++) this.ring[(frame + i) % this.ringLen] = mono[i] as number;
    this.wEnd = frame + mono.length;
  }

  /** A chunk's offset by the sample alignment: its timestamp against the context frame of its first sample (`index` since resetCaptured()). */
  private alignedOffset(captureUs: number, index: number): number | null {
    return this.alignedStart === null ? null : captureUs - ((this.alignedStart + index) * 1e6) / this.rate;
  }

  addCaptured(captureUs: number, mono: Float32Array): void {
    const offsetUs = this.alignedOffset(captureUs, this.droppedFrames + this.capturedFrames);
    this.captured.push({ us: captureUs, data: mono, offsetUs });
    this.capturedFrames += mono.length;
    while (this.capturedFrames - (this.captured[0]?.data.length ?? 0) > this.rate * 1.5) {
      const n = this.captured.shift()!.data.length;
      this.capturedFrames -= n;
      this.droppedFrames += n;
    }
  }

  /**
   * Context frame before which every sample's step, if any, would have been seen by stepLock(): the
   * captured stream's end (by sample alignment, which a step of the timestamps does not move) less
   * the STEP_WINDOW chunks a step needs and STEP_LATE more for jitter. Null while unaligned.
   */
  get stepSeenUntil(): number | null {
    const last = this.captured[this.captured.length - 1];
    const end = this.alignedEnd;
    return end === null || !last ? null : end - (STEP_WINDOW + STEP_LATE) * last.data.length;
  }

  /** Context frame after the last captured sample, by the sample alignment (null while unaligned). */
  private get alignedEnd(): number | null {
    return this.alignedStart === null ? null : this.alignedStart + this.droppedFrames + this.capturedFrames;
  }

  /** Forgets the capture-stamped audio (another device is coming, or the device stalled). */
  resetCaptured(): void {
    this.captured.length = 0;
    this.capturedFrames = 0;
    this.droppedFrames = 0;
    this.alignedStart = null;
    this.offsetSinceUs = -Infinity;
  }

  /**
   * The capture offset stepped (the source's clock jumped: samples entered the stream later or
   * earlier than their count says) if STEP_CHUNKS of the last STEP_WINDOW chunks are more than
   * `limitUs` off `expectedUs` on the same side. Returns a lock from those chunks alone, at once: no search
   * is needed (the same samples on both sides), and waiting for the next lock's half-second
   * average left audio off by the step for ~0.5 s. Later locks count only chunks from the step on.
   */
  stepLock(expectedUs: number, limitUs: number): CalibrationLock | null {
    const n = this.captured.length;
    if (this.alignedStart === null || n < STEP_WINDOW) return null;
    // Called for every chunk (100 a second): nothing is allocated unless a step is seen.
    const off = (c: { offsetUs: number | null }) => (c.offsetUs === null ? 0 : c.offsetUs - expectedUs);
    const sign = Math.sign(off(this.captured[n - 1] as { offsetUs: number | null }));
    if (!sign) return null;
    const beyond = (c: { offsetUs: number | null }) => {
      const d = off(c);
      return Math.sign(d) === sign && Math.abs(d) > limitUs;
    };
    let count = 0;
    for (let i = n - STEP_WINDOW; i < n; i++) if (beyond(this.captured[i] as { offsetUs: number | null })) count++;
    if (count < STEP_CHUNKS) return null;
    // The step starts at the first chunk of the window beyond the limit; a stamp still on the old
    // clock after it (under load, some come late) does not count for the new offset.
    let first = n - STEP_WINDOW;
    while (!beyond(this.captured[first] as { offsetUs: number | null })) first++;
    const offsets = this.captured
      .slice(first)
      .filter(beyond)
      .map((c) => c.offsetUs as number)
      .sort((a, b) => a - b);
    const m = offsets.length;
    const offsetUs = m % 2 ? (offsets[(m - 1) / 2] as number) : ((offsets[m / 2 - 1] as number) + (offsets[m / 2] as number)) / 2;
    // The timestamps jitter (p95 7.7 ms on the clapperboard source): a chunk or two just after the
    // step can fall short of the limit and hold the check back. The step began with them if they
    // sit nearer the new offset than the old (up to STEP_LATE chunks back).
    const nearerNew = (c: { offsetUs: number | null }) => Math.abs((c.offsetUs as number) - offsetUs) < Math.abs(off(c));
    for (let k = 0; k < STEP_LATE && first > 0 && nearerNew(this.captured[first - 1] as { offsetUs: number | null }); k++) first--;
    const recent = this.captured.slice(first);
    this.offsetSinceUs = (recent[0] as { us: number }).us;
    const period = 1e6 / this.rate;
    const end = this.alignedEnd as number;
    const stepFrame = end - recent.reduce((k, c) => k + c.data.length, 0);
    const frame = Math.round((stepFrame + end) / 2);
    this.lastLock = { offsetUs, score: 1, frame, captureUs: offsetUs + frame * period, startFrame: this.alignedStart, stepFrame };
    return this.lastLock;
  }

  /**
   * Tries to lock; returns the lock, or null when there is not yet enough signal to be sure. The
   * search is centred where the prior puts the window's capture time. With `orAligned`, it is also
   * searched where the last lock's sample alignment puts the window's samples, when that is
   * elsewhere, and the better match wins: the alignment holds while the timestamps step (the same
   * samples, stamped later), when a search by the timestamps is off by the steps not yet followed,
   * or by a step within the window's chunks. Such a search can miss, or on a tone lock a few
   * periods off: right after a step of the clapperboard source's clock, a lock 10 ms off set audio
   * 17 ms late. A match scoring below `minScore` is not taken.
   */
  tryLock(orAligned = false, minScore = MIN_SCORE): CalibrationLock | null {
    if (this.prior === null || this.wEnd < 0) return null;
    const ref = this.pickWindow();
    if (!ref) return null;
    const byPrior = Math.round((ref.us - this.prior) / (1e6 / this.rate));
    let lock = this.lockAround(ref, byPrior, minScore);
    // A match at ~1.000 is the same samples: nothing to search for.
    if (orAligned && this.alignedStart !== null && !(lock && lock.score > EXACT_SCORE)) {
      const byAlignment = this.alignedStart + this.droppedFrames + ref.at;
      const other = Math.abs(byAlignment - byPrior) > ALIGNED_APART ? this.lockAround(ref, byAlignment, minScore) : null;
      if (other && (!lock || other.score > lock.score)) lock = other;
    }
    if (!lock) return null;
    this.lastLock = lock;
    if (lock.startFrame !== this.alignedStart) {
      // The samples moved against the stamps (the context heard a stall as silence): each held
      // chunk's offset by the new alignment, or stepLock() would see the old one's step again.
      this.alignedStart = lock.startFrame;
      let index = this.droppedFrames;
      for (const c of this.captured) {
        c.offsetUs = this.alignedOffset(c.us, index);
        index += c.data.length;
      }
    }
    return lock;
  }

  /** The search of tryLock() around one centre (context frame of the window's first sample). */
  private lockAround(ref: CapturedWindow, centre: number, minScore: number): CalibrationLock | null {
    const period = 1e6 / this.rate;
    const r = Math.round(this.searchUs / period);
    const lo = centre - r;
    const hi = centre + r;
    // Wait until the worklet stream covers the whole search range.
    if (hi + WINDOW > this.wEnd || lo < this.wEnd - this.ringLen) return null;
    const x = ref.data;
    // Copy the searched span out of the ring once.
    const span = hi - lo + WINDOW;
    const y = new Float32Array(span);
    for (let i = 0; i < span; i++) y[i] = this.ring[(lo + i) % this.ringLen] as number;
    // Coarse to fine. Every lag at full rate cost ~150 ms per try for the wide (±250 ms) search,
    // tried every 100 ms until locked: that held the encode worker for seconds, and camera frames
    // it did not read in time were lost (holes of 1–2.5 s at the start of a file). So first both
    // sides averaged over DECIMATE samples, every DECIMATE-th lag (16× less work), then every lag
    // around the best few of those at full rate.
    const D = DECIMATE;
    const xc = decimate(x, D);
    const yc = decimate(y, D);
    const W = xc.length;
    const lags = Math.floor((hi - lo) / D) + 1;
    let xx = 0;
    for (let i = 0; i < W; i++) xx += (xc[i] as number) ** 2;
    let yy = 0;
    for (let i = 0; i < W; i++) yy += (yc[i] as number) ** 2;
    const scores = new Float32Array(lags);
    for (let k = 0; k < lags; k++) {
      let xy = 0;
      for (let i = 0; i < W; i++) xy += (xc[i] as number) * (yc[k + i] as number);
      const sc = yy > 1e-12 ? xy / Math.sqrt(xx * yy) : 0;
      scores[k] = sc;
      const out = yc[k] as number;
      const inn = (yc[k + W] ?? 0) as number;
      yy = Math.max(0, yy - out * out + inn * inn);
    }
    // Fine: every lag within two coarse steps of each of the highest coarse peaks, not only the
    // top one, so that on a tonal sound a peak one period away (1 kHz: 48 samples, 1 ms) cannot win
    // by where the coarse grid happened to sample the two.
    const peaks: number[] = [];
    for (let k = 0; k < lags; k++) {
      const sc = scores[k] as number;
      if ((k > 0 && sc < (scores[k - 1] as number)) || (k + 1 < lags && sc < (scores[k + 1] as number))) continue;
      peaks.push(k);
    }
    peaks.sort((p, q) => (scores[q] as number) - (scores[p] as number));
    let xxf = 0;
    for (let i = 0; i < WINDOW; i++) xxf += (x[i] as number) ** 2;
    const refined: { lag: number; score: number }[] = [];
    for (const k of peaks.slice(0, REFINE_PEAKS)) {
      const c = lo + k * D;
      let top = { lag: c, score: -Infinity };
      for (let lag = Math.max(lo, c - 2 * D); lag <= Math.min(hi, c + 2 * D); lag++) {
        const o = lag - lo;
        let xy = 0;
        let yyf = 0;
        for (let i = 0; i < WINDOW; i++) {
          const v = y[o + i] as number;
          xy += (x[i] as number) * v;
          yyf += v * v;
        }
        const sc = yyf > 1e-12 ? xy / Math.sqrt(xxf * yyf) : 0;
        if (sc > top.score) top = { lag, score: sc };
      }
      refined.push(top);
    }
    if (!refined.length) return null;
    const win = refined.reduce((m, r) => (r.score > m.score ? r : m));
    const best = win.score;
    const bestLag = win.lag;
    // The runner-up away from the peak's own neighbourhood (±24 samples) tells whether the match is
    // unique: the refined peaks at full rate, the rest on the coarse grid.
    let second = -Infinity;
    for (const r of refined) if (Math.abs(r.lag - bestLag) > 24) second = Math.max(second, r.score);
    for (let k = 0; k < lags; k++) if (Math.abs(lo + k * D - bestLag) > 24) second = Math.max(second, scores[k] as number);
    if (best < minScore || best - second < 0.02) return null;
    return this.averaged(bestLag - ref.at, ref.starts, best);
  }

  /**
   * The lock when the captured chunks are themselves the samples placed (no worklet: see
   * AudioPipeline.direct): the alignment is known, set by alignTo(), so nothing is searched and
   * silence locks as well as sound. Null until `minChunks` chunks are held.
   */
  alignedLock(minChunks = MIN_OFFSET_CHUNKS): CalibrationLock | null {
    if (this.alignedStart === null || this.captured.length < Math.max(1, minChunks)) return null;
    const starts: number[] = [];
    let o = 0;
    for (const c of this.captured) {
      starts.push(o);
      o += c.data.length;
    }
    this.lastLock = this.averaged(this.alignedStart + this.droppedFrames, starts, 1);
    return this.lastLock;
  }

  /** The captured chunks from here on start at context frame `frame` (only right after resetCaptured(), before any chunk). */
  alignTo(frame: number): void {
    if (this.captured.length === 0) this.alignedStart = frame;
  }

  /**
   * The offset from the captured chunks' timestamps, `first` being the context frame of the first
   * held chunk's first sample and `starts` each chunk's start within them.
   */
  private averaged(first: number, starts: number[], score: number): CalibrationLock {
    const period = 1e6 / this.rate;
    // Each chunk's timestamp against its frame (by sample count from `first`) is one
    // measurement of the offset; the interquartile mean keeps an odd late stamp out.
    // Only the newest chunks count: the source's clock can step (a render stall upstream delivers
    // the same samples later), and the offset must follow the step within a fraction of a second.
    // The sample alignment holds across it (the same samples on both sides), so the match may lie
    // anywhere in what is held.
    const newest = (this.captured[this.captured.length - 1] as { us: number }).us;
    let from = this.captured.length - 1;
    const since = (i: number) => (this.captured[i] as { us: number }).us >= this.offsetSinceUs;
    while (from > 0 && since(from - 1) && (newest - (this.captured[from - 1] as { us: number }).us < OFFSET_SPAN_US || this.captured.length - from < MIN_OFFSET_CHUNKS)) from--;
    const partial = from > 0 && !since(from - 1);
    // Past a step, once the span holds only chunks after it, every chunk counts again.
    if (newest - this.offsetSinceUs > OFFSET_SPAN_US) this.offsetSinceUs = -Infinity;
    const all = this.captured.slice(from).map((c, i) => c.us - (first + (starts[from + i] as number)) * period).sort((a, b) => a - b);
    // Stamps far from the rest are not jitter: under load some chunks still carry the clock from
    // before a step for a while (~10 ms off). Left in, they shifted the interquartile mean by a
    // third of the jitter, and the drift fit with it.
    const mid = all[all.length >> 1] as number;
    const offsets = all.filter((o) => Math.abs(o - mid) <= OUTLIER_US);
    const q = offsets.slice(Math.floor(offsets.length / 4), Math.ceil((offsets.length * 3) / 4));
    const offsetUs = q.reduce((a, b) => a + b, 0) / q.length;
    // The mean is the offset around the middle of the chunks it was taken over.
    const frame = first + Math.round(((starts[from] as number) + this.capturedFrames) / 2);
    return { offsetUs, score, frame, captureUs: offsetUs + frame * period, startFrame: first - this.droppedFrames, partial };
  }

  /** The captured window with the most change in loudness (an onset is unambiguous; a steady tone is not). */
  private pickWindow(): CapturedWindow | null {
    if (this.capturedFrames < WINDOW * 4) return null;
    const all = new Float32Array(this.capturedFrames);
    const starts: number[] = [];
    let o = 0;
    for (const c of this.captured) {
      starts.push(o);
      all.set(c.data, o);
      o += c.data.length;
    }
    // Past a step, only what was captured after it: a window before it, placed through the sample
    // alignment, would take the step on trust (the same samples on both sides, stamped later) —
    // which it is not when the context heard the stall as silence and the samples moved with it.
    let since = 0;
    while (since < this.captured.length && (this.captured[since] as { us: number }).us < this.offsetSinceUs) since++;
    if (since === this.captured.length) return null;
    // Aligned, only a window whose search range the worklet stream already covers (the newest
    // captured audio is ~45 ms ahead of it): a window beyond it cannot be searched yet.
    // Past a step, the alignment may be off by up to the step (≤ STEP_LIMIT_US).
    const r = Math.round(((this.searchUs + (this.offsetSinceUs > -Infinity ? STEP_LIMIT_US : 0)) * this.rate) / 1e6);
    const end = this.alignedStart === null ? all.length : Math.min(all.length, this.wEnd - r - (this.alignedStart + this.droppedFrames));
    const hop = WINDOW / 4;
    let bestScore = 0;
    let bestAt = -1;
    for (let at = starts[since] as number; at + WINDOW <= end; at += hop) {
      let e1 = 0;
      let e2 = 0;
      for (let i = 0; i < WINDOW / 2; i++) e1 += (all[at + i] as number) ** 2;
      for (let i = WINDOW / 2; i < WINDOW; i++) e2 += (all[at + i] as number) ** 2;
      const rms = Math.sqrt((e1 + e2) / WINDOW);
      if (rms < 1e-4) continue;
      const score = rms * (1 + Math.abs(e1 - e2) / (e1 + e2));
      if (score > bestScore) {
        bestScore = score;
        bestAt = at;
      }
    }
    if (bestAt < 0) return null;
    // The window's capture time from every chunk's timestamp by sample count; the median is not
    // thrown by one stamp's jitter (the search is centred on it).
    const est = this.captured
      .slice(since)
      .map((c, i) => c.us + ((bestAt - (starts[since + i] as number)) * 1e6) / this.rate)
      .sort((a, b) => a - b);
    const us = est[est.length >> 1] as number;
    return { us, at: bestAt, starts, data: all.subarray(bestAt, bestAt + WINDOW) };
  }
}

/** Means of consecutive runs of `d` samples (a box low-pass, then every d-th sample). */
function decimate(x: Float32Array, d: number): Float32Array {
  const out = new Float32Array(Math.floor(x.length / d));
  for (let j = 0; j < out.length; j++) {
    let sum = 0;
    for (let i = 0; i < d; i++) sum += x[j * d + i] as number;
    out[j] = sum / d;
  }
  return out;
}
