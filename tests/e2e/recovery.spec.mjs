// Nothing lost: a killed browser, a crashed renderer or a full disk leaves a playable recording,
// and a recording another tab is still making is never touched. Real Chromium processes on a
// persistent profile, real IndexedDB, native ffprobe/ffmpeg.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { baseUrl, fetchBlob } from '../support/browser.mjs';
import { startChrome } from '../support/chrome-process.mjs';
import { decodeErrors, probe, tempFile } from '../support/media.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Crashes the renderer of `page` (CDP Page.crash never answers, so it is not awaited). */
async function crashRenderer(context, page) {
  const cdp = await context.newCDPSession(page);
  const crashed = new Promise((r) => page.once('crash', r));
  void cdp.send('Page.crash').catch(() => {});
  await Promise.race([crashed, sleep(5000)]);
}
const harness = () => `${baseUrl()}/tests/pages/harness.html`;

async function openHarness(context) {
  const page = await context.newPage();
  await page.goto(harness());
  await page.waitForFunction(() => window.harnessReady === true, null, { timeout: 30_000 });
  return page;
}

/** Recovers on `page` and checks the recovered file of `id` with ffprobe/ffmpeg; returns { report, duration }. */
async function recoverAndJudge(page, id, format) {
  const reports = await page.evaluate(() => recoverAll());
  const report = reports.find((r) => r.id === id);
  assert.ok(report, `recovery reports the session: ${JSON.stringify(reports)}`);
  assert.equal(report.failure, undefined);
  const path = tempFile(`recovered.${format}`, await fetchBlob(page, `window.recovered[${JSON.stringify(id)}]`));
  const meta = probe(path);
  assert.deepEqual(meta.streams.map((s) => s.codec_type).sort(), ['audio', 'video']);
  assert.deepEqual(decodeErrors(path), []);
  return { report, duration: Number(meta.format.duration), path };
}

describe('crash safety', () => {
  let profile;
  before(() => {
    profile = mkdtempSync(join(tmpdir(), 'ipr-profile-'));
  });

  for (const format of ['mp4', 'webm']) {
    test(`${format}: SIGKILL of every browser process 10 s in; relaunch recovers ≥ recorded − 1.5 s`, async () => {
      const chrome = await startChrome(profile);
      let id;
      let recordedMs;
      try {
        const page = await openHarness(chrome.context);
        id = await page.evaluate((format) => startRecording({ format }), format);
        const t0 = Date.now();
        await sleep(10_000);
        recordedMs = Date.now() - t0;
      } finally {
        await chrome.kill();
      }
      const again = await startChrome(profile);
      try {
        const page = await openHarness(again.context);
        const listed = await page.evaluate(() => new ipr.RecordingsLibrary().list());
        assert.equal(listed.find((r) => r.id === id)?.state, 'interrupted');
        const { report, duration } = await recoverAndJudge(page, id, format);
        assert.ok(duration >= recordedMs / 1000 - 1.5, `recovered ${duration} s of ${recordedMs / 1000} s`);
        assert.ok(duration <= recordedMs / 1000 + 0.5, `recovered ${duration} s of ${recordedMs / 1000} s`);
        assert.deepEqual(report.gaps, []);
        const after = await page.evaluate((id) => new ipr.RecordingsLibrary().info(id), id);
        assert.equal(after.state, 'recovered');
      } finally {
        await again.close();
      }
    });
  }

  test('renderer crash mid-recording: a new tab recovers the recording', async () => {
    const chrome = await startChrome(profile);
    try {
      const page = await openHarness(chrome.context);
      const id = await page.evaluate(() => startRecording({ format: 'mp4' }));
      await sleep(6000);
      const atCrash = await page.evaluate(() => ({ ...rec.stats, since: performance.now() - recStartedAt }));
      await crashRenderer(chrome.context, page);
      const page2 = await openHarness(chrome.context);
      const { duration } = await recoverAndJudge(page2, id, 'mp4');
      assert.ok(duration >= atCrash.since / 1000 - 1.5, `recovered ${duration} s of ${atCrash.since} ms; at the crash: ${JSON.stringify(atCrash)}`);
    } finally {
      await chrome.close();
    }
  });

  test('two tabs: B sees A recording (no recovery offered); after A crashes, B recovers it', async () => {
    const chrome = await startChrome(profile);
    try {
      const a = await openHarness(chrome.context);
      const b = await openHarness(chrome.context);
      const id = await a.evaluate(() => startRecording({ format: 'webm' }));
      await sleep(3000);
      const seen = await b.evaluate(async (id) => {
        const lib = new ipr.RecordingsLibrary();
        const list = await lib.list();
        const interrupted = await lib.interrupted();
        const reports = await lib.recover();
        let deleteCode = null;
        try {
          await lib.delete(id);
        } catch (e) {
          deleteCode = e.code;
        }
        return { state: list.find((r) => r.id === id)?.state, interrupted: interrupted.map((r) => r.id), recovered: reports.map((r) => r.id), deleteCode };
      }, id);
      assert.equal(seen.state, 'recording');
      assert.ok(!seen.interrupted.includes(id));
      assert.ok(!seen.recovered.includes(id));
      assert.equal(seen.deleteCode, 'invalid-state');
      await crashRenderer(chrome.context, a);
      await sleep(500);
      const offered = await b.evaluate(async () => (await new ipr.RecordingsLibrary().interrupted()).map((r) => r.id));
      assert.ok(offered.includes(id), 'offered after the crash');
      const { duration } = await recoverAndJudge(b, id, 'webm');
      assert.ok(duration >= 3 - 1.5, `recovered ${duration} s`);
    } finally {
      await chrome.close();
    }
  });

  test('a corrupt chunk and a deleted one: recovery plays around both and reports them', async () => {
    const chrome = await startChrome(profile);
    try {
      const page = await openHarness(chrome.context);
      const id = await page.evaluate(() => startRecording({ format: 'mp4' }));
      await sleep(8000);
      await crashRenderer(chrome.context, page);
      const page2 = await openHarness(chrome.context);
      const damaged = await page2.evaluate(async (id) => {
        const db = await iprStore.openRecorderDB();
        const chunks = await db.getAll('chunks', iprStore.chunkRange(id));
        const corrupt = chunks[2];
        const bytes = new Uint8Array(await corrupt.blob.arrayBuffer());
        bytes[Math.floor(bytes.length / 2)] ^= 0xff;
        await db.put('chunks', { ...corrupt, blob: new Blob([bytes]) });
        await db.delete('chunks', [id, chunks[4].seq]);
        return { corrupt: corrupt.seq, deleted: chunks[4].seq, total: chunks.length };
      }, id);
      assert.ok(damaged.total >= 6, `chunks stored: ${damaged.total}`);
      const { report, duration } = await recoverAndJudge(page2, id, 'mp4');
      const bySeq = Object.fromEntries(report.gaps.map((g) => [g.seq, g.reason]));
      assert.equal(bySeq[damaged.corrupt], 'checksum');
      assert.equal(bySeq[damaged.deleted], 'missing');
      assert.equal(report.gaps.length, 2);
      for (const g of report.gaps) assert.ok(g.fromMs !== null && g.toMs > g.fromMs, `gap has its media time: ${JSON.stringify(g)}`);
      assert.ok(duration > 5, `file still lasts ${duration} s`);
      // The damaged records are kept: recovery deletes nothing.
      const left = await page2.evaluate(async (id) => (await (await iprStore.openRecorderDB()).getAll('chunks', iprStore.chunkRange(id))).length, id);
      assert.equal(left, damaged.total - 1);
    } finally {
      await chrome.close();
    }
  });

  test('disk full (quota forced small): stops with storage-quota, the stored part plays', async () => {
    // A profile of its own, so that the origin's usage is only this test's.
    const chrome = await startChrome(mkdtempSync(join(tmpdir(), 'ipr-quota-')));
    try {
      const page = await openHarness(chrome.context);
      const origin = new URL(baseUrl()).origin;
      const cdp = await chrome.context.newCDPSession(page);
      const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage);
      await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage + 700_000 });
      const r = await page.evaluate(async () => {
        const rec = new ipr.Recorder({ format: 'mp4' });
        const errors = [];
        rec.addEventListener('error', (e) => errors.push(e.detail.code));
        const stopped = new Promise((res) => rec.addEventListener('stop', (e) => res(e.detail)));
        await rec.start();
        const out = await Promise.race([stopped, new Promise((res) => setTimeout(() => res(null), 30_000))]);
        if (out) window.lastFile = out.file;
        return { errors, state: rec.state, durationMs: out?.durationMs ?? null };
      });
      await cdp.send('Storage.overrideQuotaForOrigin', { origin });
      assert.deepEqual(r.errors, ['storage-quota']);
      assert.equal(r.state, 'stopped');
      const path = tempFile('quota.mp4', await fetchBlob(page, 'window.lastFile'));
      assert.ok(Number(probe(path).format.duration) >= 1, `stored part lasts ${probe(path).format.duration} s`);
      assert.deepEqual(decodeErrors(path), []);
    } finally {
      await chrome.close();
    }
  });
});
