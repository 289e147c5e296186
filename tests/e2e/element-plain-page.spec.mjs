// "Drop into any page": examples/plain.html — one <script type="module"> of the library build and
// one <inpage-recorder> tag — served as is by a static server that knows nothing about the project,
// records, plays back and downloads a file that ffprobe accepts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { launch } from '../support/browser.mjs';
import { decodeErrors, probe } from '../support/media.mjs';
import { serveStatic } from '../support/static-server.mjs';

const root = new URL('../..', import.meta.url).pathname;
let server;
let env;

before(async () => {
  // The site mirrors the repository layout the example expects: examples/ beside dist/lib/.
  const site = mkdtempSync(join(tmpdir(), 'ipr-plain-'));
  execFileSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--mode', 'lib', '--outDir', join(site, 'dist/lib'), '--emptyOutDir', '--logLevel', 'error'], {
    cwd: root,
    stdio: 'inherit',
    // The test runner's dev server sets NODE_ENV=development, which would build a development bundle.
    env: { ...process.env, NODE_ENV: 'production' },
  });
  cpSync(join(root, 'examples'), join(site, 'examples'), { recursive: true });
  server = await serveStatic(site);
  env = await launch();
});
after(async () => {
  await env?.close();
  await server?.close();
});

test('examples/plain.html: one script tag and one element record, play back and download', async () => {
  const html = readFileSync(join(root, 'examples/plain.html'), 'utf8');
  assert.equal((html.match(/<script\b/g) ?? []).length, 1, 'one script');
  assert.equal((html.match(/<inpage-recorder\b/g) ?? []).length, 1, 'one element');
  const context = await env.browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  try {
    await page.goto(`${server.url}/examples/plain.html`);
    const el = page.locator('inpage-recorder');
    await el.locator('button.record').click();
    await page.waitForFunction(() => document.querySelector('inpage-recorder').recorder.state === 'recording', null, { timeout: 20_000 });
    await page.waitForTimeout(2000);
    await el.locator('button.stop').click();
    await el.locator('video.playback').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), el.locator('.result a.download').click()]);
    const path = await download.path();
    const meta = probe(path);
    assert.deepEqual(meta.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
    assert.ok(Number(meta.format.duration) > 1.6, `duration ${meta.format.duration}`);
    assert.deepEqual(decodeErrors(path), []);
    assert.equal(await page.evaluate(() => crossOriginIsolated), false);
    assert.deepEqual(requests.filter((u) => !u.startsWith(server.url) && !/^(blob|data):/.test(u)), [], 'nothing leaves the origin');
    assert.ok(server.served.some((u) => /^\/dist\/lib\/assets\/encode-worker-.*\.js$/.test(u)), 'worker loaded from beside the module');
  } finally {
    await context.close();
  }
});
