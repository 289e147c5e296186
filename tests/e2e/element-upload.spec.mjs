// An upload the network cut off finishes when the page is opened again: the element resumes it
// from the chunk store against the dev server's real tus endpoint (/files/, as `npm start` has).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sha256 } from '../support/tus-server.mjs';
import { fetchBlob } from '../support/browser.mjs';
import { addElement, elementPage, launchWithTwoCameras, waitState } from './element-support.mjs';

let env;
before(async () => {
  env = await launchWithTwoCameras();
});
after(async () => env?.close());

describe('<inpage-recorder> upload', () => {
  test('an upload cut off by the network resumes when the page opens again, and the server copy equals the file', async () => {
    const { context, page } = await elementPage(env.browser);
    try {
      // No upload request gets through while recording: the recording itself must not care.
      await page.route('**/files/**', (route) => route.abort('internetdisconnected'));
      let el = await addElement(page, { 'upload-endpoint': '/files/', 'no-library': true });
      await el.locator('button.record').click();
      await waitState(page, 'recording');
      await page.waitForTimeout(2500);
      await el.locator('button.stop').click();
      await el.locator('video.playback').waitFor();
      const id = await page.evaluate(() => document.getElementById('rec').recorder.id);
      const local = await fetchBlob(page, `new ipr.RecordingsLibrary().get(${JSON.stringify(id)})`);
      assert.ok(local.length > 10_000, `a real file was stored (${local.length} B)`);

      // Network back, page reopened: the element picks the upload up by itself.
      await page.unroute('**/files/**');
      await page.reload();
      await page.waitForFunction(() => window.harnessReady === true);
      await page.evaluate(() => document.addEventListener('ipr-uploadcomplete', (e) => (window.uploaded = e.detail)));
      el = await addElement(page, { 'upload-endpoint': '/files/', 'no-library': true });
      await page.waitForFunction(() => !!window.uploaded, null, { timeout: 30_000 });
      const done = await page.evaluate(() => window.uploaded);
      assert.equal(done.id, id);
      assert.equal(done.bytes, local.length);
      assert.equal(done.sha256, sha256(local));
      await page.waitForFunction(() => /Uploaded and verified/.test(document.getElementById('rec').shadowRoot.querySelector('[part=upload]')?.textContent ?? ''));
      // what the server holds, byte for byte
      const server = await fetchBlob(page, `fetch(${JSON.stringify(done.url)}).then((r) => r.blob())`);
      assert.equal(sha256(server), sha256(local));
    } finally {
      await context.close();
    }
  });
});
