import { describe, expect, it } from 'vitest';
import { AudioQualities, Qualities, resolutionOf, resolveOptions, videoBitrate, type Quality } from '../../src/options.js';

/** Asserts that resolving `input` throws a TypeError whose message starts with the option's path. */
function expectInvalid(input: unknown, path: string): void {
  let error: unknown;
  try {
    resolveOptions(input);
  } catch (e) {
    error = e;
  }
  expect(error, `${JSON.stringify(input)} should be refused`).toBeInstanceOf(TypeError);
  const message = (error as TypeError).message;
  // The path must be named exactly: followed by a space, not by more path segments.
  expect(message.startsWith(`${path} `), `message "${message}" should name ${path}`).toBe(true);
}

describe('resolveOptions defaults', () => {
  it('fills every default when called without options', () => {
    const r = resolveOptions();
    expect(r).toEqual({
      format: 'mp4',
      name: undefined,
      statsInterval: 1000,
      storageWarningMinutes: 5,
      upload: false,
      video: {
        resolution: '720p',
        width: undefined,
        height: undefined,
        frameRate: 30,
        deviceId: undefined,
        facingMode: undefined,
        codec: undefined,
        quality: 'balanced',
        bitrate: undefined,
        keyframeInterval: 1,
        maxQueueSeconds: 0.75,
      },
      audio: {
        deviceId: undefined,
        bitrate: 128_000,
        channels: undefined,
        echoCancellation: true,
        noiseSuppression: true,
        autoGainControl: true,
      },
    });
  });

  it('treats an empty object like no options', () => {
    expect(resolveOptions({})).toEqual(resolveOptions());
  });

  it('keeps valid values the caller gave', () => {
    const r = resolveOptions({
      format: 'webm',
      name: 'Take 1',
      statsInterval: 250,
      video: { resolution: '1080p', width: 1920, height: 1080, frameRate: 60, deviceId: 'cam', facingMode: 'environment', codec: 'vp9', quality: 'ultra', bitrate: 5_000_000, keyframeInterval: 2, maxQueueSeconds: 1 },
      audio: { deviceId: 'mic', bitrate: 96_000, channels: 2, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    });
    expect(r.format).toBe('webm');
    expect(r.name).toBe('Take 1');
    expect(r.statsInterval).toBe(250);
    expect(r.video).toEqual({
      resolution: '1080p',
      width: 1920,
      height: 1080,
      frameRate: 60,
      deviceId: 'cam',
      facingMode: 'environment',
      codec: 'vp9',
      quality: 'ultra',
      bitrate: 5_000_000,
      keyframeInterval: 2,
      maxQueueSeconds: 1,
    });
    expect(r.audio).toEqual({ deviceId: 'mic', bitrate: 96_000, channels: 2, echoCancellation: false, noiseSuppression: false, autoGainControl: false });
  });

  it('allows one of audio and video to be false', () => {
    const audioOnly = resolveOptions({ video: false });
    expect(audioOnly.video).toBe(false);
    expect(audioOnly.audio).not.toBe(false);
    const videoOnly = resolveOptions({ audio: false });
    expect(videoOnly.audio).toBe(false);
    expect(videoOnly.video).not.toBe(false);
  });

  it('maps audio bitrate presets to bits per second', () => {
    const bitrate = (b: unknown) => {
      const a = resolveOptions({ audio: { bitrate: b } }).audio;
      if (!a) throw new Error('audio missing');
      return a.bitrate;
    };
    expect(bitrate('voice')).toBe(64_000);
    expect(bitrate('standard')).toBe(128_000);
    expect(bitrate('high')).toBe(192_000);
    expect(AudioQualities).toEqual({ voice: 64_000, standard: 128_000, high: 192_000 });
    expect(bitrate(6_000)).toBe(6_000);
    expect(bitrate(510_000)).toBe(510_000);
  });

  it('accepts the bounds of numeric ranges', () => {
    const r = resolveOptions({ statsInterval: 50, video: { width: 16, height: 16, frameRate: 1, keyframeInterval: 0.1, maxQueueSeconds: 0.05, bitrate: 50_000 } });
    expect(r.statsInterval).toBe(50);
    const v = r.video;
    if (!v) throw new Error('video missing');
    expect([v.width, v.height, v.frameRate, v.keyframeInterval, v.maxQueueSeconds, v.bitrate]).toEqual([16, 16, 1, 0.1, 0.05, 50_000]);
    const top = resolveOptions({ statsInterval: 60_000, video: { width: 7680, height: 4320, frameRate: 120, keyframeInterval: 10, maxQueueSeconds: 5, bitrate: 200_000_000 } });
    expect(top.video && [top.video.width, top.video.height, top.video.frameRate]).toEqual([7680, 4320, 120]);
  });
});

describe('resolveOptions validation', () => {
  it('refuses a non-object', () => {
    for (const bad of [null, 42, 'mp4', [], true]) {
      expect(() => resolveOptions(bad)).toThrow(TypeError);
    }
    expect(() => resolveOptions(42)).toThrow(/^options must be an object/);
  });

  it('refuses unknown keys at every level, naming them', () => {
    expectInvalid({ fromat: 'mp4' }, 'options.fromat');
    expectInvalid({ video: { fps: 30 } }, 'options.video.fps');
    expectInvalid({ audio: { volume: 1 } }, 'options.audio.volume');
  });

  it('refuses bad top-level values', () => {
    expectInvalid({ format: 'mkv' }, 'options.format');
    expectInvalid({ format: 4 }, 'options.format');
    expectInvalid({ statsInterval: 10 }, 'options.statsInterval');
    expectInvalid({ statsInterval: 60_001 }, 'options.statsInterval');
    expectInvalid({ statsInterval: '1000' }, 'options.statsInterval');
    expectInvalid({ name: 7 }, 'options.name');
  });

  it('refuses video and audio that are neither objects nor false', () => {
    expectInvalid({ video: true }, 'options.video');
    expectInvalid({ video: 'hd' }, 'options.video');
    expectInvalid({ video: [] }, 'options.video');
    expectInvalid({ audio: true }, 'options.audio');
    expectInvalid({ audio: 1 }, 'options.audio');
  });

  it('refuses both audio and video false', () => {
    expect(() => resolveOptions({ audio: false, video: false })).toThrow(TypeError);
    expect(() => resolveOptions({ audio: false, video: false })).toThrow(/options\.video and options\.audio/);
  });

  const videoCases: [string, unknown][] = [
    ['resolution', '360p'],
    ['resolution', 720],
    ['frameRate', 0],
    ['frameRate', 121],
    ['frameRate', Number.NaN],
    ['frameRate', Number.POSITIVE_INFINITY],
    ['frameRate', '30'],
    ['deviceId', 5],
    ['facingMode', 'front'],
    ['codec', 'h265'],
    ['codec', 'avc'],
    ['quality', 'best'],
    ['bitrate', 49_999],
    ['bitrate', 200_000_001],
    ['bitrate', 1_000_000.5],
    ['keyframeInterval', 0.05],
    ['keyframeInterval', 11],
    ['maxQueueSeconds', 0.01],
    ['maxQueueSeconds', 6],
  ];
  it.each(videoCases)('refuses video.%s = %s', (key, value) => {
    expectInvalid({ video: { [key]: value } }, `options.video.${key}`);
  });

  it('refuses bad frame sizes', () => {
    expectInvalid({ video: { width: 1280 } }, 'options.video.width');
    expectInvalid({ video: { height: 720 } }, 'options.video.width');
    expectInvalid({ video: { width: 1281, height: 720 } }, 'options.video.width');
    expectInvalid({ video: { width: 1280, height: 721 } }, 'options.video.width');
    expectInvalid({ video: { width: 8, height: 720 } }, 'options.video.width');
    expectInvalid({ video: { width: 7682, height: 720 } }, 'options.video.width');
    expectInvalid({ video: { width: 640.5, height: 480 } }, 'options.video.width');
    expectInvalid({ video: { width: 1280, height: 4322 } }, 'options.video.height');
    expectInvalid({ video: { width: 1280, height: 14 } }, 'options.video.height');
  });

  const audioCases: [string, unknown][] = [
    ['bitrate', 'loud'],
    ['bitrate', 5_999],
    ['bitrate', 510_001],
    ['bitrate', 64_000.5],
    ['bitrate', true],
    ['channels', 3],
    ['channels', 0],
    ['channels', '2'],
    ['echoCancellation', 'yes'],
    ['noiseSuppression', 1],
    ['autoGainControl', null],
    ['deviceId', {}],
  ];
  it.each(audioCases)('refuses audio.%s = %s', (key, value) => {
    expectInvalid({ audio: { [key]: value } }, `options.audio.${key}`);
  });

  it('quotes the refused value in the message', () => {
    expect(() => resolveOptions({ video: { frameRate: 500 } })).toThrow(/options\.video\.frameRate must be a number from 1 to 120 \(got 500\)/);
    expect(() => resolveOptions({ format: 'avi' })).toThrow(/\(got "avi"\)/);
  });
});

describe('videoBitrate', () => {
  const sizes: [number, number][] = [
    [640, 360],
    [854, 480],
    [1280, 720],
    [1920, 1080],
    [3840, 2160],
  ];

  it('is exact for the presets at 30 fps in H.264', () => {
    expect(videoBitrate('balanced', 1280, 720, 30, 'h264')).toBe(4_000_000);
    expect(videoBitrate('fast', 854, 480, 30, 'h264')).toBe(1_000_000);
    expect(videoBitrate('high', 1920, 1080, 30, 'h264')).toBe(9_000_000);
    expect(videoBitrate('ultra', 3840, 2160, 30, 'h264')).toBe(45_000_000);
  });

  it('rises strictly with quality', () => {
    for (const [w, h] of sizes) {
      for (const codec of ['h264', 'vp9', 'vp8', 'av1'] as const) {
        const rates = Qualities.map((q: Quality) => videoBitrate(q, w, h, 30, codec));
        for (let i = 1; i < rates.length; i++) expect(rates[i]).toBeGreaterThan(rates[i - 1] as number);
      }
    }
  });

  it('scales with pixel count within a preset', () => {
    // 1280x720 and 1120x630 both belong to the 720p preset.
    const full = videoBitrate('balanced', 1280, 720, 30, 'h264');
    const smaller = videoBitrate('balanced', 1120, 630, 30, 'h264');
    expect(smaller).toBe(Math.round((4_000_000 * (1120 * 630)) / (1280 * 720) / 1000) * 1000);
    expect(smaller).toBeLessThan(full);
  });

  it('grows from one preset to the next', () => {
    for (const q of Qualities) {
      for (let i = 1; i < sizes.length; i++) {
        const [w0, h0] = sizes[i - 1] as [number, number];
        const [w1, h1] = sizes[i] as [number, number];
        expect(videoBitrate(q, w1, h1, 30, 'h264')).toBeGreaterThan(videoBitrate(q, w0, h0, 30, 'h264'));
      }
    }
  });

  it('scales with frame rate, sub-linearly', () => {
    const at = (fps: number) => videoBitrate('balanced', 1280, 720, fps, 'h264');
    expect(at(15)).toBeLessThan(at(24));
    expect(at(24)).toBeLessThan(at(30));
    expect(at(30)).toBeLessThan(at(60));
    expect(at(60)).toBe(Math.round((4_000_000 * Math.pow(2, 0.75)) / 1000) * 1000);
    expect(at(60)).toBeLessThan(2 * at(30));
    expect(at(15)).toBeGreaterThan(at(30) / 2);
  });

  it('gives VP9 and AV1 less than H.264, VP8 the same', () => {
    for (const [w, h] of sizes) {
      for (const q of Qualities) {
        const h264 = videoBitrate(q, w, h, 30, 'h264');
        expect(videoBitrate(q, w, h, 30, 'vp9')).toBeLessThan(h264);
        expect(videoBitrate(q, w, h, 30, 'av1')).toBeLessThan(h264);
        expect(videoBitrate(q, w, h, 30, 'vp8')).toBe(h264);
      }
    }
    expect(videoBitrate('balanced', 1280, 720, 30, 'vp9')).toBe(2_800_000);
  });

  it('returns whole kilobits', () => {
    expect(videoBitrate('balanced', 1000, 562, 25, 'av1') % 1000).toBe(0);
  });
});

describe('resolutionOf', () => {
  it('classifies by the shorter side', () => {
    expect(resolutionOf(640, 360)).toBe('480p');
    expect(resolutionOf(854, 480)).toBe('480p');
    expect(resolutionOf(960, 540)).toBe('480p');
    expect(resolutionOf(960, 542)).toBe('720p');
    expect(resolutionOf(1280, 720)).toBe('720p');
    expect(resolutionOf(1422, 800)).toBe('720p');
    expect(resolutionOf(1424, 802)).toBe('1080p');
    expect(resolutionOf(1920, 1080)).toBe('1080p');
    expect(resolutionOf(2134, 1200)).toBe('1080p');
    expect(resolutionOf(2560, 1440)).toBe('4k');
    expect(resolutionOf(3840, 2160)).toBe('4k');
  });

  it('ignores orientation', () => {
    expect(resolutionOf(720, 1280)).toBe('720p');
    expect(resolutionOf(1080, 1920)).toBe('1080p');
    expect(resolutionOf(480, 854)).toBe('480p');
  });
});
