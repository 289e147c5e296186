import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { ErrorCode, RecorderError, toRecorderError } from '../errors.js';
import type { RecorderOptions } from '../options.js';
import { Recorder, type Recording, type RecorderEventMap, type RecorderState } from '../recorder.js';
import { emptyStats, type RecorderStats } from '../stats.js';
import type { RecordingInfo } from '../store/recordings-library.js';
import type { RecoveryReport } from '../store/recovery.js';
import type { UploadProgress } from '../upload/uploader.js';
import { resumeUploads } from '../upload/resume.js';
import { OPTION_ATTRIBUTES, normalizeOption, optionProperties, type OptionName, type OptionValues } from './attributes.js';
import { DevicesController } from './devices-controller.js';
import type { Exporter, ExportJob } from './exporter.js';
import { downloadName, extensionOf, formatBytes, formatDuration, formatLimit } from './format.js';
import { LevelController } from './level-controller.js';
import { LibraryController, notifyLibraryChanged } from './library-controller.js';
import { mergeStrings, type StringOverrides, type Strings } from './strings.js';
import { styles } from './styles.js';
import type { InpageRecorderEventMap } from './events.js';
import { exportView, pickersView, settingsView, uploadView } from './panels.js';
import { diagnosticsView, libraryView } from './views.js';

/** Endpoints whose interrupted uploads this page has already resumed. */
const resumedEndpoints = new Set<string>();

/** A recording shown after stop or picked from the library: what the player, download and delete act on. */
type Current = { id: string; name: string; file: File; url: string; createdAt: number; durationMs: number | null; recording: Recording | null };

type View = 'idle' | 'preview' | 'countdown' | 'starting' | 'recording' | 'paused' | 'stopping' | 'stopped';

/**
 * `<inpage-recorder>`: preview, device pickers, level meter, record / pause / resume / stop,
 * playback, download and delete, a recordings library with recovery, and diagnostics. A thin view
 * over `Recorder` (`element.recorder`), which owns recording state; anything done here can be done
 * through that API.
 *
 * @fires ipr-statechange - detail `{ state, previous }` (the Recorder's state)
 * @fires ipr-start - recording started; detail `{ id }`
 * @fires ipr-pause - detail `{ id }`
 * @fires ipr-resume - detail `{ id }`
 * @fires ipr-stop - detail: the `Recording`
 * @fires ipr-error - detail: the `RecorderError`
 * @fires ipr-limit - a max-duration or max-size limit stopped the recording; detail `{ limit, value }`
 * @fires ipr-silence - the microphone gave no signal for `silence-warning` seconds; detail `{ seconds }`
 * @fires ipr-download - detail `{ id, fileName }`
 * @fires ipr-delete - detail `{ id }`
 * @fires ipr-rename - detail `{ id, name }`
 * @fires ipr-recovered - interrupted recordings were rebuilt; detail: the `RecoveryReport[]`
 * @fires ipr-uploadprogress - detail: the `UploadProgress` (with `upload-endpoint`)
 * @fires ipr-uploadcomplete - detail: the `UploadResult`
 * @slot record-label, pause-label, resume-label, stop-label, download-label - button labels
 * @slot actions - extra controls beside record/stop
 * @slot stopped-actions - extra controls beside download/delete after a recording
 * @slot placeholder - shown where the preview is while the camera is off
 * @slot library-empty - shown when there are no recordings
 * @csspart preview, playback, placeholder, controls, button, record, stop, meter, meter-bar, status,
 *   error, warning, timer, settings, pickers, progress, library, library-item, thumbnail, badge,
 *   diagnostics, recovery, countdown, export
 * @cssproperty --ipr-bg, --ipr-fg, --ipr-muted, --ipr-border, --ipr-accent, --ipr-record-bg,
 *   --ipr-focus, --ipr-error, --ipr-warning-bg, --ipr-warning-fg, --ipr-meter, --ipr-radius, --ipr-font
 */
export class InpageRecorderElement extends LitElement {
  static override styles = styles;
  static override properties = {
    ...optionProperties,
    diagnostics: { type: Boolean, reflect: true },
    noLibrary: { type: Boolean, attribute: 'no-library' },
    strings: { attribute: false },
    stream: { attribute: false },
    exporter: { attribute: false },
    _state: { state: true },
    _previewOn: { state: true },
    _countdown: { state: true },
    _current: { state: true },
    _error: { state: true },
    _notice: { state: true },
    _stats: { state: true },
    _upload: { state: true },
    _export: { state: true },
    _storageLow: { state: true },
    _renaming: { state: true },
    _confirmDelete: { state: true },
    _recovering: { state: true },
    _recoveryDismissed: { state: true },
  };

  /** Used by every element without its own `exporter` (set once by the export engine's module). */
  static defaultExporter: Exporter | null = null;

  /** Container: `mp4` (H.264 + AAC, default) or `webm` (VP9 + Opus). */
  declare format: OptionValues['format'];
  /** `fast`, `balanced` (default), `high`, `ultra`: bitrate for the resolution and frame rate. */
  declare quality: OptionValues['quality'];
  /** `480p`, `720p` (default), `1080p`, `4k`. */
  declare resolution: OptionValues['resolution'];
  /** Frames per second asked of the camera (default 30). */
  declare framerate: OptionValues['framerate'];
  /** `voice`, `standard` (default), `high`, or bits per second (`96000`, `96k`). */
  declare audioBitrate: OptionValues['audioBitrate'];
  /** Seconds after which recording stops by itself (`90`, `5m`, `1:30`); none by default. */
  declare maxDuration: OptionValues['maxDuration'];
  /** Bytes after which recording stops by itself (`200MB`, `1.5GB`); none by default. */
  declare maxSize: OptionValues['maxSize'];
  /** tus endpoint to upload to while recording (e.g. `/files/`); none: nothing leaves the page. */
  declare uploadEndpoint: OptionValues['uploadEndpoint'];
  /** Seconds counted down before recording starts (0–10, default 0). */
  declare countdown: OptionValues['countdown'];
  /** Seconds of microphone silence before a warning (default 5; 0: never). */
  declare silenceWarning: OptionValues['silenceWarning'];
  /** Warn when storage holds fewer minutes than this (default 5). */
  declare storageWarning: OptionValues['storageWarning'];
  /** Mirror the preview of a user-facing camera, as people expect of a selfie view (default true). The recording is never mirrored. */
  declare mirror: OptionValues['mirror'];
  /** Record video (default true); `video="false"` records sound only. */
  declare video: OptionValues['video'];
  /** Record audio (default true). */
  declare audio: OptionValues['audio'];
  /** Prefer the `user` or `environment` camera. */
  declare facingMode: OptionValues['facingMode'];
  /** Show the diagnostics panel. */
  declare diagnostics: boolean;
  /** Hide the recordings library. */
  declare noLibrary: boolean;
  /** Replacement strings (translation): a partial object merged over the defaults. */
  declare strings: StringOverrides | null;
  /** Record this stream instead of opening camera and microphone (a canvas, a screen, WebAudio). */
  declare stream: MediaStream | null;
  /** Export engine: when set (or `InpageRecorderElement.defaultExporter`), "Export" is offered after stop. */
  declare exporter: Exporter | null;

  declare private _state: RecorderState;
  declare private _previewOn: boolean;
  declare private _countdown: number;
  declare private _current: Current | null;
  declare private _error: RecorderError | null;
  declare private _notice: string | null;
  declare private _stats: RecorderStats;
  declare private _upload: UploadProgress | null;
  declare private _export: ExportJob | null;
  declare private _storageLow: number | null;
  declare private _renaming: string | null;
  declare private _confirmDelete: string | null;
  declare private _recovering: boolean;
  declare private _recoveryDismissed: boolean;

  private _recorder: Recorder | null = null;
  private recorderKey = '';
  private unlisten: (() => void) | null = null;
  /** The camera was asked for (it may still be opening): new settings reopen it. */
  private previewWanted = false;
  private cameraId = '';
  private micId = '';
  private startedAt = 0;
  private limitHit = false;
  private fps = { in: null as number | null, out: null as number | null, last: null as { at: number; stats: RecorderStats } | null };
  private cancelCountdown: (() => void) | null = null;
  private readonly warned = new Set<string>();
  private storageTimer = 0;
  private readonly devices = new DevicesController(this);
  private readonly level = new LevelController(this);
  private readonly lib = new LibraryController(this);

  constructor() {
    super();
    for (const [k, spec] of Object.entries(OPTION_ATTRIBUTES)) (this as Record<string, unknown>)[k] = spec.fallback;
    this.diagnostics = false;
    this.noLibrary = false;
    this.strings = null;
    this.stream = null;
    this.exporter = null;
    this._state = 'idle';
    this._previewOn = false;
    this._countdown = 0;
    this._current = null;
    this._error = null;
    this._notice = null;
    this._stats = emptyStats();
    this._upload = null;
    this._export = null;
    this._storageLow = null;
    this._renaming = null;
    this._confirmDelete = null;
    this._recovering = false;
    this._recoveryDismissed = false;
  }

  private get s(): Strings {
    return mergeStrings(this.strings);
  }

  // ---- the Recorder ---------------------------------------------------------------------------

  /** The Recorder behind the element, made from the current attributes. Replaced when capture options change while not recording. */
  get recorder(): Recorder {
    if (!this._recorder || (this.recorderKey !== this.optionsKey() && !this.isLive(this._recorder.state))) this.replaceRecorder();
    return this._recorder!;
  }

  /** Recorder options from the attributes (validated values) and the picked devices. */
  recorderOptions(): RecorderOptions {
    if (!this.video && !this.audio) this.audio = true;
    return {
      format: this.format,
      video: this.video
        ? { resolution: this.resolution, frameRate: this.framerate, quality: this.quality, ...(this.cameraId ? { deviceId: this.cameraId } : {}), ...(this.facingMode ? { facingMode: this.facingMode } : {}) }
        : false,
      audio: this.audio ? { bitrate: this.audioBitrate, ...(this.micId ? { deviceId: this.micId } : {}) } : false,
      // Frequent enough to stop within a quarter second of a limit, and for a smooth timer.
      statsInterval: 250,
      storageWarningMinutes: this.storageWarning,
      upload: this.uploadEndpoint ? { endpoint: this.uploadEndpoint } : false,
    };
  }

  private optionsKey(): string {
    const o = this.recorderOptions();
    // Devices are switched on the live recorder, never by making a new one.
    if (o.video) delete o.video.deviceId;
    if (o.audio) delete o.audio.deviceId;
    return JSON.stringify(o);
  }

  private isLive(s: RecorderState): boolean {
    return s === 'starting' || s === 'recording' || s === 'paused' || s === 'stopping';
  }

  private replaceRecorder(): void {
    const old = this._recorder;
    this.unlisten?.();
    if (old) void old.close();
    if (this._previewOn) {
      this._previewOn = false;
      void this.level.watch(null);
    }
    let rec: Recorder;
    try {
      rec = new Recorder(this.recorderOptions());
    } catch (e) {
      // Attribute values are validated, so this is a combination the recorder refuses.
      this.showError(new RecorderError(ErrorCode.InvalidOptions, e instanceof Error ? e.message : String(e)));
      rec = new Recorder({ statsInterval: 250 });
    }
    this._recorder = rec;
    this.recorderKey = this.optionsKey();
    this._state = rec.state;
    this.unlisten = this.listen(rec);
  }

  private listen(rec: Recorder): () => void {
    const on = <K extends keyof RecorderEventMap>(type: K, fn: (e: RecorderEventMap[K]) => void) => {
      rec.addEventListener(type, fn);
      return () => rec.removeEventListener(type, fn);
    };
    const offs = [
      on('statechange', (e) => this.onStateChange(rec, e.detail.state, e.detail.previous)),
      on('error', (e) => this.showError(e.detail)),
      on('stats', (e) => this.onStats(rec, e.detail)),
      on('level', (e) => this.level.feed(e.detail)),
      on('stop', (e) => this.onStopped(e.detail)),
      on('streamchange', (e) => this.onStream(e.detail.stream)),
      on('storagewarning', (e) => (this._storageLow = e.detail.minutesLeft)),
      on('uploadprogress', (e) => {
        this._upload = e.detail;
        this.fire('ipr-uploadprogress', e.detail);
      }),
      on('uploadcomplete', (e) => this.fire('ipr-uploadcomplete', e.detail)),
    ];
    return () => offs.forEach((off) => off());
  }

  private onStateChange(rec: Recorder, state: RecorderState, previous: RecorderState): void {
    this._state = state;
    this.fire('ipr-statechange', { state, previous });
    if (state === 'recording' && previous === 'starting') {
      this.startedAt = Date.now();
      this.limitHit = false;
      this.fps = { in: null, out: null, last: null };
      // The recorder meters what is recorded; the preview meter steps aside.
      this.level.external = true;
      void this.level.watch(null);
      this.level.reset();
      if (rec.stream) this.onStream(rec.stream);
      this.fire('ipr-start', { id: rec.id });
    } else if (state === 'paused') this.fire('ipr-pause', { id: rec.id });
    else if (state === 'recording' && previous === 'paused') this.fire('ipr-resume', { id: rec.id });
    if (!this.isLive(state)) {
      this.level.external = false;
      this.meterPreview();
    }
  }

  private onStats(rec: Recorder, stats: RecorderStats): void {
    const now = performance.now();
    const last = this.fps.last;
    if (last && now - last.at >= 200) {
      const dt = (now - last.at) / 1000;
      this.fps = { in: (stats.framesIn - last.stats.framesIn) / dt, out: (stats.framesEncoded - last.stats.framesEncoded) / dt, last: { at: now, stats } };
    } else if (!last) this.fps.last = { at: now, stats };
    this._stats = stats;
    if (this.limitHit || (rec.state !== 'recording' && rec.state !== 'paused')) return;
    const size = stats.bytesStored + stats.bytesPending;
    const limit =
      this.maxDuration && stats.durationMs >= this.maxDuration * 1000 ? ({ limit: 'duration', value: this.maxDuration } as const) : this.maxSize && size >= this.maxSize ? ({ limit: 'size', value: this.maxSize } as const) : null;
    if (!limit) return;
    this.limitHit = true;
    this._notice = limit.limit === 'duration' ? this.s.limitDuration(formatLimit(limit.value)) : this.s.limitSize(formatBytes(limit.value));
    this.fire('ipr-limit', limit);
    void rec.stop().catch(() => {});
  }

  private onStream(stream: MediaStream): void {
    const preview = this.renderRoot?.querySelector<HTMLVideoElement>('video.preview');
    if (preview && preview.srcObject !== stream) preview.srcObject = stream;
    this.requestUpdate();
    this.meterPreview();
    void this.devices.refresh();
  }

  /** Meters the preview's microphone while nothing is recorded. */
  private meterPreview(): void {
    const rec = this._recorder;
    if (!rec || this.isLive(rec.state) || !this._previewOn || !this.isConnected) return void this.level.watch(null);
    void this.level.watch(rec.stream?.getAudioTracks().find((t) => t.readyState === 'live') ?? null);
  }

  private onStopped(rec: Recording): void {
    this.setCurrent({ id: rec.id, name: rec.name, file: rec.file, createdAt: this.startedAt || Date.now() - rec.durationMs, durationMs: rec.durationMs, recording: rec });
    this._notice = [this._notice, this.s.saved(rec.name)].filter(Boolean).join(' ');
    this.fire('ipr-stop', rec);
    if (this.isConnected) this.lib.changed();
    else notifyLibraryChanged();
    void this.updateComplete.then(() => this.focusPart('.play-toggle'));
  }

  private setCurrent(c: Omit<Current, 'url'> | null): void {
    if (this._current) URL.revokeObjectURL(this._current.url);
    this.clearExport();
    this._current = c ? { ...c, url: URL.createObjectURL(c.file) } : null;
    this._confirmDelete = null;
  }

  // ---- actions ----------------------------------------------------------------------------------

  /** Opens camera and microphone for preview (the first click asks for permission). */
  async openPreview(): Promise<void> {
    this._error = null;
    this.previewWanted = true;
    try {
      const rec = this.recorder;
      const stream = await rec.open(this.stream ?? undefined);
      if (rec !== this._recorder) {
        // Settings changed while the camera was opening: that recorder is already replaced.
        void rec.close();
        return;
      }
      this._previewOn = true;
      this.onStream(stream);
      this.syncPickers(stream);
    } catch (e) {
      this.showError(e);
    }
  }

  /** Releases camera and microphone (not while recording). */
  async closePreview(): Promise<void> {
    const rec = this._recorder;
    if (!rec || this.isLive(rec.state)) return;
    this._previewOn = false;
    this.previewWanted = false;
    void this.level.watch(null);
    await rec.close();
  }

  /** Starts recording (after the countdown, if any). */
  async record(): Promise<void> {
    if (this._countdown || this.isLive(this._state)) return;
    this._error = null;
    this._notice = null;
    this._upload = null;
    this._storageLow = null;
    this.setCurrent(null);
    const rec = this.recorder;
    try {
      if (!this._previewOn) await this.openPreview();
      if (this._error) return;
      if (this.countdown > 0 && !(await this.runCountdown(this.countdown))) return;
      await rec.start(this.stream ?? undefined);
    } catch (e) {
      this.showError(e);
    }
  }

  private runCountdown(seconds: number): Promise<boolean> {
    return new Promise((resolve) => {
      let n = seconds;
      this._countdown = n;
      void this.updateComplete.then(() => this.focusPart('.cancel-countdown'));
      const timer = setInterval(() => {
        n -= 1;
        if (n > 0) return void (this._countdown = n);
        clearInterval(timer);
        this.cancelCountdown = null;
        this._countdown = 0;
        resolve(true);
      }, 1000);
      this.cancelCountdown = () => {
        clearInterval(timer);
        this.cancelCountdown = null;
        this._countdown = 0;
        void this.updateComplete.then(() => this.focusPart('.primary'));
        resolve(false);
      };
    });
  }

  pause(): void {
    this._recorder?.pause();
  }

  resume(): void {
    this._recorder?.resume();
  }

  /** Stops recording; the finished recording is shown for playback. */
  async stop(): Promise<void> {
    try {
      await this._recorder?.stop();
    } catch (e) {
      this.showError(e);
    }
  }

  private togglePlayback(): void {
    const v = this.renderRoot.querySelector<HTMLVideoElement>('video.playback');
    if (!v) return;
    if (v.paused) void v.play().catch(() => {});
    else v.pause();
  }

  /** Back from playback to the camera. */
  private newRecording(): void {
    this.setCurrent(null);
    this._notice = null;
    void this.updateComplete.then(() => this.focusPart('.primary'));
  }

  private async deleteCurrent(): Promise<void> {
    const c = this._current;
    if (!c) return;
    try {
      await this.lib.delete(c.id);
      this.setCurrent(null);
      this._notice = null;
      this.fire('ipr-delete', { id: c.id });
      void this.updateComplete.then(() => this.focusPart('.primary'));
    } catch (e) {
      this.showError(e);
    }
  }

  private async pickDevice(kind: 'video' | 'audio', deviceId: string): Promise<void> {
    if (kind === 'video') this.cameraId = deviceId;
    else this.micId = deviceId;
    const rec = this._recorder;
    if (!rec?.stream || !this._previewOn) return;
    try {
      await rec.switchDevice(kind, deviceId);
    } catch (e) {
      this.showError(e);
    }
  }

  private syncPickers(stream: MediaStream): void {
    this.cameraId = stream.getVideoTracks()[0]?.getSettings().deviceId ?? this.cameraId;
    this.micId = stream.getAudioTracks()[0]?.getSettings().deviceId ?? this.micId;
  }

  /** A picked device was unplugged: fall back to the default one next time. */
  onDevicesChanged(): void {
    if (this.cameraId && !this.devices.cameras.some((d) => d.deviceId === this.cameraId)) this.cameraId = '';
    if (this.micId && !this.devices.microphones.some((d) => d.deviceId === this.micId)) this.micId = '';
  }

  onSilenceChanged(silent: boolean): void {
    if (silent) this.fire('ipr-silence', { seconds: this.silenceWarning });
  }

  onLibraryError(e: RecorderError): void {
    this.showError(e);
  }

  private async download(r: RecordingInfo): Promise<void> {
    try {
      const file = await this.lib.get(r.id);
      const name = downloadName(r.name, r.createdAt, extensionOf(r.mimeType, r.fileName));
      const url = URL.createObjectURL(file);
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      this.renderRoot.appendChild(a);
      a.click();
      a.remove();
      // The browser has taken the URL once the download starts.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      this.fire('ipr-download', { id: r.id, fileName: name });
    } catch (e) {
      this.showError(e);
    }
  }

  private async play(r: RecordingInfo): Promise<void> {
    if (this.isLive(this._state)) return;
    try {
      const file = await this.lib.get(r.id);
      this.setCurrent({ id: r.id, name: r.name, file, createdAt: r.createdAt, durationMs: r.durationMs, recording: null });
      this._notice = null;
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLVideoElement>('video.playback')?.scrollIntoView?.({ block: 'nearest' });
      this.focusPart('.play-toggle');
    } catch (e) {
      this.showError(e);
    }
  }

  private async rename(r: RecordingInfo, name: string): Promise<void> {
    if (!name.trim()) return;
    try {
      await this.lib.rename(r.id, name);
      this._renaming = null;
      if (this._current?.id === r.id) this._current = { ...this._current, name: name.trim() };
      this.fire('ipr-rename', { id: r.id, name: name.trim() });
      void this.updateComplete.then(() => this.focusPart(`li[data-id="${r.id}"] .rename`));
    } catch (e) {
      this.showError(e);
    }
  }

  private async deleteItem(r: RecordingInfo): Promise<void> {
    try {
      await this.lib.delete(r.id);
      this._confirmDelete = null;
      if (this._current?.id === r.id) this.setCurrent(null);
      this.fire('ipr-delete', { id: r.id });
      void this.updateComplete.then(() => this.focusPart('#library-heading'));
    } catch (e) {
      this.showError(e);
    }
  }

  private async recover(): Promise<void> {
    this._recovering = true;
    try {
      const reports: RecoveryReport[] = await this.lib.recover();
      const ok = reports.filter((r) => !r.failure);
      const lost = ok.reduce((n, r) => n + r.gaps.reduce((m, g) => m + (g.toMs !== null && g.fromMs !== null ? g.toMs - g.fromMs : 0), 0), 0);
      this._notice = this.s.recovered(ok.length, lost);
      this.fire('ipr-recovered', reports);
    } catch (e) {
      this.showError(e);
    } finally {
      this._recovering = false;
    }
  }

  private async runExport(targetId: string): Promise<void> {
    const exporter = this.exporter ?? InpageRecorderElement.defaultExporter;
    const c = this._current;
    const target = exporter?.targets.find((t) => t.id === targetId);
    if (!exporter || !c || !target) return;
    this.clearExport();
    const job: ExportJob = { target, state: 'running', progress: 0, url: null, fileName: null, controller: new AbortController() };
    this._export = job;
    const update = (patch: Partial<ExportJob>) => {
      // Each update is a new object (for Lit); the controller identifies the job.
      if (this._export?.controller === job.controller) this._export = { ...this._export, ...patch };
    };
    try {
      const blob = await exporter.export(c.file, target.id, { signal: job.controller.signal, onProgress: (f) => update({ progress: Math.max(0, Math.min(1, f)) }) });
      update({ state: 'done', progress: 1, url: URL.createObjectURL(blob), fileName: downloadName(c.name, c.createdAt, target.extension) });
    } catch (e) {
      if (job.controller.signal.aborted || (e as { name?: string } | null)?.name === 'AbortError') update({ state: 'cancelled' });
      else {
        update({ state: 'failed' });
        this.showError(e);
      }
    }
  }

  private clearExport(): void {
    const job = this._export;
    if (!job) return;
    job.controller.abort();
    if (job.url) URL.revokeObjectURL(job.url);
    this._export = null;
  }

  private showError(e: unknown): void {
    const err = e instanceof RecorderError ? e : toRecorderError(e);
    this._error = err;
    this.fire('ipr-error', err);
  }

  private fire<K extends keyof InpageRecorderEventMap>(type: K, detail: InpageRecorderEventMap[K]['detail']): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  private focusPart(selector: string): void {
    const el = this.renderRoot?.querySelector<HTMLElement>(selector);
    if (el && !el.hasAttribute('disabled')) el.focus();
  }

  // ---- lifecycle ----------------------------------------------------------------------------------

  protected override willUpdate(changed: PropertyValues<this>): void {
    for (const name of Object.keys(OPTION_ATTRIBUTES) as OptionName[]) {
      if (!changed.has(name as keyof InpageRecorderElement)) continue;
      const v = normalizeOption(name, (this as Record<string, unknown>)[name], this.warned);
      if ((this as Record<string, unknown>)[name] !== v) (this as Record<string, unknown>)[name] = v;
    }
    this.level.silenceSeconds = this.silenceWarning;
  }

  protected override updated(changed: PropertyValues<this>): void {
    const rec = this._recorder;
    // New settings apply at once while only previewing (the camera reopens with them); during a
    // recording, to the next one.
    if (rec && !this.isLive(rec.state) && (this.recorderKey !== this.optionsKey() || changed.has('stream' as keyof InpageRecorderElement))) {
      const reopen = this._previewOn || this.previewWanted;
      this.replaceRecorder();
      if (reopen) void this.openPreview();
    }
    const preview = this.renderRoot.querySelector<HTMLVideoElement>('video.preview');
    const stream = this._previewOn || this.isLive(this._state) ? (this._recorder?.stream ?? null) : null;
    if (preview && preview.srcObject !== stream) preview.srcObject = stream;
    if (changed.has('diagnostics' as keyof InpageRecorderElement) || changed.has('_state' as keyof InpageRecorderElement)) this.watchStorage();
  }

  private watchStorage(): void {
    clearInterval(this.storageTimer);
    if (!this.diagnostics || !this.isConnected) return;
    void this.lib.refreshStorage();
    this.storageTimer = setInterval(() => void this.lib.refreshStorage(), this.isLive(this._state) ? 2000 : 10_000) as unknown as number;
  }

  private readonly onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && this.cancelCountdown) {
      e.preventDefault();
      this.cancelCountdown();
    }
  };

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('keydown', this.onKeyDown);
    this.watchStorage();
    void this.updateComplete.then(() => this.resumeInterruptedUploads());
  }

  /**
   * Uploads a reload or crash interrupted carry on when an element with the same endpoint appears
   * again: once per endpoint and page, however many elements there are. Their progress is shown and
   * fired like a live upload's.
   */
  private async resumeInterruptedUploads(): Promise<void> {
    const endpoint = this.uploadEndpoint;
    if (!endpoint || !this.isConnected || resumedEndpoints.has(endpoint)) return;
    resumedEndpoints.add(endpoint);
    try {
      const uploads = await resumeUploads(
        { endpoint },
        {
          onProgress: (p) => {
            if (!this._recorder || !this.isLive(this._state)) this._upload = p;
            this.fire('ipr-uploadprogress', p);
          },
          onComplete: (r) => this.fire('ipr-uploadcomplete', r),
          onError: (e) => this.showError(e),
        },
      );
      for (const u of uploads) u.done.catch((e: unknown) => this.showError(e));
    } catch (e) {
      this.showError(e);
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener('keydown', this.onKeyDown);
    clearInterval(this.storageTimer);
    // Moving the element fires disconnect + connect in one task; only a real removal ends things.
    queueMicrotask(() => {
      if (this.isConnected) return;
      this.cancelCountdown?.();
      // Removed mid-recording: the recording is stopped cleanly and kept in the library.
      const rec = this._recorder;
      this._previewOn = false;
      this.previewWanted = false;
      if (rec) void rec.close();
      this.clearExport();
    });
  }

  // ---- template -----------------------------------------------------------------------------------

  private get view(): View {
    if (this._countdown) return 'countdown';
    const st = this._state;
    if (st === 'starting' || st === 'recording' || st === 'paused' || st === 'stopping') return st;
    if (this._current) return 'stopped';
    return this._previewOn ? 'preview' : 'idle';
  }

  override render() {
    const s = this.s;
    const view = this.view;
    const live = view === 'recording' || view === 'paused' || view === 'starting' || view === 'stopping';
    const stream = this._recorder?.stream ?? null;
    const vTrack = stream?.getVideoTracks()[0];
    const facing = vTrack?.getSettings().facingMode;
    const mirrored = this.mirror && facing !== 'environment';
    const showPreview = view !== 'stopped' && this.video && (this._previewOn || live);
    return html`
      ${this.recoveryBanner(s)}
      <div class="stage" part="stage">
        <video part="preview" class="preview ${mirrored ? 'mirror' : ''}" ?hidden=${!showPreview} autoplay muted playsinline aria-label=${s.preview}></video>
        ${view === 'stopped' && this._current
          ? html`<video part="playback" class="playback" src=${this._current.url} controls playsinline aria-label=${s.playback}></video>`
          : nothing}
        ${!showPreview && view !== 'stopped'
          ? html`<div part="placeholder" class="placeholder"><slot name="placeholder">${this.video ? s.noPreview : s.audioOnlyPreview}</slot></div>`
          : nothing}
        ${view === 'countdown' ? html`<div part="countdown" class="countdown" aria-hidden="true">${this._countdown}</div>` : nothing}
        ${live ? html`<span class="rec-dot ${view === 'paused' ? 'paused' : ''}" aria-hidden="true"></span>` : nothing}
      </div>
      ${this.audio && view !== 'stopped' ? this.meter(s) : nothing}
      ${view === 'stopped' ? this.stoppedArea(s) : html`<div part="controls" class="controls">${this.controls(s, view)}<slot name="actions"></slot></div>`}
      ${this._upload && (live || view === 'stopped' || view === 'idle') ? uploadView(s, this._upload) : nothing}
      <div part="status" class="status" role="status" aria-live="polite">
        <p class="state">${this.stateText(s, view)}</p>
        ${this._notice ? html`<p class="notice">${this._notice}</p>` : nothing}
        ${this.level.silent && this.audio && view !== 'stopped' && (this._previewOn || live) ? html`<p part="warning" class="warning silence">${s.silence(this.silenceWarning)}</p>` : nothing}
        ${this._storageLow !== null ? html`<p part="warning" class="warning storage">${s.storageLow(this._storageLow)}</p>` : nothing}
      </div>
      <div part="error" class="error-box" role="alert">
        ${this._error
          ? html`<p class="error">${s.errors[this._error.code] ?? s.errors.internal}</p>
              <button part="button" class="dismiss-error" @click=${() => (this._error = null)}>${s.dismiss}</button>`
          : nothing}
      </div>
      ${this.pickers(s, live)} ${this.settings(s, live)}
      ${this.diagnostics
        ? diagnosticsView(s, {
            stats: this._stats,
            fpsIn: this.fps.in,
            fpsOut: this.fps.out,
            storage: this.lib.storage,
            codecs: this._current?.recording ? [this._current.recording.videoCodec, this._current.recording.audioCodec].filter(Boolean).join(', ') : null,
          })
        : nothing}
      ${this.noLibrary
        ? nothing
        : libraryView(
            s,
            { items: this.lib.items, thumbs: this.lib.thumbs, storage: this.lib.storage, renaming: this._renaming, confirmDelete: this._confirmDelete, busy: false },
            {
              play: (r) => void this.play(r),
              download: (r) => void this.download(r),
              startRename: (r) => {
                this._renaming = r.id;
                void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLInputElement>('.rename-input')?.select());
                void this.updateComplete.then(() => this.focusPart('.rename-input'));
              },
              rename: (r, name) => void this.rename(r, name),
              cancelRename: () => {
                const id = this._renaming;
                this._renaming = null;
                void this.updateComplete.then(() => this.focusPart(`li[data-id="${id}"] .rename`));
              },
              askDelete: (r) => {
                this._confirmDelete = r.id;
                void this.updateComplete.then(() => this.focusPart('.confirm-delete'));
              },
              delete: (r) => void this.deleteItem(r),
              cancelDelete: () => {
                const id = this._confirmDelete;
                this._confirmDelete = null;
                void this.updateComplete.then(() => this.focusPart(`li[data-id="${id}"] .delete`));
              },
            },
          )}
    `;
  }

  private recoveryBanner(s: Strings) {
    const n = this.lib.interrupted.length;
    if (!n || this._recoveryDismissed || this.noLibrary) return nothing;
    return html`<div part="recovery" class="banner" role="region" aria-label=${s.recover}>
      <p>${s.recoveryBanner(n)}</p>
      <button part="button" class="recover" ?disabled=${this._recovering} @click=${this.recover}>${this._recovering ? s.recovering : s.recover}</button>
      <button part="button" class="dismiss-recovery" @click=${() => (this._recoveryDismissed = true)}>${s.dismiss}</button>
    </div>`;
  }

  private meter(s: Strings) {
    const db = this.level.db;
    const pct = Number.isFinite(db) ? Math.max(0, Math.min(100, Math.round(((db + 60) / 60) * 100))) : 0;
    return html`<div part="meter" class="meter ${this.level.silent ? 'silent' : ''}" role="meter" aria-label=${s.level} aria-valuemin="0" aria-valuemax="100" aria-valuenow=${pct} aria-valuetext=${s.levelText(db)}>
      <div part="meter-bar" class="bar" style="width:${pct}%"></div>
    </div>`;
  }

  private controls(s: Strings, view: View) {
    const live = view === 'recording' || view === 'paused';
    const busy = view === 'starting' || view === 'stopping';
    if (view === 'countdown') {
      return html`<button part="button" class="cancel-countdown" @click=${() => this.cancelCountdown?.()}>${s.cancelCountdown}</button>`;
    }
    if (view === 'stopped') return nothing;
    // One button for record → pause ⇄ resume, so keyboard focus stays put as the state changes;
    // aria-disabled rather than disabled while starting, as disabling would drop the focus.
    const primary = live
      ? view === 'paused'
        ? { label: html`<slot name="resume-label">${s.resume}</slot>`, act: () => this.resume(), cls: 'resume' }
        : { label: html`<slot name="pause-label">${s.pause}</slot>`, act: () => this.pause(), cls: 'pause' }
      : { label: html`<slot name="record-label">${s.record}</slot>`, act: () => void this.record(), cls: 'record' };
    return html`
      ${!live && !busy && !this._previewOn
        ? html`<button part="button" class="camera-on" @click=${() => void this.openPreview()}>${this.video ? s.cameraOn : s.microphoneOn}</button>`
        : nothing}
      <button part="button ${primary.cls}" class="primary ${primary.cls}" aria-disabled=${busy ? 'true' : 'false'} @click=${busy ? null : primary.act}>${primary.label}</button>
      ${live || busy
        ? html`<button part="button stop" class="stop" aria-disabled=${busy ? 'true' : 'false'} @click=${busy ? null : () => void this.stop()}><slot name="stop-label">${s.stop}</slot></button>`
        : nothing}
      ${live || busy
        ? html`<span part="timer" class="timer" role="timer" aria-label=${s.elapsed}>${formatDuration(this._stats.durationMs)}</span>
            <span class="size" aria-label=${s.size}>${formatBytes(this._stats.bytesStored + this._stats.bytesPending)}</span>`
        : nothing}
    `;
  }

  private stoppedArea(s: Strings) {
    const c = this._current!;
    const ext = extensionOf(c.file.type, c.file.name);
    const fileName = downloadName(c.name, c.createdAt, ext);
    const exporter = this.exporter ?? InpageRecorderElement.defaultExporter;
    return html`<div class="result" part="result">
      <p class="result-name"><span class="name">${c.name}</span> · ${formatDuration(c.durationMs)} · ${formatBytes(c.file.size)}</p>
      <div class="actions">
        <button part="button" class="play-toggle" @click=${this.togglePlayback}>${s.play}</button>
        <a part="button download" class="download" href=${c.url} download=${fileName} @click=${() => this.fire('ipr-download', { id: c.id, fileName })}><slot name="download-label">${s.download}</slot></a>
        ${this._confirmDelete === 'current'
          ? html`<span class="question">${s.deleteQuestion(c.name)}</span>
              <button part="button danger" class="danger confirm-delete" @click=${this.deleteCurrent}>${s.confirmDelete}</button>
              <button
                part="button"
                class="keep"
                @click=${() => {
                  this._confirmDelete = null;
                  void this.updateComplete.then(() => this.focusPart('.result .delete'));
                }}
              >
                ${s.keep}
              </button>`
          : html`<button
              part="button"
              class="delete"
              @click=${() => {
                this._confirmDelete = 'current';
                void this.updateComplete.then(() => this.focusPart('.result .confirm-delete'));
              }}
            >
              ${s.delete}
            </button>`}
        <button part="button" class="primary new" @click=${this.newRecording}>${s.newRecording}</button>
        <slot name="stopped-actions"></slot>
      </div>
      ${exporter?.targets.length
        ? exportView(s, exporter, this._export, (id) => void this.runExport(id))
        : nothing}
    </div>`;
  }

  private stateText(s: Strings, view: View): string {
    switch (view) {
      case 'idle':
        return this._state === 'failed' ? s.stateFailed : s.stateIdle;
      case 'preview':
        return this._state === 'failed' ? s.stateFailed : s.statePreview;
      case 'countdown':
        return s.countdown(this._countdown);
      case 'starting':
        return s.stateStarting;
      case 'recording':
        return s.stateRecording;
      case 'paused':
        return s.statePaused;
      case 'stopping':
        return s.stateStopping;
      case 'stopped':
        return s.stateStopped;
    }
  }

  private pickers(s: Strings, live: boolean) {
    if (this.stream || !(this._previewOn || live)) return nothing;
    const stream = this._recorder?.stream;
    return pickersView(s, {
      cameras: this.video ? this.devices.cameras : [],
      microphones: this.audio ? this.devices.microphones : [],
      camera: stream?.getVideoTracks()[0]?.getSettings().deviceId ?? this.cameraId,
      microphone: stream?.getAudioTracks()[0]?.getSettings().deviceId ?? this.micId,
      pick: (kind, id) => void this.pickDevice(kind, id),
    });
  }

  private settings(s: Strings, live: boolean) {
    return settingsView(s, {
      live,
      values: { format: this.format, quality: this.quality, resolution: this.resolution, framerate: this.framerate, audioBitrate: this.audioBitrate, countdown: this.countdown, mirror: this.mirror, video: this.video, audio: this.audio },
      set: (name, value) => ((this as Record<string, unknown>)[name] = value),
    });
  }
}
