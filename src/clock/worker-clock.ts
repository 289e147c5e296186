/**
 * How far another context's `performance.now()` is from ours, measured by round trips.
 *
 * Not `performance.timeOrigin`: Chromium derives each global's timeOrigin from the wall clock when
 * that global is created, so a wall-clock step between page load and worker start (a VM's time
 * sync does it) puts the difference of the two timeOrigins off by the step — measured here: after
 * a 3 s step the timeOrigin difference was 3000 ms wrong, the round-trip estimate within 0.1 ms.
 * Recordings made in such a page had their video placed seconds from their audio.
 */
export type ClockPing = { type: 'clock-ping'; t0: number };
export type ClockPong = { type: 'clock-pong'; t0: number; now: number };

/** The answering side: at once, with its own clock. */
export function clockPong(ping: ClockPing): ClockPong {
  return { type: 'clock-pong', t0: ping.t0, now: performance.now() };
}

type Channel = {
  postMessage(message: ClockPing): void;
  addEventListener(type: 'message', listener: (e: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (e: MessageEvent) => void): void;
};

/**
 * The other side's `performance.now()` minus ours at the same instant (ms), from the round trip
 * with the smallest duration out of `rounds` (its error is at most half that round trip). The
 * other side answers each `clock-ping` with clockPong().
 */
export function measureClockOffset(other: Channel, rounds = 6, timeoutMs = 10_000): Promise<{ offsetMs: number; roundTripMs: number }> {
  return new Promise((resolve, reject) => {
    let best: { offsetMs: number; roundTripMs: number } | null = null;
    let left = rounds;
    const onMessage = (e: MessageEvent<{ type?: string }>) => {
      if (e.data?.type !== 'clock-pong') return;
      const t1 = performance.now();
      const { t0, now } = e.data as ClockPong;
      const sample = { offsetMs: now - (t0 + t1) / 2, roundTripMs: t1 - t0 };
      if (!best || sample.roundTripMs < best.roundTripMs) best = sample;
      if (--left > 0) ping();
      else finish();
    };
    const finish = (err?: Error) => {
      clearTimeout(timer);
      other.removeEventListener('message', onMessage);
      if (err) reject(err);
      else resolve(best!);
    };
    const ping = () => other.postMessage({ type: 'clock-ping', t0: performance.now() });
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    other.addEventListener('message', onMessage);
    ping();
  });
}

/**
 * Capture times of AudioData read from a MediaStreamTrackProcessor made on the page and read here.
 *
 * Chromium stamps each AudioData relative to the time origin of the realm that makes the object. A
 * track processor's readable transferred to a worker has the chunks made before the transfer lands
 * made on the page (page-clock stamps), and every later one here (this worker's clock). Measured in
 * this project's Chromium: posted 100 ms after it was made, 9 chunks of page stamps, then a step
 * back by exactly the two clocks' difference; posted in the task that made it, 0 or 2. The stamps
 * are otherwise the same as a page reader's (1000 chunks of a WebAudio track read both ways,
 * its clock steps included, differed by that constant alone). Read as page stamps throughout, the
 * audio would lie that difference (the page's age when the worker started) away from the video.
 *
 * A chunk is the page's when read as ours it would have been captured after it arrived (by more
 * than stamp jitter); once one is ours, so is every later one. Told apart this way only while a
 * page chunk arrives sooner after capture than the clocks' difference (less SLACK). That difference
 * is the page's age when the recording's worker started (one worker per recording), so a page that
 * starts recording within tens of ms of loading may see its first chunks misread, which the
 * pipeline then takes as a step of the source's clock at the start.
 */
export class TransferredStamps {
  /** How far after its arrival a chunk's stamp may fall (stamps of WebAudio tracks jitter by ~8 ms), µs. */
  static readonly SLACK_US = 20_000;
  private ours = false;

  /**
   * Whether the chunk is stamped on this worker's clock: `tsUs` its timestamp, `nowMs` this worker's
   * performance.now() as it arrived (read it as it comes: a chunk left waiting in the stream looks
   * later than it was, and page stamps are told apart only while they arrive sooner after capture
   * than the clocks' difference).
   */
  isOurs(tsUs: number, nowMs: number): boolean {
    if (!this.ours && tsUs <= nowMs * 1000 + TransferredStamps.SLACK_US) this.ours = true;
    return this.ours;
  }
}

/** A chunk's capture time on the page clock (µs): `ours` as TransferredStamps.isOurs() says, `pageOffsetMs` the page's performance.now() minus this worker's. */
export const pageTimeUs = (tsUs: number, ours: boolean, pageOffsetMs: number): number => (ours ? tsUs + pageOffsetMs * 1000 : tsUs);
