// Cameras and microphones plugged in and out while the element is open. Chromium's fake devices
// cannot be unplugged, so the test does what the operating system would: it changes what
// enumerateDevices() returns (the same fake devices, one left out) and fires `devicechange`.
// Everything else — the element, the pickers, the Recorder, the camera — is real.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addElement, elementPage, launchWithTwoCameras, waitState } from './element-support.mjs';

let env;
before(async () => {
  env = await launchWithTwoCameras();
});
after(async () => env?.close());

const options = (el, which) => el.locator(`select.picker-${which} option`).evaluateAll((os) => os.map((o) => o.value));

/** Makes enumerateDevices() leave out `hidden` device ids (none: the real list) and fires devicechange. */
function unplug(page, hidden) {
  return page.evaluate((hidden) => {
    const md = navigator.mediaDevices;
    md.realEnumerate ??= md.enumerateDevices.bind(md);
    md.enumerateDevices = async () => (await md.realEnumerate()).filter((d) => !hidden.includes(d.deviceId));
    md.dispatchEvent(new Event('devicechange'));
  }, hidden);
}

describe('<inpage-recorder> devices', () => {
  test('pickers follow devices plugged in and out, while previewing and while recording', async () => {
    const { context, page } = await elementPage(env.browser);
    try {
      const el = await addElement(page);
      await el.locator('button.camera-on').click();
      await el.locator('select.picker-video').waitFor();
      const cams = await options(el, 'video');
      assert.ok(cams.length >= 2, `two fake cameras listed: ${cams}`);

      // pick the second camera, then unplug it
      await el.locator('select.picker-video').selectOption(cams[1]);
      await page.waitForFunction((id) => document.getElementById('rec').recorder.stream?.getVideoTracks()[0]?.getSettings().deviceId === id, cams[1]);
      await unplug(page, [cams[1]]);
      await page.waitForFunction((gone) => ![...document.getElementById('rec').shadowRoot.querySelectorAll('select.picker-video option')].some((o) => o.value === gone), cams[1]);
      assert.deepEqual(await options(el, 'video'), cams.filter((c) => c !== cams[1]));

      // plugged back in: listed again and can be picked
      await unplug(page, []);
      await page.waitForFunction((n) => document.getElementById('rec').shadowRoot.querySelectorAll('select.picker-video option').length === n, cams.length);
      await el.locator('select.picker-video').selectOption(cams[1]);
      await page.waitForFunction((id) => document.getElementById('rec').recorder.stream?.getVideoTracks()[0]?.getSettings().deviceId === id, cams[1]);

      // a microphone unplugged and plugged back while recording: the recording goes on
      const mics = await options(el, 'audio');
      await el.locator('button.record').click();
      await waitState(page, 'recording');
      await unplug(page, [mics[mics.length - 1]]);
      await page.waitForFunction((n) => document.getElementById('rec').shadowRoot.querySelectorAll('select.picker-audio option').length === n, mics.length - 1);
      await unplug(page, []);
      await page.waitForFunction((n) => document.getElementById('rec').shadowRoot.querySelectorAll('select.picker-audio option').length === n, mics.length);
      await page.waitForTimeout(1000);
      assert.equal(await page.evaluate(() => document.getElementById('rec').recorder.state), 'recording');
      await el.locator('button.stop').click();
      await el.locator('video.playback').waitFor();
      const errors = page.logs.filter((l) => l.startsWith('[pageerror]'));
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});
