// npm run bench:sync -- [--quick] [--busy] [--pause] [--switch]
// Clapperboard A/V sync: a canvas + WebAudio stream whose flash N and beep N are aimed at the same
// instant, recorded by each recorder in the same run; native ffmpeg finds the onsets in the files.
// Full: 3 runs × 60 s per recorder; --quick: 1 × 20 s; --busy: another process keeps a core busy;
// --pause: three pauses during each recording; --switch: the camera is switched halfway (to a
// smaller one, so it is scaled) — only recorders that can switch tracks take part.
// Prints a table; writes bench/out/report-sync[-busy|-pause|-switch].md and sync[…].json.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serveStatic } from '../../tests/support/static-server.mjs';
import { buildLib, launchProfile, median, outDir, root, table } from '../lib/harness.mjs';
import { judge } from '../lib/judge.mjs';
import { analyse, percentile, summarise } from './analyse.mjs';
import { makeReference } from './reference.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const busy = args.includes('--busy');
const seconds = quick ? 20 : 60;
const runs = quick ? 1 : 3;
const pauses = args.includes('--pause');
const switching = args.includes('--switch');
/** Recorders that can switch a track mid-recording (the MediaRecorder family cannot). */
const CAN_SWITCH = new Set(['inpage-recorder']);
const RECORDERS = (process.env.BENCH_RECORDERS ?? 'inpage-recorder,MediaRecorder').split(',').filter((n) => !switching || CAN_SWITCH.has(n));
/** What happens during each recording, ms after start: three pauses of 1.5–3 s, or one camera switch halfway. */
const ACTIONS = [
  ...(pauses ? [{ type: 'pause', at: 0.2, ms: 2000 }, { type: 'pause', at: 0.45, ms: 3000 }, { type: 'pause', at: 0.7, ms: 1500 }] : []),
  ...(switching ? [{ type: 'switch', at: 0.5 }] : []),
].map((a) => ({ ...a, at: Math.round(a.at * seconds * 1000), ms: a.ms && (quick ? Math.round(a.ms / 2) : a.ms) }));
const suffix = [busy && 'busy', pauses && 'pause', switching && 'switch'].filter(Boolean).map((x) => `-${x}`).join('');
/**
 * A beep whose reference is not one time: at least this share of the stream's chunks within
 * ±100 ms of it carried another audio clock (timestamps > 5 ms from the one it is timed by). The
 * WebAudio source's clock steps by ~7.3 ms every few seconds, and for up to a second around a step
 * its AudioData alternate between the two clocks; each reader of the track (the recorder's own
 * and the reference's) sees the step at its own moment, up to 0.6 s apart. Decided from the
 * reference stream alone, the same for every recorder; such events are counted and reported
 * apart, never dropped from the all-events figures.
 */
const TWO_CLOCKS = 0.25;
const twoClocks = (e) => (e.beepOtherClock ?? 0) >= TWO_CLOCKS;
const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '–');
const ms = (s, d = 1) => fmt(s * 1000, d);

/** The instrument on files native ffmpeg made with a known offset: what it reads back. */
function instrument() {
  const out = [];
  for (const format of ['mp4', 'webm']) {
    for (const offsetMs of [0, 37]) {
      const path = join(outDir, `sync-reference-${offsetMs}.${format}`);
      const events = makeReference(path, { format, offsetMs, seconds: 20 });
      const { summary } = analyse(path, events);
      out.push({ format, offsetMs, fileOffsetMs: median(events.map((e) => e.beep - e.flash)), ...summary });
      console.log(`instrument ${format} +${offsetMs} ms: median error ${fmt(summary.median, 3)} ms, max ${fmt(summary.max, 3)} ms`);
    }
  }
  return out;
}

/** A node busy loop: one of the two cores taken, as another app would. */
function startBusy() {
  const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  return () => child.kill('SIGKILL');
}

async function record() {
  const server = await serveStatic(root);
  const chrome = await launchProfile();
  const out = [];
  try {
    const page = await chrome.context.newPage();
    page.on('pageerror', (e) => console.error('[page]', e.message));
    await page.goto(`${server.url}/bench/sync/sync.html`);
    await page.waitForFunction(() => window.syncReady === true);
    for (let run = 1; run <= runs; run++) {
      for (const name of RECORDERS) {
        const r = await page.evaluate(([n, o]) => syncRecord(n, o), [name, { seconds, seed: run, actions: ACTIONS }]);
        const file = join(outDir, `sync-${name}-${run}.${r.type.includes('mp4') ? 'mp4' : 'webm'}`);
        const [download] = await Promise.all([page.waitForEvent('download'), page.evaluate((f) => syncDownload(f), 'sync')]);
        await download.saveAs(file);
        const a = analyse(file, r.events);
        a.clear = summarise(a.rows.filter((_, i) => !twoClocks(r.events[i])));
        out.push({ recorder: name, run, file, judged: judge(file, seconds), ...a, startedAt: r.startedAt, stoppedAt: r.stoppedAt, instrument: r.instrument, events: r.events, stats: r.stats });
        const s = a.summary;
        console.log(`sync ${name} run ${run}: ${s.matched}/${s.events} events, median ${fmt(s.median)} ms, p95 |e| ${fmt(s.p95)} ms, max ${fmt(s.max)} ms, drift ${fmt(s.driftMsPerMin, 2)} ms/min, ${s.steps.length} steps; ${s.events - a.clear.events} at two clocks, p95 |e| without them ${fmt(a.clear.p95)} ms`);
      }
    }
  } finally {
    await chrome.close();
    await server.close();
  }
  return out;
}

buildLib();
const ref = instrument();
const stopBusy = busy ? startBusy() : () => {};
let recs;
try {
  recs = await record();
} finally {
  stopBusy();
}

const load = [busy && ', one core busy', pauses && ', three pauses (2 s, 3 s, 1.5 s at 20 %, 45 %, 70 %)', switching && ', the camera switched halfway to a 640×480 one (scaled)'].filter(Boolean).join('');
const report = [
  `### A/V sync, clapperboard (${runs} × ${seconds} s per recorder, 1280×720 canvas at 30 fps + WebAudio beeps${load})`,
  'Error per event = (beep − flash in the file) − (beep − flash as they entered the stream), ms; + is audio late.',
  table(
    ['recorder', 'run', 'file', 'events', 'median', 'p95 |e|', 'max |e|', 'drift ms/min', 'steps ≥ 10 ms', 'first video', 'first audio', 'end A − V', 'at two clocks', 'p95 / max |e| of the others'],
    recs.map((x) => [
      x.recorder,
      x.run,
      x.judged.codecs,
      `${x.summary.matched}/${x.summary.events}`,
      fmt(x.summary.median),
      fmt(x.summary.p95),
      fmt(x.summary.max),
      fmt(x.summary.driftMsPerMin, 2),
      x.summary.steps.length ? x.summary.steps.map((s) => `${fmt(s.ms)} @ ${fmt(s.at)} s`).join(', ') : '0',
      `${ms(x.streams.videoStart)} ms`,
      `${ms(x.streams.audioStart)} ms`,
      `${ms(x.streams.endDiff)} ms`,
      x.events.flatMap((e, i) => (twoClocks(e) ? [`${fmt((e.at - x.startedAt) / 1000)} s (${x.rows[i].error === null ? '–' : fmt(x.rows[i].error)})`] : [])).join(', ') || 'none',
      `${fmt(x.clear.p95)} / ${fmt(x.clear.max)}`,
    ]),
  ),
  `At two clocks: beeps where at least ${TWO_CLOCKS * 100} % of the reference stream's chunks within ±100 ms carried another audio clock than the one the beep is timed by (the WebAudio source steps its clock by ~7.3 ms every few seconds, and around a step its AudioData alternate between the two; each reader of the track sees the step at its own moment), listed as time after start (error, ms). Their reference is uncertain by the step; they stay in every other column.`,
  "First audio is the stream's first packet: inpage-recorder's MP4 starts AAC at -21.3 ms, the encoder's 1024 samples of priming, which the edit list trims, so playback starts at 0.",
  '#### All runs pooled',
  table(
    ['recorder', 'events', 'median', 'p95 |e|', 'max |e|', 'drift ms/min (median of runs)', 'at two clocks', 'p95 |e| of the others'],
    RECORDERS.map((n) => {
      const rs = recs.filter((x) => x.recorder === n);
      const errs = rs.flatMap((x) => x.rows.filter((e) => e.error !== null).map((e) => e.error));
      const others = rs.flatMap((x) => x.rows.filter((e, i) => e.error !== null && !twoClocks(x.events[i])).map((e) => Math.abs(e.error)));
      const two = rs.reduce((s, x) => s + x.events.filter(twoClocks).length, 0);
      return [n, `${errs.length}/${rs.reduce((s, x) => s + x.summary.events, 0)}`, fmt(median(errs)), fmt(percentile(errs.map(Math.abs), 0.95)), fmt(Math.max(...errs.map(Math.abs))), fmt(median(rs.map((x) => x.summary.driftMsPerMin)), 2), String(two), fmt(percentile(others, 0.95))];
    }),
  ),
  '#### The instrument',
  'Native ffmpeg files with a known offset (flashes on whole frames, sample-exact phase-0 beeps), read back by the same analysis:',
  table(
    ['file', 'offset in the file', 'median error', 'max |error|'],
    ref.map((r) => [r.format === 'mp4' ? 'mp4 (H.264 + AAC)' : 'webm (VP9 + Opus)', `${fmt(r.fileOffsetMs, 1)} ms`, `${fmt(r.median, 3)} ms`, `${fmt(r.max, 3)} ms`]),
  ),
  [
    'On the page, per recording (the references the files are judged by):',
    '- flash: the capture time of its frame (frame timestamp − the video clock offset, taken from the frame delivered fastest); after a camera switch, of the second camera\'s frame (the one the recorder holds, painted just after the first); shown after requestFrame() and how late frames reached the tap;',
    "- beep: its sample on the stream's audio clock (AudioData timestamps against sample count, median over ±1 s, not across a step of that clock of more than 5 ms); cross-checked against when the chunks arrived, taken as when their last sample was due;",
    '- output − stream: getOutputTimestamp() against that clock (what the beep time would be if taken from it); steps: stalls of the audio clock during the recording; samples lost: where the track dropped (−) or repeated (+) rendered audio, from the beeps\' sample positions.',
  ].join('\n'),
  table(
    ['recorder', 'run', 'events seen', 'capture − requestFrame (median, max)', 'frame arrival after capture (p50, p95)', 'AudioData timestamp jitter (p50, p95)', 'timestamps − arrivals', 'output − stream', 'audio clock steps', 'samples the track lost', 'true offset beep − flash (median, range)'],
    recs.map((x) => {
      const i = x.instrument;
      const during = (s) => s.at >= x.startedAt && s.at <= x.stoppedAt;
      const steps = i.audioClockSteps.filter(during);
      const lost = i.audioSamplesLost.filter(during);
      const seen = x.events.filter((e) => e.flash !== null && e.beep !== null);
      const truth = seen.map((e) => e.beep - e.flash);
      return [
        x.recorder,
        x.run,
        `${seen.length}/${x.events.length}`,
        `${fmt(median(i.captureDelay))}, ${fmt(Math.max(...i.captureDelay))} ms`,
        `${fmt(i.videoClock.arrivalLagP50, 2)}, ${fmt(i.videoClock.arrivalLagP95, 2)} ms`,
        `${fmt(i.audioTimestampJitter.p50)}, ${fmt(i.audioTimestampJitter.p95)} ms`,
        `${fmt(i.audioTimestampsMinusArrival)} ms`,
        `${fmt(median(i.outputMinusStream))} ms`,
        steps.length ? steps.map((s) => `${fmt(s.ms)} ms`).join(', ') : 'none',
        lost.length ? lost.map((s) => `${fmt(s.ms)} ms`).join(', ') : 'none',
        `${fmt(median(truth))} (${fmt(Math.min(...truth))} … ${fmt(Math.max(...truth))}) ms`,
      ];
    }),
  ),
].join('\n\n');

writeFileSync(join(outDir, `sync${suffix}.json`), JSON.stringify({ date: new Date().toISOString(), quick, busy, pauses, switching, actions: ACTIONS, seconds, runs, instrument: ref, recordings: recs }, null, 2));
writeFileSync(join(outDir, `report-sync${suffix}.md`), report + '\n');
console.log('\n' + report);
