/** Live figures, refreshed every `statsInterval` ms and on each state change. */
export type RecorderStats = {
  /** Media time recorded so far, ms. */
  durationMs: number;
  framesIn: number;
  framesEncoded: number;
  /** Frames dropped because the encoder fell behind. */
  framesDropped: number;
  /** Frames waiting in the video encoder. */
  videoQueue: number;
  /** Audio sample blocks waiting for the encoder or the clock. */
  audioQueue: number;
  audioSamples: number;
  /** Silence inserted for gaps in the audio device's stream, ms. */
  audioGapFilledMs: number;
  /** Audio trimmed where the device's stream overlapped itself, ms. */
  audioTrimmedMs: number;
  /** How far the audio sample clock is from capture time right now (positive: audio late), ms. */
  syncOffsetMs: number;
  /** How far behind the page clock the newest capture-stamped audio is when it arrives, ms (null without capture timestamps). */
  audioCaptureLagMs: number | null;
  /**
   * Estimated drift of the audio capture clock against the system clock, ppm (null until 30 s of
   * calibration): the slope of the capture timestamps against the sample count, between steps of
   * that clock; corrected by slewing. A source whose timestamps ramp and snap back (WebAudio
   * streams here: ~2000 ppm, a −7.3 ms step every 4.8 s) reads as the ramp.
   */
  audioDriftPpm: number | null;
  /** Where audio timing comes from: sample clock calibrated to capture timestamps, or estimated from context latency. */
  audioClock: 'calibrated' | 'estimated' | 'none';
  /** Offset between the video track's timestamps and the page clock, ms (estimated from arrivals). */
  videoClockOffsetMs: number | null;
  /** Bytes committed to IndexedDB: what survives a crash right now. */
  bytesStored: number;
  /** Bytes produced but not yet committed to IndexedDB: what a crash right now would lose. */
  bytesPending: number;
  /** Chunks (header, fragments) committed to IndexedDB; one being written is not counted. */
  chunksStored: number;
  /** Duration of the last strict-durability checkpoint of the session record, ms. */
  checkpointMs: number;
  /** Minutes of recording the free storage holds at the current bitrate (null until known). */
  storageMinutesLeft: number | null;
};

export const emptyStats = (): RecorderStats => ({
  durationMs: 0,
  framesIn: 0,
  framesEncoded: 0,
  framesDropped: 0,
  videoQueue: 0,
  audioQueue: 0,
  audioSamples: 0,
  audioGapFilledMs: 0,
  audioTrimmedMs: 0,
  syncOffsetMs: 0,
  audioCaptureLagMs: null,
  audioDriftPpm: null,
  audioClock: 'none',
  videoClockOffsetMs: null,
  bytesStored: 0,
  bytesPending: 0,
  chunksStored: 0,
  checkpointMs: 0,
  storageMinutesLeft: null,
});
