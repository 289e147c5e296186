// npm run bench:upload -- [--seconds N] [--quick] [--only NAME]   (default 600 s per run; --quick: 60 s)
// Upload lag while recording 720p30 (p50/p99 of seconds recorded but not yet on the server) and
// time from stop() to the server holding the complete, verified file: on loopback, and with the
// upload throttled (CDP Network.emulateNetworkConditions) to 1.5× and 0.8× the recording's own
// bitrate. Baseline, same run: the same recording uploaded only after stop (`upload.export`).
// Against a real @tus/server on loopback. Prints a table; writes bench/out/upload.json.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256, startTusServer } from '../tests/support/tus-server.mjs';
import { buildLib, openBench, outDir, sleep, table, y4m } from './lib/harness.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const secIdx = args.indexOf('--seconds');
const seconds = secIdx >= 0 ? Number(args[secIdx + 1]) : quick ? 60 : 600;
const pct = (xs, p) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length - 1) * p))] : NaN);
/** Least-squares slope of [x, y] points. */
function lineFit(pts) {
  if (pts.length < 2) return NaN;
  const mx = pts.reduce((a, [x]) => a + x, 0) / pts.length;
  const my = pts.reduce((a, [, y]) => a + y, 0) / pts.length;
  const sxy = pts.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const sxx = pts.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return sxy / sxx;
}
const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '–');

const only = args.indexOf('--only') >= 0 ? args[args.indexOf('--only') + 1] : null;
const runs = [
  { name: 'after stop (baseline)', throttle: null, afterStop: true },
  { name: 'while recording, loopback', throttle: null },
  { name: 'while recording, link 1.5× bitrate', throttle: 1.5 },
  { name: 'while recording, link 0.8× bitrate', throttle: 0.8 },
];

buildLib();
const camera = y4m(1280, 720, 30);
const tus = await startTusServer({ allowedOrigins: (o) => /^http:\/\/127\.0\.0\.1:\d+$/.test(o) });
const results = [];
try {
  for (const run of runs.filter((r) => !only || r.name.includes(only))) {
    const bench = await openBench({ camera });
    try {
      const { page, cdp } = bench;
      await cdp.send('Network.enable');
      const id = await page.evaluate(async ({ endpoint, afterStop }) => {
        const rec = new Recorder({ format: 'mp4', upload: { endpoint, ...(afterStop ? { export: (file) => file } : {}) } });
        window.upRec = rec;
        window.lags = [];
        window.upErrors = [];
        rec.addEventListener('uploadprogress', (e) => {
          if (e.detail.bytesTotal === null) window.lags.push([performance.now() / 1000, e.detail.lagSeconds]);
        });
        rec.addEventListener('error', (e) => window.upErrors.push(e.detail.code));
        const s = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720, frameRate: 30 }, audio: true });
        await rec.start(s);
        return rec.id;
      }, { endpoint: tus.url, afterStop: !!run.afterStop });
      let rateBps = null;
      if (run.throttle) {
        // The link is set against the bitrate this recording actually produces: bytes stored
        // between 4 s and 14 s (from zero would count the fragment still open as missing bytes;
        // a short window on a busy machine caught storage running behind and set the link far
        // too slow).
        await sleep(4000);
        const a = await page.evaluate(() => window.upRec.stats);
        await sleep(10000);
        const b = await page.evaluate(() => window.upRec.stats);
        rateBps = ((b.bytesStored - a.bytesStored) / (b.durationMs - a.durationMs)) * 1000;
        await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: Math.round(rateBps * run.throttle) });
      }
      await sleep(seconds * 1000 - (run.throttle ? 14000 : 0));
      const stopCall = Date.now();
      const stopped = await page.evaluate(async () => {
        const r = await window.upRec.stop();
        window.upFile = r.file;
        window.upHandle = r.upload;
        return { size: r.file.size, durationMs: r.durationMs, lags: window.lags };
      });
      let fin = null;
      const until = Date.now() + Math.max(120_000, seconds * 2000);
      while (!fin && Date.now() < until) {
        fin = tus.finished.find((x) => x.metadata.recordingId === id) ?? null;
        if (!fin) await sleep(20);
      }
      const completeS = fin ? (Date.now() - stopCall) / 1000 : NaN;
      const local = await page.evaluate(async () => {
        const buf = new Uint8Array(await window.upFile.arrayBuffer());
        return Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', buf)), (b) => b.toString(16).padStart(2, '0')).join('');
      });
      const errors = await page.evaluate(() => window.upErrors);
      const series = stopped.lags;
      const lags = series.map(([, l]) => l);
      // How the lag grew: its least-squares slope (seconds of lag per second recorded; 0 when the
      // link keeps up, 1 − link/bitrate when it does not) and the largest rise between successive
      // progress events (a smooth growth has no rise much above one fragment, ~1 s).
      const fit = lineFit(series.filter(([t]) => t - series[0][0] >= 10));
      const maxRise = Math.max(0, ...series.slice(1).map(([, l], i) => l - series[i][1]));
      const row = {
        run: run.name,
        seconds,
        bitrateMbps: ((stopped.size * 8) / stopped.durationMs / 1000).toFixed(2),
        linkMbps: rateBps && run.throttle ? ((rateBps * run.throttle * 8) / 1e6).toFixed(2) : 'loopback',
        lagP50: run.afterStop ? seconds : pct(lags, 0.5),
        lagP99: run.afterStop ? seconds : pct(lags, 0.99),
        stopToCompleteS: completeS,
        lagSlope: run.afterStop ? 1 : fit,
        lagMaxRiseS: run.afterStop ? NaN : maxRise,
        equal: fin ? sha256(tus.file(fin.id)) === local : false,
        errors,
      };
      results.push(row);
      console.log(JSON.stringify(row));
    } finally {
      await bench.close();
    }
  }
} finally {
  await tus.close();
}

writeFileSync(join(outDir, 'upload.json'), JSON.stringify({ seconds, results }, null, 2));
console.log(`\nUpload, ${seconds} s of 720p30 MP4 per run, @tus/server on loopback\n`);
console.log(
  table(
    ['run', 'recording Mbit/s', 'link Mbit/s', 'lag p50 s', 'lag p99 s', 'lag growth s/s', 'largest lag rise s', 'stop → server complete s', 'server = local (sha256)'],
    results.map((r) => [r.run, r.bitrateMbps, r.linkMbps, f(r.lagP50), f(r.lagP99), f(r.lagSlope, 3), f(r.lagMaxRiseS), f(r.stopToCompleteS), r.equal ? 'yes' : 'NO']),
  ),
);
