/**
 * The session timeline: capture times (µs, page `performance.now()` base) mapped to media time
 * (µs, zero at start), with paused spans removed and everything from stop on cut. Pure arithmetic,
 * so the same rules place every video frame and every audio sample.
 */
export class SessionClock {
  private startUs: number | null = null;
  private stopUs: number | null = null;
  /** Closed spans [from, to) and possibly one open span at the end. */
  private readonly pauses: { from: number; to: number | null }[] = [];

  get started(): boolean {
    return this.startUs !== null;
  }
  get stopped(): boolean {
    return this.stopUs !== null;
  }
  get paused(): boolean {
    const last = this.pauses[this.pauses.length - 1];
    return !!last && last.to === null;
  }
  get stopTime(): number | null {
    return this.stopUs;
  }

  start(t: number): void {
    if (this.startUs !== null) throw new Error('clock already started');
    this.startUs = t;
  }
  pause(t: number): void {
    if (this.startUs === null || this.paused || this.stopUs !== null) return;
    this.pauses.push({ from: Math.max(t, this.startUs), to: null });
  }
  resume(t: number): void {
    const last = this.pauses[this.pauses.length - 1];
    if (!last || last.to !== null) return;
    last.to = Math.max(t, last.from);
  }
  stop(t: number): void {
    if (this.startUs === null || this.stopUs !== null) return;
    const last = this.pauses[this.pauses.length - 1];
    // Stopping while paused ends the recording where the pause began.
    this.stopUs = last && last.to === null ? last.from : Math.max(t, this.startUs);
    if (last && last.to === null) last.to = this.stopUs;
  }

  /** Paused time before capture time t (µs). */
  pausedBefore(t: number): number {
    let sum = 0;
    for (const p of this.pauses) {
      if (p.from >= t) break;
      sum += Math.min(p.to ?? t, t) - p.from;
    }
    return sum;
  }

  /** Whether a capture instant belongs to the recording. */
  keeps(t: number): boolean {
    if (this.startUs === null || t < this.startUs) return false;
    if (this.stopUs !== null && t >= this.stopUs) return false;
    for (const p of this.pauses) if (t >= p.from && (p.to === null || t < p.to)) return false;
    return true;
  }

  /** Media time of a capture instant, or null where it is cut (before start, paused, from stop on). */
  toMedia(t: number): number | null {
    if (!this.keeps(t)) return null;
    return t - (this.startUs as number) - this.pausedBefore(t);
  }

  /** Media duration of everything up to capture time t (µs). */
  mediaUpTo(t: number): number {
    if (this.startUs === null) return 0;
    const end = this.stopUs === null ? t : Math.min(t, this.stopUs);
    return Math.max(0, end - this.startUs - this.pausedBefore(end));
  }

  /** Total media duration once stopped. */
  get duration(): number | null {
    return this.stopUs === null ? null : this.mediaUpTo(this.stopUs);
  }

  /**
   * The sample ranges of a block to keep: n samples, the first captured at c0 (µs), at `rate` Hz.
   * Cuts fall at sample precision (a sample is kept when its capture instant is kept).
   */
  keepRanges(c0: number, n: number, rate: number): [from: number, to: number][] {
    if (this.startUs === null) return [];
    const period = 1e6 / rate;
    const at = (i: number) => c0 + i * period;
    // First sample whose instant is at or after t. The division can land one off after rounding,
    // so settle on the same instants keeps() is asked about.
    const idx = (t: number) => {
      let i = Math.min(n, Math.max(0, Math.ceil((t - c0) / period)));
      while (i > 0 && at(i - 1) >= t) i--;
      while (i < n && at(i) < t) i++;
      return i;
    };
    // Cut points inside the block: start, each pause boundary, stop.
    const cuts = [this.startUs, ...this.pauses.flatMap((p) => [p.from, p.to ?? Infinity]), this.stopUs ?? Infinity];
    const ranges: [number, number][] = [];
    let from = 0;
    let keeping = this.keeps(c0);
    for (const t of cuts.filter((x) => x > c0 && x < c0 + n * period).sort((a, b) => a - b)) {
      const i = idx(t);
      const after = this.keeps(at(i));
      if (after === keeping) continue;
      if (keeping && i > from) ranges.push([from, i]);
      from = i;
      keeping = after;
    }
    if (keeping && n > from) ranges.push([from, n]);
    return ranges;
  }
}

/**
 * Estimates the constant K between a video track's frame timestamps and the page clock:
 * timestamp − K = capture time. Every frame arrives after it was captured, so the largest
 * (timestamp − arrival) seen is the best estimate, approaching K from below.
 */
export class VideoClockOffset {
  private k = -Infinity;
  private exact = false;

  /** Exact value, e.g. from requestVideoFrameCallback's captureTime. */
  set(k: number): void {
    this.k = k;
    this.exact = true;
  }
  observe(frameTimestampUs: number, arrivalUs: number): void {
    if (!this.exact) this.k = Math.max(this.k, frameTimestampUs - arrivalUs);
  }
  get known(): boolean {
    return Number.isFinite(this.k);
  }
  toCapture(frameTimestampUs: number): number {
    return frameTimestampUs - this.k;
  }
  get value(): number {
    return this.k;
  }
}
