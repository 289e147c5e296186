// <inpage-recorder> attributes and properties: invalid values warn once and keep the default (never
// throw); valid ones reach the Recorder; names people type are shown as text; strings translate;
// the export area appears only with an export engine and shows progress and cancel.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launch } from '../support/browser.mjs';
import { addElement, elementPage, waitState } from './element-support.mjs';

let env;
before(async () => {
  env = await launch();
});
after(async () => env?.close());

const warnings = (page) => page.logs.filter((l) => l.startsWith('[warning]') && l.includes('<inpage-recorder>'));

/** Records about `ms` through the element's buttons and waits for the playback view. */
async function recordVia(el, page, ms) {
  await el.locator('button.record').click();
  await waitState(page, 'recording', el.id);
  await page.waitForTimeout(ms);
  await el.locator('button.stop').click();
  await el.locator('video.playback').waitFor();
}

describe('<inpage-recorder> attributes', () => {
  test('invalid attribute values log one warning each and keep the defaults', async () => {
    const { context, page } = await elementPage(env.browser);
    try {
      const bad = {
        format: 'avi',
        quality: 'superb',
        resolution: '999p',
        framerate: '0',
        'audio-bitrate': 'loud',
        'max-duration': 'soon',
        'max-size': 'huge',
        'upload-endpoint': 'ftp://example.com/files/',
        countdown: '99',
        'silence-warning': '-1',
        mirror: 'maybe',
        'facing-mode': 'sideways',
      };
      const el = await addElement(page, bad);
      const props = await page.evaluate(async () => {
        const e = document.getElementById('rec');
        // the same bad value again (a re-render) does not warn again
        e.setAttribute('format', 'avi');
        e.requestUpdate();
        await e.updateComplete;
        const o = e.recorder.options;
        return {
          format: e.format,
          quality: e.quality,
          resolution: e.resolution,
          framerate: e.framerate,
          audioBitrate: e.audioBitrate,
          maxDuration: e.maxDuration,
          maxSize: e.maxSize,
          uploadEndpoint: e.uploadEndpoint,
          countdown: e.countdown,
          silenceWarning: e.silenceWarning,
          mirror: e.mirror,
          facingMode: e.facingMode,
          options: { format: o.format, resolution: o.video.resolution, frameRate: o.video.frameRate, quality: o.video.quality, bitrate: o.audio.bitrate, upload: o.upload },
        };
      });
      assert.deepEqual(props, {
        format: 'mp4',
        quality: 'balanced',
        resolution: '720p',
        framerate: 30,
        audioBitrate: 'standard',
        maxDuration: null,
        maxSize: null,
        uploadEndpoint: null,
        countdown: 0,
        silenceWarning: 5,
        mirror: true,
        facingMode: null,
        options: { format: 'mp4', resolution: '720p', frameRate: 30, quality: 'balanced', bitrate: 128000, upload: false },
      });
      const w = warnings(page);
      assert.equal(w.length, Object.keys(bad).length, w.join('\n'));
      for (const [k, v] of Object.entries(bad)) assert.ok(w.some((l) => l.includes(`${k}="${v}"`)), `a warning names ${k}="${v}"`);
      assert.deepEqual(page.logs.filter((l) => l.startsWith('[pageerror]')), []);
      // still works: the defaults record
      await recordVia(el, page, 1000);
    } finally {
      await context.close();
    }
  });

  test('valid values in every accepted form reach the Recorder; properties work too', async () => {
    const { context, page } = await elementPage(env.browser);
    try {
      await addElement(page, { format: 'WebM', quality: 'high', resolution: '480p', framerate: '24', 'audio-bitrate': '96k', 'max-duration': '1:30', 'max-size': '200MB', 'upload-endpoint': '/files/', mirror: 'false', video: 'on' });
      const r = await page.evaluate(async () => {
        const e = document.getElementById('rec');
        const o = e.recorder.options;
        const first = { format: o.format, resolution: o.video.resolution, frameRate: o.video.frameRate, quality: o.video.quality, bitrate: o.audio.bitrate, endpoint: o.upload && o.upload.endpoint, maxDuration: e.maxDuration, maxSize: e.maxSize, mirror: e.mirror };
        e.format = 'bogus'; // a bad property value warns and keeps the default
        e.maxSize = '1.5GB';
        e.audioBitrate = 'voice';
        await e.updateComplete;
        return { first, then: { format: e.format, maxSize: e.maxSize, bitrate: e.recorder.options.audio.bitrate } };
      });
      // the Recorder resolves the endpoint against the page
      assert.match(r.first.endpoint, /^http:\/\/127\.0\.0\.1:\d+\/files\/$/);
      assert.deepEqual({ ...r.first, endpoint: '/files/' }, { format: 'webm', resolution: '480p', frameRate: 24, quality: 'high', bitrate: 96000, endpoint: '/files/', maxDuration: 90, maxSize: 200_000_000, mirror: false });
      assert.deepEqual(r.then, { format: 'mp4', maxSize: 1_500_000_000, bitrate: 64000 });
      assert.equal(warnings(page).length, 1);
    } finally {
      await context.close();
    }
  });

  test('settings changed while previewing reopen the camera with them; Escape cancels the countdown', async () => {
    const { context, page } = await elementPage(env.browser);
    try {
      const el = await addElement(page, { 'no-library': true });
      await el.locator('button.camera-on').click();
      await el.locator('select.picker-video').waitFor();
      await el.locator('details.settings summary').click();
      await el.locator('select.set-resolution').selectOption('480p');
      await el.locator('select.set-format').selectOption('webm');
      await page.waitForFunction(() => {
        const e = document.getElementById('rec');
        return e.recorder.options.video.resolution === '480p' && e.recorder.stream?.getVideoTracks()[0]?.getSettings().height === 480;
      });
      assert.equal(await page.evaluate(() => document.getElementById('rec').format), 'webm');
      await el.locator('select.set-countdown').selectOption('5');
      await el.locator('button.record').click();
      await el.locator('.countdown').waitFor();
      await page.keyboard.press('Escape');
      await el.locator('.countdown').waitFor({ state: 'detached' });
      await page.waitForTimeout(500);
      assert.equal(await page.evaluate(() => document.getElementById('rec').recorder.state), 'idle', 'nothing recorded');
      await el.locator('select.set-countdown').selectOption('0');
      await recordVia(el, page, 1000);
      const stop = await page.evaluate(() => iprEvents.find((e) => e.type === 'ipr-stop').detail);
      const info = await page.evaluate((id) => new ipr.RecordingsLibrary().info(id), stop.id);
      assert.deepEqual([info.format, info.width, info.height], ['webm', 854, 480]);
    } finally {
      await context.close();
    }
  });

  test('a recording name containing HTML is shown as text, and the download name is safe', async () => {
    const { context, page } = await elementPage(env.browser);
    try {
      const el = await addElement(page);
      await recordVia(el, page, 1000);
      const evil = '<img src=x onerror="window.pwned=1"><b>Talk</b>';
      await el.locator('li.item button.rename').click();
      const input = el.locator('li.item input.rename-input');
      await input.fill(evil);
      await input.press('Enter');
      await page.waitForFunction(() => document.getElementById('rec').shadowRoot.querySelector('li.item .name')?.textContent.includes('Talk'));
      const shown = await page.evaluate(() => {
        const item = document.getElementById('rec').shadowRoot.querySelector('li.item');
        return { text: item.querySelector('.name').textContent, imgs: item.querySelectorAll('.info img, .info b').length, pwned: window.pwned ?? null };
      });
      assert.equal(shown.text, evil);
      assert.equal(shown.imgs, 0, 'no markup was created from the name');
      assert.equal(shown.pwned, null);
      const [download] = await Promise.all([page.waitForEvent('download'), el.locator('li.item button.download').click()]);
      const name = download.suggestedFilename();
      assert.doesNotMatch(name, /[<>"/\\]/);
      assert.match(name, /^img src=x onerror= window\.pwned=1 b Talk b \d{4}-\d\d-\d\d \d\d-\d\d-\d\d\.mp4$/);
      const evs = await page.evaluate(() => iprEvents.filter((e) => e.type === 'ipr-rename').map((e) => e.detail.name));
      assert.deepEqual(evs, [evil]);
    } finally {
      await context.close();
    }
  });

  test('strings can be replaced (translation) without losing the others', async () => {
    const { context, page } = await elementPage(env.browser);
    try {
      const el = await addElement(page, { 'no-library': true });
      await page.evaluate(async () => {
        const e = document.getElementById('rec');
        e.strings = { record: 'Aufnehmen', errors: { aborted: 'Abgebrochen.' } };
        await e.updateComplete;
      });
      assert.equal((await el.locator('button.record').innerText()).trim(), 'Aufnehmen');
      assert.equal((await el.locator('button.camera-on').innerText()).trim(), 'Turn on camera');
    } finally {
      await context.close();
    }
  });

  test('export area: hidden without an engine; with one, progress, cancel and a download', async () => {
    const { context, page } = await elementPage(env.browser);
    try {
      const el = await addElement(page, { 'no-library': true });
      await recordVia(el, page, 1000);
      assert.equal(await el.locator('[part=export]').count(), 0, 'no export engine, no export area');
      // A stand-in engine (the real one is ffmpeg.wasm): a copy in ten steps that honours abort.
      await page.evaluate(async () => {
        const e = document.getElementById('rec');
        e.exporter = {
          targets: [{ id: 'copy', label: 'Same file', extension: 'mp4' }],
          async export(file, target, { signal, onProgress }) {
            for (let i = 1; i <= 10; i++) {
              if (signal.aborted) throw new DOMException('cancelled', 'AbortError');
              await new Promise((r) => setTimeout(r, window.exportStepMs ?? 30));
              onProgress(i / 10);
            }
            return new Blob([file], { type: file.type });
          },
        };
        await e.updateComplete;
      });
      await el.locator('button.export-start').click();
      await el.locator('a.export-download').waitFor();
      const [download] = await Promise.all([page.waitForEvent('download'), el.locator('a.export-download').click()]);
      assert.match(download.suggestedFilename(), /\.mp4$/);
      await page.evaluate(() => (window.exportStepMs = 400));
      await el.locator('button.export-start').click();
      await el.locator('[part=export] progress').waitFor();
      await el.locator('button.cancel-export').click();
      await el.locator('.export-note').waitFor();
      assert.match(await el.locator('[part=export]').innerText(), /Export cancelled/);
    } finally {
      await context.close();
    }
  });
});
