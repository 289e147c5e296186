// Launches the system Chromium with fake camera and microphone, and opens the test harness page.
import { chromium } from 'playwright-core';
import { findChrome } from './tools.mjs';

export const CHROME_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export const baseUrl = () => process.env.IPR_BASE_URL ?? 'http://127.0.0.1:5173';

/** A browser with fake devices. `flags` replaces or extends the defaults; `userDataDir` makes the profile persistent. */
export async function launch({ flags = [], without = [], userDataDir } = {}) {
  const args = [...CHROME_FLAGS.filter((f) => !without.includes(f)), ...flags];
  const executablePath = findChrome();
  if (userDataDir) {
    const context = await chromium.launchPersistentContext(userDataDir, { executablePath, args, headless: true });
    return { browser: null, context, close: () => context.close() };
  }
  const browser = await chromium.launch({ executablePath, args, headless: true });
  const context = await browser.newContext();
  return { browser, context, close: () => browser.close() };
}

/** Opens the harness page (the library from source via the dev server) and waits until it is ready. */
export async function openHarness(context, path = '/tests/pages/harness.html') {
  const page = await context.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
  page.logs = logs;
  await page.goto(baseUrl() + path);
  await page.waitForFunction(() => window.harnessReady === true, null, { timeout: 30_000 });
  return page;
}

/** Copies a Blob-valued expression's bytes from the page into a Buffer. */
export async function fetchBlob(page, expr) {
  const b64 = await page.evaluate(`(async () => blobToBase64(await (${expr})))()`);
  return Buffer.from(b64, 'base64');
}

/**
 * One browser and harness page for a whole spec file: registers node:test before/after hooks and
 * returns a handle whose `page` and `env` are set once the browser is up.
 */
export function useHarness(before, after) {
  const h = { env: null, page: null };
  before(async () => {
    h.env = await launch();
    h.page = await openHarness(h.env.context);
  });
  after(async () => h.env?.close());
  return h;
}
