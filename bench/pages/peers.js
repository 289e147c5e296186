// The recorders people use instead of inpage-recorder, each set up the way its documentation shows
// for recording a camera: same stream, same bitrates, no handicaps. The packages are loaded as the
// classic scripts they ship (UMD / IIFE bundles) from node_modules, so the bench pages need only a
// static server and no bundler. Versions are pinned in package.json.

const VIDEO_BITRATE = 4_000_000; // what inpage-recorder's 'balanced' preset gives 720p30 H.264
const AUDIO_BITRATE = 128_000;

const loaded = new Map();
/** Loads a classic script once; its globals (RecordRTC, ysFixWebmDuration, Mediabunny …) appear on window. */
export function loadScript(src) {
  if (!loaded.has(src)) {
    loaded.set(
      src,
      new Promise((resolve, reject) => {
        const s = Object.assign(document.createElement('script'), { src });
        s.onload = resolve;
        s.onerror = () => reject(new Error(`could not load ${src}`));
        document.head.append(s);
      }),
    );
  }
  return loaded.get(src);
}

const RECORDRTC = '/node_modules/recordrtc/RecordRTC.js';
const FIX_WEBM_DURATION = '/node_modules/fix-webm-duration/fix-webm-duration.js';
const MEDIABUNNY = '/node_modules/mediabunny/dist/bundles/mediabunny.cjs';
const AAC_ENCODER = '/node_modules/@mediabunny/aac-encoder/dist/bundles/mediabunny-aac-encoder.js';

/** H.264 in WebM where MediaRecorder offers it (the encoder inpage-recorder uses), else VP8. */
export const webmType = () => ['video/webm;codecs=h264,opus', 'video/webm;codecs=vp8,opus', 'video/webm'].find((t) => MediaRecorder.isTypeSupported(t));

/** Rewrites a MediaRecorder WebM with its duration, as fix-webm-duration's README shows. */
export async function fixDuration(blob, durationMs) {
  await loadScript(FIX_WEBM_DURATION);
  return window.ysFixWebmDuration(blob, durationMs, undefined, { logger: false });
}

/** MediaRecorder with a 1 s timeslice, chunks kept in an array; with `fix`, fix-webm-duration at stop. */
export function mediaRecorder(options = {}, { fix = false } = {}) {
  let mr;
  let t0 = 0;
  const chunks = [];
  return {
    start: async (stream) => {
      if (fix) await loadScript(FIX_WEBM_DURATION);
      mr = new MediaRecorder(stream, { mimeType: webmType(), videoBitsPerSecond: options.videoBitrate ?? VIDEO_BITRATE, audioBitsPerSecond: AUDIO_BITRATE });
      mr.ondataavailable = (e) => e.data.size && chunks.push(e.data);
      mr.start(1000);
      t0 = performance.now();
    },
    pause: () => mr.pause(),
    resume: () => mr.resume(),
    stop: () =>
      new Promise((resolve, reject) => {
        const durationMs = performance.now() - t0;
        mr.onerror = (e) => reject(e.error ?? new Error('MediaRecorder failed'));
        mr.onstop = async () => {
          const blob = new Blob(chunks, { type: mr.mimeType });
          const out = fix ? await fixDuration(blob, durationMs) : blob;
          resolve({ file: new File([out], fix ? 'mediarecorder-fixed.webm' : 'mediarecorder.webm', { type: mr.mimeType }), durationMs });
        };
        mr.stop();
      }),
  };
}

/** RecordRTC 'video' with a 1 s timeSlice (its README's configuration); the Blob it builds at stop. */
export function recordRtc(options = {}) {
  let rec;
  return {
    start: async (stream) => {
      await loadScript(RECORDRTC);
      rec = new window.RecordRTC(stream, {
        type: 'video',
        mimeType: webmType(),
        timeSlice: 1000,
        disableLogs: true,
        videoBitsPerSecond: options.videoBitrate ?? VIDEO_BITRATE,
        audioBitsPerSecond: AUDIO_BITRATE,
      });
      rec.startRecording();
    },
    stop: () =>
      new Promise((resolve) => {
        rec.stopRecording(() => {
          const blob = rec.getBlob();
          resolve({ file: new File([blob], 'recordrtc.webm', { type: blob.type }) });
        });
      }),
  };
}

/**
 * Mediabunny's own MediaStream track sources into an MP4 in memory (BufferTarget; the default
 * fastStart for it, 'in-memory': a regular MP4 with its index at the front), H.264 + AAC, the AAC
 * encoder extension registered where the browser has none, as its documentation shows.
 */
export function mediabunny(options = {}) {
  let output;
  let failure = null;
  return {
    start: async (stream) => {
      await loadScript(MEDIABUNNY);
      const M = window.Mediabunny;
      if (!(await M.canEncodeAudio('aac'))) {
        await loadScript(AAC_ENCODER);
        window.MediabunnyAacEncoder.registerAacEncoder();
      }
      output = new M.Output({ format: new M.Mp4OutputFormat({ fastStart: 'in-memory' }), target: new M.BufferTarget() });
      const track = stream.getVideoTracks()[0];
      // A camera reports its frame rate, and the source then keeps a constant rate (its default). A
      // canvas.captureStream(0) track reports 0, for which that default would keep only the first
      // frame; null is the documented setting for such sources: every frame as the track delivers it.
      const sourceOptions = track.getSettings().frameRate > 0 ? {} : { frameRate: null };
      const video = new M.MediaStreamVideoTrackSource(track, { codec: 'avc', bitrate: options.videoBitrate ?? VIDEO_BITRATE }, sourceOptions);
      const audio = new M.MediaStreamAudioTrackSource(stream.getAudioTracks()[0], { codec: 'aac', bitrate: AUDIO_BITRATE });
      for (const s of [video, audio]) s.errorPromise.catch((e) => (failure ??= e));
      output.addVideoTrack(video);
      output.addAudioTrack(audio);
      await output.start();
    },
    stop: async () => {
      if (failure) throw failure;
      await output.finalize();
      return { file: new File([output.target.buffer], 'mediabunny.mp4', { type: 'video/mp4' }) };
    },
  };
}
