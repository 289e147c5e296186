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
