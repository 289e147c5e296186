// The recordings library: list, get, rename and delete round-trip through IndexedDB, and a
// delete leaves no chunk behind.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fetchBlob, launch, openHarness, useHarness } from '../support/browser.mjs';
import { decodeErrors, probe, tempFile } from '../support/media.mjs';

const h = useHarness(before, after);

test('list / get / rename / delete round-trip; delete leaves no orphan chunks', async () => {
  const a = await h.page.evaluate(() => recordFor({ format: 'mp4', name: 'first take' }, 1500));
  const b = await h.page.evaluate(() => recordFor({ format: 'webm', name: 'second take' }, 1500));
  const r = await h.page.evaluate(
    async ({ a, b }) => {
      const lib = new ipr.RecordingsLibrary();
      const listed = await lib.list();
      const total = await lib.totalBytes();
      await lib.rename(a, 'renamed <b>take</b>');
      const renamed = (await lib.info(a)).name;
      window.gotFile = await lib.get(b);
      await lib.delete(a);
      const db = await iprStore.openRecorderDB();
      const orphans = (await db.getAll('chunks', iprStore.chunkRange(a))).length;
      const left = (await lib.list()).map((x) => x.id);
      let code = null;
      try {
        await lib.get(a);
      } catch (e) {
        code = e.code;
      }
      const storage = await lib.storage();
      return { listed: listed.map((x) => ({ id: x.id, name: x.name, state: x.state, bytes: x.bytes, durationMs: x.durationMs, format: x.format })), total, renamed, orphans, left, code, storage };
    },
    { a: a.id, b: b.id },
  );
  const first = r.listed.find((x) => x.id === a.id);
  const second = r.listed.find((x) => x.id === b.id);
  assert.deepEqual([first.name, first.state, first.format], ['first take', 'complete', 'mp4']);
  assert.deepEqual([second.name, second.state, second.format], ['second take', 'complete', 'webm']);
  assert.equal(first.bytes, a.size);
  assert.ok(Math.abs(first.durationMs - a.durationMs) < 1);
  assert.ok(r.listed.findIndex((x) => x.id === b.id) < r.listed.findIndex((x) => x.id === a.id), 'newest first');
  assert.ok(r.total >= a.size + b.size);
  assert.equal(r.renamed, 'renamed <b>take</b>');
  assert.equal(r.orphans, 0);
  assert.ok(!r.left.includes(a.id) && r.left.includes(b.id));
  assert.equal(r.code, 'not-found');
  assert.ok(r.storage.quota > 0 && r.storage.usage > 0);
  const path = tempFile('got.webm', await fetchBlob(h.page, 'window.gotFile'));
  assert.ok(Number(probe(path).format.duration) > 1.3);
  assert.deepEqual(decodeErrors(path), []);
});

test('bad arguments: clear errors, nothing stored is lost', async () => {
  const r = await h.page.evaluate(async () => {
    const lib = new ipr.RecordingsLibrary();
    const before = (await lib.list()).length;
    const errs = [];
    for (const f of [() => lib.rename('nope', 'x'), () => lib.rename(123, 'x'), () => lib.delete('nope'), async () => lib.rename((await lib.list())[0].id, '  ')]) {
      try {
        await f();
        errs.push(null);
      } catch (e) {
        errs.push(e.code ?? e.name);
      }
    }
    return { errs, before, after: (await lib.list()).length };
  });
  assert.deepEqual(r.errs, ['not-found', 'TypeError', 'not-found', 'TypeError']);
  assert.equal(r.after, r.before);
});
