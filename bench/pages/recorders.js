// One adapter per recorder under test: start(stream) and stop() → { file }. Each is configured
// as its documentation recommends for recording. The peers are in peers.js.
import { mediaRecorder, mediabunny, recordRtc } from './peers.js';

export const adapters = {
  /** inpage-recorder with its defaults (fragmented MP4, H.264 + AAC) or the given options. */
  'inpage-recorder': (Recorder, options) => {
    const rec = new Recorder({ format: 'mp4', statsInterval: 1000, ...options });
    return {
      start: (stream) => rec.start(stream),
      pause: () => rec.pause(),
      resume: () => rec.resume(),
      /** Another camera mid-recording, into the same file. */
      switchVideo: (track) => rec.replaceTrack(track),
      stats: () => rec.stats,
      stop: async () => {
        const r = await rec.stop();
        return { file: r.file, stats: { ...r.stats, stopTimings: r.stopTimings } };
      },
    };
  },
  /** The browser's MediaRecorder, timeslice 1 s, H.264 in WebM where offered (the same encoder as ours). */
  MediaRecorder: (_Recorder, options) => mediaRecorder(options),
  /** The same, with fix-webm-duration writing the duration into the file at stop. */
  'MediaRecorder + fix-webm-duration': (_Recorder, options) => mediaRecorder(options, { fix: true }),
  /** RecordRTC (a MediaRecorder wrapper), timeSlice 1 s. */
  RecordRTC: (_Recorder, options) => recordRtc(options),
  /** Mediabunny's MediaStream track sources into an in-memory MP4. */
  Mediabunny: (_Recorder, options) => mediabunny(options),
};
