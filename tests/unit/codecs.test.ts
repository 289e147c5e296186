import { afterEach, describe, expect, it, vi } from 'vitest';
import { VIDEO_CHAINS, avcLevel, chooseVideoEncoder, codecString, probeVideoCodecs, type VideoCodecName } from '../../src/codecs.js';
import { RecorderError } from '../../src/errors.js';

// H.264 Table A-1, written out independently of the source: level_idc, MaxFS (macroblocks per
// frame), MaxMBPS (macroblocks per second). Levels 1b and below 3.0 are omitted; a lower level
// is never required to be chosen for the sizes tested.
const H264_TABLE_A1: [level: number, maxFs: number, maxMbps: number][] = [
  [30, 1620, 40500],
  [31, 3600, 108000],
  [32, 5120, 216000],
  [40, 8192, 245760],
  [41, 8192, 245760],
  [42, 8704, 522240],
  [50, 22080, 589824],
  [51, 36864, 983040],
  [52, 36864, 2073600],
  [60, 139264, 4177920],
  [61, 139264, 8355840],
  [62, 139264, 16711680],
];

// AV1 Annex A.3: seq_level_idx, MaxPicSize (samples), MaxDisplayRate (samples per second).
const AV1_ANNEX_A: [idx: number, maxPic: number, maxRate: number][] = [
  [0, 147456, 4423680],
  [1, 278784, 8363520],
  [4, 665856, 19975680],
  [5, 1065024, 31950720],
  [8, 2359296, 70778880],
  [9, 2359296, 141557760],
  [12, 8912896, 267386880],
  [13, 8912896, 534773760],
  [14, 8912896, 1069547520],
  [15, 8912896, 1069547520],
  [16, 35651584, 1069547520],
  [17, 35651584, 2139095040],
  [18, 35651584, 4278190080],
];

// VP9 levels (webmproject.org/vp9/levels): level, max luma sample rate, max luma picture size.
const VP9_LEVELS: [level: number, maxRate: number, maxPic: number][] = [
  [31, 36864000, 983040],
  [40, 83558400, 2228224],
  [41, 160432128, 2228224],
  [50, 311951360, 8912896],
  [51, 588251136, 8912896],
  [52, 1176502272, 8912896],
  [60, 1176502272, 35651584],
  [61, 2353004544, 35651584],
  [62, 4706009088, 35651584],
];

// Frame sizes and rates reachable through the options (16..7680 x 16..4320, 1..120 fps).
const SIZES: [number, number][] = [
  [320, 240],
  [640, 360],
  [640, 480],
  [854, 480],
  [960, 540],
  [1024, 768],
  [1280, 720],
  [720, 1280],
  [1600, 900],
  [1920, 1080],
  [1080, 1920],
  [2560, 1440],
  [3840, 2160],
  [4096, 2160],
  [7680, 4320],
];
const RATES = [1, 5, 10, 15, 24, 25, 30, 48, 50, 60, 90, 120];

describe('avcLevel', () => {
  it('matches the expected levels for common modes', () => {
    expect(avcLevel(640, 480, 30)).toBe(0x1e);
    expect(avcLevel(1280, 720, 30)).toBe(0x1f);
    expect(avcLevel(1920, 1080, 30)).toBe(0x28);
    expect(avcLevel(1920, 1080, 60)).toBe(0x2a);
    expect(avcLevel(3840, 2160, 30)).toBe(0x33);
  });

  it('checks those levels against Table A-1 by hand', () => {
    // 640x480: 40x30 = 1200 MBs; x30 = 36000 MB/s <= 40500 (3.0).
    // 1280x720: 80x45 = 3600 MBs = MaxFS of 3.1, above 3.0's 1620.
    // 1920x1080: 120x68 = 8160 MBs (1080 rounds up to 68 rows); x30 = 244800 <= 245760 (4.0); above 3.2's 5120.
    // 1920x1080@60: 489600 MB/s > 245760 (4.1) but <= 522240 (4.2).
    // 3840x2160: 240x135 = 32400 MBs > 22080 (5.0), x30 = 972000 <= 983040 (5.1).
    expect(Math.ceil(1080 / 16)).toBe(68);
    expect(120 * 68 * 30).toBeLessThanOrEqual(245760);
    expect(120 * 68 * 60).toBeGreaterThan(245760);
    expect(240 * 135 * 30).toBeLessThanOrEqual(983040);
  });

  it('returns the lowest Table A-1 level (from 3.0) whose MaxFS and MaxMBPS hold the stream', () => {
    for (const [w, h] of SIZES) {
      for (const fps of RATES) {
        const fs = Math.ceil(w / 16) * Math.ceil(h / 16);
        const mbps = fs * fps;
        const fits = H264_TABLE_A1.filter(([, maxFs, maxMbps]) => fs <= maxFs && mbps <= maxMbps);
        expect(fits.length, `${w}x${h}@${fps} fits some level`).toBeGreaterThan(0);
        const lowest = (fits[0] as [number, number, number])[0];
        // level_idc is ten times the level: 0x1f = 31 is level 3.1.
        expect(avcLevel(w, h, fps), `${w}x${h}@${fps}`).toBe(lowest);
      }
    }
  });

  it('rounds partial macroblocks up', () => {
    // 1280x736 is 80x46 = 3680 MBs, more than level 3.1's 3600.
    expect(avcLevel(1280, 736, 30)).toBe(0x20);
    expect(avcLevel(1280, 721, 30)).toBe(0x20);
  });

  it('covers 8K at high frame rates', () => {
    expect(avcLevel(7680, 4320, 30)).toBe(0x3c);
    expect(avcLevel(7680, 4320, 60)).toBe(0x3d);
    expect(avcLevel(7680, 4320, 120)).toBe(0x3e);
  });
});

describe('codecString', () => {
  it('builds H.264 strings from profile and level', () => {
    expect(codecString({ codec: 'h264', profile: 'high' }, 1280, 720, 30)).toBe('avc1.64001f');
    expect(codecString({ codec: 'h264', profile: 'baseline' }, 640, 480, 30)).toBe('avc1.42e01e');
    expect(codecString({ codec: 'h264', profile: 'main' }, 1920, 1080, 30)).toBe('avc1.4d0028');
    expect(codecString({ codec: 'h264', profile: 'high' }, 1920, 1080, 60)).toBe('avc1.64002a');
    expect(codecString({ codec: 'h264', profile: 'high' }, 3840, 2160, 30)).toBe('avc1.640033');
    // No profile means High.
    expect(codecString({ codec: 'h264' }, 1280, 720, 30)).toBe('avc1.64001f');
  });

  it('produces well-formed strings for every codec, size and rate', () => {
    for (const [w, h] of SIZES) {
      for (const fps of RATES) {
        expect(codecString({ codec: 'h264', profile: 'high' }, w, h, fps)).toMatch(/^avc1\.6400[0-9a-f]{2}$/);
        expect(codecString({ codec: 'h264', profile: 'main' }, w, h, fps)).toMatch(/^avc1\.4d00[0-9a-f]{2}$/);
        expect(codecString({ codec: 'h264', profile: 'baseline' }, w, h, fps)).toMatch(/^avc1\.42e0[0-9a-f]{2}$/);
        // av01.<profile>.<level><tier>.<bitDepth>
        expect(codecString({ codec: 'av1' }, w, h, fps)).toMatch(/^av01\.0\.\d{2}M\.08$/);
        // vp09.<profile>.<level>.<bitDepth>
        expect(codecString({ codec: 'vp9' }, w, h, fps)).toMatch(/^vp09\.00\.(10|11|20|21|30|31|40|41|50|51|52|60|61|62)\.08$/);
        expect(codecString({ codec: 'vp8' }, w, h, fps)).toBe('vp8');
      }
    }
  });

  it('gives known AV1 and VP9 strings', () => {
    expect(codecString({ codec: 'av1' }, 1280, 720, 30)).toBe('av01.0.05M.08');
    expect(codecString({ codec: 'av1' }, 1920, 1080, 30)).toBe('av01.0.08M.08');
    expect(codecString({ codec: 'av1' }, 1920, 1080, 60)).toBe('av01.0.09M.08');
    expect(codecString({ codec: 'av1' }, 3840, 2160, 30)).toBe('av01.0.12M.08');
    expect(codecString({ codec: 'vp9' }, 1280, 720, 30)).toBe('vp09.00.31.08');
    expect(codecString({ codec: 'vp9' }, 1920, 1080, 30)).toBe('vp09.00.40.08');
    expect(codecString({ codec: 'vp9' }, 1920, 1080, 60)).toBe('vp09.00.41.08');
    expect(codecString({ codec: 'vp9' }, 3840, 2160, 30)).toBe('vp09.00.50.08');
  });

  it('declares the lowest AV1 level whose picture size and display rate hold the stream', () => {
    for (const [w, h] of SIZES) {
      for (const fps of RATES) {
        const pic = w * h;
        const fit = AV1_ANNEX_A.find(([, maxPic, maxRate]) => pic <= maxPic && pic * fps <= maxRate);
        const idx = Number(/^av01\.0\.(\d{2})M\.08$/.exec(codecString({ codec: 'av1' }, w, h, fps))?.[1]);
        expect(idx, `${w}x${h}@${fps}`).toBe(fit?.[0]);
      }
    }
  });

  it('declares the lowest VP9 level (from 3.1) whose sample rate and picture size hold the stream', () => {
    for (const [w, h] of SIZES) {
      for (const fps of RATES) {
        const pic = w * h;
        const fit = VP9_LEVELS.find(([, maxRate, maxPic]) => pic * fps <= maxRate && pic <= maxPic);
        const level = Number(/^vp09\.00\.(\d{2})\.08$/.exec(codecString({ codec: 'vp9' }, w, h, fps))?.[1]);
        expect(level, `${w}x${h}@${fps}`).toBe(fit?.[0]);
      }
    }
  });
});

describe('VIDEO_CHAINS', () => {
  it('tries H.264 High, Main, Baseline, then AV1, then VP9 for MP4', () => {
    expect(VIDEO_CHAINS.mp4).toEqual([
      { codec: 'h264', profile: 'high' },
      { codec: 'h264', profile: 'main' },
      { codec: 'h264', profile: 'baseline' },
      { codec: 'av1' },
      { codec: 'vp9' },
    ]);
  });
  it('tries VP9, VP8, then AV1 for WebM', () => {
    expect(VIDEO_CHAINS.webm).toEqual([{ codec: 'vp9' }, { codec: 'vp8' }, { codec: 'av1' }]);
  });
});

describe('chooseVideoEncoder', () => {
  // Node has no WebCodecs, so VideoEncoder is the one thing replaced here: a stand-in whose
  // isConfigSupported accepts exactly the codec strings in `accepted` and records every query.
  function stubEncoder(accepted: Iterable<string>, throwing: Iterable<string> = []) {
    const ok = new Set(accepted);
    const bad = new Set(throwing);
    const asked: VideoEncoderConfig[] = [];
    vi.stubGlobal(
      'VideoEncoder',
      class {
        static async isConfigSupported(config: VideoEncoderConfig) {
          asked.push(config);
          if (bad.has(config.codec)) throw new TypeError(`bad codec ${config.codec}`);
          return { supported: ok.has(config.codec), config };
        }
      },
    );
    return asked;
  }
  const base = { width: 1280, height: 720, frameRate: 30, bitrate: (c: VideoCodecName) => (c === 'h264' ? 4_000_000 : 2_800_000) };
  const mp4Chain720 = ['avc1.64001f', 'avc1.4d001f', 'avc1.42e01f', 'av01.0.05M.08', 'vp09.00.31.08'];
  const webmChain720 = ['vp09.00.31.08', 'vp8', 'av01.0.05M.08'];

  async function rejection(p: Promise<unknown>): Promise<RecorderError> {
    try {
      await p;
    } catch (e) {
      expect(e).toBeInstanceOf(RecorderError);
      return e as RecorderError;
    }
    throw new Error('expected a rejection');
  }

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('takes the first rung when it is supported, with a full config', async () => {
    const asked = stubEncoder(mp4Chain720);
    const choice = await chooseVideoEncoder('mp4', base);
    expect(choice.codec).toBe('h264');
    expect(choice.config).toEqual({
      codec: 'avc1.64001f',
      width: 1280,
      height: 720,
      bitrate: 4_000_000,
      framerate: 30,
      latencyMode: 'realtime',
      avc: { format: 'avc' },
    });
    expect(asked.map((c) => c.codec)).toEqual(['avc1.64001f']);
  });

  it('walks the MP4 chain in order until something is accepted', async () => {
    for (let i = 0; i < mp4Chain720.length; i++) {
      const asked = stubEncoder([mp4Chain720[i] as string]);
      const choice = await chooseVideoEncoder('mp4', base);
      expect(asked.map((c) => c.codec)).toEqual(mp4Chain720.slice(0, i + 1));
      expect(choice.config.codec).toBe(mp4Chain720[i]);
      expect(choice.codec).toBe((VIDEO_CHAINS.mp4[i] as { codec: VideoCodecName }).codec);
      vi.unstubAllGlobals();
    }
  });

  it('walks the WebM chain in order, with per-codec bitrates and no avc block', async () => {
    const asked = stubEncoder(['av01.0.05M.08']);
    const choice = await chooseVideoEncoder('webm', base);
    expect(asked.map((c) => c.codec)).toEqual(webmChain720);
    expect(choice.codec).toBe('av1');
    expect(choice.config.bitrate).toBe(2_800_000);
    expect('avc' in choice.config).toBe(false);
  });

  it('treats a throwing isConfigSupported as unsupported and moves on', async () => {
    const asked = stubEncoder(['avc1.4d001f'], ['avc1.64001f']);
    const choice = await chooseVideoEncoder('mp4', base);
    expect(asked.map((c) => c.codec)).toEqual(['avc1.64001f', 'avc1.4d001f']);
    expect(choice.config.codec).toBe('avc1.4d001f');
  });

  it('restricts the chain to `only`', async () => {
    const asked = stubEncoder(['avc1.42e01f', 'vp09.00.31.08']);
    const choice = await chooseVideoEncoder('mp4', base, 'vp9');
    expect(asked.map((c) => c.codec)).toEqual(['vp09.00.31.08']);
    expect(choice.codec).toBe('vp9');

    const asked264 = stubEncoder(['avc1.42e01f', 'vp09.00.31.08']);
    const h264 = await chooseVideoEncoder('mp4', base, 'h264');
    expect(asked264.map((c) => c.codec)).toEqual(['avc1.64001f', 'avc1.4d001f', 'avc1.42e01f']);
    expect(h264.config.codec).toBe('avc1.42e01f');
  });

  it('refuses a codec the container cannot hold without asking the encoder', async () => {
    const asked = stubEncoder(['vp8']);
    const e = await rejection(chooseVideoEncoder('mp4', base, 'vp8'));
    expect(e.code).toBe('codec-unsupported');
    expect(e.message).toContain('vp8');
    expect(e.message).toContain('MP4');
    expect(e.message).toContain('h264, av1, vp9');
    expect(asked).toEqual([]);
    const e2 = await rejection(chooseVideoEncoder('webm', base, 'h264'));
    expect(e2.code).toBe('codec-unsupported');
  });

  it('lists what was tried and what the browser can do when nothing in the chain works', async () => {
    // The browser can only do VP8, which MP4 cannot hold.
    stubEncoder(['vp8']);
    const e = await rejection(chooseVideoEncoder('mp4', base));
    expect(e.code).toBe('codec-unsupported');
    for (const s of mp4Chain720) expect(e.message).toContain(s);
    expect(e.message).toContain('1280x720');
    expect(e.details).toEqual({ tried: mp4Chain720, supported: ['vp8'] });

    stubEncoder([]);
    const none = await rejection(chooseVideoEncoder('webm', base));
    expect(none.code).toBe('codec-unsupported');
    expect(none.details).toEqual({ tried: webmChain720, supported: [] });
    expect(none.message).toContain('nothing at this size');
  });

  it('lists only the tried rungs of a restricted chain', async () => {
    stubEncoder(['vp8']);
    const e = await rejection(chooseVideoEncoder('mp4', base, 'h264'));
    expect(e.details).toEqual({ tried: ['avc1.64001f', 'avc1.4d001f', 'avc1.42e01f'], supported: ['vp8'] });
  });

  it('reports unsupported when there is no VideoEncoder at all', async () => {
    expect(typeof (globalThis as { VideoEncoder?: unknown }).VideoEncoder).toBe('undefined');
    const e = await rejection(chooseVideoEncoder('mp4', base));
    expect(e.code).toBe('unsupported');
    expect(await probeVideoCodecs(1280, 720, 30)).toEqual([]);
  });

  it('probes codec families in a fixed order', async () => {
    stubEncoder(['av01.0.05M.08', 'avc1.42e01f', 'vp8']);
    expect(await probeVideoCodecs(1280, 720, 30)).toEqual(['h264', 'vp8', 'av1']);
  });
});
