// Shared pieces of the benchmarks: the built library on a static server, Chromium with a y4m
// "camera", CDP memory/CPU sampling, and tables.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChrome } from '../../tests/support/chrome-process.mjs';
import { serveStatic } from '../../tests/support/static-server.mjs';
import { requireTools } from '../../tests/support/tools.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const outDir = join(root, 'bench/out');
mkdirSync(outDir, { recursive: true });

export function buildLib() {
  execFileSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--mode', 'lib', '--logLevel', 'error'], { cwd: root, stdio: 'inherit' });
}

/** A looping test pattern with motion, as a y4m file Chromium's fake camera plays. */
export function y4m(width, height, fps, seconds = 2) {
  const path = join(outDir, `testsrc-${width}x${height}-${fps}.y4m`);
  if (!existsSync(path) || statSync(path).size < width * height) {
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`, '-t', String(seconds), '-pix_fmt', 'yuv420p', path]);
  }
  return path;
}

/**
 * Chromium on a fresh on-disk profile, as a user's browser is. Not a Playwright `newContext()`:
 * that is an off-the-record profile, where Chromium keeps IndexedDB (blobs included) in memory,
 * so every stored byte would show up as browser-process RSS and nothing would survive a crash.
 */
export async function launchProfile(flags = []) {
  requireTools();
  const profile = mkdtempSync(join(tmpdir(), 'ipr-bench-'));
  const chrome = await startChrome(profile, { flags: ['--enable-precise-memory-info', '--js-flags=--expose-gc', ...flags] });
  return {
    ...chrome,
    async close() {
      await chrome.close();
      await chrome.kill();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Chromium with the y4m camera (or the default fake one) and the bench page open. */
export async function openBench({ camera } = {}) {
  const server = await serveStatic(root);
  const chrome = await launchProfile(camera ? [`--use-file-for-fake-video-capture=${camera}`] : []);
  const { browser, context } = chrome;
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('[page]', e.message));
  await page.goto(`${server.url}/bench/pages/bench.html`);
  await page.waitForFunction(() => window.benchReady === true);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const browserCdp = await browser.newBrowserCDPSession();
  return {
    browser,
    page,
    cdp,
    browserCdp,
    async close() {
      await chrome.close();
      await server.close();
    },
  };
}

function rssKb(pid) {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Page JS heap (main thread), renderer RSS, whole-browser RSS (MB) and CPU seconds per process type. */
/**
 * CPU seconds per thread of the given processes, by where the work runs: Chromium names its
 * threads, and what a recorder costs is told apart by them (the page's main thread, workers, the
 * codec thread pool, the audio worklet, the audio output). Read from /proc (Linux).
 */
export function threadCpu(processes) {
  const out = {};
  const hz = 100;
  for (const { id, type } of processes) {
    let tids = [];
    try {
      tids = readdirSync(`/proc/${id}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const st = readFileSync(`/proc/${id}/task/${tid}/stat`, 'utf8');
        const name = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'));
        const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
        const group = threadGroup(type, name);
        out[group] = (out[group] ?? 0) + (Number(f[11]) + Number(f[12])) / hz;
      } catch {
        /* the thread ended */
      }
    }
  }
  return out;
}

function threadGroup(type, name) {
  if (type === 'renderer') {
    if (/^DedicatedWorker/.test(name)) return 'page: workers';
    if (/^ThreadPool/.test(name)) return 'page: codec thread pool';
    if (/^Realtime AudioW/.test(name)) return 'page: audio worklet';
    if (/^AudioOutputDevi/.test(name)) return 'page: audio output';
    if (/^Compositor|^Media/.test(name)) return `page: ${name.replace(/\d+$/, '')}`;
    return /^chromium|^chrome$/.test(name) ? 'page: main thread' : 'page: other threads';
  }
  if (/AudioService/i.test(type)) return 'audio service';
  if (/VideoCapture/i.test(type)) return 'video capture service';
  return type === 'browser' ? 'browser process' : type === 'gpu-process' ? 'GPU process' : 'other processes';
}

/** Memory and CPU of the whole browser now; `threads` adds CPU by thread group (threadCpu()). */
export async function sample({ cdp, browserCdp }, { threads = false } = {}) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
  const { processInfo } = await browserCdp.send('SystemInfo.getProcessInfo');
  let rendererKb = 0;
  let totalKb = 0;
  let cpu = 0;
  const byType = {};
  for (const p of processInfo) {
    const kb = rssKb(p.id);
    byType[p.type] = (byType[p.type] ?? 0) + kb / 1024;
    // Chromium's on-device model service starts on its own partway through long runs (~95 MB,
    // with either recorder); it has nothing to do with recording, so it is kept out of the total.
    if (/on_device_model/i.test(p.type)) continue;
    totalKb += kb;
    if (p.type === 'renderer') rendererKb += kb;
    cpu += p.cpuTime;
  }
  return { t: Date.now(), jsHeapMB: m.JSHeapUsedSize / 2 ** 20, rendererMB: rendererKb / 1024, totalMB: totalKb / 1024, cpuS: cpu, byType, ...(threads ? { threads: threadCpu(processInfo) } : {}) };
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

/** Least-squares slope of y over x. */
export function slope(xs, ys) {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den ? num / den : 0;
}

export function table(headers, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
