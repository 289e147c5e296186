import { AudioCapture, type AudioLevel } from './capture/audio-capture.js';
import { checkStream, openDevices } from './capture/media-capture.js';
import { clockPong } from './clock/worker-clock.js';
import { VideoElementSource } from './capture/video-element-source.js';
import { AUDIO_CODEC, chooseVideoEncoder, nativeAudioEncoder, type VideoCodecName } from './codecs.js';
import { ErrorCode, RecorderError, toRecorderError } from './errors.js';
import { resolveOptions, videoBitrate, type RecorderOptions, type ResolvedOptions } from './options.js';
import { probe, type ProbeResult } from './probe.js';
import { emptyStats, type RecorderStats } from './stats.js';
import { DB_NAME } from './store/schema.js';
import type { StoredChunk } from './store/chunk-store.js';
import { RecordingsLibrary, sessionLockName } from './store/recordings-library.js';
import type { RecoveryReport } from './store/recovery.js';
import { trackSave } from './store/saving.js';
import { AUDIO_QUEUE_CHUNKS, type EncodeCommand, type EncodeConfig, type EncodeEvent, type StopResult } from '../workers/encode/protocol.js';
import { RecorderLink, type Segment } from './upload/recorder-link.js';
import type { RecordingUpload, UploadProgress, UploadResult } from './upload/uploader.js';

/** How often a disabled (or re-enabled) track of the recorded stream is noticed, ms. */
const ENABLED_POLL_MS = 50;

export type RecorderState = 'idle' | 'starting' | 'recording' | 'paused' | 'stopping' | 'stopped' | 'failed';

/** A finished recording: the file is assembled from the stored chunks, ready to download or play. */
export type Recording = {
  id: string;
  name: string;
  file: File;
  mimeType: string;
  durationMs: number;
  videoCodec: string | null;
  audioCodec: string | null;
  width: number | null;
  height: number | null;
  /** Whether audio timing was calibrated to capture timestamps or estimated. */
  audioClock: RecorderStats['audioClock'];
  stats: RecorderStats;
  /**
   * Milliseconds from stop() reaching the worker to each step of finishing the file; `commandIn`:
   * from the stop() call to the worker taking it, `inPage`: from the stop() call to the file
   * reaching the page (both on the page's clock).
   */
  stopTimings: Record<string, number>;
  /** The upload of this recording (with `upload` on): progress, SHA-256, and a promise of the verified result. */
  upload: RecordingUpload | null;
  /**
   * Settles once every fragment is committed to IndexedDB and the recording is marked complete, a
   * few tens of ms after stop() resolved (`file` is whole before that); rejects if storing failed.
   */
  saved: Promise<void>;
};

export type RecorderEventMap = {
  statechange: CustomEvent<{ state: RecorderState; previous: RecorderState }>;
  error: CustomEvent<RecorderError>;
  stats: CustomEvent<RecorderStats>;
  chunk: CustomEvent<StoredChunk>;
  level: CustomEvent<AudioLevel>;
  stop: CustomEvent<Recording>;
  /** The recorded (or previewed) stream changed: a camera or microphone was switched. */
  streamchange: CustomEvent<{ stream: MediaStream; kind: 'video' | 'audio'; track: MediaStreamTrack }>;
  /** Storage holds less than `storageWarningMinutes` more of recording at the current bitrate. */
  storagewarning: CustomEvent<{ minutesLeft: number; usage: number; quota: number }>;
  /** A fragment was stored: its bytes and media time range, for apps that stream live. */
  segment: CustomEvent<Segment>;
  /** Upload progress and state (with `upload` on). */
  uploadprogress: CustomEvent<UploadProgress>;
  /** The server's copy is complete and verified. */
  uploadcomplete: CustomEvent<UploadResult>;
};

type Settled = { resolve: (r: Recording) => void; reject: (e: RecorderError) => void };

/**
 * Records camera and microphone (or any MediaStream) into a crash-safe MP4 or WebM in IndexedDB.
 * Encoding and storage run in a worker; the page thread only owns devices and the AudioContext.
 */
export class Recorder extends EventTarget {
  readonly options: ResolvedOptions;
  private _state: RecorderState = 'idle';
  private _stats: RecorderStats = emptyStats();
  private _stream: MediaStream | null = null;
  private worker: Worker | null = null;
  private audio: AudioCapture | null = null;
  private videoFallback: VideoElementSource | null = null;
  private clones: MediaStreamTrack[] = [];
  /** This recording's audio is the track's AudioData, read by the worker (see start()). */
  private audioDirect = false;
  /** The clones of the tracks being recorded now (replaced on a switch). */
  private current: { video?: MediaStreamTrack; audio?: MediaStreamTrack } = {};
  /** Tracks the recorder opened itself (released by close() or when switched away from). */
  private owned = new Set<MediaStreamTrack>();
  private releaseLock: (() => void) | null = null;
  private storageTimer = 0;
  private enabledTimer = 0;
  /** The track each clone was made of (see cloneOf()). */
  private originals = new WeakMap<MediaStreamTrack, MediaStreamTrack>();
  private warnedStorage = false;
  private readonly onPageHide = () => {
    // The tab is going: finish the file if there is time; if not, it is recovered on the next visit.
    if (this._state === 'recording' || this._state === 'paused') void this.stop().catch(() => {});
  };
  private stopPromise: Promise<Recording> | null = null;
  /** performance.now() at the stop() call. */
  private stopCalledAt = 0;
  private settle: Settled | null = null;
  private endedHandler = () => this.onTrackEnded();
  private sessionId = '';
  private sessionName = '';
  private audioClock: RecorderStats['audioClock'] = 'none';
  private _recording: Recording | null = null;
  private _level: AudioLevel = { rms: 0, peak: 0 };
  private codec: { video: string | null; audio: string | null } = { video: null, audio: null };
  /** Live segments and upload of the current recording (see src/upload/recorder-link.ts). */
  private link: RecorderLink | null = null;

  /** Throws a TypeError naming the option when options are malformed. */
  constructor(options: RecorderOptions = {}) {
    super();
    this.options = resolveOptions(options);
  }

  /** What this browser can record: codecs per container, capture paths, storage. */
  static probe(options?: { width?: number; height?: number; frameRate?: number }): Promise<ProbeResult> {
    return probe(options);
  }

  get state(): RecorderState {
    return this._state;
  }
  get stats(): RecorderStats {
    return { ...this._stats };
  }
  /** The stream being recorded (or previewed), if any. */
  get stream(): MediaStream | null {
    return this._stream;
  }
  /** The last finished recording. */
  get recording(): Recording | null {
    return this._recording;
  }
  get level(): AudioLevel {
    return this._level;
  }
  /** Id of the current or last recording in the recordings store. */
  get id(): string {
    return this.sessionId;
  }

  override addEventListener<K extends keyof RecorderEventMap>(type: K, listener: (ev: RecorderEventMap[K]) => void, options?: boolean | AddEventListenerOptions): void;
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void {
    super.addEventListener(type, listener, options);
  }
  override removeEventListener<K extends keyof RecorderEventMap>(type: K, listener: (ev: RecorderEventMap[K]) => void, options?: boolean | EventListenerOptions): void;
  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void {
    super.removeEventListener(type, listener, options);
  }

  private emit<K extends keyof RecorderEventMap>(type: K, detail: RecorderEventMap[K]['detail']): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  private setState(state: RecorderState): void {
    if (state === this._state) return;
    const previous = this._state;
    this._state = state;
    this.emit('statechange', { state, previous });
  }

  /**
   * Opens camera and microphone for preview without recording (or adopts `stream`).
   * Devices the recorder opened itself are released by `close()`.
   */
  async open(stream?: MediaStream): Promise<MediaStream> {
    if (stream) {
      this.releaseStream();
      this._stream = checkStream(stream, this.options);
    } else if (!this._stream || !this._stream.getTracks().some((t) => t.readyState === 'live')) {
      this._stream = await openDevices(this.options);
      for (const t of this._stream.getTracks()) this.owned.add(t);
    }
    return this._stream;
  }

  /**
   * Starts recording `stream`, or the devices opened by `open()`, or opens camera and microphone.
   * Resolves once frames and samples are being recorded; time zero is that moment.
   */
  async start(stream?: MediaStream): Promise<void> {
    if (this._state === 'starting' || this._state === 'recording' || this._state === 'paused' || this._state === 'stopping') {
      throw new RecorderError(ErrorCode.InvalidState, `start() was called while the recorder is ${this._state}. Stop the current recording first.`);
    }
    if (stream !== undefined) checkStream(stream, this.options);
    this.setState('starting');
    this.stopPromise = null;
    this.warnedStorage = false;
    this._stats = emptyStats();
    try {
      const media = await this.open(stream);
      await this.setUp(media);
      this.startLink();
      this.send({ type: 'start', at: performance.now() * 1000 });
      this.setState('recording');
    } catch (e) {
      const err = toRecorderError(e);
      this.tearDown();
      // A failure while starting leaves the recorder ready for another try.
      if ((this._state as RecorderState) === 'starting') this.setState('idle');
      throw err;
    }
  }

  private async setUp(stream: MediaStream): Promise<void> {
    const o = this.options;
    const vTrack = o.video ? stream.getVideoTracks().find((t) => t.readyState === 'live') : undefined;
    const aTrack = o.audio ? stream.getAudioTracks().find((t) => t.readyState === 'live') : undefined;
    if (o.video && !vTrack) throw new RecorderError(ErrorCode.NoDevice, 'No live camera track to record.');
    if (o.audio && !aTrack) throw new RecorderError(ErrorCode.NoDevice, 'No live microphone track to record.');

    let video: EncodeConfig['video'] = null;
    if (o.video && vTrack) {
      const s = vTrack.getSettings();
      // A caller's stream keeps its size unless width/height are given; even sizes for 4:2:0.
      const width = o.video.width ?? ((s.width ?? 640) & ~1);
      const height = o.video.height ?? ((s.height ?? 480) & ~1);
      const frameRate = s.frameRate && s.frameRate > 0 ? Math.min(s.frameRate, o.video.frameRate) : o.video.frameRate;
      const v = o.video;
      const choice = await chooseVideoEncoder(
        o.format,
        { width, height, frameRate, bitrate: (codec: VideoCodecName) => v.bitrate ?? videoBitrate(v.quality, width, height, frameRate, codec) },
        v.codec,
      );
      video = {
        codec: choice.codec,
        config: choice.config,
        keyframeIntervalUs: v.keyframeInterval * 1e6,
        maxQueueFrames: Math.max(2, Math.round(v.maxQueueSeconds * frameRate)),
        frameRate,
      };
    }
    let audio: EncodeConfig['audio'] = null;
    if (o.audio && aTrack) {
      const codec = AUDIO_CODEC[o.format];
      const channels = o.audio.channels ?? Math.min(2, aTrack.getSettings().channelCount ?? 1);
      const sampleRate = 48000;
      const native = await nativeAudioEncoder(codec, sampleRate, channels);
      if (!native && codec === 'opus') {
        throw new RecorderError(ErrorCode.CodecUnsupported, 'This browser cannot encode Opus audio for WebM. Choose format "mp4".');
      }
      audio = { codec, bitrate: o.audio.bitrate, sampleRate, channels, wasmEncoder: !native, direct: false };
    }
    this.codec = { video: video?.config.codec ?? null, audio: audio ? (audio.codec === 'aac' ? 'mp4a.40.2' : 'opus') : null };

    this.sessionId = crypto.randomUUID();
    await this.holdLock(sessionLockName(this.sessionId));
    void this.requestPersistence();
    const started = new Date();
    this.sessionName = o.name ?? `Recording ${started.toLocaleString()}`;
    const ext = o.format;
    const mimeType = `${o.format === 'mp4' ? (video ? 'video' : 'audio') + '/mp4' : (video ? 'video' : 'audio') + '/webm'};codecs="${[this.codec.video, this.codec.audio].filter(Boolean).join(',')}"`;
    const config: EncodeConfig = {
      sessionId: this.sessionId,
      dbName: DB_NAME,
      name: this.sessionName,
      fileName: `recording-${started.toISOString().slice(0, 19).replace(/:/g, '-')}.${ext}`,
      format: o.format,
      mimeType,
      pageTimeOrigin: performance.timeOrigin,
      video,
      audio,
      statsIntervalMs: o.statsInterval,
      fragmentSeconds: o.video ? o.video.keyframeInterval : 1,
      // Upload headers may hold credentials: only the endpoint is kept with the recording.
      options: JSON.parse(JSON.stringify({ ...o, upload: o.upload ? { endpoint: o.upload.endpoint } : false })),
    };

    const worker = new Worker(new URL('../workers/encode/encode-worker.ts', import.meta.url), { type: 'module', name: 'inpage-recorder-encode' });
    this.worker = worker;
    const ready = new Promise<void>((resolve, reject) => {
      worker.onmessage = (e: MessageEvent<EncodeEvent>) => {
        if (e.data.type === 'ready') {
          this.audioClock = e.data.audioClock;
          resolve();
        } else if (e.data.type === 'error' && this._state === 'starting') reject(RecorderError.fromJSON(e.data.error));
        this.onWorkerEvent(e.data);
      };
      worker.onerror = (e) => {
        const err = new RecorderError(ErrorCode.Internal, `The encode worker failed to load: ${e.message || 'unknown error'}`);
        if (this._state === 'starting') reject(err);
        else this.failWith(err);
      };
    });

    const init: Extract<EncodeCommand, { type: 'init' }> = { type: 'init', config };
    const transfer: Transferable[] = [];
    const MSTP = (globalThis as { MediaStreamTrackProcessor?: new (o: { track: MediaStreamTrack; maxBufferSize?: number }) => { readable: ReadableStream } }).MediaStreamTrackProcessor;
    if (vTrack && video) {
      if (MSTP) {
        const clone = this.cloneOf(vTrack);
        this.current.video = clone;
        init.video = new MSTP({ track: clone, maxBufferSize: 4 }).readable as ReadableStream<VideoFrame>;
        transfer.push(init.video as unknown as Transferable);
      } else {
        // Documented fallback (no MediaStreamTrackProcessor): frames drawn from a <video> element at each requestVideoFrameCallback.
        this.videoFallback = new VideoElementSource(vTrack, (frame, captureUs) => this.send({ type: 'video-frame', frame, captureUs }, [frame]));
      }
    }
    if (aTrack && audio && MSTP) {
      // The track's AudioData are recorded as they come, stamped with their capture time: no
      // AudioContext, no worklet. Against the worklet calibrated by them (the design's first
      // plan; without a track processor the worklet is still the path, placed by an estimate)
      // this takes ~2.5 s of CPU per recorded minute less (the worklet thread, the context's
      // output, the calibration search), and sync is the same: the placement follows the same
      // timestamps.
      audio.direct = true;
      this.audioDirect = true;
      init.audioCapture = this.captureAudioData(aTrack, MSTP);
      transfer.push(init.audioCapture as unknown as Transferable);
    } else if (aTrack && audio) {
      this.audio = await AudioCapture.open(aTrack, audio.channels, audio.sampleRate);
      this.audio.onLevel = (l) => {
        this._level = l;
        this.emit('level', l);
      };
      init.pcm = this.audio.connect();
      transfer.push(init.pcm);
      init.audioPriorUs = await this.audio.prior();
    }
    worker.postMessage(init, transfer);
    globalThis.addEventListener?.('pagehide', this.onPageHide);
    this.storageTimer = setInterval(() => void this.watchStorage(), 10_000) as unknown as number;
    this.enabledTimer = setInterval(() => this.mirrorEnabled(), ENABLED_POLL_MS) as unknown as number;
    for (const t of [vTrack, aTrack]) t?.addEventListener('ended', this.endedHandler);
    await ready;
  }

  /**
   * A clone of a track of the recorded stream, for this recorder to read and stop. A clone's
   * `enabled` is its own, so the original's is mirrored onto it (mirrorEnabled()): a page that mutes
   * its stream with `track.enabled = false` records silence and black, as with MediaRecorder.
   */
  private cloneOf(track: MediaStreamTrack): MediaStreamTrack {
    const clone = track.clone();
    clone.enabled = track.enabled;
    this.originals.set(clone, track);
    this.clones.push(clone);
    return clone;
  }

  /** There is no event for `enabled`: polled every ENABLED_POLL_MS while recording. */
  private mirrorEnabled(): void {
    for (const clone of this.clones) {
      const original = this.originals.get(clone);
      if (original && clone.enabled !== original.enabled) clone.enabled = original.enabled;
    }
  }

  /**
   * The microphone's capture-stamped AudioData for the worker: a track processor's readable,
   * transferred in the task that makes it (so that few chunks, if any, are made and stamped on this
   * page's clock; see TransferredStamps). Read there, the chunks never wait for this thread: passing them on from here
   * cost ~0.6 s of main-thread CPU per recorded minute even four to a message, and held each for up
   * to a batch.
   */
  private captureAudioData(track: MediaStreamTrack, MSTP: new (o: { track: MediaStreamTrack; maxBufferSize?: number }) => { readable: ReadableStream }): ReadableStream<AudioData> {
    const clone = this.cloneOf(track);
    this.current.audio = clone;
    return new MSTP({ track: clone, maxBufferSize: AUDIO_QUEUE_CHUNKS }).readable as ReadableStream<AudioData>;
  }

  /**
   * Holds the recording's Web Lock until teardown: other tabs see the lock held and never offer a
   * live recording for recovery; if this tab dies, the lock frees itself.
   */
  private async holdLock(name: string): Promise<void> {
    if (!navigator.locks) return;
    await new Promise<void>((granted) => {
      void navigator.locks.request(name, { mode: 'exclusive' }, () => {
        granted();
        return new Promise<void>((release) => (this.releaseLock = release));
      });
    });
  }

  /** Asks once per page for persistent storage (so the browser does not evict recordings under pressure). */
  private async requestPersistence(): Promise<void> {
    if (Recorder.persistence !== null) return;
    Recorder.persistence = false;
    try {
      Recorder.persistence = (await navigator.storage?.persisted?.()) || ((await navigator.storage?.persist?.()) ?? false);
    } catch {
      Recorder.persistence = false;
    }
  }

  /** Whether the browser granted persistent storage (null until the first recording asked). */
  static persistence: boolean | null = null;

  /** Rebuilds recordings interrupted by a crash or a closed tab; see RecordingsLibrary.recover(). */
  static recover(): Promise<RecoveryReport[]> {
    return new RecordingsLibrary().recover();
  }

  private send(cmd: EncodeCommand, transfer: Transferable[] = []): void {
    this.worker?.postMessage(cmd, transfer);
  }

  private onWorkerEvent(ev: EncodeEvent): void {
    switch (ev.type) {
      case 'ready':
        return;
      case 'clock-ping':
        this.worker?.postMessage(clockPong(ev) satisfies EncodeCommand);
        return;
      case 'level':
        this._level = { rms: ev.rms, peak: ev.peak };
        this.emit('level', this._level);
        return;
      case 'stats':
        this._stats = { ...ev.stats, storageMinutesLeft: this._stats.storageMinutesLeft };
        this.emit('stats', this._stats);
        return;
      case 'chunk':
        this.chunkStored(ev.chunk, this.link);
        return;
      case 'stopped':
        ev.result.timings.inPage = Math.round((performance.now() - this.stopCalledAt) * 10) / 10;
        // 'stored' and the last chunks go to the handler finish() installs for this worker.
        this.finish(ev.result, true);
        return;
      case 'error': {
        const err = RecorderError.fromJSON(ev.error);
        if (this._state === 'starting') return;
        if (ev.salvaged) {
          // Stopped by a fault, but what was stored is a playable file: report both.
          this.emit('error', err);
          this.finish(ev.salvaged);
        } else this.failWith(err);
        return;
      }
    }
  }

  /** Estimates the minutes of recording left in storage at the current bitrate; warns once when low. */
  private async watchStorage(): Promise<void> {
    const est = await navigator.storage?.estimate?.().catch(() => null);
    const s = this._stats;
    if (!est?.quota || est.usage === undefined || s.durationMs < 5000 || !s.bytesStored) return;
    const bytesPerMinute = (s.bytesStored / s.durationMs) * 60_000;
    const minutes = Math.max(0, (est.quota - est.usage) / bytesPerMinute);
    this._stats = { ...this._stats, storageMinutesLeft: minutes };
    if (minutes < this.options.storageWarningMinutes && !this.warnedStorage) {
      this.warnedStorage = true;
      this.emit('storagewarning', { minutesLeft: minutes, usage: est.usage, quota: est.quota });
    }
  }

  /**
   * Switches camera (`'video'`) or microphone (`'audio'`) to another device, while recording, paused
   * or previewing. The recording goes on in the same file: the new device is opened first and takes
   * over at its first frame (video, scaled to the recording's size) or at once (audio, on the same
   * sample clock). The previous device is released if the recorder opened it. Resolves with the new track.
   */
  async switchDevice(kind: 'video' | 'audio' | 'videoinput' | 'audioinput', deviceId: string): Promise<MediaStreamTrack> {
    const k = kind === 'videoinput' ? 'video' : kind === 'audioinput' ? 'audio' : kind;
    if (k !== 'video' && k !== 'audio') throw new TypeError(`switchDevice(kind): kind must be 'video' or 'audio' (got ${JSON.stringify(kind)})`);
    if (typeof deviceId !== 'string' || deviceId === '') throw new TypeError('switchDevice(kind, deviceId): deviceId must be a non-empty string (from navigator.mediaDevices.enumerateDevices())');
    const o = this.options;
    if (k === 'video' && !o.video) throw new RecorderError(ErrorCode.InvalidOptions, 'This recorder records no video (video: false), so there is no camera to switch.');
    if (k === 'audio' && !o.audio) throw new RecorderError(ErrorCode.InvalidOptions, 'This recorder records no audio (audio: false), so there is no microphone to switch.');
    const only: ResolvedOptions =
      k === 'video' && o.video ? { ...o, video: { ...o.video, deviceId, facingMode: undefined }, audio: false } : o.audio ? { ...o, video: false, audio: { ...o.audio, deviceId } } : o;
    const opened = await openDevices(only);
    const track = (k === 'video' ? opened.getVideoTracks() : opened.getAudioTracks())[0];
    if (!track) throw new RecorderError(ErrorCode.NoDevice, `The ${k === 'video' ? 'camera' : 'microphone'} "${deviceId}" gave no track.`);
    this.owned.add(track);
    try {
      await this.replaceTrack(track);
    } catch (e) {
      track.stop();
      this.owned.delete(track);
      throw e;
    }
    return track;
  }

  /**
   * Records `track` instead of the current track of its kind (any source: another camera, a canvas,
   * a screen, a WebAudio destination). Same rules as switchDevice(); the caller keeps ownership of `track`.
   */
  async replaceTrack(track: MediaStreamTrack): Promise<void> {
    if (typeof MediaStreamTrack === 'undefined' || !(track instanceof MediaStreamTrack)) throw new TypeError('replaceTrack(track): track must be a MediaStreamTrack');
    if (track.readyState !== 'live') throw new RecorderError(ErrorCode.TrackEnded, 'replaceTrack(track): the track has already ended.');
    const kind = track.kind as 'video' | 'audio';
    if (!this.options[kind]) throw new RecorderError(ErrorCode.InvalidOptions, `This recorder records no ${kind} (${kind}: false).`);
    if (this._state === 'starting' || this._state === 'stopping') {
      throw new RecorderError(ErrorCode.InvalidState, `The ${kind === 'video' ? 'camera' : 'microphone'} cannot be switched while the recorder is ${this._state}; try again in a moment.`);
    }
    const live = this._state === 'recording' || this._state === 'paused';
    const old = this._stream?.getTracks().find((t) => t.kind === kind) ?? null;
    if (old === track) return;
    if (live) {
      const MSTP = (globalThis as { MediaStreamTrackProcessor?: new (o: { track: MediaStreamTrack; maxBufferSize?: number }) => { readable: ReadableStream } }).MediaStreamTrackProcessor;
      if (kind === 'video') {
        const previous = this.current.video;
        if (this.videoFallback) {
          this.videoFallback.close();
          this.videoFallback = new VideoElementSource(track, (frame, captureUs) => this.send({ type: 'video-frame', frame, captureUs }, [frame]));
        } else if (MSTP) {
          const clone = this.cloneOf(track);
          this.current.video = clone;
          const readable = new MSTP({ track: clone, maxBufferSize: 4 }).readable as ReadableStream<VideoFrame>;
          this.send({ type: 'video-source', video: readable }, [readable as unknown as Transferable]);
          // The worker lets go of the previous camera at the new one's first frame.
          if (previous) setTimeout(() => this.dropClone(previous), 3000);
        }
      } else if (this.audioDirect && MSTP) {
        const previous = this.current.audio;
        const readable = this.captureAudioData(track, MSTP);
        this.send({ type: 'audio-source', audioCapture: readable }, [readable as unknown as Transferable]);
        // The worker reads the previous microphone until the new one's first chunk.
        if (previous) setTimeout(() => this.dropClone(previous), 3000);
      } else if (this.audio) {
        // The worklet's graph takes the new device (no track processor here: no AudioData to pass on).
        this.audio.replaceSource(track);
        this.send({ type: 'audio-source' });
      }
      old?.removeEventListener('ended', this.endedHandler);
      track.addEventListener('ended', this.endedHandler);
    }
    const others = this._stream?.getTracks().filter((t) => t.kind !== kind) ?? [];
    this._stream = new MediaStream([...others, track]);
    if (old && this.owned.has(old)) {
      old.stop();
      this.owned.delete(old);
    }
    this.emit('streamchange', { stream: this._stream, kind, track });
  }

  private dropClone(t: MediaStreamTrack): void {
    t.stop();
    this.clones = this.clones.filter((c) => c !== t);
  }

  /** Pauses: the paused span is removed from audio and video alike. */
  pause(): void {
    if (this._state !== 'recording') return;
    this.send({ type: 'pause', at: performance.now() * 1000 });
    this.setState('paused');
  }

  resume(): void {
    if (this._state !== 'paused') return;
    this.send({ type: 'resume', at: performance.now() * 1000 });
    this.setState('recording');
  }

  /**
   * Stops recording (audio and video cut at the same instant) and resolves with the finished file.
   * Calling it again returns the same promise.
   */
  stop(): Promise<Recording> {
    if (this.stopPromise) return this.stopPromise;
    if (this._state !== 'recording' && this._state !== 'paused') {
      if (this._state === 'stopped' && this._recording) return Promise.resolve(this._recording);
      return Promise.reject(new RecorderError(ErrorCode.InvalidState, `stop() was called while the recorder is ${this._state}; there is no recording to stop.`));
    }
    this.stopPromise = new Promise<Recording>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this.stopCalledAt = performance.now();
    this.send({ type: 'stop', at: this.stopCalledAt * 1000 });
    this.setState('stopping');
    return this.stopPromise;
  }

  /**
   * The file is here: stop() resolves. With `saving`, the worker is still committing the last
   * fragments: the lock, the upload's end and the worker stay until it reports them stored.
   */
  private finish(r: StopResult, saving = false): void {
    const worker = this.worker;
    const releaseLock = this.releaseLock;
    const link = this.link;
    this.worker = null;
    this.releaseLock = null;
    this.link = null;
    let saved: (err?: RecorderError) => void = () => {};
    const savedPromise = new Promise<void>((resolve, reject) => (saved = (err) => (err ? reject(err) : resolve())));
    savedPromise.catch(() => {});
    trackSave(savedPromise);
    const done = (err?: RecorderError) => {
      void link?.finish(r.durationUs);
      releaseLock?.();
      // Let the worker finish its last writes before it goes.
      if (worker) setTimeout(() => worker.terminate(), 2000);
      saved(err);
    };
    if (saving && worker) {
      worker.onmessage = (e: MessageEvent<EncodeEvent>) => {
        // The last fragments, committed after the file was handed over: segments and upload need them.
        if (e.data.type === 'chunk') this.chunkStored(e.data.chunk, link);
        else if (e.data.type === 'stored') {
          Object.assign(rec.stopTimings, e.data.timings);
          // The stats as stored: nothing pending any more.
          Object.assign(rec.stats, e.data.stats);
          done();
        } else if (e.data.type === 'error') {
          const err = RecorderError.fromJSON(e.data.error);
          this.emit('error', err);
          done(err);
        }
      };
      worker.onerror = (e) => {
        const err = new RecorderError(ErrorCode.Internal, `The encode worker failed while storing the end of the recording: ${e.message || 'unknown error'}`);
        this.emit('error', err);
        done(err);
      };
    } else done();
    const rec: Recording = {
      id: this.sessionId,
      name: this.sessionName,
      file: r.file,
      mimeType: r.mimeType,
      durationMs: r.durationUs / 1000,
      videoCodec: r.videoCodec,
      audioCodec: r.audioCodec,
      width: r.width,
      height: r.height,
      audioClock: this.audioClock,
      stats: r.stats,
      stopTimings: r.timings,
      upload: link?.recordingUpload ?? null,
      saved: savedPromise,
    };
    this._stats = r.stats;
    this._recording = rec;
    this.tearDown(true);
    this.setState('stopped');
    this.settle?.resolve(rec);
    this.settle = null;
    this.emit('stop', rec);
  }

  private failWith(err: RecorderError): void {
    if (this._state === 'failed') return;
    this.abandonLink();
    this.tearDown();
    this.setState('failed');
    this.emit('error', err);
    this.settle?.reject(err);
    this.settle = null;
  }

  private onTrackEnded(): void {
    if (this._state !== 'recording' && this._state !== 'paused') return;
    this.emit('error', new RecorderError(ErrorCode.TrackEnded, 'A camera or microphone stopped (unplugged, or access revoked). The recording was stopped and everything up to that moment is saved.'));
    void this.stop().catch(() => {});
  }

  /** Abandons the current recording; what was stored stays in the recordings store. */
  cancel(): void {
    if (this._state === 'idle' || this._state === 'stopped' || this._state === 'failed') return;
    this.send({ type: 'cancel' });
    this.abandonLink();
    this.tearDown();
    this.settle?.reject(new RecorderError(ErrorCode.Aborted, 'The recording was cancelled.'));
    this.settle = null;
    this.setState('idle');
  }

  /**
   * Lets go of the recording's worker, lock and media. With `mediaLater`, the media (audio
   * graph, track clones) are closed in a task of their own, after stop() has resolved:
   * disconnecting the audio graph waits for the audio thread, and took up to 50 ms of a stop.
   */
  private tearDown(mediaLater = false): void {
    const worker = this.worker;
    this.worker = null;
    // Let the worker finish its last writes before it goes.
    if (worker) setTimeout(() => worker.terminate(), 2000);
    const { audio, videoFallback, clones } = this;
    this.audio = null;
    this.videoFallback = null;
    this.audioDirect = false;
    this.clones = [];
    this.releaseLock?.();
    this.releaseLock = null;
    clearInterval(this.storageTimer);
    clearInterval(this.enabledTimer);
    globalThis.removeEventListener?.('pagehide', this.onPageHide);
    this.current = {};
    for (const t of this._stream?.getTracks() ?? []) t.removeEventListener('ended', this.endedHandler);
    const close = () => {
      audio?.close();
      videoFallback?.close();
      for (const t of clones) t.stop();
    };
    if (mediaLater) setTimeout(close, 0);
    else close();
  }

  /** Live segments and upload follow this recording's stored chunks. */
  private startLink(): void {
    this.link = new RecorderLink(this, this.options.upload);
    this.link.start();
  }

  /** A fragment was stored: `chunk` event, and the recording's live segments and upload. */
  private chunkStored(chunk: StoredChunk, link: RecorderLink | null): void {
    this.emit('chunk', chunk);
    link?.chunk(chunk);
  }

  private abandonLink(): void {
    void this.link?.abandon();
    this.link = null;
  }

  private releaseStream(): void {
    for (const t of this._stream?.getTracks() ?? []) if (this.owned.has(t)) t.stop();
    this.owned.clear();
    this._stream = null;
  }

  /** Stops a recording in progress (keeping it) and releases devices the recorder opened. */
  async close(): Promise<void> {
    if (this._state === 'recording' || this._state === 'paused') await this.stop().catch(() => {});
    else if (this._state === 'stopping') await this.stopPromise?.catch(() => {});
    this.tearDown();
    this.releaseStream();
  }
}
