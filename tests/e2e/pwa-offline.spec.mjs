// The demo as an offline app: the built demo (`vite build`) served by `vite preview`; after one
// online visit the service worker has precached it, so with the network off the page reloads,
// records 3 s, plays back and downloads, and no request fails.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { preview } from 'vite';
import { launch } from '../support/browser.mjs';
import { decodeErrors, probe } from '../support/media.mjs';

const root = new URL('../..', import.meta.url).pathname;
const outDir = mkdtempSync(join(tmpdir(), 'ipr-demo-'));
let server;
let base;
let env;

before(async () => {
  // Built into a temporary folder, so a build here never races one in dist/.
  execFileSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error'], {
    cwd: root,
    stdio: 'inherit',
    // The test runner's dev server sets NODE_ENV=development, which would build a development bundle.
    env: { ...process.env, NODE_ENV: 'production' },
  });
  server = await preview({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'warn', build: { outDir }, preview: { port: 0, host: '127.0.0.1', strictPort: false } });
  base = server.resolvedUrls.local[0];
  env = await launch();
});
after(async () => {
  await env?.close();
  await server?.close();
});

describe('demo PWA', () => {
  test('manifest and icons are in the build, and the service worker precaches the app', () => {
    const manifest = JSON.parse(readFileSync(join(outDir, 'manifest.webmanifest'), 'utf8'));
    assert.equal(manifest.display, 'standalone');
    assert.ok(manifest.icons.some((i) => i.sizes === '512x512' && i.purpose === 'maskable'));
    for (const i of manifest.icons) assert.ok(readFileSync(join(outDir, i.src)).length > 100, i.src);
    const sw = readFileSync(join(outDir, 'sw.js'), 'utf8');
    for (const f of ['index.html', 'encode-worker-', 'capture-worklet-', 'manifest.webmanifest', 'icon-192.png', 'ffmpeg-core-', 'ffmpeg-worker-']) assert.ok(sw.includes(f), `precached: ${f}`);
    assert.match(sw, /ffmpeg-core-[\w-]+\.wasm/, 'the export engine (single-thread core) is precached');
    assert.doesNotMatch(sw, /ffmpeg-core-mt-/, 'the multi-thread core, never used without cross-origin isolation, is not');
    assert.match(readFileSync(join(outDir, 'index.html'), 'utf8'), /rel="manifest"/);
  });

  test('after one online visit: offline reload, record 3 s, play back, download, export; no request fails', async () => {
    const context = await env.browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    const failed = [];
    page.on('requestfailed', (r) => failed.push(`${r.method()} ${r.url()} ${r.failure()?.errorText}`));
    const logs = [];
    page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
    try {
      await page.goto(base);
      // The worker installs (precaching everything) and takes control of this page.
      await page.waitForFunction(async () => (await navigator.serviceWorker.ready) && !!navigator.serviceWorker.controller, null, { timeout: 30_000 });
      const cached = await page.evaluate(async () => {
        const names = await caches.keys();
        let n = 0;
        for (const c of names) n += (await (await caches.open(c)).keys()).length;
        return n;
      });
      assert.ok(cached >= 8, `precache entries: ${cached}`);

      await context.setOffline(true);
      await page.reload();
      const el = page.locator('inpage-recorder');
      await el.locator('button.record').waitFor();
      assert.equal(await page.evaluate(() => navigator.onLine), false);
      await el.locator('button.record').click();
      await page.waitForFunction(() => document.querySelector('inpage-recorder').recorder.state === 'recording', null, { timeout: 20_000 });
      await page.waitForTimeout(3000);
      await el.locator('button.stop').click();
      await el.locator('video.playback').waitFor();
      await el.locator('button.play-toggle').click();
      await page.waitForFunction(() => document.querySelector('inpage-recorder').shadowRoot.querySelector('video.playback').currentTime > 0.3, null, { timeout: 10_000 });
      const [download] = await Promise.all([page.waitForEvent('download'), el.locator('.result a.download').click()]);
      const path = await download.path();
      const meta = probe(path);
      assert.deepEqual(meta.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
      assert.ok(Math.abs(Number(meta.format.duration) - 3) <= 0.6, `duration ${meta.format.duration}`);
      assert.deepEqual(decodeErrors(path), []);

      // Export with ffmpeg.wasm, offline: the engine comes from the precache.
      await el.locator('select.export-target').selectOption('mp3');
      await el.locator('button.export-start').click();
      await el.locator('a.export-download').waitFor({ timeout: 60_000 });
      const [exported] = await Promise.all([page.waitForEvent('download'), el.locator('a.export-download').click()]);
      const mp3 = probe(await exported.path());
      assert.equal(mp3.format.format_name, 'mp3');
      assert.ok(Math.abs(Number(mp3.format.duration) - Number(meta.format.duration)) <= 0.15, `mp3 lasts ${mp3.format.duration} s`);
      assert.deepEqual(failed, [], 'no request failed');
      assert.deepEqual(logs.filter((l) => l.startsWith('[pageerror]')), []);
    } finally {
      await context.close();
    }
  });
});
