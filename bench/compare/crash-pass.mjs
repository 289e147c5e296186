// Crash loss: every browser process SIGKILLed at a random moment while inpage-recorder records,
// Chromium started again on the same profile, the recording recovered, and its duration compared
// with how long it had been recording (as bench/storage.mjs `kill` does). Only recorders that
// persist anything are measured: the others hold the recording in memory, so a crash leaves 0 s.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChrome } from '../../tests/support/chrome-process.mjs';
import { serveStatic } from '../../tests/support/static-server.mjs';
import { root, sleep, y4m } from '../lib/harness.mjs';
import { checkFile, saveFile } from './common.mjs';

async function openPage(chrome, url) {
  const page = await chrome.context.newPage();
  await page.goto(`${url}/bench/pages/bench.html`);
  await page.waitForFunction(() => window.benchReady === true);
  return page;
}

export async function crashPass({ runs, from = 8, to = 15, log }) {
  const server = await serveStatic(root);
  const camera = y4m(1280, 720, 30);
  const out = [];
  try {
    for (let i = 0; i < runs; i++) {
      const profile = mkdtempSync(join(tmpdir(), 'ipr-crash-'));
      try {
        const chrome = await startChrome(profile, { flags: [`--use-file-for-fake-video-capture=${camera}`] });
        const page = await openPage(chrome, server.url);
        await page.evaluate(() => benchStream());
        await page.evaluate(() => benchStart('inpage-recorder'));
        const t0 = Date.now();
        await sleep((from + Math.random() * (to - from)) * 1000);
        const recorded = (Date.now() - t0) / 1000;
        await chrome.kill();
        const again = await startChrome(profile);
        try {
          const p2 = await openPage(again, server.url);
          const reports = await p2.evaluate(() => benchRecover());
          const id = reports[0]?.id;
          let recovered = 0;
          let file = null;
          if (id && (await p2.evaluate((k) => Boolean(window.recovered[k]), id))) {
            await p2.evaluate((k) => (window.benchFile = window.recovered[k]), id);
            const path = await saveFile(p2, `compare-crash-${i}.mp4`);
            file = checkFile(path, recorded, { decode: true });
            recovered = file.ffprobeDuration ?? 0;
          }
          out.push({ recorder: 'inpage-recorder', recorded, recovered, lost: recorded - recovered, decodeErrors: file?.decodeErrors ?? null, failure: reports[0]?.failure ?? (id ? null : 'nothing to recover') });
          log(`crash ${i + 1}/${runs}: recorded ${recorded.toFixed(2)} s, recovered ${recovered.toFixed(2)} s, lost ${(recorded - recovered).toFixed(2)} s`);
        } finally {
          await again.close();
          await again.kill();
        }
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
    }
  } finally {
    await server.close();
  }
  return out;
}
