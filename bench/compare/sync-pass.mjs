// A/V sync of every recorder with the clapperboard of bench/sync (its page and its analysis, used
// as they are): the same seeded flash/beep pattern for each recorder, one after the other in one
// browser, so each records an idle machine's stream.
import { serveStatic } from '../../tests/support/static-server.mjs';
import { launchProfile, root } from '../lib/harness.mjs';
import { analyse } from '../sync/analyse.mjs';
import { checkFile, extension, saveFile, slug } from './common.mjs';

export async function syncPass({ recorders, seconds, seed = 1, log }) {
  const server = await serveStatic(root);
  const chrome = await launchProfile();
  const out = [];
  try {
    const page = await chrome.context.newPage();
    page.on('pageerror', (e) => log(`[page] ${e.message}`));
    await page.goto(`${server.url}/bench/sync/sync.html`);
    await page.waitForFunction(() => window.syncReady === true);
    // A page's first clapperboard is thrown away: while the taps warm up they miss the references
    // of most events (seen with every recorder), which would count against whichever came first.
    await page.evaluate(() => syncRecord('MediaRecorder', { seconds: 4, seed: 99 }));
    for (const name of recorders) {
      const r = await page.evaluate(([n, o]) => syncRecord(n, o), [name, { seconds, seed }]);
      const path = await saveFile(page, `compare-sync-${slug(name)}.${extension(r.type)}`, (n) => window.syncDownload(n));
      const a = analyse(path, r.events);
      const errors = a.rows.filter((e) => e.error !== null).map((e) => e.error);
      out.push({ recorder: name, seconds, seed, summary: a.summary, errors, streams: a.streams, file: checkFile(path, (r.stoppedAt - r.startedAt) / 1000) });
      const s = a.summary;
      log(`sync ${name}: ${s.matched}/${s.events} events, median ${s.median.toFixed(1)} ms, p95 |e| ${s.p95.toFixed(1)} ms, drift ${s.driftMsPerMin.toFixed(2)} ms/min`);
    }
  } finally {
    await chrome.close();
    await server.close();
  }
  return out;
}
