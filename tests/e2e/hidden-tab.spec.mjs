// Recording goes on correctly while its tab is in the background: the page is really hidden
// (another tab brought to the front, so `visibilityState` is 'hidden', timers are throttled and
// requestAnimationFrame stops), and the file must still have every second of video and audio,
// frames at the camera's rate with no hole, and audio and video ending together.
// Chromium runs as its own process here, and Playwright is disconnected while the tab is in the
// background: a page Playwright is attached to is never hidden, whatever happens to other tabs.
// Tabs are switched through the DevTools HTTP endpoints, which attach nothing to the page.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { baseUrl, fetchBlob } from '../support/browser.mjs';
import { startChrome } from '../support/chrome-process.mjs';
import { decodeErrors, packets, probe, streamEnd, tempFile } from '../support/media.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('hidden tab', () => {
  let profile;
  let chrome;
  before(async () => {
    profile = mkdtempSync(join(tmpdir(), 'ipr-hidden-'));
    chrome = await startChrome(profile);
    await chrome.browser.close(); // each test connects when it needs to, and disconnects to hide the tab
  });
  after(async () => {
    await chrome?.close();
    await chrome?.kill();
    rmSync(profile, { recursive: true, force: true });
  });

  const devtools = (path) => fetch(`http://127.0.0.1:${chrome.port}/json/${path}`, { method: 'PUT' });

  for (const format of ['mp4', 'webm']) {
    test(`${format}: 8 s of recording, 5 s of it in a background tab, keeps every second in sync`, async () => {
      let browser = await chromium.connectOverCDP(`http://127.0.0.1:${chrome.port}`);
      // The tab Chromium opened at launch (a page Playwright creates is a window of its own, and
      // would stay visible whichever tab of another window is in front).
      let page = browser.contexts()[0].pages()[0];
      await page.goto(baseUrl() + '/tests/pages/harness.html');
      await page.waitForFunction(() => window.harnessReady === true, null, { timeout: 30_000 });
      const { targetInfo } = await (await browser.contexts()[0].newCDPSession(page)).send('Target.getTargetInfo');
      await page.evaluate(() => {
        window.visibility = [];
        document.addEventListener('visibilitychange', () => window.visibility.push({ state: document.visibilityState, at: performance.now() }));
        // A 50 ms timer, to show the throttling the tab was under.
        window.ticks = [];
        setInterval(() => window.ticks.push(performance.now()), 50);
      });
      await page.evaluate((format) => startRecording({ format }), format);
      const t0 = Date.now();
      await sleep(1500);
      await browser.close(); // disconnects; Chromium and the recording go on
      browser = null;
      const other = await (await devtools('new?about:blank')).json();
      await devtools(`activate/${other.id}`);
      await sleep(5000);
      await devtools(`activate/${targetInfo.targetId}`);
      await sleep(1500);
      try {
        browser = await chromium.connectOverCDP(`http://127.0.0.1:${chrome.port}`);
        page = browser.contexts()[0].pages().find((p) => p.url().includes('/tests/pages/harness.html'));
        const recordedS = (Date.now() - t0) / 1000;
        const info = await page.evaluate(async () => {
          const r = await window.rec.stop();
          window.lastFile = r.file;
          const hidden = window.visibility.find((v) => v.state === 'hidden');
          const shown = window.visibility.find((v) => v.state === 'visible' && v.at > (hidden?.at ?? Infinity));
          const ticksHidden = hidden && shown ? window.ticks.filter((t) => t > hidden.at && t < shown.at).length : null;
          return { fileName: r.file.name, errors: window.recErrors, hiddenMs: hidden && shown ? shown.at - hidden.at : 0, ticksHidden };
        });

        // The tab really was hidden and throttled (else this test proves nothing).
        assert.ok(info.hiddenMs >= 4000, `hidden for ${info.hiddenMs} ms`);
        assert.ok(info.ticksHidden < info.hiddenMs / 50 / 4, `a 50 ms timer ran ${info.ticksHidden} times in ${info.hiddenMs} ms hidden: not throttled`);
        assert.deepEqual(info.errors, []);

        const path = tempFile(info.fileName, await fetchBlob(page, 'window.lastFile'));
        const duration = Number(probe(path).format.duration);
        assert.ok(Math.abs(duration - recordedS) <= 0.8, `file lasts ${duration} s of ${recordedS} s recorded`);
        const v = packets(path, 'v').map((p) => p.pts).sort((a, b) => a - b);
        const gaps = v.slice(1).map((t, i) => t - v[i]);
        assert.ok(Math.max(...gaps) < 0.2, `largest gap between frames ${Math.max(...gaps)} s`);
        // Chromium's fake camera: 20 fps (allow for a slow machine, not for a stopped pipeline)
        assert.ok(v.length >= 0.75 * 20 * duration, `${v.length} frames in ${duration} s`);
        const aEnd = streamEnd(path, 'a');
        const vEnd = streamEnd(path, 'v');
        assert.ok(Math.abs(aEnd - vEnd) <= 0.1, `video ends ${vEnd} s, audio ${aEnd} s`);
        const a = packets(path, 'a').sort((x, y) => x.pts - y.pts);
        // (ffprobe gives no duration for the first AAC packet, the encoder's priming: skipped)
        const audioHoles = a.slice(1).map((p, i) => ({ at: p.pts, gap: p.pts - (a[i].pts + a[i].duration) })).filter((h, i) => a[i].duration > 0 && h.gap > 0.005);
        assert.deepEqual(audioHoles, [], `audio is continuous (${path})`);
        assert.deepEqual(decodeErrors(path), []);
        await devtools(`close/${other.id}`);
        await page.goto('about:blank');
      } finally {
        await browser?.close();
      }
    });
  }
});
