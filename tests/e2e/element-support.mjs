// Helpers shared by the <inpage-recorder> specs: put an element on the test page, find what has
// keyboard focus inside shadow roots, tab to a control, read what a person sees.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launch, openHarness, CHROME_FLAGS } from '../support/browser.mjs';

export const root = new URL('../..', import.meta.url).pathname;
export const shotsDir = join(root, 'tests/out/screenshots');

/** Chromium with two fake cameras (so there is something to pick). */
export function launchWithTwoCameras(opts = {}) {
  return launch({ ...opts, without: ['--use-fake-device-for-media-stream', ...(opts.without ?? [])], flags: ['--use-fake-device-for-media-stream=device-count=2', ...(opts.flags ?? [])] });
}

export { CHROME_FLAGS };

/** Opens the element test page in a fresh context of `browser` (fresh IndexedDB). */
export async function elementPage(browser, { colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ acceptDownloads: true, colorScheme, viewport: { width: 900, height: 1000 } });
  const page = await openHarness(context, '/tests/pages/element.html');
  return { context, page };
}

/** Adds `<inpage-recorder id=…>` with the given attributes to the page and waits for its first render. */
export async function addElement(page, attrs = {}, id = 'rec') {
  await page.evaluate(
    async ({ attrs, id }) => {
      const el = document.createElement('inpage-recorder');
      el.id = id;
      for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v === true ? '' : String(v));
      document.querySelector('#host').append(el);
      await el.updateComplete;
    },
    { attrs, id },
  );
  return page.locator(`#${id}`);
}

/** What has keyboard focus, looking through shadow roots: `{ tag, cls, text }`. */
export function deepActive(page) {
  return page.evaluate(() => {
    let a = document.activeElement;
    while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
    return a ? { tag: a.tagName.toLowerCase(), cls: a.className ?? '', text: (a.textContent ?? '').replace(/\s+/g, ' ').trim(), id: a.id } : null;
  });
}

/** Presses Tab (up to `max` times) until the focused control inside `#host` matches `selector`. */
export async function tabTo(page, selector, max = 60) {
  for (let i = 0; i < max; i++) {
    const hit = await page.evaluate((sel) => {
      let a = document.activeElement;
      while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
      return !!a && a.matches(sel);
    }, selector);
    if (hit) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}; focus is on ${JSON.stringify(await deepActive(page))}`);
}

/** The element's visible text, whitespace collapsed. */
export function shadowText(page, id = 'rec') {
  return page.evaluate((id) => shadowText(document.getElementById(id)), id);
}

/** Waits until the element's Recorder is in `state`. */
export function waitState(page, state, id = 'rec', timeout = 20_000) {
  return page.waitForFunction(({ id, state }) => document.getElementById(id)?.recorder?.state === state, { id, state }, { timeout });
}

/** Saves a full-page screenshot under tests/out/screenshots/. */
export async function shot(page, name) {
  mkdirSync(shotsDir, { recursive: true });
  const path = join(shotsDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  return path;
}
