// Helpers of the export tests: record from the fake devices, export, hand results to the test process.
import * as ipr from '/src/index.ts';
window.ipr = ipr;
/** Recordings and exports by name, for the test process to fetch. */
window.files = {};
window.blobToBase64 = async (blob) => {
  const buf = new Uint8Array(await blob.arrayBuffer());
  let s = '';
  for (let i = 0; i < buf.length; i += 0x8000) s += String.fromCharCode.apply(null, buf.subarray(i, i + 0x8000));
  return btoa(s);
};
/** Records `ms` from the fake camera and microphone; keeps the Recording as files[name]. */
window.record = async (name, options, ms) => {
  const rec = new ipr.Recorder(options);
  await rec.start();
  await new Promise((r) => setTimeout(r, ms));
  const r = await rec.stop();
  window.files[name] = r;
  return { id: r.id, size: r.file.size, durationMs: r.durationMs, fileName: r.file.name, videoCodec: r.videoCodec, audioCodec: r.audioCodec };
};
/**
 * Records `ms` of a synthetic programme with content throughout (a moving picture; a three-tone
 * chord swelling at 3 Hz, ~10 dB from peak to loudness like speech or music) rather than the fake
 * microphone's short beeps, whose 24 dB peak-to-loudness ratio no limiter-free gain can bring to
 * −16 LUFS under −1 dBTP.
 */
window.recordSynthetic = async (name, ms) => {
  const canvas = Object.assign(document.createElement('canvas'), { width: 1280, height: 720 });
  const g = canvas.getContext('2d');
  const draw = () => {
    const t = performance.now() / 1000;
    g.fillStyle = `hsl(${(t * 60) % 360} 60% 40%)`;
    g.fillRect(0, 0, 1280, 720);
    g.fillStyle = '#fff';
    g.fillRect(100 + ((t * 300) % 1000), 300, 120, 120);
  };
  const timer = setInterval(draw, 1000 / 30);
  const ctx = new AudioContext({ sampleRate: 48000 });
  const dest = ctx.createMediaStreamDestination();
  const swell = ctx.createGain();
  // Rising 6 dB over the recording: programme has a loudness range, and loudnorm applies one
  // linear gain only to a measured range above zero.
  swell.gain.setValueAtTime(0.5, ctx.currentTime);
  swell.gain.linearRampToValueAtTime(1, ctx.currentTime + ms / 1000);
  const lfo = ctx.createOscillator();
  const depth = ctx.createGain();
  lfo.frequency.value = 3;
  depth.gain.value = 0.25;
  lfo.connect(depth).connect(swell.gain);
  for (const f of [220, 277, 330]) {
    const o = ctx.createOscillator();
    const v = ctx.createGain();
    o.frequency.value = f;
    v.gain.value = 0.08;
    o.connect(v).connect(swell);
    o.start();
  }
  swell.connect(dest);
  lfo.start();
  const stream = new MediaStream([...canvas.captureStream(30).getVideoTracks(), ...dest.stream.getAudioTracks()]);
  const rec = new ipr.Recorder({ format: 'mp4', audio: { channels: 2 } });
  await rec.start(stream);
  await new Promise((r) => setTimeout(r, ms));
  const r = await rec.stop();
  clearInterval(timer);
  stream.getTracks().forEach((t) => t.stop());
  await ctx.close();
  window.files[name] = r;
  return { id: r.id, size: r.file.size, durationMs: r.durationMs, fileName: r.file.name, videoCodec: r.videoCodec, audioCodec: r.audioCodec };
};
const errorOf = (e) => ({ name: e?.name, code: e?.code, message: e?.message, details: e?.details ?? null });
/**
 * Exports files[source] (a Recording, or a Blob) to `target`; keeps the result as files[out].
 * `abortAfter`: abort once progress passes this fraction. Resolves with what the test judges.
 */
window.runExport = async (source, target, options = {}, { out = target, abortAfter, useId } = {}) => {
  const progress = [];
  const controller = new AbortController();
  const input = useId ? window.files[source].id : window.files[source];
  const t0 = performance.now();
  try {
    const r = await ipr.exportRecording(input, target, {
      ...options,
      signal: controller.signal,
      onProgress: (p) => {
        progress.push({ ...p, t: performance.now() - t0 });
        if (abortAfter !== undefined && p.fraction >= abortAfter && p.stage !== 'probing') controller.abort();
      },
    });
    window.files[out] = r.blob;
    const { blob, ...rest } = r;
    return { ok: true, ...rest, type: blob.type, size: blob.size, progress };
  } catch (e) {
    return { ok: false, error: errorOf(e), progress, elapsedMs: performance.now() - t0 };
  }
};
window.errorOf = errorOf;
window.exportReady = true;
