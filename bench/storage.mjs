// npm run bench:storage -- [kill|lag|long|all] [--quick]   (BENCH_LONG_SPEED, BENCH_LONG_HOURS for `long`)
// Crash loss over SIGKILLs at random moments, storage lag at 1080p30, and hours of storage by an
// accelerated replay of real encoded fragments. Prints tables; writes bench/out/storage-*.json.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'vite';
import { startChrome } from '../tests/support/chrome-process.mjs';
import { serveStatic } from '../tests/support/static-server.mjs';
import { buildLib, launchProfile, median, outDir, root, sample, sleep, table, y4m } from './lib/harness.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const which = args.find((a) => !a.startsWith('--')) ?? 'all';
const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '–');
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length - 1) * p))];
const report = [];

/** Seconds of media lost when every browser process is SIGKILLed at a random moment. */
async function kill() {
  const runs = quick ? 3 : 10;
  const server = await serveStatic(root);
  const camera = y4m(1280, 720, 30);
  const out = [];
  try {
    for (let i = 0; i < runs; i++) {
      const profile = mkdtempSync(join(tmpdir(), 'ipr-kill-'));
      const chrome = await startChrome(profile, { flags: [`--use-file-for-fake-video-capture=${camera}`] });
      const page = await chrome.context.newPage();
      await page.goto(`${server.url}/bench/pages/bench.html`);
      await page.waitForFunction(() => window.benchReady === true);
      await page.evaluate(() => benchStream());
      await page.evaluate(() => benchStart('inpage-recorder'));
      const t0 = Date.now();
      const ms = 4000 + Math.random() * 12000;
      await sleep(ms);
      const recorded = (Date.now() - t0) / 1000;
      await chrome.kill();
      const again = await startChrome(profile);
      const p2 = await again.context.newPage();
      await p2.goto(`${server.url}/bench/pages/bench.html`);
      await p2.waitForFunction(() => window.benchReady === true);
      const reports = await p2.evaluate(() => benchRecover());
      const [download] = await Promise.all([p2.waitForEvent('download'), p2.evaluate((id) => { window.benchFile = window.recovered[id]; benchDownload('kill.mp4'); }, reports[0]?.id)]);
      const path = join(outDir, `kill-${i}.mp4`);
      await download.saveAs(path);
      const duration = Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path], { encoding: 'utf8' }).trim());
      const errors = execFileSync('sh', ['-c', `ffmpeg -v error -i ${path} -f null - 2>&1 | grep -v 'non monotonically' | head -3`], { encoding: 'utf8' }).trim();
      await again.close();
      out.push({ recorded, recovered: duration, lost: recorded - duration, decodeErrors: errors });
      console.log(`kill ${i + 1}/${runs}: recorded ${recorded.toFixed(2)} s, recovered ${duration.toFixed(2)} s, lost ${(recorded - duration).toFixed(2)} s${errors ? ' ERR ' + errors : ''}`);
    }
  } finally {
    await server.close();
  }
  const lost = out.map((r) => r.lost);
  report.push(`### Media lost on SIGKILL of every browser process (${runs} kills at random moments 4–16 s in, 720p30)`, table(['median lost', 'max lost', 'min lost', 'files that decode cleanly'], [[`${fmt(median(lost), 2)} s`, `${fmt(Math.max(...lost), 2)} s`, `${fmt(Math.min(...lost), 2)} s`, `${out.filter((r) => !r.decodeErrors).length}/${runs}`]]));
  return out;
}

/** Bytes produced but not committed, in seconds of media, sampled through a 1080p30 recording. */
async function lag() {
  const seconds = quick ? 20 : 60;
  const server = await serveStatic(root);
  const chrome = await launchProfile([`--use-file-for-fake-video-capture=${y4m(1920, 1080, 30)}`]);
  try {
    const page = await chrome.context.newPage();
    await page.goto(`${server.url}/bench/pages/bench.html`);
    await page.waitForFunction(() => window.benchReady === true);
    await page.evaluate(() => benchStream({ width: 1920, height: 1080, frameRate: 30 }));
    await page.evaluate(() => benchStart('inpage-recorder', { video: { resolution: '1080p' }, statsInterval: 100 }));
    await page.evaluate(() => {
      window.lagSamples = [];
      window.lastRecorderStats = null;
    });
    const samples = [];
    const checkpoints = new Set();
    const t0 = Date.now();
    while (Date.now() - t0 < seconds * 1000) {
      await sleep(200);
      const s = await page.evaluate(() => benchStats());
      if (s && s.durationMs > 3000 && s.bytesStored > 0) samples.push(s.bytesPending / (s.bytesStored / (s.durationMs / 1000)));
      if (s?.checkpointMs) checkpoints.add(s.checkpointMs);
    }
    const r = await page.evaluate(() => benchStop());
    const cp = [...checkpoints];
    const out = { seconds, samples: samples.length, p50: pct(samples, 0.5), p99: pct(samples, 0.99), max: Math.max(...samples), framesDropped: r.stats.framesDropped, framesIn: r.stats.framesIn, checkpointMs: cp };
    report.push(
      `### Storage lag at 1080p30 (H.264, ${seconds} s): bytes produced but not yet committed, as seconds of media`,
      table(['p50', 'p99', 'max', 'frames dropped', 'strict checkpoint (median of ' + cp.length + ')'], [[`${fmt(out.p50, 2)} s`, `${fmt(out.p99, 2)} s`, `${fmt(out.max, 2)} s`, `${out.framesDropped} of ${out.framesIn}`, `${fmt(median(cp), 1)} ms`]]),
    );
    return out;
  } finally {
    await chrome.close();
    await server.close();
  }
}

/** Two hours of 720p30 at 5 Mbps: real encoded fragments replayed through the chunk store at 16× real time. */
async function long() {
  const hours = quick ? 0.25 : Number(process.env.BENCH_LONG_HOURS ?? 2);
  // 16× real time by default (same bytes and records, less time for each write); BENCH_LONG_SPEED=1
  // replays at recording pace (two hours).
  const speed = Number(process.env.BENCH_LONG_SPEED ?? 16);
  const server = await createServer({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'warn', server: { port: 0, host: '127.0.0.1', hmr: false, ws: false, watch: null } });
  await server.listen();
  const url = `http://127.0.0.1:${server.httpServer.address().port}`;
  const chrome = await launchProfile([`--use-file-for-fake-video-capture=${y4m(1280, 720, 30)}`]);
  const page = await chrome.context.newPage();
  const cdp = await chrome.context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const browserCdp = await chrome.browser.newBrowserCDPSession();
  try {
    await page.goto(`${url}/bench/pages/replay.html`);
    await page.waitForFunction(() => window.benchReady === true);
    const src = await page.evaluate(() => recordFragments(20, { format: 'mp4', video: { resolution: '720p', bitrate: 5_000_000 } }));
    const mem = [];
    const done = page.evaluate(({ total, speed }) => replay(total, speed), { total: hours * 3600, speed });
    let finished = null;
    void done.then((r) => (finished = r));
    while (!finished) {
      await sleep(10_000);
      const s = await sample({ cdp, browserCdp });
      const p = await page.evaluate(() => window.replayProgress);
      mem.push({ media: p?.media ?? 0, ...s });
      if (p) console.log(`long: ${(p.media / 60).toFixed(0)} min of media, ${(p.stored / 2 ** 30).toFixed(2)} GiB stored, renderer ${s.rendererMB.toFixed(0)} MB, all ${s.totalMB.toFixed(0)} MB`);
    }
    const r = await done;
    const late = mem.filter((m) => m.media > 600);
    const growth = (k) => (late.length > 1 ? late[late.length - 1][k] - late[0][k] : NaN);
    const out = { hours, speed, source: src, ...r, rendererGrowthMB: growth('rendererMB'), totalGrowthMB: growth('totalMB'), peakTotalMB: Math.max(...mem.map((m) => m.totalMB)), mem };
    report.push(
      `### ${hours} h of 720p30 at 5 Mbps through the chunk store (real fragments replayed at ${speed}× real time)`,
      table(['media', 'stored', 'write errors', 'stop → File (assembly)', 'renderer RSS growth after 10 min', 'all-process RSS growth', 'peak all-process RSS'], [[`${fmt(r.media / 3600, 2)} h`, `${fmt(r.bytes / 2 ** 30, 2)} GiB in ${r.chunks} records`, r.error ?? 'none', `${fmt(r.assembleMs)} ms`, `${fmt(out.rendererGrowthMB)} MB`, `${fmt(out.totalGrowthMB)} MB`, `${fmt(out.peakTotalMB)} MB`]]),
    );
    return out;
  } finally {
    await chrome.close();
    await server.close();
  }
}

if (which !== 'long') buildLib();
const results = {};
if (which === 'kill' || which === 'all') results.kill = await kill();
if (which === 'lag' || which === 'all') results.lag = await lag();
if (which === 'long' || which === 'all') results.long = await long();
writeFileSync(join(outDir, `storage-${which}.json`), JSON.stringify({ date: new Date().toISOString(), quick, results }, null, 2));
const text = report.join('\n\n');
writeFileSync(join(outDir, `report-storage-${which}.md`), text + '\n');
console.log('\n' + text);
