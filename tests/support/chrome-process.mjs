// Chromium as a real process on a persistent profile, so a test can SIGKILL every process of it
// and start it again on the same profile, as a crash or a killed browser would.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROME_FLAGS } from './browser.mjs';
import { findChrome } from './tools.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts Chromium on `profile` and connects over CDP. Returns { browser, context, pid, kill }. */
export async function startChrome(profile, { flags = [] } = {}) {
  const portFile = join(profile, 'DevToolsActivePort');
  rmSync(portFile, { force: true });
  const child = spawn(findChrome(), [...CHROME_FLAGS, '--headless', `--user-data-dir=${profile}`, '--remote-debugging-port=0', ...flags, 'about:blank'], {
    detached: true,
    stdio: 'ignore',
  });
  const until = Date.now() + 20_000;
  while (!existsSync(portFile) || !readFileSync(portFile, 'utf8').includes('\n')) {
    if (Date.now() > until) throw new Error('Chromium did not start');
    await sleep(50);
  }
  const port = readFileSync(portFile, 'utf8').split('\n')[0];
  const browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
  const context = browser.contexts()[0];
  return {
    browser,
    context,
    pid: child.pid,
    /** The DevTools port: its HTTP endpoints (/json/new, /json/activate/ID) need no attached client. */
    port,
    /** SIGKILL to the whole process group: browser, renderers, GPU and utility processes at once. */
    kill() {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      return new Promise((r) => (child.exitCode !== null || child.signalCode ? r() : child.once('exit', r)));
    },
    async close() {
      await browser.close().catch(() => {});
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    },
  };
}
