// Native ffprobe/ffmpeg as the judge of recorded files.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempFile(name, bytes) {
  const dir = mkdtempSync(join(tmpdir(), 'ipr-'));
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** ffprobe's view of a file: format and streams. */
export function probe(path) {
  const out = execFileSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path], { encoding: 'utf8' });
  return JSON.parse(out);
}

/** Packet timestamps of one stream kind ('v' or 'a'): [{ pts, duration }] in seconds. */
export function packets(path, kind) {
  const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', kind, '-show_entries', 'packet=pts_time,duration_time,flags', '-of', 'json', path], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return JSON.parse(out).packets.map((p) => ({ pts: Number(p.pts_time), duration: Number(p.duration_time) || 0, key: (p.flags ?? '').includes('K') }));
}

/** Presentation times (s) of the video frames the decoder finds to be key frames (IDR). */
export function decodedKeyFrames(path) {
  const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v', '-show_entries', 'frame=pts_time,key_frame', '-of', 'json', path], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return JSON.parse(out).frames.filter((f) => f.key_frame === 1).map((f) => Number(f.pts_time));
}

/** Every decoded video frame's presentation time (s) and mean colour (rgb 0–255), in order. */
export function frameColours(path) {
  const r = spawnSync('ffmpeg', ['-v', 'info', '-nostats', '-i', path, '-an', '-vf', 'scale=1:1,showinfo', '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
    maxBuffer: 64 << 20,
  });
  const times = [...r.stderr.toString().matchAll(/Parsed_showinfo.*? pts_time:\s*(-?[\d.]+)/g)].map((m) => Number(m[1]));
  return times.map((t, i) => ({ t, rgb: [...r.stdout.subarray(i * 3, i * 3 + 3)] }));
}

/** End time of a stream: last packet's pts + duration (what a player shows as the end). */
export function streamEnd(path, kind) {
  const ps = packets(path, kind);
  return Math.max(...ps.map((p) => p.pts + p.duration));
}

/** Decode errors from a full decode, ignoring the null muxer's timestamp complaints. */
export function decodeErrors(path) {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', path, '-f', 'null', '-'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  // ffmpeg folds a repeated message into "Last message repeated N times"; that line belongs to
  // whichever message came before it, so it is kept or dropped with that message.
  const lines = [];
  let previousIgnored = false;
  for (const l of (r.stderr ?? '').split('\n')) {
    if (!l.trim()) continue;
    if (/Last message repeated \d+ times/.test(l)) {
      if (!previousIgnored) lines.push(l);
      continue;
    }
    previousIgnored = /non monotonically increasing dts|Application provided invalid/.test(l);
    if (!previousIgnored) lines.push(l);
  }
  if (r.status !== 0) lines.push(`ffmpeg exited with ${r.status}`);
  return lines;
}

/** The first audio stream decoded to mono 48 kHz float samples. */
export function audioSamples(path) {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', path, '-vn', '-ac', '1', '-ar', '48000', '-f', 'f32le', '-'], { maxBuffer: 256 << 20 });
  return new Float32Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.byteLength / 4);
}
