// Bad input and faults: each gives a RecorderError with a stable code (or a TypeError naming the
// option), and none of them loses what was already stored.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fetchBlob, launch, openHarness, useHarness } from '../support/browser.mjs';
import { decodeErrors, probe, tempFile } from '../support/media.mjs';

const h = useHarness(before, after);

/** Runs fn in the page and returns { name, code, message } of what it threw (or null). */
const thrown = (fn, arg) =>
  h.page.evaluate(
    async ({ src, arg }) => {
      try {
        await eval(src)(arg);
        return null;
      } catch (e) {
        return { name: e.name, code: e.code ?? null, message: e.message, details: e.details ?? null };
      }
    },
    { src: fn.toString(), arg },
  );

describe('bad options', () => {
  const bad = [
    [{ format: 'avi' }, 'options.format'],
    [{ video: { frameRate: 0 } }, 'options.video.frameRate'],
    [{ video: { frameRate: '30' } }, 'options.video.frameRate'],
    [{ video: { resolution: '8k' } }, 'options.video.resolution'],
    [{ video: { width: 641, height: 480 } }, 'options.video.width'],
    [{ audio: { bitrate: 'loud' } }, 'options.audio.bitrate'],
    [{ audio: { channels: 3 } }, 'options.audio.channels'],
    [{ video: { fps: 30 } }, 'options.video.fps'],
    [{ video: false, audio: false }, 'options.video'],
  ];
  for (const [options, path] of bad) {
    test(`${JSON.stringify(options)} → TypeError naming ${path}`, async () => {
      const e = await thrown((o) => new ipr.Recorder(o), options);
      assert.equal(e?.name, 'TypeError');
      assert.ok(e.message.includes(path), e.message);
    });
  }
  test('start(stream) with something that is not a MediaStream → TypeError', async () => {
    const e = await thrown(() => new ipr.Recorder().start({}));
    assert.equal(e?.name, 'TypeError');
    assert.match(e.message, /MediaStream/);
  });
});

describe('codecs', () => {
  test('a codec the container cannot hold is refused before anything starts', async () => {
    const e = await thrown(async () => {
      const r = new ipr.Recorder({ format: 'mp4', video: { codec: 'vp8' } });
      try {
        await r.start();
      } finally {
        window.stateAfter = r.state;
      }
    });
    assert.equal(e?.code, 'codec-unsupported');
    assert.match(e.message, /vp8.*MP4/i);
    assert.equal(await h.page.evaluate(() => window.stateAfter), 'idle');
  });
  test('a size no encoder takes: codec-unsupported listing what this browser can do', async () => {
    const e = await thrown(async () => {
      // H.264 tops out at level 5.2 (4096x2304): an 8K H.264 encode is refused by every profile.
      const canvas = Object.assign(document.createElement('canvas'), { width: 16, height: 16 });
      const ctx = canvas.getContext('2d');
      const timer = setInterval(() => ctx.fillRect(0, 0, 16, 16), 30);
      try {
        await new ipr.Recorder({ format: 'mp4', audio: false, video: { codec: 'h264', width: 7680, height: 4320, frameRate: 60 } }).start(canvas.captureStream(30));
      } finally {
        clearInterval(timer);
      }
    });
    assert.equal(e?.code, 'codec-unsupported');
    assert.match(e.message, /can encode/);
    assert.ok(Array.isArray(e.details?.tried) && e.details.tried.length >= 3, JSON.stringify(e.details));
  });
});

describe('devices', () => {
  test('no camera matching the request → no-device', async () => {
    const e = await thrown(() => new ipr.Recorder({ video: { deviceId: 'no-such-camera' } }).start());
    assert.equal(e?.code, 'no-device');
  });
  test('a stream without the audio the options ask for → no-device', async () => {
    const e = await thrown(async () => {
      const s = await navigator.mediaDevices.getUserMedia({ video: true });
      await new ipr.Recorder().start(s);
    });
    assert.equal(e?.code, 'no-device');
    assert.match(e.message, /audio/);
  });
  test('device busy → device-busy', async () => {
    // Chromium's fake devices cannot be made busy, so getUserMedia is replaced by one that fails as a
    // busy camera does (NotReadableError): the mapping to a code and message is what is under test.
    const e = await thrown(async () => {
      const real = navigator.mediaDevices.getUserMedia;
      navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Could not start video source', 'NotReadableError'));
      try {
        await new ipr.Recorder().start();
      } finally {
        navigator.mediaDevices.getUserMedia = real;
      }
    });
    assert.equal(e?.code, 'device-busy');
    assert.match(e.message, /another application/);
  });
  test('permission denied → permission-denied', async () => {
    const denied = await launch({ without: ['--use-fake-ui-for-media-stream'], flags: ['--deny-permission-prompts'] });
    try {
      const p = await openHarness(denied.context);
      const e = await p.evaluate(async () => {
        try {
          await new ipr.Recorder().start();
          return null;
        } catch (err) {
          return { code: err.code, message: err.message };
        }
      });
      assert.equal(e?.code, 'permission-denied');
      assert.match(e.message, /address bar/);
    } finally {
      await denied.close();
    }
  });
});

describe('state', () => {
  test('start() while recording → invalid-state; the recording goes on and is kept', async () => {
    const r = await h.page.evaluate(async () => {
      const rec = new ipr.Recorder();
      await rec.start();
      let code = null;
      try {
        await rec.start();
      } catch (e) {
        code = e.code;
      }
      const state = rec.state;
      await new Promise((r) => setTimeout(r, 1000));
      const out = await rec.stop();
      return { code, state, duration: out.durationMs };
    });
    assert.equal(r.code, 'invalid-state');
    assert.equal(r.state, 'recording');
    assert.ok(r.duration > 900);
  });
  test('stop() twice is harmless: both calls give the same recording', async () => {
    const r = await h.page.evaluate(async () => {
      const rec = new ipr.Recorder();
      await rec.start();
      await new Promise((r) => setTimeout(r, 1000));
      const [a, b] = await Promise.all([rec.stop(), rec.stop()]);
      const c = await rec.stop();
      return { same: a === b && b === c, state: rec.state };
    });
    assert.ok(r.same);
    assert.equal(r.state, 'stopped');
  });
  test('stop() before start() → invalid-state', async () => {
    const e = await thrown(() => new ipr.Recorder().stop());
    assert.equal(e?.code, 'invalid-state');
  });
  test('a track that ends mid-recording stops the recording cleanly and keeps the file', async () => {
    const r = await h.page.evaluate(async () => {
      // A generated video track ends for real when its writer closes (as an unplugged camera does).
      const gen = new MediaStreamTrackGenerator({ kind: 'video' });
      const writer = gen.writable.getWriter();
      const canvas = new OffscreenCanvas(320, 240);
      const g = canvas.getContext('2d');
      let n = 0;
      const timer = setInterval(() => {
        g.fillStyle = n++ % 2 ? '#333' : '#ccc';
        g.fillRect(0, 0, 320, 240);
        const f = new VideoFrame(canvas, { timestamp: performance.now() * 1000 });
        writer.write(f).catch(() => {});
      }, 33);
      const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
      const rec = new ipr.Recorder({ format: 'webm' });
      const errors = [];
      rec.addEventListener('error', (e) => errors.push(e.detail.code));
      const stopped = new Promise((res) => rec.addEventListener('stop', (e) => res(e.detail)));
      await rec.start(new MediaStream([gen, ...mic.getAudioTracks()]));
      await new Promise((r) => setTimeout(r, 2000));
      clearInterval(timer);
      await writer.close();
      const out = await Promise.race([stopped, new Promise((r) => setTimeout(() => r(null), 5000))]);
      if (out) window.lastFile = out.file;
      return { errors, state: rec.state, duration: out?.durationMs ?? null };
    });
    assert.deepEqual(r.errors, ['track-ended']);
    assert.equal(r.state, 'stopped');
    assert.ok(r.duration > 1500 && r.duration < 3000, `kept ${r.duration} ms`);
    const path = tempFile('ended.webm', await fetchBlob(h.page, 'window.lastFile'));
    assert.ok(Number(probe(path).format.duration) > 1.5);
    assert.deepEqual(decodeErrors(path), []);
  });
});
