// Records from Chromium's fake camera and microphone into MP4 and WebM and judges the files with
// native ffprobe/ffmpeg: codecs, one stream of each kind, duration, clean decode.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fetchBlob, launch, openHarness, useHarness } from '../support/browser.mjs';
import { audioSamples, decodeErrors, decodedKeyFrames, frameColours, packets, probe, streamEnd, tempFile } from '../support/media.mjs';

const h = useHarness(before, after);

/** Where the video packets (packets(path, 'v')) leave their largest gap, and how long start() took: for failure messages. */
function videoTrace(vp, info) {
  const v = vp.map((p) => p.pts).sort((a, b) => a - b);
  let at = 0;
  for (let i = 1; i < v.length; i++) if (v[i] - v[i - 1] > v[at + 1] - v[at]) at = i - 1;
  return `video packets ${v.length}, first ${v.slice(0, 3).map((t) => t.toFixed(3)).join(', ')}, largest gap ${(v[at + 1] - v[at]).toFixed(3)} s after ${v[at]?.toFixed(3)} s; start() took ${info.startMs.toFixed(0)} ms; frames in ${info.stats.framesIn}, encoded ${info.stats.framesEncoded}, dropped ${info.stats.framesDropped}`;
}

const cases = [
  { format: 'mp4', video: 'h264', audio: 'aac', formatName: /mp4/ },
  { format: 'webm', video: 'vp9', audio: 'opus', formatName: /matroska|webm/ },
];

describe('recording from camera and microphone', () => {
  for (const c of cases) {
    test(`5 s into ${c.format}: ${c.video} + ${c.audio}, right duration, decodes cleanly`, async () => {
      const info = await h.page.evaluate(({ format }) => recordFor({ format }, 5000), { format: c.format });
      assert.deepEqual(info.errors, []);
      const bytes = await fetchBlob(h.page, 'window.lastFile');
      assert.equal(bytes.length, info.size);
      assert.match(info.fileName, new RegExp(`\\.${c.format}$`));
      const path = tempFile(info.fileName, bytes);
      const meta = probe(path);
      assert.match(meta.format.format_name, c.formatName);
      const video = meta.streams.filter((s) => s.codec_type === 'video');
      const audio = meta.streams.filter((s) => s.codec_type === 'audio');
      assert.equal(video.length, 1, 'one video stream');
      assert.equal(audio.length, 1, 'one audio stream');
      assert.equal(video[0].codec_name, c.video);
      assert.equal(audio[0].codec_name, c.audio);
      // the default preset is 720p
      assert.equal(video[0].width, 1280);
      assert.equal(video[0].height, 720);
      const span = info.spanMs / 1000;
      const duration = Number(meta.format.duration);
      // Read once: the failure messages below are built on every run.
      const vp = packets(path, 'v');
      const ap = packets(path, 'a');
      const firsts = (ps) => ps.map((p) => p.pts).sort((a, b) => a - b).slice(0, 3).map((t) => t.toFixed(3)).join(', ');
      const { syncOffsetMs, audioCaptureLagMs, videoClockOffsetMs, framesIn, framesEncoded } = info.stats;
      assert.ok(
        Math.abs(duration - span) <= 0.1,
        `container duration ${duration} s vs recorded span ${span.toFixed(3)} s (first video packets at ${firsts(vp)} s, audio ${firsts(ap)} s; start took ${info.startMs.toFixed(0)} ms; ${JSON.stringify({ syncOffsetMs, audioCaptureLagMs, videoClockOffsetMs, framesIn, framesEncoded })})`,
      );
      const vEnd = streamEnd(path, 'v');
      const aEnd = streamEnd(path, 'a');
      assert.ok(Math.abs(vEnd - span) <= 0.1, `video ends at ${vEnd} s, span ${span.toFixed(3)} s`);
      assert.ok(Math.abs(aEnd - span) <= 0.1, `audio ends at ${aEnd} s, span ${span.toFixed(3)} s`);
      assert.deepEqual(decodeErrors(path), []);
      // Every key frame is marked as one in the container (a player seeks to those), and there is one
      // about every second (the fragment length: what a crash can cost).
      const marked = vp.filter((p) => p.key).map((p) => p.pts.toFixed(3));
      assert.deepEqual(decodedKeyFrames(path).map((t) => t.toFixed(3)), marked, 'decoded key frames = key frames marked in the container');
      const keyGaps = marked.slice(1).map((t, i) => t - marked[i]);
      assert.ok(Math.max(...keyGaps) <= 1.15, `key frames every ${keyGaps.map((g) => g.toFixed(2)).join(', ')} s (${videoTrace(vp, info)})`);
      assert.equal(info.stats.bytesPending, 0, 'everything stored once saved');
      assert.ok(info.stats.framesEncoded >= 90, `frames encoded: ${info.stats.framesEncoded}`);
    });
  }

  for (const format of ['mp4', 'webm']) {
    test(`${format} from a 30 fps camera: every key frame starts a fragment and is marked as a key frame`, async () => {
      // 30 fps puts a frame just before each whole second (0.9667, 1.9667 …), where a key frame
      // would land inside a fragment instead of starting the next one.
      const info = await h.page.evaluate(async (format) => {
        // Frames written straight into a track (a canvas capture stream depends on the page being
        // rendered, and once delivered a single frame in 5 s on a loaded machine).
        const canvas = new OffscreenCanvas(640, 360);
        const g = canvas.getContext('2d');
        const gen = new MediaStreamTrackGenerator({ kind: 'video' });
        const writer = gen.writable.getWriter();
        let n = 0;
        const timer = setInterval(() => {
          g.fillStyle = `hsl(${(n++ * 7) % 360} 80% 50%)`;
          g.fillRect(0, 0, 640, 360);
          const f = new VideoFrame(canvas, { timestamp: performance.now() * 1000 });
          writer.write(f).catch(() => {});
        }, 1000 / 30);
        const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
        const stream = new MediaStream([gen, ...mic.getAudioTracks()]);
        try {
          return await recordFor({ format, video: { width: 640, height: 360, frameRate: 30 } }, 5000, { stream });
        } finally {
          clearInterval(timer);
          stream.getTracks().forEach((t) => t.stop());
        }
      }, format);
      assert.deepEqual(info.errors, []);
      const path = tempFile(info.fileName, await fetchBlob(h.page, 'window.lastFile'));
      const vp = packets(path, 'v');
      const marked = vp.filter((p) => p.key).map((p) => p.pts.toFixed(3));
      assert.deepEqual(decodedKeyFrames(path).map((t) => t.toFixed(3)), marked, 'decoded key frames = key frames marked in the container');
      const keyGaps = marked.slice(1).map((t, i) => t - marked[i]);
      assert.ok(marked.length >= 4 && Math.max(...keyGaps) <= 1.1, `key frames every ${keyGaps.map((g) => g.toFixed(3)).join(', ')} s (${videoTrace(vp, info)})`);
      assert.deepEqual(decodeErrors(path), []);
    });
  }

  test('a page whose main thread is blocked for 0.9 s loses no audio; levels keep coming', async () => {
    // The microphone's AudioData pass the page on their way to the worker (a track cannot move to a
    // worker here): the track keeps 3 s of them while the page is busy. With 0.2 s kept, this
    // recording had 0.7 s of silence filled where the page was blocked.
    const r = await h.page.evaluate(async () => {
      const sleep = (ms) => new Promise((res) => setTimeout(res, ms));
      const rec = new ipr.Recorder({ format: 'mp4' });
      let levels = 0;
      rec.addEventListener('level', () => levels++);
      await rec.start();
      const t0 = performance.now();
      await sleep(2000);
      const b = performance.now();
      while (performance.now() - b < 900);
      await sleep(2000);
      const spanMs = performance.now() - t0;
      const out = await rec.stop();
      window.lastFile = out.file;
      await out.saved;
      return { spanMs, levels, gapMs: out.stats.audioGapFilledMs, trimmedMs: out.stats.audioTrimmedMs, audioClock: out.audioClock };
    });
    assert.equal(r.audioClock, 'calibrated');
    assert.ok(r.gapMs < 5, `${r.gapMs} ms of silence filled`);
    assert.ok(r.trimmedMs < 5, `${r.trimmedMs} ms trimmed`);
    // 20 a second, over ~4.9 s
    assert.ok(r.levels > 50, `${r.levels} level events`);
    const path = tempFile('blocked.mp4', await fetchBlob(h.page, 'window.lastFile'));
    const aEnd = streamEnd(path, 'a');
    assert.ok(Math.abs(aEnd - r.spanMs / 1000) <= 0.1, `audio ends at ${aEnd} s, span ${(r.spanMs / 1000).toFixed(3)} s`);
    assert.deepEqual(decodeErrors(path), []);
  });

  test('tracks of the given stream disabled mid-recording (track.enabled = false) record silence and black, as MediaRecorder does', async () => {
    // The recorder reads clones of the tracks it is given; a clone's `enabled` is its own, so a page
    // muting its stream this way was still recorded (found by reading, fixed with this test).
    const r = await h.page.evaluate(async () => {
      const sleep = (ms) => new Promise((res) => setTimeout(res, ms));
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
      const rec = new ipr.Recorder({ format: 'mp4' });
      await rec.start(stream);
      const t0 = performance.now();
      await sleep(2500);
      const offAt = (performance.now() - t0) / 1000;
      for (const t of stream.getTracks()) t.enabled = false;
      await sleep(3000);
      const onAt = (performance.now() - t0) / 1000;
      for (const t of stream.getTracks()) t.enabled = true;
      await sleep(2500);
      const out = await rec.stop();
      window.lastFile = out.file;
      await out.saved;
      for (const t of stream.getTracks()) t.stop();
      return { offAt, onAt };
    });
    const path = tempFile('disabled.mp4', await fetchBlob(h.page, 'window.lastFile'));
    assert.deepEqual(decodeErrors(path), []);
    // Audio: the fake microphone beeps every second; nothing while disabled (0.3 s margins).
    const x = audioSamples(path);
    const peak = (from, to) => {
      let p = 0;
      for (let i = Math.max(0, Math.round(from * 48000)); i < Math.min(x.length, Math.round(to * 48000)); i++) p = Math.max(p, Math.abs(x[i]));
      return p;
    };
    const before = peak(0.3, r.offAt - 0.1);
    const muted = peak(r.offAt + 0.3, r.onAt - 0.1);
    const afterOn = peak(r.onAt + 0.3, r.onAt + 2.2);
    assert.ok(before > 0.05 && afterOn > 0.05, `the microphone is heard before (${before.toFixed(3)}) and after (${afterOn.toFixed(3)})`);
    assert.ok(muted < 0.01, `peak ${muted.toFixed(4)} while the track was disabled (${r.offAt.toFixed(2)}-${r.onAt.toFixed(2)} s)`);
    // Video: the fake camera's picture, black while disabled.
    const frames = frameColours(path);
    const luma = (f) => (f.rgb[0] + f.rgb[1] + f.rgb[2]) / 3;
    const dark = frames.filter((f) => f.t > r.offAt + 0.3 && f.t < r.onAt - 0.1);
    const lit = frames.filter((f) => f.t < r.offAt - 0.1 || f.t > r.onAt + 0.5);
    assert.ok(dark.length > 0 && dark.every((f) => luma(f) < 8), `frames while disabled: ${dark.map((f) => luma(f).toFixed(0)).join(' ')}`);
    assert.ok(lit.length > 20 && lit.every((f) => luma(f) > 20), `frames before and after: ${lit.slice(0, 10).map((f) => luma(f).toFixed(0)).join(' ')}…`);
  });

  test('the stored file is what stop() returned, read back from IndexedDB in a fresh page', async () => {
    const info = await h.page.evaluate(() => recordFor({ format: 'mp4' }, 2000));
    // stop() hands the file over first; the last fragment's commit and the record's completion follow.
    const t = info.stopTimings;
    assert.ok(t.assembled <= t.stored && t.stored <= t.committed, `stop timings ${JSON.stringify(t)}`);
    // Page-clock steps: the command reached the worker, and the file reached the page after the worker made it.
    assert.ok(t.commandIn >= 0 && t.commandIn < 1000 && t.inPage >= t.commandIn + t.assembled - 2, `stop timings ${JSON.stringify(t)}`);
    const original = await fetchBlob(h.page, 'window.lastFile');
    const page2 = await openHarness(h.env.context);
    const reread = await page2.evaluate(async (id) => {
      const db = await iprStore.openRecorderDB();
      const chunks = await db.getAll('chunks', iprStore.chunkRange(id));
      const session = await db.get('sessions', id);
      return { count: chunks.length, state: session.state, b64: await blobToBase64(new Blob(chunks.map((c) => c.blob))) };
    }, info.id);
    await page2.close();
    assert.equal(reread.state, 'complete');
    assert.ok(reread.count >= 3, `fragments stored: ${reread.count}`);
    // fragmented MP4 is written in order, so the chunks alone are the file
    assert.ok(Buffer.from(reread.b64, 'base64').equals(original));
  });
});

describe('without MediaStreamTrackProcessor (Firefox, Safari)', () => {
  test('frames come from a <video> element at each requestVideoFrameCallback; the file is right', async () => {
    // This Chromium has the processor; removing it before the library loads takes the fallback path.
    await h.env.context.addInitScript(() => {
      if (new URLSearchParams(location.search).has('no-processor')) delete window.MediaStreamTrackProcessor;
    });
    const p = await openHarness(h.env.context, '/tests/pages/harness.html?no-processor');
    const info = await p.evaluate(() => recordFor({ format: 'mp4' }, 4000));
    assert.equal(info.audioClock, 'estimated');
    assert.ok(info.stats.framesEncoded >= 60, `frames encoded: ${info.stats.framesEncoded}`);
    const path = tempFile('fallback.mp4', await fetchBlob(p, 'window.lastFile'));
    const meta = probe(path);
    assert.deepEqual(meta.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
    assert.ok(Math.abs(Number(meta.format.duration) - info.spanMs / 1000) <= 0.1, `duration ${meta.format.duration} vs span ${info.spanMs} ms`);
    assert.deepEqual(decodeErrors(path), []);
    await p.close();
  });
});

test('Recorder.probe() reports what this browser records', async () => {
  const r = await h.page.evaluate(() => ipr.Recorder.probe());
  // This Chromium: H.264/VP9/VP8/AV1 encoders, Opus but no native AAC (the wasm encoder stands in).
  assert.equal(r.formats.mp4.video, 'h264');
  assert.deepEqual(r.formats.mp4.videoCodecs, ['h264', 'av1', 'vp9']);
  assert.equal(r.formats.mp4.audio, 'aac');
  assert.equal(r.formats.mp4.audioEncoder, 'wasm');
  assert.equal(r.formats.webm.video, 'vp9');
  assert.deepEqual(r.formats.webm.videoCodecs, ['vp9', 'vp8', 'av1']);
  assert.equal(r.formats.webm.audioEncoder, 'native');
  assert.equal(r.capture.trackProcessor, true);
  assert.equal(r.capture.crossOriginIsolated, false);
  assert.ok(r.storage.indexedDB && r.storage.webLocks);
});
