// npm run bench -- [compare|latency|memory|encoder|all|sync] [--quick]
// compare (the default): inpage-recorder against MediaRecorder, fix-webm-duration, RecordRTC and
// Mediabunny in one run, written up as BENCHMARKS.md (bench/compare.mjs). The others compare
// inpage-recorder with the browser's own MediaRecorder only, in the same run, on the same stream;
// each prints a table per benchmark and writes bench/out/<name>.json.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildLib, median, openBench, outDir, sample, slope, sleep, table, y4m } from './lib/harness.mjs';
import { judge } from './lib/judge.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const which = args.find((a) => !a.startsWith('--')) ?? 'compare';
const RECORDERS = (process.env.BENCH_RECORDERS ?? 'inpage-recorder,MediaRecorder').split(',');
const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '–');

if (which === 'compare') {
  const { runCompare } = await import('./compare.mjs');
  await runCompare({ quick });
  process.exit(0);
}

if (which === 'sync') {
  // A/V sync has its own runner and report (npm run bench:sync); not part of 'all'.
  await import('./sync/run.mjs');
  process.exit(0);
}

async function saveFile(b, name) {
  const [download] = await Promise.all([b.page.waitForEvent('download'), b.page.evaluate((n) => benchDownload(n), name)]);
  const path = join(outDir, name);
  await download.saveAs(path);
  return path;
}

/** Stop → File latency at several lengths, medians over runs, both recorders on the same stream. */
async function latency() {
  const lengths = quick ? [3, 10] : [10, 60];
  const runs = quick ? 1 : 3;
  const b = await openBench({ camera: y4m(1280, 720, 30) });
  const results = [];
  try {
    await b.page.evaluate(() => benchStream());
    for (const seconds of lengths) {
      for (const name of RECORDERS) {
        const ms = [];
        const timings = [];
        for (let i = 0; i < runs; i++) {
          await b.page.evaluate((n) => benchStart(n), name);
          await sleep(seconds * 1000);
          const r = await b.page.evaluate(() => benchStop());
          ms.push(r.stopMs);
          if (r.stats?.stopTimings) timings.push(r.stats.stopTimings);
        }
        results.push({ recorder: name, seconds, runs: ms, median: median(ms), timings });
        console.log(`latency ${name} ${seconds}s: ${ms.map((x) => x.toFixed(0)).join(', ')} ms`);
      }
    }
  } finally {
    await b.close();
  }
  return results;
}

/** Memory through one long 720p30 recording per recorder, then its stop latency and file check. */
async function memory() {
  const seconds = Number(process.env.BENCH_MEMORY_SECONDS ?? (quick ? 60 : 600));
  const out = [];
  for (const name of RECORDERS) {
    const b = await openBench({ camera: y4m(1280, 720, 30) });
    try {
      const settings = await b.page.evaluate(() => benchStream());
      await sleep(1000);
      const before = await sample(b);
      await b.page.evaluate((n) => benchStart(n), name);
      const t0 = Date.now();
      const samples = [];
      while (Date.now() - t0 < seconds * 1000) {
        await sleep(Math.min(5000, seconds * 1000 - (Date.now() - t0)));
        const s = await sample(b);
        samples.push({ ...s, t: (s.t - t0) / 1000, stats: await b.page.evaluate(() => benchStats()) });
      }
      const stop = await b.page.evaluate(() => benchStop());
      const file = await saveFile(b, `memory-${name}.${stop.type.includes('mp4') ? 'mp4' : 'webm'}`);
      const late = samples.filter((s) => s.t >= (quick ? 20 : 60));
      const growth = (key) => (late.length > 1 ? late[late.length - 1][key] - late[0][key] : NaN);
      const perMin = (key) => (late.length > 1 ? slope(late.map((s) => s.t / 60), late.map((s) => s[key])) : NaN);
      const cpuPerMin = ((samples[samples.length - 1].cpuS - before.cpuS) / seconds) * 60;
      const r = {
        recorder: name,
        seconds,
        settings,
        stopMs: stop.stopMs,
        size: stop.size,
        stats: stop.stats,
        file: judge(file, seconds),
        heapGrowthMB: growth('jsHeapMB'),
        rendererGrowthMB: growth('rendererMB'),
        totalGrowthMB: growth('totalMB'),
        rendererMBPerMin: perMin('rendererMB'),
        totalMBPerMin: perMin('totalMB'),
        peakTotalMB: Math.max(...samples.map((s) => s.totalMB)),
        cpuSecondsPerMin: cpuPerMin,
        samples: samples.map(({ stats, ...s }) => s),
      };
      out.push(r);
      console.log(`memory ${name}: renderer +${fmt(r.rendererGrowthMB, 1)} MB, total +${fmt(r.totalGrowthMB, 1)} MB after the first minute; stop ${fmt(r.stopMs)} ms`);
    } finally {
      await b.close();
    }
  }
  return out;
}

/** Whether each codec keeps up at 720p30 and 1080p30 on this machine: frames dropped per minute. */
async function encoder() {
  const seconds = quick ? 15 : 60;
  const out = [];
  for (const [w, h] of [
    [1280, 720],
    [1920, 1080],
  ]) {
    const b = await openBench({ camera: y4m(w, h, 30) });
    try {
      await b.page.evaluate((v) => benchStream(v), { width: w, height: h, frameRate: 30 });
      for (const codec of ['h264', 'vp9', 'vp8', 'av1']) {
        const format = codec === 'h264' ? 'mp4' : 'webm';
        await b.page.evaluate(({ format, codec }) => benchStart('inpage-recorder', { format, audio: false, video: { codec, resolution: '1080p' } }), { format, codec });
        const c0 = await sample(b);
        await sleep(seconds * 1000);
        const c1 = await sample(b);
        const r = await b.page.evaluate(() => benchStop());
        const s = r.stats;
        const minutes = s.durationMs / 60000;
        out.push({
          size: `${w}x${h}`,
          codec,
          seconds,
          framesIn: s.framesIn,
          framesEncoded: s.framesEncoded,
          framesDropped: s.framesDropped,
          droppedPerMin: s.framesDropped / minutes,
          fpsIn: s.framesIn / (s.durationMs / 1000),
          fpsOut: s.framesEncoded / (s.durationMs / 1000),
          cpuCores: (c1.cpuS - c0.cpuS) / seconds,
        });
        console.log(`encoder ${w}x${h} ${codec}: in ${s.framesIn}, encoded ${s.framesEncoded}, dropped ${s.framesDropped}`);
      }
    } finally {
      await b.close();
    }
  }
  return out;
}

buildLib();
const report = [];
const save = (name, data) => writeFileSync(join(outDir, `${name}.json`), JSON.stringify({ date: new Date().toISOString(), quick, data }, null, 2));

let latencyRows = [];
if (which === 'latency' || which === 'all') {
  const r = await latency();
  latencyRows = r;
  save('latency', r);
  report.push('### Stop → File latency (ms, median of runs)', table(['recorder', 'length', 'runs', 'median'], r.map((x) => [x.recorder, `${x.seconds} s`, x.runs.map((v) => fmt(v)).join(', '), fmt(x.median)])));
}
if (which === 'memory' || which === 'all') {
  const r = await memory();
  save('memory', r);
  if (latencyRows.length) {
    // The long point of the latency curve is the memory run's own stop.
    const rows = [...latencyRows, ...r.map((x) => ({ recorder: x.recorder, seconds: x.seconds, runs: [x.stopMs], median: x.stopMs }))];
    report.push(
      '### Stop → File latency against recording length (ms)',
      table(['recorder', ...[...new Set(rows.map((x) => x.seconds))].map((s) => `${s} s`)], RECORDERS.map((n) => [n, ...[...new Set(rows.map((x) => x.seconds))].map((s) => fmt(rows.find((x) => x.recorder === n && x.seconds === s)?.median))])),
    );
  }
  report.push(
    `### Memory through a ${r[0]?.seconds ?? ''} s 720p30 recording (growth after the first minute)`,
    table(
      ['recorder', 'JS heap', 'renderer RSS', 'all processes RSS', 'renderer MB/min', 'peak total MB', 'CPU s/min', `stop → File`, 'file'],
      r.map((x) => [x.recorder, `${fmt(x.heapGrowthMB, 1)} MB`, `${fmt(x.rendererGrowthMB, 1)} MB`, `${fmt(x.totalGrowthMB, 1)} MB`, fmt(x.rendererMBPerMin, 2), fmt(x.peakTotalMB), fmt(x.cpuSecondsPerMin, 1), `${fmt(x.stopMs)} ms`, x.file.summary]),
    ),
  );
}
if (which === 'encoder' || which === 'all') {
  const r = await encoder();
  save('encoder', r);
  report.push('### Encoder keeps up (inpage-recorder, 30 fps camera)', table(['size', 'codec', 'fps in', 'fps out', 'dropped', 'dropped/min', 'CPU cores'], r.map((x) => [x.size, x.codec, fmt(x.fpsIn, 1), fmt(x.fpsOut, 1), x.framesDropped, fmt(x.droppedPerMin, 1), fmt(x.cpuCores, 2)])));
}
const text = report.join('\n\n');
writeFileSync(join(outDir, `report-${which}.md`), text + '\n');
console.log('\n' + text);
