// npm run bench [-- --quick]
// inpage-recorder against what people use instead (MediaRecorder, with fix-webm-duration,
// RecordRTC, Mediabunny's MediaStream sources), all in one run on the same synthetic streams:
// A/V sync, stop → File latency, memory over a long recording, crash loss, output files, CPU.
// Writes bench/out/compare.json (compare-quick.json with --quick), BENCHMARKS.md and its plots
// (docs/bench/*.svg), and prints the tables. `node bench/report.mjs` rebuilds the report from the JSON.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_RECORDERS } from './compare/common.mjs';
import { crashPass } from './compare/crash-pass.mjs';
import { machine } from './compare/machine.mjs';
import { memoryPass } from './compare/memory-pass.mjs';
import { sequentialPass } from './compare/sequential.mjs';
import { syncPass } from './compare/sync-pass.mjs';
import { buildLib, outDir, root } from './lib/harness.mjs';
import { printReport, writeReport } from './report.mjs';

/**
 * Lengths per mode. Full fits 30 minutes on two cores because the 600 s recording is done once for
 * all recorders at the same time; --quick keeps every pass but shortens it, to fit 5 minutes.
 */
const MODES = {
  full: { syncSeconds: 45, shortSeconds: 10, shortRuns: 3, cpuSeconds: 60, idleSeconds: 15, crashRuns: 3, memorySeconds: 600, warmup: 60 },
  quick: { syncSeconds: 10, shortSeconds: 10, shortRuns: 0, cpuSeconds: 10, idleSeconds: 5, crashRuns: 1, memorySeconds: 40, warmup: 10 },
};

const newest = (dir) => {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) t = Math.max(t, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs);
  return t;
};

/** The library build is reused when nothing it is built from changed since (a build takes a while on two cores). */
function ensureLib() {
  let built = 0;
  try {
    built = statSync(join(root, 'dist/lib/inpage-recorder.js')).mtimeMs;
  } catch {
    /* not built yet */
  }
  const sources = Math.max(newest(join(root, 'src')), newest(join(root, 'workers')), ...['vite.config.ts', 'package.json'].map((f) => statSync(join(root, f)).mtimeMs));
  if (sources > built) buildLib();
}

export async function runCompare({ quick = false } = {}) {
  const cfg = { ...MODES[quick ? 'quick' : 'full'] };
  if (process.env.BENCH_MEMORY_SECONDS) cfg.memorySeconds = Number(process.env.BENCH_MEMORY_SECONDS);
  const recorders = process.env.BENCH_RECORDERS ? process.env.BENCH_RECORDERS.split(',') : ALL_RECORDERS;
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s`;
  const log = (m) => console.log(`[${elapsed()}] ${m}`);
  const jsonPath = join(outDir, quick ? 'compare-quick.json' : 'compare.json');
  // BENCH_PASSES=sync BENCH_BASE=docs/bench/compare.json: re-run only some passes into an earlier
  // run's data (BENCH_WHY says why; the report names the re-run passes and their date).
  const only = process.env.BENCH_PASSES?.split(',') ?? null;
  const base = process.env.BENCH_BASE ? JSON.parse(readFileSync(process.env.BENCH_BASE, 'utf8')) : null;
  const data = base ?? { date: new Date().toISOString(), quick, config: cfg, recorders, machine: machine(), passes: {} };
  if (base && only) data.reruns = { ...data.reruns, ...Object.fromEntries(only.map((n) => [n, { date: new Date().toISOString(), why: process.env.BENCH_WHY ?? 'changed since' }])) };
  const save = () => writeFileSync(jsonPath, JSON.stringify(data, null, 1));
  const pass = async (name, fn) => {
    if (only && !only.includes(name)) return;
    const t = Date.now();
    data[name] = await fn();
    data.passes[name] = (Date.now() - t) / 1000;
    save();
    log(`${name} pass done in ${data.passes[name].toFixed(0)} s`);
  };

  ensureLib();
  log(`library ready; recorders: ${recorders.join(', ')}`);
  await pass('sequential', () => sequentialPass({ recorders, ...cfg, log }));
  await pass('sync', () => syncPass({ recorders, seconds: cfg.syncSeconds, log }));
  await pass('crash', () => (recorders.includes('inpage-recorder') ? crashPass({ runs: cfg.crashRuns, log }) : []));
  await pass('memory', () => memoryPass({ recorders, seconds: cfg.memorySeconds, warmup: cfg.warmup, log }));
  if (!base) data.totalSeconds = (Date.now() - started) / 1000;
  save();
  const written = writeReport(data);
  printReport(data);
  log(`wrote ${jsonPath}, ${written.join(', ')}; total ${(data.totalSeconds / 60).toFixed(1)} min`);
}
