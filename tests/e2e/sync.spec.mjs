// A/V sync of real recordings, judged by the clapperboard of bench/sync: a canvas flashes and
// WebAudio beeps at the same instants; native ffmpeg finds both in the file, and each beep must sit
// where its flash does (against when each really entered the stream). The bounds here are generous
// so that a regression fails CI on a noisy machine; the strict goals are measured by bench/sync.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { analyse } from '../../bench/sync/analyse.mjs';
import { fetchBlob, useHarness } from '../support/browser.mjs';
import { tempFile } from '../support/media.mjs';

const h = useHarness(before, after);
const FRAME_MS = 1000 / 30;

async function clapperboard(options) {
  const r = await h.page.evaluate(async (options) => {
    const { recordClapperboard } = await import('/bench/sync/clapper.js');
    let rec;
    const recorder = {
      start: (stream) => (rec = new ipr.Recorder({ format: 'mp4' })).start(stream),
      pause: () => rec.pause(),
      resume: () => rec.resume(),
      switchVideo: (track) => rec.replaceTrack(track),
      stop: async () => (await rec.stop()).file,
    };
    const { file, ...log } = await recordClapperboard(recorder, options);
    window.lastFile = file;
    return log;
  }, options);
  assert.ok(r.events.length >= 6, `events played: ${r.events.length}`);
  const path = tempFile('sync.mp4', await fetchBlob(h.page, 'window.lastFile'));
  const a = analyse(path, r.events);
  const errors = a.rows.map((x) => (x.error === null ? 'missing' : x.error.toFixed(1))).join(', ');
  const s = a.summary;
  a.detail = `median ${s.median?.toFixed(1)} ms, p95 |e| ${s.p95?.toFixed(1)} ms, max ${s.max?.toFixed(1)} ms; per event: ${errors} (${path})`;
  // A flash or beep the page's own tap did not see has no reference; those are not judged.
  const seen = r.events.filter((e) => e.flash !== null && e.beep !== null).length;
  assert.ok(seen >= r.events.length - 2, `events seen entering the stream: ${seen}/${r.events.length}`);
  assert.ok(s.matched >= seen - 1, `events found in the file: ${s.matched} of ${seen}; ${a.detail}`);
  return a;
}

test('mp4, 20 s clapperboard: beeps within 20 ms of their flashes (p95 40 ms), both streams start at 0 and end together', async () => {
  const { summary: s, streams, detail } = await clapperboard({ seconds: 20, seed: 11 });
  assert.ok(Math.abs(s.median) <= 20, detail);
  assert.ok(s.p95 <= 40, detail);
  assert.ok(Math.abs(streams.videoStart) * 1000 <= FRAME_MS, `first video at ${streams.videoStart} s`);
  // The AAC encoder's priming (-21.3 ms) sits before 0 and is trimmed by the edit list.
  assert.ok(Math.abs(streams.audioStart) * 1000 <= FRAME_MS, `first audio at ${streams.audioStart} s`);
  assert.ok(Math.abs(streams.endDiff) * 1000 <= FRAME_MS, `audio ends ${streams.endDiff} s after video`);
});

test('mp4, 20 s clapperboard with two pauses and a camera switch: the same bounds', async () => {
  const actions = [
    { type: 'pause', at: 5000, ms: 1500 },
    { type: 'switch', at: 9000 },
    { type: 'pause', at: 13000, ms: 1000 },
  ];
  const { summary: s, detail } = await clapperboard({ seconds: 20, seed: 12, actions });
  assert.ok(Math.abs(s.median) <= 20, detail);
  assert.ok(s.p95 <= 40, detail);
});
