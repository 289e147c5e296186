// Accessibility of <inpage-recorder>: axe-core finds no serious or critical violation in the idle,
// preview, recording, stopped, library, recovery and error states, in light and dark; a screenshot
// of each state is saved under tests/out/screenshots/. Also the recovery banner end to end.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import AxeBuilder from '@axe-core/playwright';
import { launch } from '../support/browser.mjs';
import { addElement, elementPage, shadowText, shot, waitState } from './element-support.mjs';

let env;
before(async () => {
  env = await launch();
});
after(async () => env?.close());

/** Serious and critical axe violations on the page (the element's shadow DOM included). */
async function seriousViolations(page) {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function check(page, state, scheme) {
  // the level meter animates; settle it for a stable picture
  await page.waitForTimeout(300);
  await shot(page, `${state}-${scheme}`);
  assert.deepEqual(await seriousViolations(page), [], `${state} (${scheme})`);
}

/** Leaves an interrupted recording behind: a tab records, then closes without stopping. */
async function interruptedRecording(context) {
  const { openHarness } = await import('../support/browser.mjs');
  const p = await openHarness(context);
  const id = await p.evaluate(() => startRecording({ format: 'mp4' }));
  // Interrupted once the header and two fragments are committed, not after a fixed time: on a cold
  // dev server the first one was sometimes still being committed 2.5 s in. With the header and one
  // fragment committed, the first test of two clean-checkout runs still recovered 0 ms (not seen
  // in five runs since): the assertion below prints the recovery report if it happens again.
  await p.waitForFunction(() => window.rec.stats.chunksStored >= 3, null, { timeout: 20_000 });
  await p.close();
  return id;
}

describe('<inpage-recorder> accessibility', () => {
  for (const scheme of ['light', 'dark']) {
    test(`no serious or critical axe violation in each state (${scheme}); screenshots saved`, async () => {
      const { context, page } = await elementPage(env.browser, { colorScheme: scheme });
      try {
        const el = await addElement(page, { diagnostics: true });
        await check(page, 'idle', scheme);

        await el.locator('button.camera-on').click();
        await el.locator('select.picker-video').waitFor();
        await check(page, 'preview', scheme);

        await el.locator('button.record').click();
        await waitState(page, 'recording');
        await page.waitForTimeout(1500);
        await check(page, 'recording', scheme);

        await el.locator('button.pause').click();
        await waitState(page, 'paused');
        await check(page, 'paused', scheme);

        await el.locator('button.stop').click();
        await el.locator('video.playback').waitFor();
        await el.locator('li.item img.thumb').first().waitFor({ timeout: 15_000 });
        await check(page, 'stopped', scheme);

        // the library with a second recording, one row in rename mode and one asking to delete
        await el.locator('.result button.new').click();
        await el.locator('button.record').click();
        await waitState(page, 'recording');
        await page.waitForTimeout(1200);
        await el.locator('button.stop').click();
        await el.locator('video.playback').waitFor();
        await el.locator('.result button.new').click();
        await page.waitForFunction(() => document.getElementById('rec').shadowRoot.querySelectorAll('li.item img.thumb').length === 2, null, { timeout: 15_000 });
        await check(page, 'library', scheme);
        await el.locator('li.item button.rename').first().click();
        await el.locator('li.item button.delete').last().click();
        assert.equal(await seriousViolations(page).then((v) => v.length), 0);

        // an error a person can act on: the page gave a stream with no microphone track
        const err = await addElement(page, { 'no-library': true }, 'err');
        await page.evaluate(() => {
          const c = Object.assign(document.createElement('canvas'), { width: 320, height: 180 });
          c.getContext('2d').fillRect(0, 0, 320, 180);
          document.getElementById('err').stream = c.captureStream(10);
        });
        await err.locator('button.record').click();
        await err.locator('[role=alert] .error').waitFor();
        assert.match(await err.locator('[role=alert]').innerText(), /No camera or microphone was found — connect one/);
        assert.doesNotMatch(await err.locator('[role=alert]').innerText(), /at \w+ \(|Error:/, 'no stack trace');
        await err.scrollIntoViewIfNeeded();
        await check(page, 'error', scheme);
      } finally {
        await context.close();
      }
    });
  }

  test('recovery banner: an interrupted recording is offered, recovered, and listed', async () => {
    const { context, page } = await elementPage(env.browser);
    try {
      const id = await interruptedRecording(context);
      const el = await addElement(page);
      await el.locator('[part=recovery]').waitFor({ timeout: 10_000 });
      assert.match(await shadowText(page), /One recording was interrupted/);
      await check(page, 'recovery', 'light');
      await el.locator('button.recover').click();
      await el.locator('[part=recovery]').waitFor({ state: 'detached', timeout: 15_000 });
      const ev = await page.evaluate(() => iprEvents.find((e) => e.type === 'ipr-recovered'));
      assert.equal(ev.detail.length, 1);
      assert.equal(ev.detail[0].id, id);
      assert.ok(ev.detail[0].recoveredMs >= 1000, `recovered ${ev.detail[0].recoveredMs} ms: ${JSON.stringify(ev.detail[0])}`);
      assert.match(await el.locator('[role=status]').innerText(), /Recovered one recording/);
      await page.waitForFunction((id) => document.getElementById('rec').shadowRoot.querySelector(`li[data-id="${id}"] .badge`)?.textContent === 'recovered', id);
    } finally {
      await context.close();
    }
  });
});
