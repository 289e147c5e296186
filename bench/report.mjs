// node bench/report.mjs [bench/out/compare.json]
// Builds BENCHMARKS.md and its plots (docs/bench/*.svg) from a comparison run's JSON, so the report
// can be rebuilt without recording again. Without an argument: compare.json, else compare-quick.json.
// A quick run never replaces a report made from a full run: it goes to bench/out/ instead.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ALL_RECORDERS, IN_MEMORY } from './compare/common.mjs';
import { median, outDir, root, table } from './lib/harness.mjs';
import { PALETTE, lineChart, stripChart } from './lib/svg.mjs';

const REF = 'inpage-recorder';
const BASELINE = 'MediaRecorder';
const FULL_MARK = '<!-- generated from a full run -->';
const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '–');
const color = (name) => PALETTE[Math.max(0, ALL_RECORDERS.indexOf(name)) % PALETTE.length];

/** Per recorder, the figures the tables, goals and ratios are made of. */
export function metrics(d) {
  const latencyTargets = [...new Set([...(d.sequential?.latency ?? []).map((x) => x.target), ...(d.memory ?? []).map(() => d.config.memorySeconds)])].sort((a, b) => a - b);
  const longest = latencyTargets.at(-1);
  const m = {};
  for (const name of d.recorders) {
    const sync = d.sync?.find((x) => x.recorder === name);
    const run = d.sequential?.runs.find((x) => x.recorder === name);
    const mem = d.memory?.find((x) => x.recorder === name);
    const crash = (d.crash ?? []).filter((x) => x.recorder === name);
    const latency = {};
    for (const t of latencyTargets) {
      const xs = [...(d.sequential?.latency ?? []).filter((x) => x.recorder === name && x.target === t).map((x) => x.stopMs), ...(t === d.config.memorySeconds && mem ? [mem.stopMs] : [])];
      latency[t] = { median: median(xs), runs: xs };
    }
    m[name] = {
      sync: sync ? { ...sync.summary, errors: sync.errors, codecs: sync.file.codecs } : null,
      latency,
      longestLatency: latency[longest]?.median ?? NaN,
      memory: mem ?? null,
      cpu: run ? { all: run.cpuSecondsPerMin, own: run.ownCpuSecondsPerMin, cores: run.cpuCores } : null,
      run: run ?? null,
      crash: IN_MEMORY.has(name) ? { inMemory: true, lost: Infinity } : crash.length ? { runs: crash, lost: median(crash.map((x) => x.lost)), recovered: median(crash.map((x) => x.recovered)) } : null,
    };
  }
  return { m, latencyTargets, longest };
}

/** b ÷ a as "3.2×"; `floor` keeps a near-zero a from making a meaningless ratio ("≥ …×"). */
function ratio(peer, ref, floor = 0) {
  if (!Number.isFinite(peer) || !Number.isFinite(ref)) return '–';
  if (ref < floor) return peer > floor ? `≥ ${fmt(peer / floor, 1)}×` : '≈ 1×';
  return `${fmt(peer / ref, peer / ref < 10 ? 2 : 0)}×`;
}

export function goals(d, { m, longest } = metrics(d)) {
  const me = m[REF];
  const peers = d.recorders.filter((n) => n !== REF);
  const ahead = (get, better = (a, b) => a < b) => {
    if (!me) return { pass: null, behind: [] };
    const values = peers.map((n) => [n, get(m[n])]).filter(([, v]) => v !== undefined && !Number.isNaN(v));
    const mine = get(me);
    if (mine === undefined || Number.isNaN(mine) || !values.length) return { pass: null, behind: [] };
    const behind = values.filter(([, v]) => !better(mine, v)).map(([n]) => n);
    return { pass: behind.length === 0, behind };
  };
  const out = [];
  const row = (goal, r, mine, note) => out.push({ goal, pass: r.pass, mine, note: r.behind.length ? `not ahead of ${r.behind.join(', ')}` : note });
  // A p95 over a few events says little: too few of inpage-recorder's events measured is no verdict.
  const covered = me?.sync ? me.sync.matched / me.sync.events : 0;
  const syncResult = covered >= 0.9 ? ahead((x) => x.sync?.p95) : { pass: null, behind: [] };
  out.push({ goal: 'A/V sync: p95 of the absolute error lower than every peer', pass: syncResult.pass, mine: `${fmt(me?.sync?.p95, 1)} ms`, note: syncResult.behind.length ? `not ahead of ${syncResult.behind.join(', ')}` : covered >= 0.9 ? 'ahead of every peer' : `only ${me?.sync?.matched ?? 0}/${me?.sync?.events ?? 0} events measured` });
  row(`Stop → File at ${longest} s: faster than every peer`, ahead((x) => x.longestLatency), `${fmt(me?.longestLatency)} ms`, 'ahead of every peer');
  row('Memory growth per minute lower than every peer', ahead((x) => x.memory?.totalMBPerMin), `${fmt(me?.memory?.totalMBPerMin, 1)} MB/min`, 'ahead of every peer');
  row('Crash loss lower than every peer', ahead((x) => x.crash?.lost), `${fmt(me?.crash?.lost, 2)} s lost (median)`, 'the peers keep nothing on disk');
  const cpu = me?.cpu && m[BASELINE]?.cpu ? me.cpu.own / m[BASELINE].cpu.own : NaN;
  out.push({ goal: 'CPU per recorded minute ≤ 1.2× MediaRecorder’s', pass: Number.isFinite(cpu) ? cpu <= 1.2 : null, mine: `${fmt(me?.cpu?.own, 1)} CPU s/min = ${fmt(cpu, 2)}× MediaRecorder`, note: 'recording’s own CPU (idle camera stream subtracted)' });
  return out;
}

const verdict = (p) => (p === null ? 'no verdict' : p ? '**pass**' : '**fail**');
const playerDuration = (p) => (!p ? '–' : !p.loaded ? `not loaded (${p.error})` : typeof p.duration === 'number' ? `${fmt(p.duration, 2)} s` : `none (${p.duration})`);
const yes = (b) => (b ? 'yes' : 'no');

/** The markdown tables, in report order: [title, intro, table][]. */
export function sections(d, mm = metrics(d)) {
  const { m, latencyTargets, longest } = mm;
  const names = d.recorders;
  const s = [];
  s.push([
    'Goals',
    'inpage-recorder against every peer, from this run.',
    table(['goal', 'inpage-recorder', 'result', 'note'], goals(d, mm).map((g) => [g.goal, g.mine, verdict(g.pass), g.note])),
  ]);
  s.push([
    'Pairwise ratios (peer ÷ inpage-recorder, same run)',
    'Above 1×: the peer needs more (of time, error, memory, CPU) than inpage-recorder; below 1×: less. Memory growth under 1 MB/min is within the sampling noise and counted as 1 MB/min.',
    table(
      ['peer', 'sync p95 abs error', `stop → File at ${longest} s`, 'memory growth per minute', 'CPU per recorded minute'],
      names.filter((n) => n !== REF).map((n) => [n, ratio(m[n].sync?.p95, m[REF]?.sync?.p95, 0.5), ratio(m[n].longestLatency, m[REF]?.longestLatency, 1), ratio(m[n].memory?.totalMBPerMin, m[REF]?.memory?.totalMBPerMin, 1), ratio(m[n].cpu?.own, m[REF]?.cpu?.own)]),
    ),
  ]);
  if (d.sync) {
    s.push([
      `A/V sync (clapperboard, ${d.config.syncSeconds} s per recorder)`,
      'Error per event = (beep − flash in the file) − (beep − flash as they entered the stream), ms; + is audio late. p95 and max are of the absolute error; drift is the Theil–Sen slope of the error over the recording.',
      table(['recorder', 'file', 'events', 'median', 'p95 abs', 'max abs', 'drift ms/min', 'steps ≥ 10 ms'], names.map((n) => {
        const x = m[n].sync;
        return x ? [n, x.codecs, `${x.matched}/${x.events}`, fmt(x.median, 1), fmt(x.p95, 1), fmt(x.max, 1), fmt(x.driftMsPerMin, 2), x.steps.length] : [n, '–', '–', '–', '–', '–', '–', '–'];
      })),
    ]);
  }
  s.push([
    'Stop → File latency (ms)',
    `From stop() to a File in hand. ${[
      ...latencyTargets.filter((t) => t !== d.config.memorySeconds).map((t) => `${t} s: ${d.config.shortRuns && t === d.config.shortSeconds ? `median of ${d.config.shortRuns} runs` : 'one run'} in the sequential pass`),
      `${d.config.memorySeconds} s: the end of the long concurrent recording (all recorders stopped at the same instant)`,
    ].join('; ')}.`,
    table(['recorder', ...latencyTargets.map((t) => `${t} s`)], names.map((n) => [n, ...latencyTargets.map((t) => {
      const l = m[n].latency[t];
      return l.runs.length > 1 ? `${fmt(l.median)} (${l.runs.map((v) => fmt(v)).join(', ')})` : fmt(l.median);
    })])),
  ]);
  if (d.memory?.length) {
    const mem = (n) => m[n].memory;
    s.push([
      `Memory through a ${d.config.memorySeconds} s 720p30 recording (growth after ${d.config.warmup} s)`,
      'JS heap: the page’s main thread. Renderer: the page’s process RSS. All processes: every process of that recorder’s browser (MediaRecorder keeps its data in the browser process). MB/min: least-squares slope of all-process RSS. After stop: all-process RSS once the File exists.',
      table(
        ['recorder', 'JS heap', 'renderer RSS', 'all processes RSS', 'MB per minute', 'peak during recording', 'after stop', 'video fps in file'],
        names.filter(mem).map((n) => {
          const x = mem(n);
          return [n + (x.sharedWith ? ` (the ${x.sharedWith} recording)` : ''), `${fmt(x.jsHeapGrowthMB, 1)} MB`, `${fmt(x.rendererGrowthMB, 1)} MB`, `${fmt(x.totalGrowthMB, 1)} MB`, fmt(x.totalMBPerMin, 2), `${fmt(x.peakTotalMB)} MB`, `${fmt(x.afterStop?.totalMB)} MB`, fmt(x.file?.fps, 1)];
        }),
      ),
    ]);
  }
  s.push([
    'Crash loss: SIGKILL of every browser process at a random moment',
    `inpage-recorder: ${d.crash?.length ?? 0} ${d.crash?.length === 1 ? 'kill' : 'kills'} 8–15 s into a 720p30 recording, Chromium restarted on the same profile, the recording recovered. The peers keep the recording in memory and nothing on disk, so a crash leaves 0 s of it, whenever it happens: not measured, true by construction.`,
    table(['recorder', 'recoverable after the kill', 'lost (median)', 'lost (max)', 'recovered files that decode cleanly'], names.map((n) => {
      const c = m[n].crash;
      if (!c) return [n, 'not measured', '–', '–', '–'];
      if (c.inMemory) return [n, '0 s (nothing on disk)', 'everything', 'everything', '–'];
      return [n, c.runs.map((r) => `${fmt(r.recovered, 2)} of ${fmt(r.recorded, 2)} s`).join('; '), `${fmt(c.lost, 2)} s`, `${fmt(Math.max(...c.runs.map((r) => r.lost)), 2)} s`, `${c.runs.filter((r) => r.decodeErrors && !r.decodeErrors.length).length}/${c.runs.length}`];
    })),
  ]);
  const fileRow = (n, f, player, seconds) => [n, f.container, f.codecs, f.index ? `yes (${f.index})` : 'no', f.headerDuration ? `${fmt(f.headerDuration, 2)} s` : 'none', player === undefined ? '–' : playerDuration(player), f.ffprobeDuration ? `${fmt(f.ffprobeDuration, 2)} s` : 'none', `${fmt(seconds, 2)} s`, f.decodeErrors === null ? '–' : f.decodeErrors.length ? `no: ${f.decodeErrors[0].replace(/ @ 0x[0-9a-f]+/, '').slice(0, 80)}` : 'yes'];
  const fileHeaders = ['recorder', 'container', 'codecs', 'index (seekable)', 'duration in header', 'duration in Chromium’s player', 'duration by ffprobe', 'recorded', 'decodes cleanly (ffmpeg)'];
  if (d.sequential?.runs.length) {
    s.push([
      `Output files (${d.config.cpuSeconds} s recordings of the sequential pass)`,
      'Index: MP4 sample tables (moov), a fragmented MP4’s random-access index (mfra) or segment index (sidx), WebM Cues; without one a player seeks by reading the file from the start. Duration in header: MP4 mvhd/mehd, WebM Info/Duration. Chromium’s player: a <video> given the File, as a user’s page would.',
      table(fileHeaders, d.sequential.runs.map((r) => fileRow(r.recorder, r.file, r.player, r.seconds))),
    ]);
  }
  if (d.memory?.length) {
    s.push([`The ${d.config.memorySeconds} s files`, 'The same checks of the long recordings, without the full decode.', table(fileHeaders.slice(0, -1).filter((h) => !h.includes('player')), d.memory.map((x) => fileRow(x.recorder, x.file, undefined, x.seconds).filter((_, i) => i !== 5 && i !== 8)))]);
  }
  if (d.sequential?.runs.length) {
    const base = m[BASELINE]?.cpu?.own;
    s.push([
      `CPU per recorded minute (sequential, ${d.config.cpuSeconds} s each)`,
      `CPU seconds of every browser process per minute recorded, one recorder at a time on the same 720p30 camera stream. The open camera stream alone costs ${fmt(d.sequential.idle.cores * 60, 1)} CPU s/min for every recorder; “own” subtracts it.`,
      table(['recorder', 'all processes', 'own', 'own ÷ MediaRecorder'], d.sequential.runs.map((r) => [r.recorder, fmt(r.cpuSecondsPerMin, 1), fmt(r.ownCpuSecondsPerMin, 1), base ? `${fmt(r.ownCpuSecondsPerMin / base, 2)}×` : '–'])),
    ]);
  }
  return s;
}

/** Three ratios for the README, against the browser's own MediaRecorder. */
export function headlines(d, { m } = metrics(d)) {
  const me = m[REF];
  const mr = m[BASELINE];
  if (!me || !mr) return [];
  return [
    `A/V sync: p95 error ${fmt(me.sync?.p95, 1)} ms against MediaRecorder’s ${fmt(mr.sync?.p95, 1)} ms (${ratio(mr.sync?.p95, me.sync?.p95, 0.5)}).`,
    `Memory: ${fmt(me.memory?.totalMBPerMin, 1)} MB per recorded minute against MediaRecorder’s ${fmt(mr.memory?.totalMBPerMin, 1)} (${ratio(mr.memory?.totalMBPerMin, me.memory?.totalMBPerMin, 1)}).`,
    `Crash: ${fmt(me.crash?.recovered, 1)} s of a ${fmt(median((me.crash?.runs ?? []).map((r) => r.recorded)), 1)} s recording recovered after SIGKILL (${fmt(me.crash?.lost, 2)} s lost), where MediaRecorder keeps nothing.`,
  ];
}

function plots(d, { m, latencyTargets }) {
  const out = {};
  if (d.memory?.length) {
    out['memory-over-time.svg'] = lineChart({
      title: `Memory through a ${d.config.memorySeconds} s 720p30 recording (recorders run at once)`,
      note: 'Each recorder in its own Chromium; MediaRecorder + fix-webm-duration is the MediaRecorder recording until stop.',
      x: { label: 'recording time (min)' },
      y: { label: 'all-process RSS since start (MB)', zero: false },
      series: d.memory.filter((x) => !x.sharedWith).map((x) => ({ name: x.recorder, color: color(x.recorder), points: [[0, 0], ...x.samples.map((s) => [s.t / 60, s.totalMB - x.before.totalMB])] })),
    });
  }
  if (d.sync?.length) {
    out['sync-errors.svg'] = stripChart({
      title: `A/V sync error per clapperboard event (${d.config.syncSeconds} s each)`,
      note: 'Dots: events; tick: median. + is audio late.',
      xLabel: 'error (ms)',
      rows: d.recorders.map((n) => {
        const x = m[n].sync;
        return { name: n, color: color(n), values: x?.errors ?? [], caption: x ? `median ${fmt(x.median, 1)}, p95 |e| ${fmt(x.p95, 1)} ms, ${x.matched}/${x.events} events` : 'not measured', marks: x ? [{ at: x.median, tall: true, label: 'median' }] : [] };
      }),
    });
  }
  out['stop-latency.svg'] = lineChart({
    title: 'Stop → File latency against recording length',
    note: 'Medians; log–log axes.',
    x: { label: 'recording length (s)', log: true, min: 10 ** Math.floor(Math.log10(latencyTargets[0] ?? 10)), max: 10 ** Math.ceil(Math.log10(latencyTargets.at(-1) ?? 600)) },
    y: { label: 'stop → File (ms)', log: true },
    markers: true,
    series: d.recorders.map((n) => ({ name: n, color: color(n), points: latencyTargets.map((t) => [t, m[n].latency[t].median]) })),
  });
  return out;
}

const mb = (b) => `${fmt(b, 0)} GB`;

/** The whole BENCHMARKS.md, images linked from `imageDir` (relative to the report). */
export function markdown(d, imageDir, mm = metrics(d)) {
  const mc = d.machine;
  const img = Object.keys(plots(d, mm));
  const section = Object.fromEntries(sections(d, mm).map(([t, intro, tbl]) => [t, `## ${t}\n\n${intro}\n\n${tbl}`]));
  const pick = (prefix) => Object.entries(section).filter(([t]) => t.startsWith(prefix)).map(([, v]) => v);
  const figure = (f, alt) => (img.includes(f) ? `\n\n![${alt}](${imageDir}/${f})` : '');
  const c = d.config;
  return [
    ...(d.quick ? [] : [FULL_MARK]),
    '# Benchmarks: inpage-recorder and the alternatives',
    '',
    d.quick
      ? `> **Quick run** (\`npm run bench -- --quick\`): every pass shortened (memory ${c.memorySeconds} s, sync ${c.syncSeconds} s, CPU ${c.cpuSeconds} s, ${c.crashRuns} crash). These figures check that the benchmark works; they are not the ones to quote.`
      : `Run on ${d.date.slice(0, 10)}, ${fmt(d.totalSeconds / 60, 1)} minutes.`,
    '',
    'Every figure comes from one run of `npm run bench`: each recorder records the same synthetic streams on the same machine, and every ratio is taken between recorders of that run (the machine is shared and noisy, so figures of different runs do not compare).',
    ...(d.reruns
      ? ['', ...Object.entries(d.reruns).map(([name, r]) => `Re-run since: the **${name}** pass, on ${r.date.slice(0, 10)} (${r.why}), with every recorder again in one run, so its ratios are still within one run; the other passes are from the run above.`)]
      : []),
    '',
    ...pick('Goals'),
    '',
    '## Headline ratios',
    '',
    ...headlines(d, mm).map((h) => `- ${h}`),
    '',
    ...pick('Pairwise'),
    '',
    '## The recorders',
    '',
    table(['recorder', 'version', 'set up as'], [
      ['inpage-recorder', mc.versions['inpage-recorder'], 'defaults: fragmented MP4, H.264 + AAC (libavcodec’s wasm AAC encoder, run in the encode worker, where the browser has none), fragments stored in IndexedDB as they are made'],
      ['MediaRecorder', mc.chromium ?? 'Chromium', 'the browser’s own, `start(1000)` (1 s timeslice), chunks kept in an array, `new Blob(chunks)` at stop; H.264 + Opus in WebM, 4 Mbit/s video, 128 kbit/s audio'],
      ['MediaRecorder + fix-webm-duration', `fix-webm-duration ${mc.versions['fix-webm-duration']}`, 'the same, then `fixWebmDuration(blob, durationMs)` as its README shows'],
      ['RecordRTC', `recordrtc ${mc.versions.recordrtc}`, "`RecordRTC(stream, { type: 'video', mimeType, timeSlice: 1000, videoBitsPerSecond, audioBitsPerSecond })`, `stopRecording()` → `getBlob()`"],
      ['Mediabunny', `mediabunny ${mc.versions.mediabunny}, @mediabunny/aac-encoder ${mc.versions['@mediabunny/aac-encoder']}`, "`MediaStreamVideoTrackSource` (avc, 4 Mbit/s) + `MediaStreamAudioTrackSource` (aac, 128 kbit/s; the AAC extension registered where the browser has no encoder) into `Output` with `Mp4OutputFormat({ fastStart: 'in-memory' })` and a `BufferTarget`"],
    ]),
    '',
    ...pick('A/V sync').map((x) => x + figure('sync-errors.svg', 'A/V sync error per event, per recorder')),
    '',
    ...pick('Stop').map((x) => x + figure('stop-latency.svg', 'Stop → File latency against recording length')),
    '',
    ...pick('Memory').map((x) => x + figure('memory-over-time.svg', 'Memory over the long recording, per recorder')),
    '',
    ...pick('Crash'),
    '',
    ...pick('Output'),
    '',
    ...pick(`The ${c.memorySeconds} s files`),
    '',
    ...pick('CPU'),
    '',
    '## How it is measured',
    '',
    `- **Streams.** Camera: Chromium’s fake capture playing a 1280×720 30 fps y4m test pattern (\`--use-file-for-fake-video-capture\`), microphone: Chromium’s fake one. Sync: the clapperboard of \`bench/sync\` (a canvas stream, one white frame per flash, and a WebAudio 1 kHz beep aimed at the same instant; the page logs when each really entered the stream; native ffmpeg finds them in the file), the same seeded event pattern for every recorder. The page’s first clapperboard (4 s, MediaRecorder) is thrown away: while its taps warm up they miss most events’ references.`,
    `- **Passes.** (1) Sequential, one browser: the stream idle for ${c.idleSeconds} s, ${c.shortRuns ? `${c.shortRuns} × ${c.shortSeconds} s per recorder (stop latency), then ` : ''}one ${c.cpuSeconds} s recording per recorder (CPU, stop latency, the output-file checks with a full ffmpeg decode). (2) Sync, one browser, ${c.syncSeconds} s per recorder. (3) Crash, ${c.crashRuns} ${c.crashRuns === 1 ? 'SIGKILL' : 'SIGKILLs'} of inpage-recorder. (4) Long: the ${c.memorySeconds} s recording, all recorders at the same time.`,
    `- **Why the long recording is concurrent.** ${d.recorders.length - 1} recordings of ${c.memorySeconds} s one after another would take ${fmt((c.memorySeconds * (d.recorders.length - 1)) / 60, 1)} minutes; the whole ${d.quick ? 'quick ' : ''}run has ${d.quick ? 5 : 30}, for every pass. Run at once, each recorder in its own Chromium on its own profile, memory stays each recorder’s own (a browser’s RSS includes what MediaRecorder keeps in the browser process), and memory depends on what is kept, not on how fast it is made. Its last point is the ${c.memorySeconds} s stop latency: all recorders are stopped at the same instant, so each stop starts under the same load. (Stopped one after another, as in earlier runs, the first — inpage-recorder — stopped while all the others still recorded and the last while none did: there inpage-recorder took 142 ms and MediaRecorder 92; at the same instant 230 and 66, each stop now also competing with the others’ stop work, Mediabunny’s 4 s the largest.) MediaRecorder + fix-webm-duration is MediaRecorder until stop, so it runs on MediaRecorder’s recording (the fix runs at its stop) rather than as a fifth encoder on two cores. The video fps in the files shows whether the shared cores kept up (Mediabunny’s track source repeats the last frame to hold the camera’s frame rate, so its files show 30 fps whatever arrived).`,
    '- **Why CPU is sequential.** Recorders running at once compete for two cores and for the same memory bandwidth, which changes each one’s CPU time; so CPU comes from the sequential pass, sampled between start() having resolved and stop(), summed over all of that browser’s processes (Chromium’s process list via CDP `SystemInfo.getProcessInfo`), and divided by the time recorded.',
    '- **Memory.** Every 5 s: the page’s JS heap (CDP `Performance.getMetrics`), the renderer’s and all processes’ RSS (`/proc/<pid>/status`, pids from CDP). Chromium’s on-device model service, which starts by itself during long runs, is left out. Growth is measured after the warm-up, as a least-squares slope and as last − first.',
    '- **Crash.** As `npm run bench:storage kill`: SIGKILL to the browser’s whole process group at a random moment 8–15 s in, Chromium restarted on the same profile, `RecordingsLibrary.recover()`, the recovered file’s duration by ffprobe against the time recorded until the kill (which includes the IPC to the browser and up to one 1 s fragment in flight).',
    '- **Files.** Index and header duration read from the container itself (`bench/lib/container.mjs`), duration also as Chromium’s `<video>` and ffprobe see it, decode errors from a full native ffmpeg decode.',
    '',
    '## Machine',
    '',
    table(['', ''], [
      ['CPU', `${mc.cpu}, ${mc.cores} cores`],
      ['RAM', mb(mc.ramGB)],
      ['OS', mc.os],
      ['Browser', `${mc.chromium ?? '–'}, headless, on-disk profile`],
      ['Node', mc.node],
      ['ffmpeg', mc.ffmpeg ?? '–'],
      ['load average at start', mc.loadAtStart.map((x) => fmt(x, 2)).join(', ')],
      ['run', `${d.date}${Object.keys(d.passes ?? {}).length ? `; passes: ${Object.entries(d.passes).map(([k, v]) => `${k} ${fmt(v)} s`).join(', ')}` : ''}`],
    ]),
    '',
    '## Reproduce',
    '',
    '```sh',
    'npm install',
    'npm run bench              # the full run, about 30 minutes on 2 cores; rewrites BENCHMARKS.md and docs/bench/*.svg',
    'npm run bench -- --quick   # every pass shortened, under 5 minutes',
    'node bench/report.mjs      # rebuilds this page from bench/out/compare.json',
    '```',
    '',
    'Needs Chromium (`CHROME_PATH` or a system one) and native ffmpeg/ffprobe. `BENCH_RECORDERS=inpage-recorder,MediaRecorder` limits the recorders, `BENCH_MEMORY_SECONDS` sets the long recording’s length. Files and JSON go to `bench/out/`.',
    '',
  ].join('\n');
}

/** Writes the report and its plots; a quick run goes to bench/out/ when the report is from a full run. */
export function writeReport(d) {
  const mainReport = join(root, 'BENCHMARKS.md');
  const keepFull = d.quick && existsSync(mainReport) && readFileSync(mainReport, 'utf8').startsWith(FULL_MARK);
  const reportPath = keepFull ? join(outDir, 'BENCHMARKS-quick.md') : mainReport;
  const imageDir = keepFull ? join(outDir, 'bench-quick') : join(root, 'docs/bench');
  mkdirSync(imageDir, { recursive: true });
  const mm = metrics(d);
  const svgs = plots(d, mm);
  for (const [name, svg] of Object.entries(svgs)) writeFileSync(join(imageDir, name), svg);
  writeFileSync(reportPath, markdown(d, relative(join(reportPath, '..'), imageDir), mm));
  return [relative(root, reportPath), ...Object.keys(svgs).map((n) => relative(root, join(imageDir, n)))];
}

export function printReport(d) {
  const mm = metrics(d);
  console.log('\n' + sections(d, mm).map(([t, , tbl]) => `### ${t}\n\n${tbl}`).join('\n\n'));
  console.log('\n### Headline ratios\n\n' + headlines(d, mm).map((h) => `- ${h}`).join('\n'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const path = process.argv[2] ?? [join(outDir, 'compare.json'), join(outDir, 'compare-quick.json')].find(existsSync);
  if (!path) {
    console.error('No bench/out/compare.json: run `npm run bench` (or `npm run bench -- --quick`) first.');
    process.exit(1);
  }
  const d = JSON.parse(readFileSync(path, 'utf8'));
  console.log(`from ${relative(root, path)}: wrote ${writeReport(d).join(', ')}`);
}
