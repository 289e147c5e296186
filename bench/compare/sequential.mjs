// The sequential pass: one recorder at a time on one browser and one 720p30 camera stream, so CPU
// time is each recorder's own. Gives CPU per recorded minute, stop → File latency at the short
// lengths, and the files whose properties (index, duration, clean decode) the report judges.
import { openBench, sample, sleep, y4m } from '../lib/harness.mjs';
import { checkFile, extension, saveFile, slug } from './common.mjs';

/** Rotates the order by `n`, so no recorder always runs first (after a warm-up) or last. */
const rotate = (xs, n) => xs.map((_, i) => xs[(i + n) % xs.length]);

/**
 * `shortRuns` recordings of `shortSeconds` per recorder (latency only), then one of `cpuSeconds`
 * per recorder: CPU between two samples taken while it records, latency at that length, its file.
 */
export async function sequentialPass({ recorders, shortSeconds, shortRuns, cpuSeconds, idleSeconds, log }) {
  const b = await openBench({ camera: y4m(1280, 720, 30) });
  const out = { idle: null, latency: [], runs: [] };
  try {
    out.settings = await b.page.evaluate(() => benchStream());
    await sleep(2000);
    // The camera stream alone (open, not recorded) costs the same for every recorder; measured so
    // the report can show each recorder's own share.
    const i0 = await sample(b);
    await sleep(idleSeconds * 1000);
    const i1 = await sample(b);
    out.idle = { seconds: (i1.t - i0.t) / 1000, cores: (i1.cpuS - i0.cpuS) / ((i1.t - i0.t) / 1000) };
    log(`idle stream: ${out.idle.cores.toFixed(2)} cores`);

    for (let run = 0; run < shortRuns; run++) {
      for (const name of rotate(recorders, run)) {
        await b.page.evaluate((n) => benchStart(n), name);
        await sleep(shortSeconds * 1000);
        const r = await b.page.evaluate(() => benchStop());
        out.latency.push({ recorder: name, target: shortSeconds, seconds: r.durationMs / 1000, stopMs: r.stopMs, pass: 'sequential', stopTimings: r.stats?.stopTimings ?? null });
        log(`latency ${name} ${shortSeconds} s: ${r.stopMs.toFixed(0)} ms`);
      }
    }

    for (const name of recorders) {
      await b.page.evaluate((n) => benchStart(n), name);
      // CPU from after start() resolved to just before stop(): recording at its steady state, not
      // loading a library or a wasm encoder.
      const c0 = await sample(b);
      await sleep(cpuSeconds * 1000);
      const c1 = await sample(b);
      const r = await b.page.evaluate(() => benchStop());
      const player = await b.page.evaluate(() => benchPlayer());
      const path = await saveFile(b.page, `compare-${slug(name)}.${extension(r.type)}`);
      const seconds = r.durationMs / 1000;
      const file = checkFile(path, seconds, { decode: true });
      const cores = (c1.cpuS - c0.cpuS) / ((c1.t - c0.t) / 1000);
      const s = r.stats;
      out.runs.push({
        recorder: name,
        seconds,
        stopMs: r.stopMs,
        size: r.size,
        mimeType: r.type,
        cpuCores: cores,
        cpuSecondsPerMin: cores * 60,
        ownCpuSecondsPerMin: (cores - out.idle.cores) * 60,
        player,
        file,
        stats: s ? { framesIn: s.framesIn, framesEncoded: s.framesEncoded, framesDropped: s.framesDropped, videoCodec: s.videoCodec, audioCodec: s.audioCodec } : null,
      });
      out.latency.push({ recorder: name, target: cpuSeconds, seconds, stopMs: r.stopMs, pass: 'sequential' });
      log(`cpu ${name} ${cpuSeconds} s: ${(cores * 60).toFixed(1)} CPU s/min (${((cores - out.idle.cores) * 60).toFixed(1)} own), stop ${r.stopMs.toFixed(0)} ms, ${file.codecs}, index ${file.index ?? 'none'}, player duration ${player.duration ?? player.error}`);
    }
  } finally {
    await b.close();
  }
  return out;
}
