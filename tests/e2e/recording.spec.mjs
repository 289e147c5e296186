// Records from Chromium's fake camera and microphone into MP4 and WebM and judges the files with
// native ffprobe/ffmpeg: codecs, one stream of each kind, duration, clean decode.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fetchBlob, launch, openHarness } from '../support/browser.mjs';
import { decodeErrors, probe, streamEnd, tempFile } from '../support/media.mjs';

let env;
let page;
before(async () => {
  env = await launch();
  page = await openHarness(env.context);
});
after(async () => env?.close());

const cases = [
  { format: 'mp4', video: 'h264', audio: 'aac', formatName: /mp4/ },
  { format: 'webm', video: 'vp9', audio: 'opus', formatName: /matroska|webm/ },
];

describe('recording from camera and microphone', () => {
  for (const c of cases) {
    test(`5 s into ${c.format}: ${c.video} + ${c.audio}, right duration, decodes cleanly`, async () => {
      const info = await page.evaluate(({ format }) => recordFor({ format }, 5000), { format: c.format });
      assert.deepEqual(info.errors, []);
      const bytes = await fetchBlob(page, 'window.lastFile');
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
      assert.ok(Math.abs(duration - span) <= 0.1, `container duration ${duration} s vs recorded span ${span.toFixed(3)} s`);
      const vEnd = streamEnd(path, 'v');
      const aEnd = streamEnd(path, 'a');
      assert.ok(Math.abs(vEnd - span) <= 0.1, `video ends at ${vEnd} s, span ${span.toFixed(3)} s`);
      assert.ok(Math.abs(aEnd - span) <= 0.1, `audio ends at ${aEnd} s, span ${span.toFixed(3)} s`);
      assert.deepEqual(decodeErrors(path), []);
      assert.equal(info.stats.bytesPending, 0, 'everything stored at stop');
      assert.ok(info.stats.framesEncoded >= 90, `frames encoded: ${info.stats.framesEncoded}`);
    });
  }

  test('the stored file is what stop() returned, read back from IndexedDB in a fresh page', async () => {
    const info = await page.evaluate(() => recordFor({ format: 'mp4' }, 2000));
    const original = await fetchBlob(page, 'window.lastFile');
    const page2 = await openHarness(env.context);
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
