/// <reference lib="webworker" />
import { AudioSampleSource, EncodedVideoPacketSource, Mp4OutputFormat, Output, StreamTarget, WebMOutputFormat } from 'mediabunny';
import { registerInThreadAacEncoder } from './aac-encoder.js';
import { SessionClock } from '../../src/clock/session-clock.js';
import { measureClockOffset, pageTimeUs, TransferredStamps } from '../../src/clock/worker-clock.js';
import { MEDIABUNNY_VIDEO } from '../../src/codecs.js';
import { ErrorCode, RecorderError, toRecorderError } from '../../src/errors.js';
import { emptyStats, type RecorderStats } from '../../src/stats.js';
import { ChunkStore, chunkRange, openRecorderDB, sessionParts, updateSession, type RecorderDatabase } from '../../src/store/chunk-store.js';
import { planRecovery } from '../../src/store/recovery.js';
import type { SessionRecord } from '../../src/store/schema.js';
import { AudioPipeline } from './audio-pipeline.js';
import { assertNever, type EncodeCommand, type EncodeConfig, type EncodeEvent, type PcmMessage, type StopResult } from './protocol.js';
import { VideoPipeline } from './video-pipeline.js';

declare const self: DedicatedWorkerGlobalScope;

/** Longest stop() waits for audio captured up to the stop instant to arrive. */
const STOP_WAIT_MS = 300;
/** Without capture timestamps to calibrate against, audio is placed by the estimate after this. */
const CALIBRATION_TIMEOUT_MS = 1500;
/** Interval of strict-durability checkpoints of the session record. */
const CHECKPOINT_MS = 5000;
/** Priming of libavcodec's AAC encoder (its `initial_padding`), in samples. */
const AAC_ENCODER_DELAY_FRAMES = 1024;

let session: Session | null = null;

function send(ev: EncodeEvent, transfer: Transferable[] = []): void {
  self.postMessage(ev, transfer);
}

class Session {
  readonly clock = new SessionClock();
  private output!: Output;
  private store!: ChunkStore;
  private db!: RecorderDatabase;
  video: VideoPipeline | null = null;
  audio: AudioPipeline | null = null;
  private statsTimer = 0;
  private checkpointTimer = 0;
  /** Duration of the last strict checkpoint, ms. */
  private checkpointMs = 0;
  private failed = false;
  private stopping: Promise<void> | null = null;
  private readers: ReadableStreamDefaultReader<unknown>[] = [];
  /** The camera being recorded; after a switch, the previous one until the new one's first frame. */
  private videoReader: ReadableStreamDefaultReader<VideoFrame> | null = null;
  /** The microphone readers by the order they came in (more than one only during a switch); `readers` holds the camera's. */
  private audioReaders = new Map<number, ReadableStreamDefaultReader<AudioData>>();
  private audioSeq = 0;
  /** The reader whose audio is recorded. */
  private liveAudio = 0;
  /** Chunks read before the audio pipeline existed (see init()). */
  private earlyAudio: { data: AudioData; ours: boolean }[] = [];
  /** Page performance.now() minus this worker's, ms: until measured at init, the timeOrigins' difference (see syncPageClock()). */
  private pageOffsetMs: number;

  constructor(readonly config: EncodeConfig) {
    this.pageOffsetMs = performance.timeOrigin - config.pageTimeOrigin;
  }

  /** Page clock now, µs. */
  private pageNow(): number {
    return (performance.now() + this.pageOffsetMs) * 1000;
  }

  /**
   * A fragment's start (µs) for the chunk store. Never after the recording's end: the encoder's
   * last audio packet can begin past the stop instant (its priming tail), and a fragment holding
   * only that packet would otherwise start after the duration.
   */
  private fragmentStartUs(t: number): number {
    const us = Math.round(t * 1e6);
    const end = this.clock.duration;
    return end === null ? us : Math.min(us, Math.round(end));
  }

  async init(cmd: Extract<EncodeCommand, { type: 'init' }>): Promise<void> {
    const c = this.config;
    // Read from the start, so that each chunk's arrival is seen as it comes (see TransferredStamps);
    // what comes before the pipeline exists waits in earlyAudio.
    if (c.audio && cmd.audioCapture) void this.readAudio(cmd.audioCapture);
    await this.syncPageClock();
    this.db = await openRecorderDB(c.dbName);
    this.store = new ChunkStore(this.db, c.sessionId);
    this.store.onChunk = (chunk) => send({ type: 'chunk', chunk });
    this.store.onError = (e) => this.fail(toRecorderError(e, ErrorCode.StorageFailed, 'Saving the recording failed'));
    // Fragment boundaries: fMP4 moof (start time) … mdat (end); a WebM cluster is reported whole.
    const format =
      c.format === 'mp4'
        ? new Mp4OutputFormat({
            fastStart: 'fragmented',
            minimumFragmentDuration: c.fragmentSeconds,
            onMoof: (_d, _p, t) => this.store.markFragmentStart(this.fragmentStartUs(t)),
            onMdat: (d, p) => {
              this.store.markFragmentEnd(p + d.byteLength);
              this.pruneMuxerSamples();
            },
          })
        : new WebMOutputFormat({
            minimumClusterDuration: c.fragmentSeconds,
            onCluster: (d, p, t) => {
              this.store.markFragmentStart(this.fragmentStartUs(t));
              // The cluster's size (5 bytes after its 4-byte ID) is written back once it is closed.
              this.store.markFragmentEnd(p + d.byteLength, p + 4);
            },
          });
    this.output = new Output({ format, target: new StreamTarget(this.store.writable()) });
    const onError = (e: unknown) => this.fail(toRecorderError(e, ErrorCode.EncoderFailed, 'Encoding failed'));
    if (c.video) {
      const src = new EncodedVideoPacketSource(MEDIABUNNY_VIDEO[c.video.codec]);
      this.output.addVideoTrack(src);
      this.video = new VideoPipeline(this.clock, src, c.video.config, {
        maxQueueFrames: c.video.maxQueueFrames,
        keyframeIntervalUs: c.video.keyframeIntervalUs,
        onError,
      });
      if (cmd.video) void this.readVideo(cmd.video);
    }
    if (c.audio) {
      if (c.audio.wasmEncoder) registerInThreadAacEncoder();
      const src = new AudioSampleSource({ codec: c.audio.codec, bitrate: c.audio.bitrate });
      this.output.addAudioTrack(src);
      this.audio = new AudioPipeline(this.clock, src, c.audio.sampleRate, c.audio.channels, onError);
      // The wasm AAC encoder (libavcodec's) delays its output by 1024 samples and stamps packets from
      // the first input sample, which left MP4 audio 21.3 ms late (measured on the clapperboard).
      if (c.audio.wasmEncoder) this.audio.encoderDelayFrames = AAC_ENCODER_DELAY_FRAMES;
      // Opus (WebCodecs' default) encodes 20 ms frames.
      if (c.audio.codec !== 'aac') this.audio.emitFrames = Math.round(c.audio.sampleRate * 0.02);
      if (c.audio.direct) {
        this.audio.direct = true;
        this.audio.onLevel = (l) => send({ type: 'level', ...l });
      }
      if (cmd.audioPriorUs !== undefined) this.audio.setPrior(cmd.audioPriorUs);
      if (cmd.pcm) {
        cmd.pcm.onmessage = (e: MessageEvent<PcmMessage>) => this.audio?.addPcm(e.data);
      }
      if (cmd.audioCapture) this.placeEarlyAudio();
      else this.audio.useEstimate();
    }
    await this.db.put('sessions', {
      id: c.sessionId,
      name: c.name,
      format: c.format,
      mimeType: c.mimeType,
      state: 'recording',
      createdAt: Date.now(),
      videoCodec: c.video?.config.codec,
      audioCodec: c.audio?.codec,
      width: c.video?.config.width,
      height: c.video?.config.height,
      bytes: 0,
      chunkCount: 0,
      patches: [],
      options: c.options,
      fileName: c.fileName,
      checkpointAt: Date.now(),
    });
    await this.output.start();
    // Ready once audio is calibrated (or calibration cannot happen in time).
    if (this.audio && cmd.audioCapture) {
      const until = performance.now() + CALIBRATION_TIMEOUT_MS;
      while (!this.audio.calibrated && performance.now() < until && !this.failed) await sleep(20);
      if (!this.audio.calibrated) this.audio.useEstimate(true);
    }
    send({ type: 'ready', audioClock: this.audioClock() });
  }

  private prunedChunks = 0;

  /**
   * Mediabunny's MP4 muxer keeps every written fragment's sample records (timestamps, sizes; the
   * bytes are freed) to the end, for the fragment index at finalize, which reads only each
   * fragment's first sample. That is ~75 records a second, tens of thousands in a long recording,
   * all live in this worker's heap. Past fragments keep their first sample only. Internal state of
   * the muxer: when it is not shaped as expected nothing is touched.
   */
  private pruneMuxerSamples(): void {
    const chunks = (this.output as unknown as { _muxer?: { finalizedChunks?: { samples?: unknown[] }[] } })._muxer?.finalizedChunks;
    if (!Array.isArray(chunks)) return;
    for (; this.prunedChunks < chunks.length; this.prunedChunks++) {
      const c = chunks[this.prunedChunks];
      if (c && Array.isArray(c.samples) && c.samples.length > 1) c.samples = c.samples.slice(0, 1);
    }
  }

  /**
   * Measures the page's clock against this worker's by round trips before any frame is read (the
   * timeOrigins can be seconds apart from the truth, see src/clock/worker-clock.ts). If the page
   * does not answer, the timeOrigin difference stays. Measured from here, so the page posts init
   * at once as before. (With the page measuring first, some first recordings of a page got a
   * single camera frame; that was before the audio lock search stopped starving this thread's
   * camera reads, the likelier cause — not re-checked.)
   */
  private async syncPageClock(): Promise<void> {
    try {
      this.pageOffsetMs = (await measureClockOffset(self, 6, 2000)).offsetMs;
    } catch {
      /* keep the timeOrigin difference */
    }
  }

  private audioClock(): RecorderStats['audioClock'] {
    return !this.audio ? 'none' : this.audio.calibrated ? 'calibrated' : 'estimated';
  }

  /**
   * Reads camera frames. A switched-to camera takes over at its first frame, so the file has no
   * gap: until then the previous camera keeps running (and its held frame covers the hand-over).
   */
  private async readVideo(stream: ReadableStream<VideoFrame>, switching = false): Promise<void> {
    const reader = stream.getReader();
    this.readers.push(reader as ReadableStreamDefaultReader<unknown>);
    if (!switching) this.videoReader = reader;
    let first = true;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (!this.video || !this.capturing) {
          value.close();
          continue;
        }
        if (first && switching) {
          const previous = this.videoReader;
          this.videoReader = reader;
          this.video.newSource();
          void previous?.cancel().catch(() => {});
          this.readers = this.readers.filter((r) => r !== previous);
        }
        first = false;
        if (reader !== this.videoReader) {
          value.close();
          continue;
        }
        this.video.push(value, this.pageNow());
      }
    } catch (e) {
      if (!this.clock.stopped && reader === this.videoReader) this.fail(toRecorderError(e, ErrorCode.TrackEnded, 'The camera stream failed'));
    }
  }

  switchVideo(stream: ReadableStream<VideoFrame>): void {
    if (!this.video || this.clock.stopped) {
      void stream.cancel().catch(() => {});
      return;
    }
    void this.readVideo(stream, true);
  }

  /**
   * The microphone changed: recalibrate against the new device's AudioData (the worklet stream, if
   * any, goes on). Recording the AudioData directly, the old device's last chunks may still be on
   * their way: its stream is read until the new one's first chunk comes.
   */
  switchAudio(stream: ReadableStream<AudioData> | undefined): void {
    if (!this.audio || this.clock.stopped) {
      void stream?.cancel().catch(() => {});
      return;
    }
    if (this.audio.direct && stream) {
      void this.readAudio(stream, true);
      return;
    }
    this.audio.sourceChanged();
    if (stream) void this.readAudio(stream);
    else this.dropAudioReaders(Infinity);
  }

  /** Cancels the microphone readers older than `seq`. */
  private dropAudioReaders(seq: number): void {
    for (const [s, r] of this.audioReaders) {
      if (s >= seq) continue;
      void r.cancel().catch(() => {});
      this.audioReaders.delete(s);
    }
  }

  /**
   * Whether capture is still read. It outlasts the stop instant: what was captured before it but
   * arrives after the stop command still belongs in the file (stop waits for it, then releases).
   */
  capturing = true;

  /** Stops reading the capture streams. */
  private release(): void {
    this.capturing = false;
    for (const e of this.earlyAudio) e.data.close();
    this.earlyAudio = [];
    for (const r of this.readers) void r.cancel().catch(() => {});
    this.readers = [];
    this.dropAudioReaders(Infinity);
  }

  /**
   * Reads the microphone's capture-stamped AudioData (a track processor's readable made on the page,
   * transferred here: no main-thread hop, and no wait for a batch). After a switch (`switching`),
   * the previous microphone is recorded until this one's first chunk; then this one is, and every
   * older reader is cancelled. A reader whose first chunk comes after a newer one's (two switches in
   * quick succession) is cancelled unread: one microphone at a time.
   */
  private async readAudio(stream: ReadableStream<AudioData>, switching = false): Promise<void> {
    const reader = stream.getReader();
    const seq = ++this.audioSeq;
    this.audioReaders.set(seq, reader);
    if (!switching) {
      this.dropAudioReaders(seq);
      this.liveAudio = seq;
    }
    const stamps = new TransferredStamps();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        let kept = false;
        try {
          if (seq > this.liveAudio) {
            this.liveAudio = seq;
            this.dropAudioReaders(seq);
            this.audio?.sourceChanged();
          } else if (seq < this.liveAudio) {
            this.dropAudioReaders(this.liveAudio);
            break;
          }
          const ours = stamps.isOurs(value.timestamp, performance.now());
          // Until init() has made the pipeline (and placed these), chunks wait.
          if (!this.audio) {
            this.earlyAudio.push({ data: value, ours });
            kept = true;
          } else this.placeAudio(value, ours);
        } finally {
          if (!kept) value.close();
        }
      }
    } catch (e) {
      // Cancelling (a switch, the stop) ends the loop with done; what lands here is a fault of the
      // stream or of placing its audio, which must not leave the rest of the recording silent.
      if (!this.clock.stopped && seq === this.liveAudio) this.fail(toRecorderError(e, ErrorCode.TrackEnded, 'The microphone stream failed'));
    }
  }

  /** Places a chunk of capture-stamped audio (`ours`: stamped on this worker's clock). */
  private placeAudio(data: AudioData, ours: boolean): void {
    if (this.capturing) this.audio?.addCaptured(data, pageTimeUs(data.timestamp, ours, this.pageOffsetMs));
  }

  /** Places the chunks that came before the audio pipeline existed. */
  private placeEarlyAudio(): void {
    const early = this.earlyAudio;
    this.earlyAudio = [];
    for (const { data, ours } of early) {
      try {
        this.placeAudio(data, ours);
      } finally {
        data.close();
      }
    }
  }

  start(at: number): void {
    this.clock.start(at);
    this.statsTimer = self.setInterval(() => send({ type: 'stats', stats: this.stats() }), this.config.statsIntervalMs);
    this.checkpointTimer = self.setInterval(() => void this.checkpoint(), CHECKPOINT_MS);
  }

  /**
   * Commits the session record with strict durability now and then: chunks go with the default
   * (relaxed) durability for throughput, the checkpoint bounds what an OS crash can take.
   */
  private async checkpoint(): Promise<void> {
    if (this.failed || this.clock.stopped) return;
    const t0 = performance.now();
    try {
      await updateSession(
        this.db,
        this.config.sessionId,
        { bytes: this.store.bytesStored, chunkCount: this.store.chunkCount, durationMs: this.clock.mediaUpTo(this.pageNow()) / 1000, checkpointAt: Date.now() },
        'strict',
      );
      this.checkpointMs = performance.now() - t0;
    } catch {
      /* a failed checkpoint is retried at the next one; chunk writes report storage errors */
    }
  }

  stats(): RecorderStats {
    const s = emptyStats();
    const now = this.pageNow();
    s.durationMs = (this.clock.duration ?? this.clock.mediaUpTo(now)) / 1000;
    if (this.video) {
      s.framesIn = this.video.framesIn;
      s.framesEncoded = this.video.framesEncoded;
      s.framesDropped = this.video.framesDropped;
      s.videoQueue = this.video.queue;
      s.videoClockOffsetMs = this.video.offset.known ? this.video.offset.value / 1000 : null;
    }
    if (this.audio) {
      s.audioQueue = this.audio.queue;
      s.audioSamples = this.audio.samples;
      s.audioGapFilledMs = this.audio.gapFilledUs / 1000;
      s.audioTrimmedMs = this.audio.trimmedUs / 1000;
      s.syncOffsetMs = this.audio.errorUs / 1000;
      s.audioDriftPpm = this.audio.driftPpm;
      const newest = this.audio.newestCapture;
      s.audioCaptureLagMs = Number.isFinite(newest) && this.config.audio ? (now - newest) / 1000 : null;
    }
    s.audioClock = this.audioClock();
    s.bytesStored = this.store?.bytesStored ?? 0;
    s.bytesPending = this.store?.bytesPending ?? 0;
    s.chunksStored = this.store?.chunksCommitted ?? 0;
    s.checkpointMs = this.checkpointMs;
    return s;
  }

  async setState(state: 'recording' | 'paused'): Promise<void> {
    await updateSession(this.db, this.config.sessionId, { state });
  }

  stop(at: number): Promise<void> {
    this.stopping ??= this.doStop(at);
    return this.stopping;
  }

  private async doStop(at: number): Promise<void> {
    const t0 = performance.now();
    const timings: Record<string, number> = {};
    const mark = (name: string) => (timings[name] = Math.round((performance.now() - t0) * 10) / 10);
    timings.commandIn = Math.round((this.pageNow() - at) / 100) / 10;
    this.clock.stop(at);
    const stopUs = this.clock.stopTime as number;
    const endUs = this.clock.duration as number;
    self.clearInterval(this.statsTimer);
    self.clearInterval(this.checkpointTimer);
    // Each stream is finished as soon as what it captured up to the stop instant has arrived: audio
    // (the capture-stamped stream is a few ms behind) and the last video frame (the held frame then
    // lasts to the stop). The two go on in parallel: the video encoder's flush (the longest step,
    // the last frame's encode) no longer waits for audio to arrive.
    const until = performance.now() + STOP_WAIT_MS;
    const frameUs = this.config.video ? 1e6 / this.config.video.frameRate : 0;
    const videoUntil = performance.now() + Math.min(STOP_WAIT_MS, (frameUs * 1.5) / 1000 + 20);
    const finishOnceIn = async <S extends { finish(endUs: number): Promise<void> }>(kind: 'video' | 'audio', stream: S | null, arrived: (s: S) => boolean, untilMs: number) => {
      if (!stream) return;
      while (!arrived(stream) && performance.now() < untilMs && !this.failed) await sleep(1);
      mark(`${kind}Arrived`);
      if (this.failed) return;
      await stream.finish(endUs);
      mark(`${kind}Flushed`);
    };
    await Promise.all([
      finishOnceIn('video', this.video, (v) => v.newestCaptureUs + frameUs >= stopUs, videoUntil),
      finishOnceIn('audio', this.audio, (a) => a.newestCapture >= stopUs, until),
    ]);
    this.release();
    mark('encodersFlushed');
    if (this.failed) return;
    // The last fragment's commit (checksum, Blob, put) waits until the File, which takes its bytes
    // from memory, is handed over; a failed finalize lets it go at once, for the salvage.
    const commit = this.store.hold();
    await this.output.finalize().catch((e) => {
      commit();
      throw e;
    });
    timings.tailWritten = Math.round((this.store.lastWriteAt - t0) * 10) / 10;
    mark('finalized');
    // The File is handed over now, its last fragment or two from memory while their writes commit:
    // waiting for those took 15–25 ms of a 30 ms stop at 10 s, and more under load. The page keeps
    // the recording's lock until 'stored', so no other tab takes it for interrupted meanwhile; a
    // crash in between loses what a crash while recording would (the fragments in flight).
    const stored = this.store.flush();
    const file = this.store.file(this.config.fileName, this.config.mimeType);
    mark('assembled');
    this.video?.close();
    send({ type: 'stopped', result: this.result(file, endUs, timings) });
    commit();
    await stored;
    mark('stored');
    const session = await updateSession(
      this.db,
      this.config.sessionId,
      { state: 'complete', stoppedAt: Date.now(), durationMs: endUs / 1000, bytes: this.store.bytesStored, chunkCount: this.store.chunkCount, patches: this.store.allPatches },
      'strict',
    );
    mark('committed');
    if (!session) throw new RecorderError(ErrorCode.StorageFailed, 'The recording was deleted from storage while it was being recorded.');
    send({ type: 'stored', timings, stats: this.stats() });
  }

  private result(file: File, durationUs: number, timings: Record<string, number>): StopResult {
    return {
      file,
      durationUs,
      videoCodec: this.config.video?.config.codec ?? null,
      audioCodec: this.config.audio ? (this.config.audio.codec === 'aac' ? 'mp4a.40.2' : 'opus') : null,
      mimeType: this.config.mimeType,
      width: this.video?.width ?? null,
      height: this.video?.height ?? null,
      stats: this.stats(),
      timings,
    };
  }

  /**
   * A fault: stop capturing, and if anything was stored, rebuild a playable file from it (as
   * recovery would after a crash) so the page gets what was recorded along with the error.
   */
  fail(err: RecorderError): void {
    if (this.failed) return;
    this.failed = true;
    self.clearInterval(this.statsTimer);
    self.clearInterval(this.checkpointTimer);
    this.release();
    this.video?.close();
    void this.output?.cancel().catch(() => {});
    void this.salvage(err);
  }

  private async salvage(err: RecorderError): Promise<void> {
    let salvaged: StopResult | undefined;
    try {
      if (this.db && this.clock.started && this.store?.chunkCount) {
        const session = await this.db.get('sessions', this.config.sessionId);
        const chunks = await this.db.getAll('chunks', chunkRange(this.config.sessionId));
        if (session) {
          const { plan, report } = await planRecovery(session, chunks);
          if (plan) {
            const next: SessionRecord = { ...session, state: 'recovered', skip: plan.skip, patches: plan.patches, durationMs: plan.durationMs, bytes: report.bytes, recovery: report, stoppedAt: Date.now(), error: { code: err.code, message: err.message } };
            // Storage may be full: the record update can fail; the next visit then recovers it again.
            await this.db.put('sessions', next).catch(() => {});
            const file = new File(sessionParts(chunks, next), this.config.fileName, { type: session.mimeType, lastModified: Date.now() });
            salvaged = this.result(file, plan.durationMs * 1000, {});
          }
        }
      } else if (this.db) {
        await updateSession(this.db, this.config.sessionId, { state: 'failed', error: { code: err.code, message: err.message } });
      }
    } catch {
      /* nothing could be salvaged; the session stays for recovery on the next visit */
    }
    send({ type: 'error', error: err.toJSON(), fatal: true, salvaged });
  }

  cancel(): void {
    self.clearInterval(this.statsTimer);
    self.clearInterval(this.checkpointTimer);
    this.release();
    this.video?.close();
    void this.output?.cancel().catch(() => {});
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

self.onmessage = (e: MessageEvent<EncodeCommand>) => {
  const cmd = e.data;
  const s = session;
  try {
    switch (cmd.type) {
      case 'clock-pong':
        return; // answers to syncPageClock()'s pings, taken by its own listener
      case 'init':
        session = new Session(cmd.config);
        session.init(cmd).catch((err) => session?.fail(toRecorderError(err, ErrorCode.EncoderFailed, 'Setting up the recording failed')));
        return;
      case 'video-frame':
        if (s?.video && s.capturing) s.video.push(cmd.frame, 0, cmd.captureUs);
        else cmd.frame.close();
        return;
      case 'audio-prior':
        s?.audio?.setPrior(cmd.offsetUs);
        return;
      case 'video-source':
        if (s) s.switchVideo(cmd.video);
        else void cmd.video.cancel().catch(() => {});
        return;
      case 'audio-source':
        if (s) s.switchAudio(cmd.audioCapture);
        else void cmd.audioCapture?.cancel().catch(() => {});
        return;
      case 'start':
        s?.start(cmd.at);
        return;
      case 'pause':
        s?.clock.pause(cmd.at);
        void s?.setState('paused');
        return;
      case 'resume':
        s?.clock.resume(cmd.at);
        void s?.setState('recording');
        return;
      case 'stop':
        s?.stop(cmd.at).catch((err) => s.fail(toRecorderError(err, ErrorCode.StorageFailed, 'Finishing the recording failed')));
        return;
      case 'cancel':
        s?.cancel();
        return;
      default:
        assertNever(cmd);
    }
  } catch (err) {
    s?.fail(toRecorderError(err));
  }
};
