import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { RecorderError } from '../errors.js';
import type { Format } from '../options.js';
import { Recorder, type Recording, type RecorderState } from '../recorder.js';
import { styles } from './styles.js';

/**
 * `<inpage-recorder>`: preview, record, pause, stop and download. A thin view over `Recorder`
 * (`element.recorder`), which owns all state.
 *
 * @fires ipr-statechange - detail `{ state, previous }`
 * @fires ipr-stop - detail: the `Recording`
 * @fires ipr-error - detail: the `RecorderError`
 * @csspart preview - the live preview video
 * @csspart controls - the button row
 * @csspart button - each button
 * @cssproperty --ipr-accent - record button and focus colour
 */
export class InpageRecorderElement extends LitElement {
  static override styles = styles;
  static override properties = {
    format: { reflect: true },
    mirror: { type: Boolean, reflect: true },
    state: { state: true },
    error: { state: true },
    result: { state: true },
    url: { state: true },
  };

  /** Container: `mp4` (H.264 + AAC) or `webm` (VP9 + Opus). */
  declare format: Format;
  /** Mirror the preview (not the recording), as people expect of a front camera. */
  declare mirror: boolean;
  declare private state: RecorderState;
  declare private error: string | null;
  declare private result: Recording | null;
  declare private url: string | null;

  private _recorder: Recorder | null = null;

  constructor() {
    super();
    this.format = 'mp4';
    this.mirror = true;
    this.state = 'idle';
    this.error = null;
    this.result = null;
    this.url = null;
  }

  /** The Recorder behind the element (created from the attributes on first use). */
  get recorder(): Recorder {
    if (!this._recorder) {
      const fmt: Format = this.format === 'webm' ? 'webm' : 'mp4';
      this._recorder = new Recorder({ format: fmt });
      this._recorder.addEventListener('statechange', (e) => {
        this.state = e.detail.state;
        this.fire('ipr-statechange', e.detail);
      });
      this._recorder.addEventListener('error', (e) => this.showError(e.detail));
    }
    return this._recorder;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('format') && this.format !== 'mp4' && this.format !== 'webm') {
      console.warn(`<inpage-recorder>: format="${String(this.format)}" is not mp4 or webm; using mp4.`);
      this.format = 'mp4';
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // Removed mid-recording: stop cleanly; the recording stays in storage.
    void this._recorder?.close();
    if (this.url) URL.revokeObjectURL(this.url);
  }

  private fire<T>(type: string, detail: T): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  private showError(e: unknown): void {
    const err = e instanceof RecorderError ? e : new RecorderError('internal', String(e));
    this.error = err.message;
    this.fire('ipr-error', err);
  }

  private async record(): Promise<void> {
    this.error = null;
    try {
      const stream = await this.recorder.open();
      const v = this.renderRoot.querySelector('video');
      if (v) v.srcObject = stream;
      await this.recorder.start();
      this.result = null;
    } catch (e) {
      this.showError(e);
    }
  }

  private async stop(): Promise<void> {
    try {
      const rec = await this.recorder.stop();
      if (this.url) URL.revokeObjectURL(this.url);
      this.result = rec;
      this.url = URL.createObjectURL(rec.file);
      this.fire('ipr-stop', rec);
    } catch (e) {
      this.showError(e);
    }
  }

  override render() {
    const s = this.state;
    const busy = s === 'starting' || s === 'stopping';
    const live = s === 'recording' || s === 'paused';
    return html`
      <video part="preview" class=${this.mirror ? 'mirror' : ''} autoplay muted playsinline aria-label="Camera preview"></video>
      <div part="controls" class="controls">
        ${live
          ? html`
              <button part="button" @click=${() => (s === 'paused' ? this.recorder.resume() : this.recorder.pause())}>${s === 'paused' ? 'Resume' : 'Pause'}</button>
              <button part="button" class="stop" @click=${this.stop}>Stop</button>
            `
          : html`<button part="button" class="record" ?disabled=${busy} @click=${this.record}>Record</button>`}
        ${this.result && this.url
          ? html`<a part="button" class="download" href=${this.url} download=${this.result.file.name}>Download (${(this.result.durationMs / 1000).toFixed(1)} s)</a>`
          : nothing}
      </div>
      <p class="status" role="status" aria-live="polite">${s === 'recording' ? 'Recording' : s === 'paused' ? 'Paused' : s === 'stopped' ? 'Saved' : ''}</p>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'inpage-recorder': InpageRecorderElement;
  }
  interface GlobalEventHandlersEventMap {
    'ipr-statechange': CustomEvent<{ state: RecorderState; previous: RecorderState }>;
    'ipr-stop': CustomEvent<Recording>;
    'ipr-error': CustomEvent<RecorderError>;
  }
}
