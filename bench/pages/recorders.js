// One adapter per recorder under test: start(stream) and stop() → { file }. Each is configured
// as its documentation recommends for recording.

const VIDEO_BITRATE = 4_000_000; // what inpage-recorder's 'balanced' preset gives 720p30 H.264
const AUDIO_BITRATE = 128_000;

export const adapters = {
  /** inpage-recorder with its defaults (fragmented MP4, H.264 + AAC) or the given options. */
  'inpage-recorder': (Recorder, options) => {
    const rec = new Recorder({ format: 'mp4', statsInterval: 1000, ...options });
    return {
      start: (stream) => rec.start(stream),
      stats: () => rec.stats,
      stop: async () => {
        const r = await rec.stop();
        return { file: r.file, stats: { ...r.stats, stopTimings: r.stopTimings } };
      },
    };
  },
  /** The browser's MediaRecorder, timeslice 1 s, H.264 in WebM where offered (the same encoder as ours). */
  MediaRecorder: (_Recorder, options) => {
    const mimeType = ['video/webm;codecs=h264,opus', 'video/webm;codecs=vp8,opus', 'video/webm'].find((t) => MediaRecorder.isTypeSupported(t));
    let mr;
    const chunks = [];
    return {
      start: async (stream) => {
        mr = new MediaRecorder(stream, { mimeType, videoBitsPerSecond: options.videoBitrate ?? VIDEO_BITRATE, audioBitsPerSecond: AUDIO_BITRATE });
        mr.ondataavailable = (e) => e.data.size && chunks.push(e.data);
        mr.start(1000);
      },
      stop: () =>
        new Promise((resolve) => {
          mr.onstop = () => resolve({ file: new File(chunks, 'mediarecorder.webm', { type: mr.mimeType }) });
          mr.stop();
        }),
    };
  },
};
