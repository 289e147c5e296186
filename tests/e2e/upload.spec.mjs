// Upload while recording, against a real @tus/server on loopback: the server's file must equal the
// local file byte for byte after network faults, server restarts, reloads; refusals stop cleanly;
// without an endpoint nothing leaves the page. Also the live `segment` events.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { baseUrl, fetchBlob, openHarness, useHarness } from '../support/browser.mjs';
import { decodeErrors, probe, tempFile } from '../support/media.mjs';
import { sha256, startTusServer } from '../support/tus-server.mjs';

const h = useHarness(before, after);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const origin = () => new URL(baseUrl()).origin;

/** Waits until the server has finished the upload of this recording; returns its verification record. */
async function serverFinished(server, recordingId, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = server.finished.find((f) => f.metadata.recordingId === recordingId);
    if (v) return { ...v, at: Date.now() };
    if (Date.now() > until) throw new Error(`the server did not finish the upload of ${recordingId} within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** Starts a recording with upload in the page (window.rec); progress, errors and segments are collected. */
function startWithUpload(page, options) {
  return page.evaluate(async (options) => {
    const rec = new ipr.Recorder(options);
    window.rec = rec;
    window.seen = { progress: [], errors: [], segments: [], complete: [] };
    rec.addEventListener('uploadprogress', (e) => window.seen.progress.push({ ...e.detail, t: performance.now() }));
    rec.addEventListener('uploadcomplete', (e) => window.seen.complete.push(e.detail));
    rec.addEventListener('error', (e) => window.seen.errors.push(e.detail.code));
    rec.addEventListener('segment', (e) => window.seen.segments.push(e.detail));
    await rec.start();
    return rec.id;
  }, options);
}

/** Stops window.rec; keeps the file and upload as window.lastFile / window.lastUpload. */
function stop(page) {
  return page.evaluate(async () => {
    const r = await window.rec.stop();
    const stoppedAt = Date.now();
    window.lastFile = r.file;
    window.lastUpload = r.upload;
    // The stored record is complete once `saved` settles (tens of ms after the file is handed over).
    await r.saved;
    return { id: r.id, size: r.file.size, stoppedAt, hasUpload: r.upload !== null, durationMs: r.durationMs };
  });
}

const uploadResult = (page) =>
  page.evaluate(async () => {
    try {
      return { ok: true, result: await window.lastUpload.done };
    } catch (e) {
      return { ok: false, code: e.code, message: e.message };
    }
  });

describe('upload while recording (tus)', () => {
  let server;
  before(async () => {
    server = await startTusServer({ allowedOrigins: [origin()] });
  });
  after(() => server.close());

  test('10 s of MP4: the server file is complete within 2 s of stop() and equals the local file (sha256)', async () => {
    const id = await startWithUpload(h.page, { format: 'mp4', upload: { endpoint: server.url, metadata: { app: 'e2e' } } });
    await sleep(10_000);
    const stopped = await stop(h.page);
    assert.ok(stopped.hasUpload, 'the recording carries its upload');
    const fin = await serverFinished(server, id);
    const local = await fetchBlob(h.page, 'window.lastFile');
    const res = await uploadResult(h.page);
    const seen = await h.page.evaluate(() => ({ ...window.seen, segments: window.seen.segments.length }));
    const session = await h.page.evaluate(async (id) => (await (await iprStore.openRecorderDB()).get('sessions', id)), id);

    const lagMs = fin.at - stopped.stoppedAt;
    assert.ok(lagMs <= 2000, `server complete ${lagMs} ms after stop() resolved`);
    assert.equal(fin.size, local.length);
    assert.equal(sha256(server.file(fin.id)), sha256(local), 'server bytes equal local bytes');
    assert.equal(fin.matches, true, 'the server checked the SHA-256 the recorder sent');
    assert.ok(res.ok, `upload done: ${res.message}`);
    assert.equal(res.result.sha256, sha256(local), 'Recording.upload exposes the local SHA-256');
    assert.equal(res.result.bytes, local.length);
    assert.deepEqual(seen.errors, []);
    assert.equal(seen.complete.length, 1);
    // Fragmented MP4 is never patched at finalize, so it went out while recording.
    assert.deepEqual(session.patches, []);
    assert.equal(session.upload.state, 'complete');
    const patchesBeforeStop = server.log.filter((e) => e.method === 'PATCH' && e.t < stopped.stoppedAt - 1000 && e.accepted > 0);
    assert.ok(patchesBeforeStop.length >= 5, `PATCHes while recording: ${patchesBeforeStop.length}`);
    const whileRecording = seen.progress.filter((p) => p.bytesTotal === null && p.bytesUploaded > 0);
    const lags = whileRecording.map((p) => p.lagSeconds);
    assert.ok(lags.length > 0 && Math.max(...lags) < 4, `upload lag while recording: ${lags.map((l) => l.toFixed(2)).join(' ')}`);
    const meta = server.info(fin.id).metadata;
    assert.equal(meta.app, 'e2e');
    assert.equal(meta.recordingId, id);
    assert.match(meta.filetype, /^video\/mp4/);
    assert.ok(Math.abs(Number(fin.metadata.durationMs) - stopped.durationMs) < 2, 'duration sent with the final length');
    assert.ok(seen.segments >= 9, `segments: ${seen.segments}`);
  });

  test('WebM: the header finalize rewrites is uploaded after stop; the server file equals the local file and decodes', async () => {
    const id = await startWithUpload(h.page, { format: 'webm', upload: { endpoint: server.url } });
    await sleep(4000);
    const stopped = await stop(h.page);
    const fin = await serverFinished(server, id);
    const local = await fetchBlob(h.page, 'window.lastFile');
    const session = await h.page.evaluate(async (id) => (await (await iprStore.openRecorderDB()).get('sessions', id)), id);
    assert.ok(session.patches.length > 0, `WebM finalize patches the header (record state ${session.state}, ${session.chunkCount} chunks)`);
    assert.ok(Math.max(...session.patches.map((p) => p.position)) < 1024, `only header bytes are patched: ${JSON.stringify(session.patches.map((p) => [p.position, p.data?.length ?? p.bytes?.length ?? p.size]))}`);
    assert.equal(sha256(server.file(fin.id)), sha256(local));
    const early = server.log.filter((e) => e.method === 'PATCH' && e.url.includes(fin.id) && e.t < stopped.stoppedAt - 500 && e.accepted > 0);
    assert.deepEqual(early, [], 'no byte went out before the file was final');
    const path = tempFile('upload.webm', server.file(fin.id));
    assert.match(probe(path).format.format_name, /matroska|webm/);
    assert.deepEqual(decodeErrors(path), []);
  });

  test('server killed and restarted, 5 s offline, an injected 503 and 409: the server file still equals the local file', async () => {
    const faults = [];
    let inject = [];
    await h.page.route(`${server.url}**`, (route) => {
      const req = route.request();
      if (req.method() === 'PATCH' && inject.length) {
        const status = inject.shift();
        faults.push(status);
        return route.fulfill({ status, headers: { 'Access-Control-Allow-Origin': origin(), 'Access-Control-Expose-Headers': 'Upload-Offset, Tus-Resumable', 'Tus-Resumable': '1.0.0' }, body: '' });
      }
      return route.continue();
    });
    try {
      const id = await startWithUpload(h.page, { format: 'mp4', upload: { endpoint: server.url, retryDelays: [0, 500, 1000, 2000] } });
      await sleep(1500);
      inject.push(503);
      await sleep(1500);
      inject.push(409);
      await sleep(1500);
      await server.kill();
      await sleep(2500);
      await server.restart();
      await sleep(1000);
      await h.env.context.setOffline(true);
      await sleep(5000);
      const whileOffline = await h.page.evaluate(() => window.rec && window.seen.progress.at(-1)?.state);
      await h.env.context.setOffline(false);
      await sleep(3000);
      await stop(h.page);
      const fin = await serverFinished(server, id);
      const res = await uploadResult(h.page);
      const local = await fetchBlob(h.page, 'window.lastFile');
      const seen = await h.page.evaluate(() => ({ errors: window.seen.errors, states: [...new Set(window.seen.progress.map((p) => p.state))] }));
      assert.deepEqual(faults, [503, 409], 'both faults were served');
      assert.equal(whileOffline, 'offline');
      assert.ok(seen.states.includes('retrying'), `states seen: ${seen.states}`);
      assert.deepEqual(seen.errors, []);
      assert.ok(res.ok, `upload done: ${res.message}`);
      assert.equal(sha256(server.file(fin.id)), sha256(local), 'server bytes equal local bytes');
      assert.equal(fin.matches, true);
    } finally {
      inject = [];
      await h.page.unroute(`${server.url}**`);
      await h.env.context.setOffline(false);
    }
  });

  test('reload mid-recording: the upload resumes from the server offset (no re-sent prefix beyond one chunk) and completes', async () => {
    const chunkSize = 1 << 20;
    const endpoint = server.url;
    const page = await openHarness(h.env.context);
    try {
      const id = await startWithUpload(page, { format: 'mp4', upload: { endpoint, chunkSize } });
      await sleep(6000);
      const reloadAt = Date.now();
      await page.reload();
      await page.waitForFunction(() => window.harnessReady === true);
      const uploadId = server.byRecording(id);
      assert.ok(uploadId, 'the upload was created before the reload');
      const before = server.log.filter((e) => e.url.includes(uploadId) && e.t < reloadAt && e.method === 'PATCH');
      const serverOffsetAtReload = Math.max(0, ...before.map((e) => e.newOffset ?? 0));
      assert.ok(serverOffsetAtReload > 0, 'bytes were on the server before the reload');
      const resumed = await page.evaluate(
        async ({ endpoint, chunkSize, id }) => {
          const [u] = await ipr.resumeUploads({ endpoint, chunkSize }, { ids: [id] });
          const result = await u.done;
          const file = await new ipr.RecordingsLibrary().get(id);
          window.lastFile = file;
          return { result, resumedAt: u.resumedAt, bytesSent: u.bytesSent, size: file.size };
        },
        { endpoint, chunkSize, id },
      );
      const fin = await serverFinished(server, id);
      const local = await fetchBlob(page, 'window.lastFile');
      assert.equal(fin.id, uploadId, 'the same tus upload was continued');
      assert.equal(sha256(server.file(fin.id)), sha256(local));
      assert.ok(resumed.resumedAt[0] >= serverOffsetAtReload, `resumed at ${resumed.resumedAt[0]}, server had ${serverOffsetAtReload}`);
      const resent = resumed.bytesSent - (resumed.size - resumed.resumedAt[0]);
      assert.ok(resent <= chunkSize, `bytes sent after the reload beyond what the server lacked: ${resent}`);
      const after = server.log.filter((e) => e.url.includes(uploadId) && e.t >= reloadAt && e.method === 'PATCH');
      assert.ok(after.every((e) => e.status === 204), `PATCH statuses after reload: ${after.map((e) => e.status)}`);
      assert.equal(after[0].offset, resumed.resumedAt[0], 'first PATCH after the reload starts at the server offset');
    } finally {
      await page.close();
    }
  });
});

describe('upload refused or off', () => {
  test('401 from the server: error upload-unauthorized, no retry loop, the recording is unaffected and still local', async () => {
    const server = await startTusServer({
      allowedOrigins: [origin()],
      intercept: (req, res) => {
        if (req.method === 'OPTIONS') return false;
        res.writeHead(401, { 'Access-Control-Allow-Origin': origin(), 'Tus-Resumable': '1.0.0' });
        res.end('token expired\n');
        return true;
      },
    });
    try {
      const id = await startWithUpload(h.page, { format: 'mp4', upload: { endpoint: server.url, headers: { Authorization: 'Bearer stale' } } });
      await sleep(3000);
      const stopped = await stop(h.page);
      const res = await uploadResult(h.page);
      const seen = await h.page.evaluate(() => window.seen.errors);
      const stored = await h.page.evaluate(async (id) => (await new ipr.RecordingsLibrary().get(id)).size, id);
      const session = await h.page.evaluate(async (id) => (await (await iprStore.openRecorderDB()).get('sessions', id)), id);
      assert.equal(res.ok, false);
      assert.equal(res.code, 'upload-unauthorized');
      assert.deepEqual(seen, ['upload-unauthorized']);
      assert.equal(stored, stopped.size, 'the recording is complete and local');
      assert.equal(session.state, 'complete');
      assert.equal(session.upload.state, 'failed');
      assert.equal(session.upload.error.code, 'upload-unauthorized');
      assert.equal(JSON.stringify(session.options).includes('stale'), false, 'credentials are not stored with the recording');
      assert.equal(server.log.filter((e) => e.status === 401).length, 1, 'one refused request, no retries');
    } finally {
      await server.close();
    }
  });

  test('no endpoint: no request leaves the page while recording', async () => {
    const requests = [];
    const onRequest = (r) => requests.push({ method: r.method(), url: r.url() });
    h.env.context.on('request', onRequest);
    try {
      const info = await h.page.evaluate(() => recordFor({ format: 'mp4' }, 3000));
      assert.deepEqual(info.errors, []);
      await sleep(500);
    } finally {
      h.env.context.off('request', onRequest);
    }
    // Only the page's own code may load (the encode worker's modules from the dev server).
    const others = requests.filter((r) => !/^(blob|data):/.test(r.url) && (r.method !== 'GET' || !r.url.startsWith(origin()) || r.url.includes('/files')));
    assert.deepEqual(others, []);
  });
});

describe('live segments', () => {
  test('each stored fragment is a segment: contiguous bytes and times, keyframe first, and together they are the file', async () => {
    await startWithUpload(h.page, { format: 'mp4' });
    await sleep(4000);
    const stopped = await stop(h.page);
    // The last segments follow stop(): the tail is read back from IndexedDB first.
    await h.page.waitForFunction(() => window.seen.segments.at(-1)?.final === true);
    const segs = await h.page.evaluate(async () => {
      const out = [];
      for (const s of window.seen.segments) out.push({ ...s, data: undefined, size: s.data.size });
      window.segmentFile = new Blob(window.seen.segments.map((s) => s.data));
      return out;
    });
    const joined = await fetchBlob(h.page, 'window.segmentFile');
    const local = await fetchBlob(h.page, 'window.lastFile');
    assert.ok(joined.equals(local), 'segments in order are the file');
    assert.ok(segs.length >= 4, `segments: ${segs.length}`);
    let offset = 0;
    segs.forEach((s, i) => {
      assert.equal(s.index, i);
      assert.equal(s.offset, offset);
      offset += s.size;
      if (i > 0) assert.equal(s.startUs, segs[i - 1].endUs, `segment ${i} starts where ${i - 1} ends`);
      assert.equal(s.final, i === segs.length - 1);
    });
    const media = segs.filter((s) => s.keyframe);
    assert.equal(media.length, segs.length - 1, 'every fragment but the tail starts with a keyframe');
    assert.ok(Math.abs(segs.at(-1).endUs / 1000 - stopped.durationMs) < 1, 'the last segment ends at the duration');
  });
});
