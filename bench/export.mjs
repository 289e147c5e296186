// npm run bench:export -- [--quick] [--seconds N] [--only t1,t2] [--skip t1,t2] [--threads multi]
// Export in the browser against native ffmpeg on the same file, in the same run: for each target,
// wall time and input MB/s of the browser export (Mediabunny or ffmpeg.wasm, as `exportRecording`
// picks, plus ffmpeg.wasm forced where Mediabunny normally runs) and of native ffmpeg running the
// same arguments from the target table; peak renderer memory during each browser export; and how
// long ffmpeg.wasm's core takes to load cold, again from the HTTP cache, and warm.
// The source is made with native ffmpeg: testsrc2 720p30 H.264 (2.5 Mbit/s, a key frame a second)
// + a swelling tone as AAC, fragmented MP4 with 1 s fragments like the recorder writes; the same
// with Opus audio for `mp4-aac`. Default 600 s, --quick 60 s. `--threads multi` serves the page
// cross-origin isolated, so ffmpeg.wasm runs its multi-threaded core.
// Prints tables; writes bench/out/export.json and bench/out/report-export.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveStatic } from '../tests/support/static-server.mjs';
import { launchProfile, outDir, root, sample, sleep, table } from './lib/harness.mjs';

const args = process.argv.slice(2);
const opt = (name) => (args.indexOf(name) >= 0 ? args[args.indexOf(name) + 1] : null);
const quick = args.includes('--quick');
const seconds = Number(opt('--seconds') ?? (quick ? 60 : 600));
const only = opt('--only')?.split(',') ?? null;
const skip = opt('--skip')?.split(',') ?? [];
const multi = opt('--threads') === 'multi';
const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '–');
const MB = 1e6;

// ── source files ──────────────────────────────────────────────────────────────────────────────
const FRAGMENTED = ['-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '1000000'];
function makeSource(duration) {
  const path = join(outDir, `export-source-${duration}.mp4`);
  const opus = join(outDir, `export-source-${duration}-opus.mp4`);
  if (!existsSync(path)) {
    console.log(`making a ${duration} s 720p30 H.264 + AAC fragmented MP4 with native ffmpeg …`);
    // A tone swelling at 3 Hz and rising 6 dB over the file: sound throughout, with a loudness range.
    const tone = `aevalsrc=0.2*(sin(2*PI*220*t)+0.5*sin(2*PI*330*t))*(0.75+0.25*sin(2*PI*3*t))*(0.5+0.5*t/${duration}):s=48000`;
    execFileSync('ffmpeg', [
      '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', tone, '-t', String(duration),
      '-c:v', 'libx264', '-preset', 'veryfast', '-b:v', '2500k', '-maxrate', '3000k', '-bufsize', '3000k', '-g', '30', '-keyint_min', '30', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-b:a', '128k', '-ac', '2', ...FRAGMENTED, path,
    ], { stdio: 'inherit' });
  }
  if (!existsSync(opus)) execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', path, '-map', '0', '-c:v', 'copy', '-c:a', 'libopus', '-b:a', '128k', ...FRAGMENTED, opus], { stdio: 'inherit' });
  const tiny = join(outDir, 'export-source-1.mp4');
  if (!existsSync(tiny)) {
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30', '-f', 'lavfi', '-i', 'sine=f=440:sample_rate=48000', '-t', '1', '-c:v', 'libx264', '-c:a', 'aac', ...FRAGMENTED, tiny]);
  }
  return { path, opus, tiny };
}

// ── the jobs: each target once (Mediabunny's ones also forced onto ffmpeg.wasm) ───────────────
function jobs(duration) {
  const mid = Math.round(duration / 2);
  const span = Math.min(30, Math.round(duration / 4));
  const list = [
    { target: 'mp4' },
    { target: 'mp4', options: { engine: 'ffmpeg.wasm' } },
    { target: 'mkv' },
    { target: 'mkv', options: { engine: 'ffmpeg.wasm' } },
    { target: 'mov' },
    { target: 'mov', options: { engine: 'ffmpeg.wasm' } },
    { target: 'ts' },
    { target: 'mp4-aac', source: 'opus' },
    { target: 'm4a' },
    { target: 'mp3' },
    { target: 'wav' },
    { target: 'opus' },
    { target: 'poster', options: { at: mid } },
    { target: 'trim', options: { trim: { start: mid, end: mid + span, mode: 'copy' } } },
    { target: 'trim', options: { trim: { start: mid, end: mid + span, mode: 'exact' } } },
    { target: 'loudness-ebu' },
    { target: 'loudness-streaming' },
    { target: 'webm' },
  ];
  return list.filter((j) => (!only || only.includes(j.target)) && !skip.includes(j.target));
}
const jobName = (j) => [j.target, j.options?.engine && `(${j.options.engine})`, j.options?.trim && `${j.options.trim.mode} ${j.options.trim.end - j.options.trim.start} s`].filter(Boolean).join(' ');

// ── native ffmpeg on the same arguments ───────────────────────────────────────────────────────
function native(argv) {
  const t0 = performance.now();
  const r = spawnSync('ffmpeg', ['-nostdin', '-y', '-hide_banner', '-loglevel', 'info', ...argv], { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`native ffmpeg failed: ${r.stderr.split('\n').slice(-5).join(' | ')}`);
  return { ms: performance.now() - t0, stderr: r.stderr };
}

async function nativeJob(page, job, inputPath, result) {
  const dir = mkdtempSync(join(tmpdir(), 'ipr-native-'));
  try {
    const output = join(dir, `out.${result.extension}`);
    const codecs = job.source === 'opus' ? { videoCodec: 'avc', audioCodec: 'opus' } : { videoCodec: 'avc', audioCodec: 'aac' };
    // The browser's trim (copy) started at the key frame it found; native gets the same span.
    const trim = result.trim ? { ...job.options.trim, start: result.trim.start, end: result.trim.end } : null;
    const ctx = { input: inputPath, output, source: { container: 'mp4', ...codecs, durationS: null, width: 1280, height: 720 }, at: job.options?.at ?? 0, trim };
    let ms = 0;
    let measured = null;
    const first = await page.evaluate(([t, c]) => window.benchArgs(t, c), [job.target, ctx]);
    if (first.measure) {
      const m = native(first.measure);
      ms += m.ms;
      const blocks = m.stderr.match(/\{[^{}]*"input_i"[^{}]*\}/g);
      measured = JSON.parse(blocks.at(-1));
    }
    const argv = measured ? (await page.evaluate(([t, c, m]) => window.benchArgs(t, c, m), [job.target, ctx, measured])).ffmpeg : first.ffmpeg;
    ms += native(argv).ms;
    return { ms, bytes: statSync(output).size };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ── browser side ──────────────────────────────────────────────────────────────────────────────
async function openPage(server) {
  const chrome = await launchProfile();
  const page = await chrome.context.newPage();
  page.on('pageerror', (e) => console.error('[page]', e.message));
  await page.goto(`${server.url}/bench/pages/export.html`);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 60_000 });
  const cdp = await chrome.context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const browserCdp = await chrome.browser.newBrowserCDPSession();
  return { chrome, page, cdp, browserCdp };
}

/** Runs a browser export while sampling memory every 200 ms; resolves with the result and the peaks. */
async function browserJob(b, source, job) {
  const base = await sample(b);
  let peak = base;
  let done = false;
  const run = b.page.evaluate(([s, t, o]) => window.benchExport(s, t, o), [source, job.target, job.options ?? {}]).finally(() => (done = true));
  while (!done) {
    await sleep(200);
    const s = await sample(b).catch(() => null);
    if (s && s.rendererMB > peak.rendererMB) peak = s;
  }
  return { result: await run, baseRendererMB: base.rendererMB, peakRendererMB: peak.rendererMB, peakTotalMB: peak.totalMB };
}

/** Core load times: first load (nothing cached), reload after releasing it (HTTP cache), and warm. */
async function loadTimes(server) {
  const b = await openPage(server);
  try {
    await b.page.evaluate(() => window.loadSource('tiny', '/bench/out/export-source-1.mp4'));
    const out = { threads: null, coldMs: NaN, cachedMs: NaN, warmMs: NaN };
    const one = () => b.page.evaluate(() => window.benchExport('tiny', 'wav'));
    const cold = await one();
    if (!cold.ok) throw new Error(`load run failed: ${JSON.stringify(cold.error)}`);
    out.threads = cold.threads;
    out.coldMs = cold.loadMs;
    out.warmMs = (await one()).loadMs;
    await b.page.evaluate(() => window.releaseEngines());
    out.cachedMs = (await one()).loadMs;
    return out;
  } finally {
    await b.chrome.close();
  }
}

// ── run ───────────────────────────────────────────────────────────────────────────────────────
const src = makeSource(seconds);
const libOut = join(outDir, 'export-lib');
execFileSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--mode', 'lib', '--outDir', libOut, '--emptyOutDir', '--logLevel', 'error'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'production' },
});
const cacheable = { 'cache-control': 'max-age=3600' };
const isolated = { ...cacheable, 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
const plain = await serveStatic(root, { headers: cacheable });
const coi = await serveStatic(root, { headers: isolated });
const bytes = { main: statSync(src.path).size, opus: statSync(src.opus).size };
const results = [];
let loads = [];
try {
  loads = [await loadTimes(plain), await loadTimes(coi)];
  for (const l of loads) console.log(JSON.stringify({ load: l }));
  const b = await openPage(multi ? coi : plain);
  try {
    await b.page.evaluate(([a, o]) => Promise.all([window.loadSource('main', a), window.loadSource('opus', o)]), [
      `/bench/out/export-source-${seconds}.mp4`,
      `/bench/out/export-source-${seconds}-opus.mp4`,
    ]);
    for (const job of jobs(seconds)) {
      const source = job.source ?? 'main';
      const inBytes = bytes[source];
      const br = await browserJob(b, source, job);
      const r = br.result;
      const row = { job: jobName(job), inMB: inBytes / MB, ok: r.ok, error: r.ok ? null : r.error, engine: r.engine, threads: r.threads, browserS: r.ok ? r.durationMs / 1000 : NaN, loadMs: r.loadMs, outMB: r.ok ? r.bytesOut / MB : NaN, peakRendererMB: br.peakRendererMB, baseRendererMB: br.baseRendererMB, peakTotalMB: br.peakTotalMB, nativeS: NaN, nativeOutMB: NaN, linear: r.loudness?.linear ?? null };
      if (r.ok) {
        try {
          const n = await nativeJob(b.page, job, source === 'opus' ? src.opus : src.path, r);
          row.nativeS = n.ms / 1000;
          row.nativeOutMB = n.bytes / MB;
        } catch (e) {
          row.nativeError = e.message;
        }
      }
      results.push(row);
      console.log(JSON.stringify(row));
    }
  } finally {
    await b.chrome.close();
  }
} finally {
  await plain.close();
  await coi.close();
}

const rate = (mb, s) => f(mb / s, 1);
// Browser MB/s and the ratio leave out loading the core (its own table below); the time column has it.
const work = (r) => r.browserS - (r.loadMs ?? 0) / 1000;
const jobTable = table(
  ['job', 'engine', 'browser s (core load)', 'browser MB/s', 'native ffmpeg s', 'native MB/s', 'browser ÷ native', 'out MB (browser / native)', 'peak renderer MB (before)'],
  results.map((r) => [
    r.job,
    r.ok ? `${r.engine}${r.threads ? ` (${r.threads})` : ''}${r.linear === false ? ', dynamic' : ''}` : `failed: ${r.error?.code}`,
    `${f(r.browserS, 2)}${r.loadMs ? ` (${f(r.loadMs / 1000, 2)})` : ''}`,
    rate(r.inMB, work(r)),
    f(r.nativeS, 2),
    rate(r.inMB, r.nativeS),
    f(work(r) / r.nativeS, 1),
    `${f(r.outMB)} / ${f(r.nativeOutMB)}`,
    `${f(r.peakRendererMB, 0)} (${f(r.baseRendererMB, 0)})`,
  ]),
);
const loadTable = table(
  ['ffmpeg.wasm core', 'first load ms', 'reload from HTTP cache ms', 'warm (already loaded) ms'],
  loads.map((l) => [l.threads === 'multi' ? 'multi-thread (cross-origin isolated)' : 'single-thread', f(l.coldMs, 0), f(l.cachedMs, 0), f(l.warmMs, 0)]),
);
const heading = `Export of a ${seconds} s 720p30 recording (${f(bytes.main / MB)} MB; H.264 2.5 Mbit/s + AAC, fragmented MP4 made with native ffmpeg), browser export ${multi ? 'cross-origin isolated' : 'not isolated'}; native ffmpeg runs the same arguments on the same file.`;
const report = `${heading}\n\n${jobTable}\n\n${loadTable}\n`;
writeFileSync(join(outDir, 'export.json'), JSON.stringify({ seconds, bytes, multi, loads, results }, null, 2));
writeFileSync(join(outDir, 'report-export.md'), report);
console.log(`\n${report}`);
