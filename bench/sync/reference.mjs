// Clapperboard files made by native ffmpeg with a known audio offset: the instrument's own check.
// Flashes are whole frames (their time is exact), beeps are sample-exact phase-0 1 kHz bursts.
import { execFileSync } from 'node:child_process';
import { median } from './analyse.mjs';
import { readMatroska } from './matroska.mjs';
import { BEEP_HZ } from './onset.js';
import { eventTimes } from './schedule.js';

const CODECS = {
  mp4: ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k'],
  webm: ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', '-c:a', 'libopus', '-b:a', '128k'],
};

/**
 * Writes `path` (mp4: H.264 + AAC, webm: VP9 + Opus) and returns its events as the page logs them:
 * [{ flash, beep }] in ms, beep − flash = `offsetMs`, or for WebM what the file really says (below).
 * `fragmented` writes a fragmented MP4.
 */
export function makeReference(path, { format = 'mp4', seconds = 20, fps = 30, offsetMs = 0, seed = 1, fragmented = false } = {}) {
  const events = eventTimes(seed, 1000, seconds * 1000 - 1000).map((t) => {
    const frame = Math.round((t * fps) / 1000);
    const flash = (frame * 1000) / fps;
    return { frame, flash, beep: flash + offsetMs };
  });
  const video = `color=c=black:s=320x180:r=${fps}:d=${seconds},drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='${events.map((e) => `eq(n,${e.frame})`).join('+')}'`;
  const burst = (s) => `between(t,${s},${s + 0.03})*sin(2*PI*${BEEP_HZ}*(t-${s}))`;
  const audio = `aevalsrc='0.5*(${events.map((e) => burst(e.beep / 1000)).join('+')})':s=48000:d=${seconds}`;
  const mux = fragmented ? ['-movflags', 'frag_keyframe+empty_moov+default_base_moof'] : [];
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', video, '-f', 'lavfi', '-i', audio, ...CODECS[format], ...mux, path]);
  if (format !== 'webm') return events.map(({ flash, beep }) => ({ flash, beep }));
  // ffmpeg 5.1 writes Opus blocks at the time of their first decoded sample, pre-skip included, and
  // declares the pre-skip as CodecDelay, which the Matroska spec says to subtract again: the audio
  // lands ~6.5 ms early, and each block's time is rounded to 1 ms on its own. So the expected times
  // come from the blocks as written, per the spec: frame n at its block's time; block k (20 ms Opus
  // frames) starts at audio time 20k − CodecDelay and plays at its time − CodecDelay, so audio time t
  // plays at t + (block time − 20k), taken as the median over the blocks.
  const { video: v, audio: a } = readMatroska(path);
  if (!a.codecDelay) throw new Error('expected an Opus CodecDelay in the reference WebM');
  const frames = [...v.blocks].sort((x, y) => x - y);
  const shift = median(a.blocks.slice(0, -1).map((t, k) => t - 20 * k));
  return events.map(({ frame, beep }) => ({ flash: frames[frame], beep: shift + beep }));
}
