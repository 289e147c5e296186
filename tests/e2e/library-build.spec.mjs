// The library build works when copied to any static host: a plain page imports the ES module,
// whose worker and worklet load from beside it, without the dev server or cross-origin isolation.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { launch } from '../support/browser.mjs';
import { decodeErrors, probe, tempFile } from '../support/media.mjs';
import { serveStatic } from '../support/static-server.mjs';

const root = new URL('../..', import.meta.url).pathname;
let site;
let server;
let env;

before(async () => {
  execFileSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--mode', 'lib', '--logLevel', 'error'], { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  site = mkdtempSync(join(tmpdir(), 'ipr-site-'));
  cpSync(join(root, 'dist/lib'), join(site, 'vendor/inpage-recorder'), { recursive: true });
  writeFileSync(
    join(site, 'index.html'),
    `<!doctype html><meta charset="utf-8"><title>plain page</title>
<inpage-recorder format="webm"></inpage-recorder>
<script type="module">
  import { Recorder } from './vendor/inpage-recorder/inpage-recorder.js';
  window.Recorder = Recorder;
  window.ready = true;
</script>`,
  );
  server = await serveStatic(site);
  env = await launch();
});
after(async () => {
  await env?.close();
  await server?.close();
});

test('dist/lib/inpage-recorder.js records from a plain static page', async () => {
  const page = await env.context.newPage();
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`${server.url}/`);
  await page.waitForFunction(() => window.ready === true);
  const r = await page.evaluate(async () => {
    const el = document.querySelector('inpage-recorder');
    const rec = el.recorder;
    // The preview's level meter runs the capture worklet (a recording reads the track's AudioData).
    await el.openPreview();
    await new Promise((res) => setTimeout(res, 500));
    await rec.start();
    await new Promise((res) => setTimeout(res, 2000));
    const out = await rec.stop();
    const buf = new Uint8Array(await out.file.arrayBuffer());
    let s = '';
    for (let i = 0; i < buf.length; i += 0x8000) s += String.fromCharCode.apply(null, buf.subarray(i, i + 0x8000));
    return { defined: !!customElements.get('inpage-recorder'), sameClass: rec instanceof window.Recorder, coi: crossOriginIsolated, b64: btoa(s), mime: out.mimeType };
  });
  assert.ok(r.defined);
  assert.ok(r.sameClass);
  assert.equal(r.coi, false, 'works without cross-origin isolation');
  assert.match(r.mime, /^video\/webm/);
  const path = tempFile('lib.webm', Buffer.from(r.b64, 'base64'));
  const meta = probe(path);
  assert.deepEqual(meta.streams.map((s) => s.codec_name).sort(), ['opus', 'vp9']);
  assert.ok(Number(meta.format.duration) > 1.8);
  assert.deepEqual(decodeErrors(path), []);
  const origin = `${server.url}/`;
  const served = server.served;
  assert.deepEqual(requests.filter((u) => !u.startsWith(origin) && !u.startsWith('blob:') && !u.startsWith('data:')), [], 'no request leaves the origin');
  assert.ok(served.some((u) => /^\/vendor\/inpage-recorder\/assets\/encode-worker-.*\.js$/.test(u)), `worker loaded from beside the module: ${served}`);
  assert.ok(served.some((u) => /^\/vendor\/inpage-recorder\/assets\/capture-worklet-.*\.js$/.test(u)), `worklet (preview meter) loaded from beside the module: ${served}`);
});
