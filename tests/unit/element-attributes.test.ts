import { afterEach, describe, expect, test, vi } from 'vitest';
import { normalizeOption, parseAudioBitrate, parseBool, parseBytes, parseSeconds } from '../../src/element/attributes.js';
import { downloadName, formatBytes, formatDuration } from '../../src/element/format.js';
import { defaultStrings, mergeStrings } from '../../src/element/strings.js';

afterEach(() => vi.restoreAllMocks());

describe('element attribute parsing', () => {
  test('seconds, sizes, bitrates and booleans in the forms people write', () => {
    expect(['90', '90s', '1.5m', '1:30', '1h'].map(parseSeconds)).toEqual([90, 90, 90, 90, 3600]);
    expect(parseSeconds('')).toBeNull();
    expect(['soon', '-1', '0', '1:75'].map(parseSeconds)).toEqual([undefined, undefined, undefined, undefined]);
    expect(['1000', '200MB', '1.5GB', '64MiB', '500 kb'].map(parseBytes)).toEqual([1000, 200e6, 1.5e9, 64 * 1024 ** 2, 500e3]);
    expect(parseBytes('huge')).toBeUndefined();
    expect(['voice', '96k', '128000', 'HIGH'].map(parseAudioBitrate)).toEqual(['voice', 96000, 128000, 'high']);
    expect(['5k', '999999', 'loud'].map(parseAudioBitrate)).toEqual([undefined, undefined, undefined]);
    expect(['', 'true', 'on', 'false', 'off', 'maybe'].map(parseBool)).toEqual([true, true, true, false, false, undefined]);
  });

  test('an invalid value warns once and yields the default; parsing never throws', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const warned = new Set<string>();
    expect(normalizeOption('format', 'avi', warned)).toBe('mp4');
    expect(normalizeOption('format', 'avi', warned)).toBe('mp4');
    expect(normalizeOption('framerate', {}, warned)).toBe(30);
    expect(normalizeOption('maxSize', Symbol.iterator, warned)).toBeNull();
    expect(normalizeOption('format', 'WEBM', warned)).toBe('webm');
    expect(normalizeOption('resolution', null, warned)).toBe('720p');
    expect(warn).toHaveBeenCalledTimes(3);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/format="avi" is not valid \(expected mp4 or webm\); using the default \(mp4\)/);
  });
});

describe('element formatting', () => {
  test('durations, sizes and download names', () => {
    expect([0, 5_400, 65_000, 3_723_000].map(formatDuration)).toEqual(['0:00', '0:05', '1:05', '1:02:03']);
    expect([999, 1500, 12_345_678, 2.5e9].map(formatBytes)).toEqual(['999 B', '1.5 kB', '12 MB', '2.5 GB']);
    const at = new Date(2024, 4, 1, 14, 3, 7).getTime();
    expect(downloadName('My talk', at, 'mp4')).toBe('My talk 2024-05-01 14-03-07.mp4');
    expect(downloadName('Recording 5/1/2024, 2:03:07 PM', at, 'webm')).toBe('Recording 2024-05-01 14-03-07.webm');
    expect(downloadName('../a<b>:c', at, 'mp4')).toBe('a b c 2024-05-01 14-03-07.mp4');
    expect(downloadName('   ', at, 'mp4')).toBe('Recording 2024-05-01 14-03-07.mp4');
  });

  test('replacement strings merge over the defaults one level deep', () => {
    const s = mergeStrings({ record: 'Aufnehmen', errors: { aborted: 'Abgebrochen.' } });
    expect(s.record).toBe('Aufnehmen');
    expect(s.stop).toBe(defaultStrings.stop);
    expect(s.errors.aborted).toBe('Abgebrochen.');
    expect(s.errors['permission-denied']).toBe(defaultStrings.errors['permission-denied']);
  });
});
