// The sync benchmark's instrument, without a browser: clapperboard files made by native ffmpeg with
// a known audio offset must read back at that offset within 1 ms, codec priming (AAC edit list,
// Opus pre-skip) included.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyse, summarise } from '../../bench/sync/analyse.mjs';
import { makeReference } from '../../bench/sync/reference.mjs';

const dir = mkdtempSync(join(tmpdir(), 'ipr-sync-'));

const cases = [
  { format: 'mp4', offsetMs: 0 },
  { format: 'mp4', offsetMs: 37 },
  { format: 'mp4', offsetMs: -23, fragmented: true },
  { format: 'webm', offsetMs: 0 },
  { format: 'webm', offsetMs: 37 },
];

for (const c of cases) {
  test(`${c.fragmented ? 'fragmented ' : ''}${c.format}, audio made ${c.offsetMs} ms after video: every event read back within 1 ms`, () => {
    const path = join(dir, `ref-${c.offsetMs}${c.fragmented ? '-frag' : ''}.${c.format}`);
    const events = makeReference(path, { ...c, seconds: 15, seed: 7 });
    const r = analyse(path, events);
    assert.equal(r.summary.matched, events.length, 'every flash and beep found and matched');
    assert.deepEqual([r.extraFlashes, r.extraBeeps], [[], []]);
    for (const row of r.rows) assert.ok(Math.abs(row.error) <= 1, `event at ${row.flashFile} s: error ${row.error} ms`);
    assert.equal(r.summary.steps.length, 0);
    assert.ok(Math.abs(r.summary.driftMsPerMin) < 0.1, `drift ${r.summary.driftMsPerMin} ms/min`);
    if (c.format === 'mp4') {
      // The reference says beep − flash = offset exactly; for WebM it reads the offset from the blocks.
      for (const e of events) assert.equal(e.beep - e.flash, c.offsetMs);
      assert.equal(r.streams.audioStart, 0, 'AAC priming hidden by the edit list');
    }
  });
}

test('events on another clock, some never recorded: matched by their pattern of gaps', () => {
  const path = join(dir, 'ref-pattern.mp4');
  const events = makeReference(path, { format: 'mp4', offsetMs: 12, seconds: 15, seed: 3 });
  // The page's clock is 1234.5 s ahead of the file's, and two events came before the recording.
  const logged = [{ flash: -1500, beep: -1488 }, { flash: -400, beep: -388 }, ...events].map((e) => ({ flash: e.flash + 1_234_500, beep: e.beep + 1_234_500 }));
  const r = analyse(path, logged);
  assert.deepEqual(r.rows.slice(0, 2).map((x) => x.error), [null, null]);
  assert.equal(r.summary.matched, events.length);
  assert.ok(r.summary.max <= 1, `max error ${r.summary.max} ms`);
});

test('summary: drift from the slope, not from one outlier; steps between consecutive events', () => {
  const rows = Array.from({ length: 40 }, (_, i) => ({ flashFile: i * 1.5, error: 5 + (2 * (i * 1.5)) / 60 }));
  rows[7].error += 100;
  const s = summarise(rows);
  assert.ok(Math.abs(s.driftMsPerMin - 2) < 0.01, `drift ${s.driftMsPerMin} ms/min`);
  assert.deepEqual(s.steps.map((x) => [x.at, Math.round(x.ms)]), [[10.5, 100], [12, -100]]);
  const stepped = rows.map((r, i) => ({ flashFile: r.flashFile, error: i >= 20 ? 30 : 0 }));
  assert.deepEqual(summarise(stepped).steps, [{ at: 30, ms: 30 }]);
});
