// Reads the clapperboard's tapped tracks off the main thread, so a busy page cannot make the taps
// drop AudioData or frames: every audio sample with its chunk's timestamp and arrival, every
// frame's timestamp, arrival and whether it is white. Times are on the page's clock, in ms.
import { beepOnsets } from './onset.js';

const RATE = 48_000;
const chunks = [];
const frames = [];
/** The second camera's frames (the clapperboard's switch scenario). */
const frames2 = [];
let total = 0;
let toPage = 0;
const readers = [];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

async function readAudio(readable) {
  const reader = readable.getReader();
  readers.push(reader);
  for (;;) {
    const { value: data, done } = await reader.read();
    if (done) return;
    const pcm = new Float32Array(data.numberOfFrames);
    data.copyTo(pcm, { planeIndex: 0, format: 'f32-planar' });
    // AudioData timestamps are on this worker's clock: moved to the page's.
    chunks.push({ start: total, ts: data.timestamp / 1000 + toPage, n: data.numberOfFrames, pcm, arrival: performance.now() + toPage });
    total += data.numberOfFrames;
    data.close();
  }
}

async function readVideo(readable, frames) {
  const reader = readable.getReader();
  readers.push(reader);
  const probe = new OffscreenCanvas(1, 1).getContext('2d', { willReadFrequently: true });
  for (;;) {
    const { value: frame, done } = await reader.read();
    if (done) return;
    const arrival = performance.now() + toPage;
    probe.drawImage(frame, 0, 0, 1, 1);
    frames.push({ ts: frame.timestamp, arrival, white: probe.getImageData(0, 0, 1, 1).data[0] > 128 });
    frame.close();
  }
}

/**
 * Where the audio clock steps against the page clock (chunk indices): the render thread stalled or
 * skipped, so the samples after it entered later or earlier than their count says. A step is where
 * the median of the next 20 chunks differs from the previous 20 by more than STEP_MS. Single
 * timestamps alternate by up to ~8 ms at times, which the medians of 20 keep out. The limit was 8 ms:
 * the source also steps by 7–8 ms (seen in the first seconds of recordings, the step persisting for
 * seconds), and a beep within a second of such a step had its time taken as the median across it,
 * up to half the step (~4 ms) from when it entered. A step seen where there is none only narrows
 * the span a beep's median is taken over.
 */
const STEP_MS = 5;
function clockSteps(zero) {
  const d = zero.map((_, i) => (i < 20 || i + 20 > zero.length ? 0 : median(zero.slice(i, i + 20)) - median(zero.slice(i - 20, i))));
  const steps = [];
  for (let i = 0; i < d.length; i++) {
    if (Math.abs(d[i]) <= STEP_MS) continue;
    let j = i;
    while (j + 1 < d.length && Math.abs(d[j + 1]) > STEP_MS) j++;
    // within the run of large differences, the step is at the largest jump between neighbours
    let at = i;
    for (let x = i; x <= j; x++) if (Math.abs(zero[x] - zero[x - 1]) > Math.abs(zero[at] - zero[at - 1])) at = x;
    steps.push(at);
    i = j;
  }
  return steps;
}

/** The sample clock (ms at sample 0) each chunk's timestamp implies. */
const labels = () => chunks.map((c) => c.ts - (c.start / RATE) * 1000);

/**
 * Each beep onset heard since `from` (page ms): its sample index k in the tapped audio, which is
 * the context frame less a constant (the track carries every rendered sample, late or not), and its
 * stream time t (page ms). Samples enter on a steady
 * clock, so the time of sample k is k after the AudioData timestamps around it (median over ±1 s,
 * not across a step of the clock), which keeps the jitter of single timestamps (~1 ms) out.
 */
function onsets(from = -Infinity) {
  const first = Math.max(0, chunks.findIndex((c) => c.ts >= from));
  if (!chunks.length) return [];
  const base = chunks[first].start;
  const x = new Float32Array(total - base);
  for (let i = first; i < chunks.length; i++) x.set(chunks[i].pcm, chunks[i].start - base);
  const zero = labels();
  const bounds = [0, ...clockSteps(zero), chunks.length];
  return beepOnsets(x, RATE).map((o) => {
    const k = o + base;
    const i = chunks.findLastIndex((c) => c.start <= k);
    const lo = bounds.findLast((b) => b <= i);
    const hi = bounds.find((b) => b > i);
    const near = [];
    for (let j = lo; j < hi; j++) if (Math.abs(chunks[j].start - k) <= RATE) near.push(zero[j]);
    const clock = median(near);
    // The share of the chunks within ±100 ms of the beep whose timestamps sit on another clock
    // (more than STEP_MS from the one the beep is timed by), across a step or not.
    let other = 0;
    let all = 0;
    for (let j = Math.max(0, i - 10); j <= Math.min(chunks.length - 1, i + 10); j++) {
      all++;
      if (Math.abs(zero[j] - clock) > STEP_MS) other++;
    }
    return { k, t: clock + (k / RATE) * 1000, otherClock: all ? other / all : 0 };
  });
}

self.onmessage = async ({ data: m }) => {
  if (m.type === 'clock-ping') {
    self.postMessage({ type: 'clock-pong', t0: m.t0, now: performance.now() });
  } else if (m.type === 'start') {
    toPage = performance.timeOrigin - m.timeOrigin;
    if (m.audio) void readAudio(m.audio);
    if (m.video) void readVideo(m.video, frames);
    if (m.video2) void readVideo(m.video2, frames2);
  } else if (m.type === 'clock') {
    // The measured distance to the page's clock replaces the timeOrigins' (what came so far moves with it).
    const d = m.toPage - toPage;
    toPage = m.toPage;
    for (const c of chunks) (c.ts += d), (c.arrival += d);
    for (const f of [...frames, ...frames2]) f.arrival += d;
  } else if (m.type === 'onsets') {
    self.postMessage({ type: 'onsets', onsets: onsets(m.from) });
  } else if (m.type === 'stop') {
    await Promise.all(readers.map((r) => r.cancel()));
    const zero = labels();
    const steps = clockSteps(zero).map((i) => ({ at: chunks[i].ts, ms: median(zero.slice(i, i + 20)) - median(zero.slice(i - 20, i)) }));
    self.postMessage({ type: 'stop', onsets: onsets(), frames, frames2, steps, chunks: chunks.map(({ start, ts, n, arrival }) => ({ start, ts, n, arrival })) });
  }
};
