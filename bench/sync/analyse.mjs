// Clapperboard analysis: flash and beep onsets found in a recorded file with native ffmpeg, matched
// to the events the page logged, and each event's measured A/V offset compared with the offset it
// really had. Times in the file are its own timestamps (ffmpeg -copyts), as ffprobe reports them.
import { execFileSync, spawnSync } from 'node:child_process';
import { isMatroska, readMatroska } from './matroska.mjs';
import { beepOnsets } from './onset.js';
import { match } from './schedule.js';

export const RATE = 48_000;
/** Consecutive events whose errors differ by this much (ms) count as a step. */
export const STEP_MS = 10;

/** Mean luma of every decoded frame with its presentation time: [{ t (s), y }]. */
export function lumaFrames(path) {
  // settb=AVTB: pts in µs, so times are not rounded to the six digits ffmpeg prints pts_time with.
  const vf = 'scale=32:18,signalstats,settb=AVTB,metadata=mode=print:key=lavfi.signalstats.YAVG:file=-';
  // stderr captured, not shown: the null muxer complains about µs timestamps it does not need.
  const out = execFileSync('ffmpeg', ['-v', 'error', '-copyts', '-i', path, '-map', '0:v:0', '-vf', vf, '-f', 'null', '-'], { encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  const frames = [];
  let pts = null;
  for (const line of out.split('\n')) {
    const p = /^frame:\s*\d+\s+pts:\s*(-?\d+)/.exec(line);
    if (p) pts = Number(p[1]);
    const y = /YAVG=([\d.]+)/.exec(line);
    if (y && pts !== null) {
      frames.push({ t: pts / 1e6, y: Number(y[1]) });
      pts = null;
    }
  }
  return frames.sort((a, b) => a.t - b.t);
}

/** Decoded audio, mono at RATE, with the file timestamp of each decoded block (µs). */
export function audioBlocks(path) {
  const af = `aresample=${RATE},aformat=sample_fmts=flt:channel_layouts=mono,asettb=AVTB,ashowinfo`;
  const r = spawnSync('ffmpeg', ['-hide_banner', '-nostats', '-copyts', '-i', path, '-map', '0:a:0', '-af', af, '-f', 'f32le', '-'], { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`ffmpeg could not decode the audio of ${path}: ${r.stderr.toString().slice(-500)}`);
  const x = new Float32Array(new Uint8Array(r.stdout).buffer, 0, r.stdout.length >> 2);
  const blocks = [];
  let start = 0;
  for (const m of r.stderr.toString().matchAll(/ashowinfo.*?\bpts:(-?\d+).*?nb_samples:(\d+)/g)) {
    blocks.push({ start, pts: Number(m[1]), n: Number(m[2]) });
    start += Number(m[2]);
  }
  if (start !== x.length) throw new Error(`audio blocks cover ${start} samples, decoded ${x.length}`);
  return { x, blocks };
}

/**
 * File time (s) of a fractional sample index. Audio plays as one continuous run of samples, so a
 * sample's time is its index after the block timestamps around it (median over ±0.5 s), not its
 * own block's timestamp alone: WebM rounds each block to 1 ms, which would add ±0.5 ms per beep. A
 * jump of more than 2 ms between blocks (a gap or overlap the recorder wrote) starts a new run.
 */
function timeline(blocks) {
  const runs = [];
  let run = null;
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i];
    const prev = blocks[i - 1];
    if (!run || Math.abs(b.pts - (prev.pts + (prev.n / RATE) * 1e6)) > 2000) runs.push((run = []));
    run.push({ start: b.start, zero: b.pts / 1e6 - b.start / RATE });
  }
  const around = Math.round(0.5 * RATE);
  return (k) => {
    const r = runs.findLast((x) => x[0].start <= k) ?? runs[0];
    return median(r.filter((b) => Math.abs(b.start - k) <= around).map((b) => b.zero)) + k / RATE;
  };
}

/**
 * How early (ms) ffmpeg puts Matroska audio: it moves the blocks back by CodecDelay rounded to the
 * track's tick (1 ms), while the decoder drops exactly CodecDelay, so Opus (6.5 ms) plays 0.5 ms early.
 */
export function codecDelayRounding(path) {
  if (!isMatroska(path)) return 0;
  const { timestampScale, audio } = readMatroska(path);
  if (!audio?.codecDelay) return 0;
  const tick = timestampScale / 1e6;
  const delay = audio.codecDelay / 1e6;
  return Math.round(delay / tick) * tick - delay;
}

/** Presentation times (s) of the frames where the picture turns white. */
export function flashOnsets(frames) {
  if (!frames.length) return [];
  const ys = frames.map((f) => f.y);
  const base = median(ys);
  const top = Math.max(...ys);
  if (top - base < 50) return [];
  const level = (base + top) / 2;
  return frames.filter((f, i) => f.y >= level && (i === 0 || frames[i - 1].y < level)).map((f) => f.t);
}

/** File times (s) of the beeps, `early` ms put back. */
export function beepTimes({ x, blocks }, early = 0) {
  const time = timeline(blocks);
  return beepOnsets(x, RATE).map((k) => time(k) + early / 1000);
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

/** Nearest-rank percentile. */
export const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] : NaN;
};

/** Theil–Sen slope: the median of the pairwise slopes, unmoved by a few outliers or one step. */
export function theilSen(xs, ys) {
  const slopes = [];
  for (let i = 0; i < xs.length; i++) for (let j = i + 1; j < xs.length; j++) if (xs[j] !== xs[i]) slopes.push((ys[j] - ys[i]) / (xs[j] - xs[i]));
  return median(slopes);
}

/** First timestamp and end (s) of each stream, from ffprobe; end falls back to the last packet. */
export function streamTimes(path) {
  const probe = (kind) => {
    const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', `${kind}:0`, '-show_entries', 'stream=start_time,duration:packet=pts_time,duration_time', '-of', 'json', path], { encoding: 'utf8', maxBuffer: 256 << 20 });
    const j = JSON.parse(out);
    const s = j.streams[0] ?? {};
    const ps = j.packets.filter((p) => p.pts_time !== undefined);
    const first = Number(s.start_time ?? Math.min(...ps.map((p) => Number(p.pts_time))));
    const lastEnd = Math.max(...ps.map((p) => Number(p.pts_time) + (Number(p.duration_time) || 0)));
    const duration = Number(s.duration);
    return { start: first, end: Number.isFinite(duration) ? first + duration : lastEnd };
  };
  const v = probe('v');
  const a = probe('a');
  return { videoStart: v.start, audioStart: a.start, videoEnd: v.end, audioEnd: a.end, endDiff: a.end - v.end };
}

/**
 * Summary figures (ms) of per-event errors: median (signed), p95 and max of |error|, drift as the
 * Theil–Sen slope over the events' file time (ms per minute), and steps between consecutive events.
 */
export function summarise(rows) {
  const ok = rows.filter((r) => r.error !== null);
  const errs = ok.map((r) => r.error);
  const abs = errs.map(Math.abs);
  const steps = [];
  for (let i = 1; i < ok.length; i++) {
    const d = ok[i].error - ok[i - 1].error;
    if (Math.abs(d) >= STEP_MS) steps.push({ at: ok[i].flashFile, ms: d });
  }
  return {
    events: rows.length,
    matched: ok.length,
    median: median(errs),
    p95: percentile(abs, 0.95),
    max: abs.length ? Math.max(...abs) : NaN,
    driftMsPerMin: ok.length > 2 ? theilSen(ok.map((r) => r.flashFile / 60), errs) : NaN,
    steps,
  };
}

/**
 * Analyses one file against the logged events [{ flash, beep, at? }] (ms, one base; beep − flash is
 * the true offset). A flash or beep the page did not see is null: `at` still identifies the event,
 * which then has no error. Per event: its onsets in the file (s) and error (ms) = measured − true offset.
 */
export function analyse(path, events) {
  const known = (x) => x !== null && x !== undefined;
  const flashes = match(flashOnsets(lumaFrames(path)), events.map((e) => e.flash ?? e.at ?? NaN));
  const beeps = match(beepTimes(audioBlocks(path), codecDelayRounding(path)), events.map((e) => e.beep ?? e.at ?? NaN));
  const rows = events.map((e, i) => {
    const f = flashes.onsets[i];
    const b = beeps.onsets[i];
    const trueOffset = known(e.flash) && known(e.beep) ? e.beep - e.flash : null;
    return { flashFile: f, beepFile: b, trueOffset, error: f !== null && b !== null && trueOffset !== null ? (b - f) * 1000 - trueOffset : null };
  });
  return { rows, summary: summarise(rows), streams: streamTimes(path), extraFlashes: flashes.extra, extraBeeps: beeps.extra };
}
