// Export in the browser: one 6 s recording from the fake camera and microphone (and a 3 s WebM
// for Opus → AAC) exported to every target in one page, each file judged with native
// ffprobe/ffmpeg (container, codecs, duration, clean decode, index first, loudness); cancel,
// limits, failures, the library, a strict CSP, and the library build under cross-origin isolation.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { baseUrl, fetchBlob, launch } from '../support/browser.mjs';
import { loudness, syncSampleTimes, topLevelBoxes } from '../support/export-judge.mjs';
import { decodeErrors, probe, tempFile } from '../support/media.mjs';
import { serveStatic } from '../support/static-server.mjs';

const root = new URL('../..', import.meta.url).pathname;
const h = { env: null, page: null, requests: [], workers: [], src: null, webm: null, programme: null };

async function openExportPage(context, path = '/tests/pages/export.html') {
  const page = await context.newPage();
  page.logs = [];
  page.on('console', (m) => page.logs.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => page.logs.push(`[pageerror] ${e.message}`));
  await page.goto(baseUrl() + path);
  await page.waitForFunction(() => window.exportReady === true, null, { timeout: 30_000 });
  return page;
}

/** Records `ms` into files[name] and writes it to a temp file; returns { info, path, duration }. */
async function recordSource(page, name, options, ms) {
  const info = await page.evaluate(([n, o, t]) => (o.synthetic ? recordSynthetic(n, t) : record(n, o, t)), [name, options, ms]);
  const path = tempFile(`${name}.${options.format}`, await fetchBlob(page, `files[${JSON.stringify(name)}].file`));
  return { info, path, duration: Number(probe(path).format.duration) };
}

/** Runs an export in the page; on success writes the output to a temp file. */
async function exportTo(target, options = {}, { source = 'src', out = `${target}-${Math.random().toString(36).slice(2, 8)}`, page = h.page, ...rest } = {}) {
  const r = await page.evaluate(([s, t, o, x]) => runExport(s, t, o, x), [source, target, options, { out, ...rest }]);
  if (r.ok) r.path = tempFile(`${out}.${r.extension}`, await fetchBlob(page, `files[${JSON.stringify(out)}]`));
  return r;
}

const codecs = (meta) => meta.streams.map((s) => s.codec_name).sort();
const head = (path, n = 64) => readFileSync(path).subarray(0, n).toString('latin1');

function assertIndexFirst(path) {
  const types = topLevelBoxes(path).map((b) => b.type);
  assert.ok(types.includes('moov') && types.includes('mdat'), `boxes: ${types}`);
  assert.ok(types.indexOf('moov') < types.indexOf('mdat'), `moov before mdat (fast start): ${types}`);
}

function assertDuration(path, expected, what = 'source') {
  const d = Number(probe(path).format.duration);
  assert.ok(Math.abs(d - expected) <= 0.1, `duration ${d.toFixed(3)} s vs ${what} ${expected.toFixed(3)} s`);
}

before(async () => {
  h.env = await launch();
  h.page = await openExportPage(h.env.context);
  h.page.on('request', (r) => h.requests.push(r.url()));
  h.page.on('worker', (w) => {
    const entry = { url: w.url(), closed: false };
    h.workers.push(entry);
    w.on('close', () => (entry.closed = true));
  });
  h.src = await recordSource(h.page, 'src', { format: 'mp4' }, 6000);
  h.webm = await recordSource(h.page, 'webm', { format: 'webm' }, 3000);
  h.programme = await recordSource(h.page, 'programme', { format: 'mp4', synthetic: true }, 4000);
});
after(async () => h.env?.close());

// target → what comes out, and which engine makes it
const cases = [
  { target: 'mp4', engine: 'mediabunny', format: /mp4/, codecs: ['aac', 'h264'], indexFirst: true },
  { target: 'mov', engine: 'mediabunny', format: /mov/, codecs: ['aac', 'h264'], indexFirst: true, brand: 'qt  ' },
  { target: 'mkv', engine: 'mediabunny', format: /matroska/, codecs: ['aac', 'h264'], doctype: 'matroska' },
  { target: 'webm', engine: 'mediabunny', format: /webm/, codecs: ['opus', 'vp9'], doctype: 'webm' },
  { target: 'ts', engine: 'ffmpeg.wasm', format: /mpegts/, codecs: ['aac', 'h264'] },
  { target: 'm4a', engine: 'ffmpeg.wasm', format: /mp4|m4a/, codecs: ['aac'], indexFirst: true },
  { target: 'mp3', engine: 'ffmpeg.wasm', format: /mp3/, codecs: ['mp3'] },
  { target: 'wav', engine: 'ffmpeg.wasm', format: /wav/, codecs: ['pcm_s16le'] },
  { target: 'opus', engine: 'ffmpeg.wasm', format: /ogg/, codecs: ['opus'], source: 'programme', channels: 2 },
  { target: 'mp4', options: { engine: 'ffmpeg.wasm' }, engine: 'ffmpeg.wasm', format: /mp4/, codecs: ['aac', 'h264'], indexFirst: true },
];

describe('each target from a 6 s MP4 recording', () => {
  for (const c of cases) {
    const from = c.source === 'programme' ? ' from a stereo recording' : '';
    test(`${c.target}${c.options ? ` (${JSON.stringify(c.options)})` : ''}${from} on ${c.engine}: ${c.codecs.join(' + ')}, source duration, clean decode`, async () => {
      const r = await exportTo(c.target, c.options, { source: c.source ?? 'src' });
      assert.ok(r.ok, JSON.stringify(r.error));
      assert.equal(r.engine, c.engine);
      const meta = probe(r.path);
      assert.match(meta.format.format_name, c.format);
      assert.deepEqual(codecs(meta), c.codecs);
      if (c.channels) assert.equal(meta.streams[0].channels, c.channels);
      assertDuration(r.path, (c.source === 'programme' ? h.programme : h.src).duration);
      assert.deepEqual(decodeErrors(r.path), []);
      if (c.indexFirst) assertIndexFirst(r.path);
      if (c.brand) assert.equal(meta.format.tags?.major_brand, c.brand);
      if (c.doctype) assert.ok(head(r.path).includes(c.doctype), `EBML DocType ${c.doctype}`);
      if (meta.streams.some((s) => s.codec_type === 'video')) assert.equal(meta.streams.find((s) => s.codec_type === 'video').width, 1280);
      assert.equal(r.bytesOut, readFileSync(r.path).length);
      assert.equal(r.type, r.mimeType);
      if (c.engine === 'ffmpeg.wasm') assert.equal(r.threads, 'single', 'no cross-origin isolation: single-threaded core');
    });
  }

  test('poster: a 1280×720 JPEG of the frame at the chosen time', async () => {
    const r = await exportTo('poster', { at: 2.5 });
    assert.ok(r.ok, JSON.stringify(r.error));
    assert.equal(r.engine, 'ffmpeg.wasm');
    const meta = probe(r.path);
    assert.deepEqual(codecs(meta), ['mjpeg']);
    assert.deepEqual([meta.streams[0].width, meta.streams[0].height], [1280, 720]);
    assert.equal(readFileSync(r.path).readUInt16BE(0), 0xffd8, 'JPEG SOI marker');
    assert.deepEqual(decodeErrors(r.path), []);
  });

  test('mp4-aac from a WebM recording: Opus becomes AAC, VP9 is copied, index first', async () => {
    const r = await exportTo('mp4-aac', {}, { source: 'webm' });
    assert.ok(r.ok, JSON.stringify(r.error));
    assert.equal(r.engine, 'ffmpeg.wasm');
    assert.deepEqual(codecs(probe(h.webm.path)), ['opus', 'vp9']);
    assert.deepEqual(codecs(probe(r.path)), ['aac', 'vp9']);
    assertDuration(r.path, h.webm.duration);
    assertIndexFirst(r.path);
    assert.deepEqual(decodeErrors(r.path), []);
  });
});

describe('trim', () => {
  test('copy on key frames: the requested span, no re-encode; a start between key frames moves to the one before', async () => {
    const keys = await syncSampleTimes(h.src.path);
    const start = keys.find((t) => t >= 0.9);
    assert.ok(start !== undefined && start < 2.9, `key frames: ${keys}`);
    const end = start + 3;
    const r = await exportTo('trim', { trim: { start, end, mode: 'copy' } });
    assert.ok(r.ok, JSON.stringify(r.error));
    assert.ok(Math.abs(r.trim.start - start) < 0.002, `cut at ${r.trim.start}, asked ${start}`);
    assertDuration(r.path, end - start, 'requested span');
    assert.deepEqual(codecs(probe(r.path)), ['aac', 'h264']);
    assertIndexFirst(r.path);
    assert.deepEqual(decodeErrors(r.path), []);
    const off = await exportTo('trim', { trim: { start: start + 0.3, end, mode: 'copy' } });
    assert.ok(off.ok, JSON.stringify(off.error));
    assert.ok(Math.abs(off.trim.start - start) < 0.002, `a start 0.3 s after a key frame moves to it: ${off.trim.start} vs ${start}`);
    assertDuration(off.path, end - start, 'span from the key frame');
  });

  test('exact with re-encode: the requested span to the frame', async () => {
    const r = await exportTo('trim', { trim: { start: 1.3, end: 3.8, mode: 'exact' } });
    assert.ok(r.ok, JSON.stringify(r.error));
    assert.deepEqual(r.trim, { start: 1.3, end: 3.8 });
    assertDuration(r.path, 2.5, 'requested span');
    assert.deepEqual(codecs(probe(r.path)), ['aac', 'h264']);
    assertIndexFirst(r.path);
    assert.deepEqual(decodeErrors(r.path), []);
  });
});

describe('loudness (two-pass loudnorm) on a recording with sound throughout', () => {
  for (const [target, lufs] of [['loudness-ebu', -23], ['loudness-streaming', -16]]) {
    test(`${target}: native ebur128 measures ${lufs} LUFS ± 1 LU, true peak under −1 dBTP`, async () => {
      const before = loudness(h.programme.path);
      const r = await exportTo(target, {}, { source: 'programme' });
      assert.ok(r.ok, JSON.stringify(r.error));
      const l = loudness(r.path);
      assert.ok(Math.abs(l.integrated - lufs) <= 1, `integrated ${l.integrated} LUFS (source ${before.integrated}), target ${lufs}; ${JSON.stringify(r.loudness)}`);
      assert.ok(l.truePeak <= -0.5, `true peak ${l.truePeak} dBTP`);
      assert.equal(r.loudness.targetLufs, lufs);
      assert.equal(r.loudness.linear, true, 'one linear gain');
      assert.ok(Math.abs(r.loudness.measuredLufs - before.integrated) <= 1, `first pass measured ${r.loudness.measuredLufs}, native ${before.integrated}`);
      assert.deepEqual(codecs(probe(r.path)), ['aac', 'h264']);
      assertDuration(r.path, h.programme.duration);
      assert.deepEqual(decodeErrors(r.path), []);
    });
  }
});

describe('progress and cancel', () => {
  test('progress rises with an ETA; cancel terminates the ffmpeg worker; the next export loads a fresh one', async () => {
    const ffmpegWorkers = () => h.workers.filter((w) => w.url.includes('ffmpeg-worker'));
    const before = ffmpegWorkers().length;
    const r = await exportTo('trim', { trim: { start: 0, end: 6, mode: 'exact' } }, { abortAfter: 0.2 });
    assert.equal(r.ok, false);
    assert.equal(r.error.code, 'aborted');
    const fractions = r.progress.filter((p) => p.stage === 'converting').map((p) => p.fraction);
    assert.ok(fractions.length >= 2, `progress updates: ${JSON.stringify(r.progress)}`);
    assert.ok(fractions.every((f, i) => f >= (fractions[i - 1] ?? 0) && f <= 1), `rising: ${fractions}`);
    assert.ok(r.progress.some((p) => p.stage === 'converting' && typeof p.etaMs === 'number' && p.etaMs > 0), 'an ETA while converting');
    const deadline = Date.now() + 5000;
    while (ffmpegWorkers().some((w) => !w.closed) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    assert.deepEqual(ffmpegWorkers().filter((w) => !w.closed), [], 'every ffmpeg worker is terminated');
    const next = await exportTo('mp3');
    assert.ok(next.ok, JSON.stringify(next.error));
    assert.ok(next.loadMs > 0, `a fresh core was loaded (${next.loadMs} ms)`);
    assert.ok(ffmpegWorkers().length > before, 'a new ffmpeg worker');
    assertDuration(next.path, h.src.duration);
    assert.deepEqual(decodeErrors(next.path), []);
  });
});

describe('limits and failures', () => {
  test('an input above the limit is refused with export-too-large before anything loads', async () => {
    const page = await openExportPage(h.env.context);
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    const r = await page.evaluate(async () => {
      const file = new File([new Uint8Array(300_000)], 'big.mp4', { type: 'video/mp4' });
      const out = {};
      for (const [target, limits] of [['mp3', { 'ffmpeg.wasm': 200_000 }], ['mp4', { mediabunny: 200_000 }]]) {
        try {
          await ipr.exportRecording(file, target, { limits });
          out[target] = { ok: true };
        } catch (e) {
          out[target] = errorOf(e);
        }
      }
      return out;
    });
    await page.close();
    for (const [target, engine] of [['mp3', 'ffmpeg.wasm'], ['mp4', 'mediabunny']]) {
      assert.equal(r[target].code, 'export-too-large', JSON.stringify(r[target]));
      assert.deepEqual(r[target].details, { bytes: 300_000, limit: 200_000, engine });
      assert.match(r[target].message, /293 KiB.*195 KiB/, 'size and limit in the message');
      assert.match(r[target].message, /original/i, 'offers the original file');
    }
    assert.deepEqual(requests.filter((u) => /export-job|ffmpeg|export-worker|mediabunny/.test(u)), [], 'no engine was loaded');
  });

  test('a failed export rejects with export-failed and ffmpeg log lines; the stored recording is untouched', async () => {
    const r = await h.page.evaluate(async () => {
      window.files.garbage = new File([crypto.getRandomValues(new Uint8Array(65536))], 'garbage.mp4', { type: 'video/mp4' });
      return runExport('garbage', 'mp3');
    });
    assert.equal(r.ok, false);
    assert.equal(r.error.code, 'export-failed', JSON.stringify(r.error));
    assert.match(r.error.message, /original file is unchanged/);
    const log = r.error.details.log;
    assert.ok(Array.isArray(log) && log.length > 0 && log.length <= 20, `log: ${JSON.stringify(log)}`);
    assert.ok(log.some((l) => /Invalid data|could not find|moov atom not found|garbage/i.test(l)), `ffmpeg said why: ${log.join(' | ')}`);
    const stored = await h.page.evaluate(async (id) => blobToBase64(await new ipr.RecordingsLibrary().get(id)), h.src.info.id);
    const sha = (b) => createHash('sha256').update(b).digest('hex');
    assert.equal(sha(Buffer.from(stored, 'base64')), sha(readFileSync(h.src.path)));
    const again = await exportTo('wav');
    assert.ok(again.ok, `the next export works: ${JSON.stringify(again.error)}`);
  });
});

describe('library', () => {
  test('an export kept next to its recording is listed with it and deleted with it', async () => {
    const r = await exportTo('m4a', { save: true }, { source: 'webm', useId: true });
    assert.ok(r.ok, JSON.stringify(r.error));
    assert.equal(r.saved.target, 'm4a');
    const listed = await h.page.evaluate(async ([id, exportId]) => {
      const lib = new ipr.RecordingsLibrary();
      const rec = (await lib.list()).find((x) => x.id === id);
      const file = await lib.getExport(exportId);
      await lib.delete(id);
      let after = null;
      try {
        await lib.getExport(exportId);
      } catch (e) {
        after = e.code;
      }
      return { exports: rec.exports, size: file.size, type: file.type, name: file.name, after, left: await lib.exports(id) };
    }, [h.webm.info.id, r.saved.id]);
    assert.deepEqual(listed.exports.map((e) => [e.id, e.target, e.bytes, e.engine]), [[r.saved.id, 'm4a', r.size, 'ffmpeg.wasm']]);
    assert.equal(listed.size, r.size);
    assert.equal(listed.type, 'audio/mp4');
    assert.match(listed.name, /\.m4a$/);
    assert.equal(listed.after, 'not-found');
    assert.deepEqual(listed.left, []);
  });

  test("createExporter() is an Exporter for <inpage-recorder>: targets without parameters; cancel rejects with an AbortError", async () => {
    const r = await h.page.evaluate(async () => {
      const ex = ipr.createExporter();
      const blob = await ex.export(files.src.file, 'wav', { signal: new AbortController().signal, onProgress: () => {} });
      const c = new AbortController();
      const p = ex.export(files.src.file, 'webm', { signal: c.signal, onProgress: (f) => f > 0.1 && c.abort() });
      let cancelled = null;
      try {
        await p;
      } catch (e) {
        cancelled = e.name;
      }
      return { ids: ex.targets.map((t) => t.id), type: blob.type, size: blob.size, cancelled };
    });
    assert.ok(r.ids.includes('mp4') && r.ids.includes('poster') && r.ids.includes('loudness-ebu'), r.ids.join());
    assert.ok(!r.ids.includes('trim'), 'trim needs parameters');
    assert.equal(r.type, 'audio/wav');
    assert.ok(r.size > 100_000);
    assert.equal(r.cancelled, 'AbortError');
  });
});

test('no request leaves the origin during any of these exports', () => {
  const origin = new URL(baseUrl()).origin;
  const away = h.requests.filter((u) => !u.startsWith(origin) && !u.startsWith('blob:') && !u.startsWith('data:'));
  assert.deepEqual(away, []);
  assert.ok(h.requests.some((u) => /ffmpeg-core\.wasm/.test(u)), 'the core came from this origin');
});

test("a page whose CSP lacks 'wasm-unsafe-eval' gets export-unavailable; recording, remux and download still work", async () => {
  const page = await openExportPage(h.env.context, '/tests/pages/export-csp.html');
  try {
    const r = await page.evaluate(async () => {
      const rec = await record('csp', { format: 'webm' }, 2000);
      const mp3 = await runExport('csp', 'mp3', {}, { out: 'csp-mp3' });
      const mkv = await runExport('csp', 'mkv', {}, { out: 'csp-mkv' });
      return { rec, mp3, mkv, support: await ipr.exportSupport() };
    });
    assert.equal(r.support.ffmpeg, false);
    assert.equal(r.mp3.ok, false);
    assert.equal(r.mp3.error.code, 'export-unavailable', JSON.stringify(r.mp3.error));
    assert.match(r.mp3.error.message, /wasm-unsafe-eval/);
    assert.ok(r.mkv.ok, `Mediabunny needs no wasm: ${JSON.stringify(r.mkv.error)}`);
    const raw = tempFile('csp.webm', await fetchBlob(page, 'files.csp.file'));
    assert.ok(Math.abs(Number(probe(raw).format.duration) - 2) < 0.5);
    assert.deepEqual(decodeErrors(raw), []);
    const mkv = tempFile('csp.mkv', await fetchBlob(page, 'files["csp-mkv"]'));
    assert.deepEqual(codecs(probe(mkv)), ['opus', 'vp9']);
  } finally {
    await page.close();
  }
});

test('library build, cross-origin isolated: the multi-threaded core loads from beside the module', async () => {
  const out = mkdtempSync(join(tmpdir(), 'ipr-lib-'));
  execFileSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--mode', 'lib', '--outDir', out, '--emptyOutDir', '--logLevel', 'error'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const site = mkdtempSync(join(tmpdir(), 'ipr-site-'));
  cpSync(out, join(site, 'vendor/inpage-recorder'), { recursive: true });
  cpSync(h.src.path, join(site, 'source.mp4'));
  writeFileSync(
    join(site, 'index.html'),
    `<!doctype html><meta charset="utf-8"><title>isolated</title>
<script type="module">
  import { exportRecording } from './vendor/inpage-recorder/inpage-recorder.js';
  window.exportRecording = exportRecording;
  window.ready = true;
</script>`,
  );
  const server = await serveStatic(site, { headers: { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } });
  const page = await h.env.context.newPage();
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  try {
    await page.goto(`${server.url}/`);
    await page.waitForFunction(() => window.ready === true);
    const r = await page.evaluate(async () => {
      const file = await (await fetch('./source.mp4')).blob();
      const mp3 = await exportRecording(file, 'mp3');
      const mp4 = await exportRecording(file, 'mp4');
      const buf = new Uint8Array(await mp3.blob.arrayBuffer());
      let s = '';
      for (let i = 0; i < buf.length; i += 0x8000) s += String.fromCharCode.apply(null, buf.subarray(i, i + 0x8000));
      return { coi: crossOriginIsolated, threads: mp3.threads, engines: [mp3.engine, mp4.engine], b64: btoa(s) };
    });
    assert.equal(r.coi, true);
    assert.equal(r.threads, 'multi');
    assert.deepEqual(r.engines, ['ffmpeg.wasm', 'mediabunny']);
    const path = tempFile('mt.mp3', Buffer.from(r.b64, 'base64'));
    assertDuration(path, h.src.duration);
    assert.deepEqual(decodeErrors(path), []);
    const origin = `${server.url}/`;
    assert.deepEqual(requests.filter((u) => !u.startsWith(origin) && !u.startsWith('blob:') && !u.startsWith('data:')), [], 'no request leaves the origin');
    const served = server.served.filter((p) => p.startsWith('/vendor/inpage-recorder/'));
    assert.ok(served.some((p) => /ffmpeg-core.*\.wasm$/.test(p)), `core wasm beside the module: ${served}`);
    assert.ok(served.some((p) => /ffmpeg-core.*worker.*\.js$/.test(p)), `pthread worker beside the module: ${served}`);
    assert.ok(served.some((p) => /export-worker-.*\.js$/.test(p)), `export worker beside the module: ${served}`);
  } finally {
    await page.close();
    await server.close();
  }
});
