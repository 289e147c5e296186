// Pause removes the paused span from audio and video alike: no hole, no drift between them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fetchBlob, launch, openHarness, useHarness } from '../support/browser.mjs';
import { decodeErrors, packets, probe, streamEnd, tempFile } from '../support/media.mjs';

const h = useHarness(before, after);

for (const format of ['mp4', 'webm']) {
  test(`${format}: 6 s with a 2 s pause gives 4 s, audio and video ending together`, async () => {
    const info = await h.page.evaluate((format) => recordFor({ format }, 4000, { pauseAfter: 2000, pauseFor: 2000 }), format);
    const path = tempFile(info.fileName, await fetchBlob(h.page, 'window.lastFile'));
    const duration = Number(probe(path).format.duration);
    assert.ok(Math.abs(duration - 4) <= 0.15, `file lasts ${duration} s`);
    assert.ok(Math.abs(duration - info.spanMs / 1000) <= 0.1, `file ${duration} s vs span without the pause ${info.spanMs} ms`);
    const vEnd = streamEnd(path, 'v');
    const aEnd = streamEnd(path, 'a');
    assert.ok(Math.abs(vEnd - aEnd) <= 0.05, `video ends ${vEnd} s, audio ${aEnd} s`);
    // No hole where the pause was: frames keep coming at the camera's rate.
    const v = packets(path, 'v').map((p) => p.pts).sort((a, b) => a - b);
    const gaps = v.slice(1).map((t, i) => t - v[i]);
    assert.ok(Math.max(...gaps) < 0.2, `largest gap between frames ${Math.max(...gaps)} s`);
    assert.deepEqual(decodeErrors(path), []);
  });
}
