// The long pass: every recorder records the same 720p30 camera stream for the full length at the
// same time, each in its own Chromium on its own profile, so a recorder's memory (its page's JS heap,
// its renderer, all of its browser's processes) is its own, and one long run costs the wall time of
// one. Memory is sampled every 5 s; the end of the run is the long point of the stop-latency curve.
// The recorders share two cores here, so CPU is not taken from this pass (see sequential.mjs).
import { openBench, sample, sleep, slope, y4m } from '../lib/harness.mjs';
import { checkFile, extension, saveFile, slug } from './common.mjs';

/**
 * Recorders whose recording is another's until stop: fix-webm-duration only rewrites MediaRecorder's
 * finished file, so it runs on MediaRecorder's own recording (its stop latency is MediaRecorder's
 * stop plus the fix, its memory MediaRecorder's plus the fix's peak) instead of a fifth encoder
 * competing for the same two cores.
 */
const AT_STOP = { 'MediaRecorder + fix-webm-duration': { of: 'MediaRecorder', run: () => window.benchFixDuration() } };

const memoryOf = (s) => ({ jsHeapMB: s.jsHeapMB, rendererMB: s.rendererMB, totalMB: s.totalMB });

export async function memoryPass({ recorders, seconds, warmup, interval = 5, log }) {
  const derived = recorders.filter((n) => AT_STOP[n] && recorders.includes(AT_STOP[n].of));
  const live = recorders.filter((n) => !derived.includes(n));
  const browsers = [];
  const out = [];
  try {
    for (const name of live) {
      const b = await openBench({ camera: y4m(1280, 720, 30) });
      browsers.push({ name, b, samples: [] });
      await b.page.evaluate(() => benchStream());
    }
    await sleep(2000);
    for (const s of browsers) s.before = memoryOf(await sample(s.b));
    for (const s of browsers) await s.b.page.evaluate((n) => benchStart(n), s.name);
    const t0 = Date.now();
    for (let tick = 1; tick * interval <= seconds; tick++) {
      await sleep(Math.max(0, t0 + tick * interval * 1000 - Date.now()));
      for (const s of browsers) {
        const x = await sample(s.b);
        s.samples.push({ t: (x.t - t0) / 1000, ...memoryOf(x), cpuS: x.cpuS });
      }
      if (tick % 12 === 0) log(`memory ${tick * interval} s: ${browsers.map((s) => `${s.name} ${s.samples.at(-1).totalMB.toFixed(0)} MB`).join(', ')}`);
    }
    // All stopped at the same instant, so every stop starts under the same load (one after another,
    // the first stop ran while all the others still recorded and the last while none did, and
    // inpage-recorder was first). Fixes and files follow.
    const stops = await Promise.all(browsers.map((s) => s.b.page.evaluate(() => benchStop())));
    for (const [i, s] of browsers.entries()) {
      const r = stops[i];
      s.stop = { ...r, after: memoryOf(await sample(s.b)) };
      log(`memory ${s.name}: stop after ${(r.durationMs / 1000).toFixed(1)} s took ${r.stopMs.toFixed(0)} ms${r.stats?.stopTimings ? ` (${Object.entries(r.stats.stopTimings).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`);
      for (const d of derived.filter((n) => AT_STOP[n].of === s.name)) {
        // The unfixed file stays in the page (saved below with the others).
        await s.b.page.evaluate(() => (window.benchRaw = window.benchFile));
        const fix = await s.b.page.evaluate(AT_STOP[d].run);
        s.derived = { name: d, fixMs: fix.fixMs, after: memoryOf(await sample(s.b)) };
        log(`memory ${d}: stop ${r.stopMs.toFixed(0)} + fix ${fix.fixMs.toFixed(0)} ms`);
      }
    }
    for (const s of browsers) {
      const ext = extension(s.stop.type);
      const seconds = s.stop.durationMs / 1000;
      const base = summarise(s, warmup);
      if (s.derived) {
        const fixed = checkFile(await saveFile(s.b.page, `compare-long-${slug(s.derived.name)}.${ext}`), seconds);
        await s.b.page.evaluate(() => (window.benchFile = window.benchRaw));
        const raw = checkFile(await saveFile(s.b.page, `compare-long-${slug(s.name)}.${ext}`), seconds);
        out.push({ ...base, stopMs: s.stop.stopMs, afterStop: s.stop.after, file: raw });
        out.push({ ...base, recorder: s.derived.name, sharedWith: s.name, stopMs: s.stop.stopMs + s.derived.fixMs, fixMs: s.derived.fixMs, afterStop: s.derived.after, file: fixed });
      } else {
        const file = checkFile(await saveFile(s.b.page, `compare-long-${slug(s.name)}.${ext}`), seconds);
        out.push({ ...base, stopMs: s.stop.stopMs, afterStop: s.stop.after, file, stats: s.stop.stats ? { framesIn: s.stop.stats.framesIn, framesDropped: s.stop.stats.framesDropped } : null, stopTimings: s.stop.stats?.stopTimings ?? null });
      }
    }
  } finally {
    for (const s of browsers) await s.b.close();
  }
  return recorders.map((n) => out.find((x) => x.recorder === n)).filter(Boolean);
}

/** Growth after the warm-up: totals (last − first) and least-squares slopes per minute. */
function summarise(s, warmup) {
  const late = s.samples.filter((x) => x.t >= warmup);
  const growth = (k) => (late.length > 1 ? late.at(-1)[k] - late[0][k] : NaN);
  const perMin = (k) => (late.length > 1 ? slope(late.map((x) => x.t / 60), late.map((x) => x[k])) : NaN);
  const seconds = s.stop.durationMs / 1000;
  const cpu = s.samples.length > 1 ? (s.samples.at(-1).cpuS - s.samples[0].cpuS) / (s.samples.at(-1).t - s.samples[0].t) : NaN;
  return {
    recorder: s.name,
    seconds,
    warmup,
    before: s.before,
    jsHeapGrowthMB: growth('jsHeapMB'),
    rendererGrowthMB: growth('rendererMB'),
    totalGrowthMB: growth('totalMB'),
    jsHeapMBPerMin: perMin('jsHeapMB'),
    rendererMBPerMin: perMin('rendererMB'),
    totalMBPerMin: perMin('totalMB'),
    peakTotalMB: Math.max(...s.samples.map((x) => x.totalMB)),
    concurrentCpuCores: cpu,
    samples: s.samples.map(({ t, jsHeapMB, rendererMB, totalMB }) => ({ t, jsHeapMB, rendererMB, totalMB })),
  };
}
