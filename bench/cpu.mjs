// npm run bench:cpu -- [--quick]: where inpage-recorder's CPU goes, against MediaRecorder in the
// same run on the same 720p30 camera stream. Each configuration records in turn (rounds rotate
// the order); CPU of every browser process between start() and stop(), minus the open stream's own.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildLib, median, openBench, outDir, sample, sleep, table } from './lib/harness.mjs';
import { y4m } from './lib/harness.mjs';

const quick = process.argv.includes('--quick');
const seconds = Number(process.env.BENCH_CPU_SECONDS ?? (quick ? 15 : 40));
const rounds = Number(process.env.BENCH_CPU_ROUNDS ?? (quick ? 1 : 3));
const CONFIGS = JSON.parse(process.env.BENCH_CPU_CONFIGS ?? 'null') ?? [
  { label: 'MediaRecorder (H.264 + Opus, WebM)', recorder: 'MediaRecorder' },
  { label: 'inpage-recorder defaults (H.264 + AAC, MP4)', recorder: 'inpage-recorder', options: {} },
  { label: 'inpage-recorder, video only', recorder: 'inpage-recorder', options: { audio: false } },
  { label: 'inpage-recorder, audio only (AAC)', recorder: 'inpage-recorder', options: { video: false } },
];

buildLib();
const b = await openBench({ camera: y4m(1280, 720, 30) });
const rows = CONFIGS.map((c) => ({ ...c, own: [], threads: [] }));
let idle = [];
/** CPU s per minute of each thread group between two samples. */
const perMinute = (a, b) => Object.fromEntries(Object.keys(b.threads).map((k) => [k, ((b.threads[k] - (a.threads[k] ?? 0)) / ((b.t - a.t) / 1000)) * 60]));
try {
  await b.page.evaluate(() => benchStream());
  await sleep(2000);
  for (let round = 0; round < rounds; round++) {
    const i0 = await sample(b, { threads: true });
    await sleep(Math.min(10, seconds) * 1000);
    const i1 = await sample(b, { threads: true });
    const idleCores = (i1.cpuS - i0.cpuS) / ((i1.t - i0.t) / 1000);
    idle.push(idleCores);
    const idleThreads = perMinute(i0, i1);
    for (let k = 0; k < rows.length; k++) {
      const row = rows[(k + round) % rows.length];
      await b.page.evaluate(({ r, o }) => benchStart(r, o), { r: row.recorder, o: row.options ?? {} });
      await sleep(2000);
      const c0 = await sample(b, { threads: true });
      await sleep(seconds * 1000);
      const c1 = await sample(b, { threads: true });
      await b.page.evaluate(() => benchStop());
      const cores = (c1.cpuS - c0.cpuS) / ((c1.t - c0.t) / 1000);
      row.own.push((cores - idleCores) * 60);
      const t = perMinute(c0, c1);
      row.threads.push(Object.fromEntries(Object.keys(t).map((k) => [k, t[k] - (idleThreads[k] ?? 0)])));
      console.log(`${row.label}: ${((cores - idleCores) * 60).toFixed(1)} own CPU s/min (idle stream ${(idleCores * 60).toFixed(1)})`);
    }
  }
} finally {
  await b.close();
}
const base = median(rows[0].own);
const text = table(
  ['configuration', 'own CPU s per recorded minute (median)', 'runs', `÷ ${rows[0].label.split(' (')[0]}`],
  rows.map((r) => [r.label, median(r.own).toFixed(1), r.own.map((x) => x.toFixed(1)).join(', '), `${(median(r.own) / base).toFixed(2)}×`]),
);
// Where it goes: the median over rounds of each thread group's own CPU, groups of 0.3 s/min or more.
const groups = [...new Set(rows.flatMap((r) => r.threads.flatMap((t) => Object.keys(t))))]
  .map((g) => ({ g, by: rows.map((r) => median(r.threads.map((t) => t[g] ?? 0))) }))
  .filter(({ by }) => by.some((x) => x >= 0.3))
  .sort((a, b) => a.g.localeCompare(b.g));
const byThread = table(
  ['thread group (own CPU s per recorded minute)', ...rows.map((r) => r.label)],
  groups.map(({ g, by }) => [g, ...by.map((x) => x.toFixed(1))]),
);
writeFileSync(join(outDir, 'cpu.json'), JSON.stringify({ date: new Date().toISOString(), seconds, rounds, idleCoresRuns: idle, rows }, null, 2));
console.log(`\nidle stream: ${(median(idle) * 60).toFixed(1)} CPU s/min\n\n${text}\n\n${byThread}`);
