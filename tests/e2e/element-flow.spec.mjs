// <inpage-recorder> as a person uses it: pick devices, record, pause, resume, stop, play back,
// download (the downloaded file must pass ffprobe), delete — by mouse, then by keyboard alone.
// Also: limits, the silence warning, removal mid-recording, two elements and a shadow root.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeErrors, probe } from '../support/media.mjs';
import { addElement, deepActive, elementPage, launchWithTwoCameras, shadowText, tabTo, waitState } from './element-support.mjs';

let env;
before(async () => {
  env = await launchWithTwoCameras();
});
after(async () => env?.close());

/** Judges a downloaded file with ffprobe: H.264 + AAC in MP4, about `seconds` long, decodes cleanly. */
function assertRecording(path, seconds, tolerance = 0.6) {
  const meta = probe(path);
  assert.match(meta.format.format_name, /mp4/);
  assert.deepEqual(meta.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
  const d = Number(meta.format.duration);
  assert.ok(Math.abs(d - seconds) <= tolerance, `duration ${d} s, expected about ${seconds} s`);
  assert.deepEqual(decodeErrors(path), []);
}

const FILE_NAME = /^Recording \d{4}-\d\d-\d\d \d\d-\d\d-\d\d\.mp4$/;

describe('<inpage-recorder> user flow', () => {
  test('by clicks: pick devices, record, pause, resume, stop, play back, download (ffprobe), delete', async () => {
    const { context, page } = await elementPage(env.browser);
    try {
      const el = await addElement(page);
      await el.locator('button.camera-on').click();
      await el.locator('select.picker-video').waitFor();
      // pick the second camera and the second microphone
      const cams = await el.locator('select.picker-video option').evaluateAll((os) => os.map((o) => o.value));
      assert.ok(cams.length >= 2, `two fake cameras listed: ${cams}`);
      await el.locator('select.picker-video').selectOption(cams[1]);
      await page.waitForFunction((id) => document.getElementById('rec').recorder.stream?.getVideoTracks()[0]?.getSettings().deviceId === id, cams[1]);
      const mics = await el.locator('select.picker-audio option').evaluateAll((os) => os.map((o) => o.value));
      const mic = mics.find((m) => m !== 'default' && m !== 'communications') ?? mics[0];
      await el.locator('select.picker-audio').selectOption(mic);
      await page.waitForFunction((id) => document.getElementById('rec').recorder.stream?.getAudioTracks()[0]?.getSettings().deviceId === id, mic);
      // the preview's level meter moves before recording (the fake microphone beeps)
      await page.waitForFunction(() => Number(document.getElementById('rec').shadowRoot.querySelector('[role=meter]').getAttribute('aria-valuenow')) > 0, null, { timeout: 10_000 });

      await el.locator('button.record').click();
      await waitState(page, 'recording');
      assert.match(await shadowText(page), /Recording/);
      await page.waitForTimeout(1500);
      await el.locator('button.pause').click();
      await waitState(page, 'paused');
      assert.match(await el.locator('[role=status]').innerText(), /Paused/);
      await page.waitForTimeout(1000);
      await el.locator('button.resume').click();
      await waitState(page, 'recording');
      await page.waitForTimeout(1500);
      await el.locator('button.stop').click();
      await el.locator('video.playback').waitFor();
      assert.match(await el.locator('[role=status]').innerText(), /Recording saved/);
      // the camera picked is the one recorded
      const used = await page.evaluate(() => document.getElementById('rec').recorder.stream.getVideoTracks()[0].getSettings().deviceId);
      assert.equal(used, cams[1]);

      await el.locator('button.play-toggle').click();
      await page.waitForFunction(() => document.getElementById('rec').shadowRoot.querySelector('video.playback').currentTime > 0.3, null, { timeout: 10_000 });

      const [download] = await Promise.all([page.waitForEvent('download'), el.locator('.result a.download').click()]);
      assert.match(download.suggestedFilename(), FILE_NAME);
      assertRecording(await download.path(), 3.0);

      const id = await page.evaluate(() => document.getElementById('rec').recorder.id);
      await el.locator('.result button.delete').click();
      await el.locator('.result button.confirm-delete').click();
      await el.locator('video.playback').waitFor({ state: 'detached' });
      const left = await page.evaluate(async () => (await new ipr.RecordingsLibrary().list()).map((r) => r.id));
      assert.ok(!left.includes(id), 'the recording is gone from the library');
      const events = await page.evaluate(() => iprEvents.map((e) => e.type));
      for (const t of ['ipr-start', 'ipr-pause', 'ipr-resume', 'ipr-stop', 'ipr-download', 'ipr-delete']) assert.ok(events.includes(t), `${t} fired: ${events}`);
      const errors = page.logs.filter((l) => l.startsWith('[pageerror]'));
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('by keyboard alone: the same flow with Tab, Enter, Space and arrow keys', async () => {
    const { context, page } = await elementPage(env.browser);
    try {
      const el = await addElement(page);
      await page.locator('h1').click(); // start from the page, as a keyboard user arriving would
      await tabTo(page, 'button.camera-on');
      await page.keyboard.press('Enter');
      await el.locator('select.picker-video').waitFor();
      await tabTo(page, 'select.picker-video');
      const before = await page.evaluate(() => document.getElementById('rec').recorder.stream.getVideoTracks()[0].getSettings().deviceId);
      await page.keyboard.press('ArrowDown');
      await page.waitForFunction((b) => document.getElementById('rec').recorder.stream?.getVideoTracks()[0]?.getSettings().deviceId !== b, before);

      await tabTo(page, 'button.record');
      await page.keyboard.press('Enter');
      await waitState(page, 'recording');
      // focus stays on the same button, now "Pause"
      assert.match((await deepActive(page)).cls, /pause/);
      await page.waitForTimeout(1500);
      await page.keyboard.press('Space');
      await waitState(page, 'paused');
      assert.match((await deepActive(page)).cls, /resume/);
      await page.waitForTimeout(700);
      await page.keyboard.press('Enter');
      await waitState(page, 'recording');
      await page.waitForTimeout(1500);
      await tabTo(page, 'button.stop');
      await page.keyboard.press('Enter');
      await el.locator('video.playback').waitFor();
      // focus moves to Play once the recording is saved
      await page.waitForFunction(() => document.getElementById('rec').shadowRoot.activeElement?.classList.contains('play-toggle'));
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.getElementById('rec').shadowRoot.querySelector('video.playback').currentTime > 0.3, null, { timeout: 10_000 });

      await tabTo(page, '.result a.download');
      const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
      assert.match(download.suggestedFilename(), FILE_NAME);
      assertRecording(await download.path(), 3.0);

      await tabTo(page, '.result button.delete');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.getElementById('rec').shadowRoot.activeElement?.classList.contains('confirm-delete'));
      await page.keyboard.press('Enter');
      await el.locator('video.playback').waitFor({ state: 'detached' });
      assert.equal((await page.evaluate(async () => new ipr.RecordingsLibrary().list())).length, 0);
      // after deleting, focus is back on Record
      assert.match((await deepActive(page)).cls, /record/);
    } finally {
      await context.close();
    }
  });

  test('max-duration stops the recording at the limit; countdown runs first', async () => {
    const { context, page } = await elementPage(env.browser);
    try {
      const el = await addElement(page, { 'max-duration': '2', countdown: '1', 'no-library': true });
      const t0 = Date.now();
      await el.locator('button.record').click();
      await el.locator('.countdown').waitFor();
      await el.locator('video.playback').waitFor({ timeout: 15_000 });
      assert.ok(Date.now() - t0 >= 3000, 'countdown + 2 s');
      const events = await page.evaluate(() => iprEvents);
      assert.deepEqual(events.find((e) => e.type === 'ipr-limit')?.detail, { limit: 'duration', value: 2 });
      const stop = events.find((e) => e.type === 'ipr-stop');
      assert.ok(stop.detail.durationMs >= 1900 && stop.detail.durationMs <= 2600, `stopped at ${stop.detail.durationMs} ms`);
      assert.match(await el.locator('[role=status]').innerText(), /Stopped at the 2 s limit/);
    } finally {
      await context.close();
    }
  });

  test('a silent microphone is flagged before and during recording', async () => {
    const { context, page } = await elementPage(env.browser);
    try {
      const el = await addElement(page, { 'silence-warning': '1', 'no-library': true });
      // a real silent source: a WebAudio destination with nothing playing, plus a canvas camera
      await page.evaluate(() => {
        const ctx = new AudioContext();
        const dest = ctx.createMediaStreamDestination();
        const canvas = Object.assign(document.createElement('canvas'), { width: 640, height: 360 });
        const g = canvas.getContext('2d');
        setInterval(() => {
          g.fillStyle = `hsl(${(performance.now() / 10) % 360} 80% 50%)`;
          g.fillRect(0, 0, 640, 360);
        }, 33);
        document.getElementById('rec').stream = new MediaStream([...canvas.captureStream(30).getVideoTracks(), ...dest.stream.getAudioTracks()]);
      });
      await el.locator('button.camera-on').click();
      await el.locator('.warning.silence').waitFor({ timeout: 10_000 });
      assert.match(await el.locator('[role=status]').innerText(), /No sound from the microphone/);
      await el.locator('button.record').click();
      await waitState(page, 'recording');
      await el.locator('.warning.silence').waitFor({ timeout: 10_000 });
      assert.ok((await page.evaluate(() => iprEvents.filter((e) => e.type === 'ipr-silence').length)) >= 1);
      await el.locator('button.stop').click();
      await el.locator('video.playback').waitFor();
    } finally {
      await context.close();
    }
  });

  test('removed mid-recording: the recording stops cleanly and is kept', async () => {
    const { context, page } = await elementPage(env.browser);
    try {
      const el = await addElement(page);
      await el.locator('button.record').click();
      await waitState(page, 'recording');
      await page.waitForTimeout(2000);
      const id = await page.evaluate(() => {
        const e = document.getElementById('rec');
        window.removed = e;
        // a detached element's events no longer reach the document: listen on the element
        e.addEventListener('ipr-stop', () => (window.removedStop = true));
        e.remove();
        return e.recorder.id;
      });
      await page.waitForFunction(() => window.removed.recorder.state === 'stopped', null, { timeout: 15_000 });
      const info = await page.evaluate((id) => new ipr.RecordingsLibrary().info(id), id);
      assert.equal(info.state, 'complete');
      assert.ok(info.durationMs >= 1800, `kept ${info.durationMs} ms`);
      // the camera is released
      assert.equal(await page.evaluate(() => window.removed.recorder.stream), null);
      assert.ok(await page.evaluate(() => window.removedStop === true), 'ipr-stop fired on the removed element');
    } finally {
      await context.close();
    }
  });

  test('upload-endpoint: the recording uploads while it records; progress and the verified result are shown', async () => {
    const { context, page } = await elementPage(env.browser);
    try {
      // the dev server the tests run against serves a tus endpoint at /files/ (as `npm start` does)
      const el = await addElement(page, { 'upload-endpoint': '/files/', 'no-library': true });
      await page.evaluate(() => document.addEventListener('ipr-uploadcomplete', (e) => (window.uploaded = e.detail)));
      await el.locator('button.record').click();
      await waitState(page, 'recording');
      await el.locator('[part=upload] progress').waitFor({ timeout: 10_000 });
      await page.waitForTimeout(2000);
      await el.locator('button.stop').click();
      await el.locator('video.playback').waitFor();
      await page.waitForFunction(() => !!window.uploaded, null, { timeout: 30_000 });
      await page.waitForFunction(() => /Uploaded and verified/.test(document.getElementById('rec').shadowRoot.querySelector('[part=upload]')?.textContent ?? ''));
      const r = await page.evaluate(() => ({ uploaded: window.uploaded, size: document.getElementById('rec').recorder.recording.file.size }));
      assert.equal(r.uploaded.bytes, r.size);
      assert.match(r.uploaded.sha256, /^[0-9a-f]{64}$/);
    } finally {
      await context.close();
    }
  });

  test('two elements on one page and one inside a shadow root record independently; events are composed', async () => {
    const { context, page } = await elementPage(env.browser);
    try {
      await addElement(page, { 'no-library': true }, 'one');
      await page.evaluate(async () => {
        const host = document.createElement('div');
        host.id = 'shadow-host';
        document.querySelector('#host').append(host);
        const root = host.attachShadow({ mode: 'open' });
        const el = document.createElement('inpage-recorder');
        el.id = 'two';
        el.setAttribute('format', 'webm');
        el.setAttribute('no-library', '');
        root.append(el);
        await el.updateComplete;
      });
      const one = page.locator('#one');
      const two = page.locator('#shadow-host #two');
      await one.locator('button.record').click();
      await two.locator('button.record').click();
      await page.waitForFunction(() => document.getElementById('one').recorder.state === 'recording' && document.getElementById('shadow-host').shadowRoot.getElementById('two').recorder.state === 'recording');
      await page.waitForTimeout(2000);
      await one.locator('button.stop').click();
      await two.locator('button.stop').click();
      await one.locator('video.playback').waitFor();
      await two.locator('video.playback').waitFor();
      const stops = await page.evaluate(() => iprEvents.filter((e) => e.type === 'ipr-stop'));
      assert.equal(stops.length, 2, 'both ipr-stop events reached the document');
      assert.ok(stops.every((e) => e.bubbles && e.composed));
      const ids = new Set(stops.map((e) => e.detail.id));
      assert.equal(ids.size, 2);
      const list = await page.evaluate(async () => (await new ipr.RecordingsLibrary().list()).map((r) => [r.format, r.state]));
      assert.deepEqual(list.map(([f]) => f).sort(), ['mp4', 'webm']);
      assert.ok(list.every(([, s]) => s === 'complete'));
      assert.equal(await page.evaluate(() => crossOriginIsolated), false, 'works without cross-origin isolation');
    } finally {
      await context.close();
    }
  });
});
