import { describe, expect, test } from 'vitest';
import { RecorderError } from '../../src/errors.js';
import { exporterTargets, plannedEngine, resolveExport } from '../../src/export/export-api.js';
import { logTail } from '../../src/export/ffmpeg-log.js';
import { checkInputSize, EXPORT_LIMITS } from '../../src/export/limits.js';
import { EXPORT_TARGETS, type ArgsContext } from '../../src/export/targets.js';
import type { SourceInfo } from '../../workers/export/protocol.js';

function throwsNaming(fn: () => unknown, path: string): void {
  let message = '';
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TypeError);
    message = (e as Error).message;
  }
  expect(message.startsWith(`${path} `), `message "${message}" should name ${path}`).toBe(true);
}

const GiB = 1024 ** 3;
const h264aac: SourceInfo = { container: 'mp4', videoCodec: 'avc', audioCodec: 'aac', durationS: 6, width: 1280, height: 720 };
const vp9opus: SourceInfo = { ...h264aac, container: 'webm', videoCodec: 'vp9', audioCodec: 'opus' };
const ctx = (source: SourceInfo, extra: Partial<ArgsContext> = {}): ArgsContext => ({ input: '/in/input.mp4', output: '/out.x', source, at: 1, trim: null, measured: null, ...extra });

describe('export limits', () => {
  test('defaults: 1 GiB into ffmpeg.wasm, 4 GiB into Mediabunny', () => {
    expect(EXPORT_LIMITS).toEqual({ 'ffmpeg.wasm': GiB, mediabunny: 4 * GiB });
    expect(() => checkInputSize(GiB, 'ffmpeg.wasm')).not.toThrow();
    expect(() => checkInputSize(4 * GiB, 'mediabunny')).not.toThrow();
  });

  test('one byte over is refused with export-too-large, naming the size and the limit and offering the original', () => {
    let err: unknown;
    try {
      checkInputSize(GiB + 1, 'ffmpeg.wasm');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RecorderError);
    const e = err as RecorderError;
    expect(e.code).toBe('export-too-large');
    expect(e.message).toMatch(/1\.00 GiB.*ffmpeg\.wasm.*1\.00 GiB.*original/);
    expect(e.details).toEqual({ bytes: GiB + 1, limit: GiB, engine: 'ffmpeg.wasm' });
    expect(() => checkInputSize(5 * GiB, 'mediabunny')).toThrow(/5\.00 GiB.*4\.00 GiB/);
  });

  test('a limit given in the options replaces the default', () => {
    expect(resolveExport('mp3', { limits: { 'ffmpeg.wasm': 1000 } }).limits).toEqual({ 'ffmpeg.wasm': 1000, mediabunny: 4 * GiB });
  });
});

describe('export options', () => {
  test('malformed options throw TypeErrors naming the option', () => {
    throwsNaming(() => resolveExport('avi'), 'target');
    throwsNaming(() => resolveExport('mp4', { bogus: 1 } as never), 'options.bogus');
    throwsNaming(() => resolveExport('mp4', { engine: 'gstreamer' } as never), 'options.engine');
    throwsNaming(() => resolveExport('mp3', { engine: 'mediabunny' }), 'options.engine');
    throwsNaming(() => resolveExport('trim'), 'options.trim');
    throwsNaming(() => resolveExport('trim', { trim: { start: -1, end: 2 } }), 'options.trim.start');
    throwsNaming(() => resolveExport('trim', { trim: { start: 3, end: 2 } }), 'options.trim.end');
    throwsNaming(() => resolveExport('trim', { trim: { start: 0, end: 2, mode: 'fast' as never } }), 'options.trim.mode');
    throwsNaming(() => resolveExport('mp4', { trim: { start: 0, end: 2 } }), 'options.trim');
    throwsNaming(() => resolveExport('poster', { at: Number.NaN }), 'options.at');
    throwsNaming(() => resolveExport('mp4', { at: 1 }), 'options.at');
    throwsNaming(() => resolveExport('mp4', { limits: { 'ffmpeg.wasm': -1 } }), 'options.limits.ffmpeg.wasm');
    throwsNaming(() => resolveExport('mp4', { threads: 'many' as never }), 'options.threads');
  });

  test('trim defaults to a stream copy', () => {
    expect(resolveExport('trim', { trim: { start: 1, end: 4 } }).trim).toEqual({ start: 1, end: 4, mode: 'copy' });
  });

  test('remuxes plan on Mediabunny, everything else on ffmpeg.wasm, before anything loads', () => {
    const planned = Object.fromEntries(Object.keys(EXPORT_TARGETS).map((t) => [t, plannedEngine({ target: t as keyof typeof EXPORT_TARGETS, engine: 'auto' })]));
    expect(planned).toMatchObject({ mp4: 'mediabunny', mov: 'mediabunny', mkv: 'mediabunny', webm: 'mediabunny', 'mp4-aac': 'mediabunny', ts: 'ffmpeg.wasm', mp3: 'ffmpeg.wasm', poster: 'ffmpeg.wasm', trim: 'ffmpeg.wasm' });
    expect(plannedEngine({ target: 'mp4', engine: 'ffmpeg.wasm' })).toBe('ffmpeg.wasm');
  });

  test('the element is offered every target that needs no parameters', () => {
    const ids = exporterTargets().map((t) => t.id);
    expect(ids).not.toContain('trim');
    expect(ids).toEqual(Object.keys(EXPORT_TARGETS).filter((t) => t !== 'trim'));
    expect(exporterTargets(['mp3', 'trim'])).toEqual([{ id: 'mp3', label: 'Audio: MP3', extension: 'mp3' }]);
  });
});

describe('export targets', () => {
  test('Mediabunny remuxes what it can copy and leaves the rest to ffmpeg.wasm', () => {
    expect(EXPORT_TARGETS.mp4.mediabunny?.(h264aac)).toEqual({ format: 'mp4', video: 'copy', audio: 'copy' });
    expect(EXPORT_TARGETS.mp4.mediabunny?.(vp9opus)).toEqual({ format: 'mp4', video: 'copy', audio: 'copy' });
    expect(EXPORT_TARGETS.mov.mediabunny?.(vp9opus)).toBeNull();
    expect(EXPORT_TARGETS['mp4-aac'].mediabunny?.(vp9opus)).toBeNull();
    expect(EXPORT_TARGETS.webm.mediabunny?.(h264aac)).toEqual({ format: 'webm', video: 'vp9', audio: 'opus' });
    expect(EXPORT_TARGETS.webm.mediabunny?.(vp9opus)).toEqual({ format: 'webm', video: 'copy', audio: 'copy' });
  });

  test('ffmpeg copies what the container takes and encodes the rest', () => {
    const mp4aac = EXPORT_TARGETS['mp4-aac'].ffmpeg(ctx(vp9opus)).join(' ');
    expect(mp4aac).toContain('-c:v copy');
    expect(mp4aac).toContain('-c:a aac');
    expect(mp4aac).toContain('-movflags +faststart');
    expect(EXPORT_TARGETS.mov.ffmpeg(ctx(vp9opus)).join(' ')).toContain('-c:v libx264');
    expect(EXPORT_TARGETS.m4a.ffmpeg(ctx(h264aac)).join(' ')).toContain('-c:a copy');
  });

  test('loudness: the second pass applies what the first measured, linearly', () => {
    const measured = { input_i: '-20.33', input_tp: '0.23', input_lra: '3.10', input_thresh: '-30.50', target_offset: '0.12' };
    expect(EXPORT_TARGETS['loudness-ebu'].measure?.(ctx(h264aac)).join(' ')).toContain('loudnorm=I=-23:TP=-1:LRA=20:print_format=json');
    const apply = EXPORT_TARGETS['loudness-streaming'].ffmpeg(ctx(h264aac, { measured })).join(' ');
    expect(apply).toContain('loudnorm=I=-16:TP=-1:LRA=20:measured_I=-20.33:measured_TP=0.23:measured_LRA=3.10:measured_thresh=-30.50:offset=0.12:linear=true');
  });

  test('trim: copy seeks just past the key frame, by the file’s own timestamps; exact re-encodes', () => {
    const copy = EXPORT_TARGETS.trim.ffmpeg(ctx(h264aac, { trim: { start: 0.981597, end: 3.981597, mode: 'copy' } }));
    expect(copy.slice(0, 8)).toEqual(['-seek_timestamp', '1', '-ss', '0.982597', '-i', '/in/input.mp4', '-t', '3.000000']);
    expect(copy.join(' ')).toContain('-c:v copy');
    const exact = EXPORT_TARGETS.trim.ffmpeg(ctx(h264aac, { trim: { start: 1.3, end: 3.8, mode: 'exact' } }));
    expect(exact.join(' ')).toContain('-ss 1.300000 -i /in/input.mp4 -t 2.500000');
    expect(exact.join(' ')).toContain('-c:v libx264');
  });

  test('an export-failed error carries ffmpeg’s last lines without its statistics', () => {
    const lines = [...Array.from({ length: 30 }, (_, i) => `line ${i}`), 'frame=  10 fps=0.0 q=-1.0 size=  0kB', 'size=N/A time=00:00:01.00', 'input.mp4: Invalid data found when processing input'];
    const tail = logTail(lines);
    expect(tail).toHaveLength(20);
    expect(tail.at(-1)).toBe('input.mp4: Invalid data found when processing input');
    expect(tail.some((l) => l.startsWith('frame=') || l.startsWith('size='))).toBe(false);
  });
});
