// The encode worker's AAC encoder (libavcodec's wasm build, run in-thread), through Mediabunny as
// the worker uses it, judged by native ffprobe/ffmpeg: stream, duration, and the decoded tones.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AudioSample, AudioSampleSource, BufferTarget, Mp4OutputFormat, Output } from 'mediabunny';
import { registerInThreadAacEncoder } from '../../workers/encode/aac-encoder.js';

const RATE = 48000;
const dir = mkdtempSync(join(tmpdir(), 'ipr-aac-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Encodes `seconds` of one tone per channel, fed in chunks of irregular sizes (as capture gives them). */
async function encode(freqs: number[], seconds: number): Promise<string> {
  registerInThreadAacEncoder();
  const target = new BufferTarget();
  const out = new Output({ format: new Mp4OutputFormat({ fastStart: 'fragmented', minimumFragmentDuration: 1 }), target });
  const src = new AudioSampleSource({ codec: 'aac', bitrate: 128_000 });
  out.addAudioTrack(src);
  await out.start();
  const total = seconds * RATE;
  const sizes = [480, 441, 1024, 128, 2048, 7];
  for (let at = 0, k = 0; at < total; k++) {
    const n = Math.min(sizes[k % sizes.length] as number, total - at);
    const data = new Float32Array(n * freqs.length);
    freqs.forEach((f, ch) => {
      for (let i = 0; i < n; i++) data[ch * n + i] = 0.5 * Math.sin((2 * Math.PI * f * (at + i)) / RATE);
    });
    await src.add(new AudioSample({ data, format: 'f32-planar', numberOfChannels: freqs.length, sampleRate: RATE, timestamp: at / RATE }));
    at += n;
  }
  src.close();
  await out.finalize();
  const path = join(dir, `tone-${freqs.join('-')}.mp4`);
  writeFileSync(path, new Uint8Array(target.buffer as ArrayBuffer));
  return path;
}

function decoded(path: string, channels: number): Float32Array[] {
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-f', 'f32le', '-acodec', 'pcm_f32le', '-'], { maxBuffer: 64 << 20 });
  const all = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  return Array.from({ length: channels }, (_, ch) => all.filter((_, i) => i % channels === ch));
}

/** Frequency by zero crossings and RMS, over the middle (clear of priming and the padded end). */
function tone(x: Float32Array): { hz: number; rms: number } {
  const mid = x.subarray(RATE / 2, x.length - RATE / 2);
  let crossings = 0;
  let sum = 0;
  for (let i = 1; i < mid.length; i++) {
    if (((mid[i - 1] as number) < 0) !== ((mid[i] as number) < 0)) crossings++;
    sum += (mid[i] as number) ** 2;
  }
  return { hz: crossings / 2 / (mid.length / RATE), rms: Math.sqrt(sum / mid.length) };
}

describe('in-thread AAC encoder', () => {
  it('mono: an AAC stream of the right length that decodes to the tone it was given', async () => {
    const path = await encode([1000], 3);
    const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', path]).toString());
    const s = probe.streams[0];
    expect(s.codec_name).toBe('aac');
    expect(s.channels).toBe(1);
    expect(Number(s.sample_rate)).toBe(RATE);
    expect(Math.abs(Number(probe.format.duration) - 3)).toBeLessThan(0.03);
    const [x] = decoded(path, 1);
    expect(Math.abs(x!.length / RATE - 3)).toBeLessThan(0.03);
    const t = tone(x!);
    expect(Math.abs(t.hz - 1000)).toBeLessThan(2);
    expect(Math.abs(t.rms - 0.5 / Math.SQRT2)).toBeLessThan(0.02);
  });

  it('stereo: each channel keeps its own tone', async () => {
    const [l, r] = decoded(await encode([1000, 440], 2), 2);
    expect(Math.abs(tone(l!).hz - 1000)).toBeLessThan(2);
    expect(Math.abs(tone(r!).hz - 440)).toBeLessThan(2);
  });
});
