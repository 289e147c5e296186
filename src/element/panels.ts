import { html, nothing, type TemplateResult } from 'lit';
import { AudioQualities, Formats, Qualities, Resolutions } from '../options.js';
import type { UploadProgress } from '../upload/uploader.js';
import type { OptionValues } from './attributes.js';
import type { DeviceChoice } from './devices-controller.js';
import type { Exporter, ExportJob } from './exporter.js';
import type { Strings } from './strings.js';

// Panels of the element's template: they render the values they are given and report changes back.

export type PickersModel = {
  cameras: DeviceChoice[];
  microphones: DeviceChoice[];
  camera: string;
  microphone: string;
  pick(kind: 'video' | 'audio', deviceId: string): void;
};

export function pickersView(s: Strings, m: PickersModel): TemplateResult {
  const select = (kind: 'video' | 'audio', label: string, list: DeviceChoice[], value: string) =>
    html`<label
      >${label}
      <select class="picker-${kind}" @change=${(e: Event) => m.pick(kind, (e.target as HTMLSelectElement).value)}>
        ${list.map((d, i) => html`<option value=${d.deviceId} ?selected=${d.deviceId === value}>${d.label || s.deviceFallback(kind === 'video' ? 'camera' : 'microphone', i + 1)}</option>`)}
      </select></label
    >`;
  return html`<div part="pickers" class="pickers">
    ${m.cameras.length ? select('video', s.camera, m.cameras, m.camera) : nothing}
    ${m.microphones.length ? select('audio', s.microphone, m.microphones, m.microphone) : nothing}
  </div>`;
}

type SettingName = 'format' | 'quality' | 'resolution' | 'framerate' | 'audioBitrate' | 'countdown' | 'mirror';

export type SettingsModel = {
  live: boolean;
  values: Pick<OptionValues, SettingName | 'video' | 'audio'>;
  /** A raw value from a control; the element validates it like an attribute. */
  set(name: SettingName, value: string | boolean): void;
};

export function settingsView(s: Strings, m: SettingsModel): TemplateResult {
  const v = m.values;
  const set = (name: SettingName) => (e: Event) => {
    const t = e.target as HTMLInputElement | HTMLSelectElement;
    m.set(name, t instanceof HTMLInputElement && t.type === 'checkbox' ? t.checked : t.value);
  };
  const opt = (value: string | number, label: string, current: unknown) => html`<option value=${value} ?selected=${String(current) === String(value)}>${label}</option>`;
  return html`<details part="settings" class="settings">
    <summary>${s.settings}</summary>
    <div class="grid">
      <label>${s.format} <select class="set-format" ?disabled=${m.live} @change=${set('format')}>${Formats.map((f) => opt(f, s.formatNames[f], v.format))}</select></label>
      ${v.video
        ? html`<label>${s.quality} <select class="set-quality" ?disabled=${m.live} @change=${set('quality')}>${Qualities.map((q) => opt(q, s.qualityNames[q], v.quality))}</select></label>
            <label
              >${s.resolution}
              <select class="set-resolution" ?disabled=${m.live} @change=${set('resolution')}>${Object.keys(Resolutions).map((r) => opt(r, r, v.resolution))}</select></label
            >
            <label
              >${s.frameRate}
              <select class="set-framerate" ?disabled=${m.live} @change=${set('framerate')}>
                ${[...new Set([15, 24, 30, 60, v.framerate])].sort((a, b) => a - b).map((f) => opt(f, String(f), v.framerate))}
              </select></label
            >`
        : nothing}
      ${v.audio
        ? html`<label
            >${s.audioQuality}
            <select class="set-audio" ?disabled=${m.live} @change=${set('audioBitrate')}>
              ${Object.keys(AudioQualities).map((q) => opt(q, s.audioQualityNames[q as keyof typeof AudioQualities], v.audioBitrate))}
              ${typeof v.audioBitrate === 'number' ? opt(v.audioBitrate, `${Math.round(v.audioBitrate / 1000)} kbit/s`, v.audioBitrate) : nothing}
            </select></label
          >`
        : nothing}
      <label
        >${s.countdownSetting}
        <select class="set-countdown" ?disabled=${m.live} @change=${set('countdown')}>${[0, 3, 5, 10].map((n) => opt(n, n ? s.seconds(n) : s.noCountdown, v.countdown))}</select></label
      >
      ${v.video ? html`<label class="check"><input type="checkbox" class="set-mirror" .checked=${v.mirror} @change=${set('mirror')} /> ${s.mirrorPreview}</label>` : nothing}
    </div>
  </details>`;
}

export function uploadView(s: Strings, p: UploadProgress): TemplateResult {
  const text =
    p.state === 'complete'
      ? s.uploaded
      : p.state === 'failed'
        ? s.uploadFailed
        : p.state === 'offline'
          ? s.uploadOffline
          : p.state === 'retrying'
            ? s.uploadRetrying
            : p.state === 'verifying'
              ? s.uploadVerifying
              : s.uploading(p.percent);
  return html`<div part="upload" class="upload">
    <progress part="progress" max="100" .value=${p.state === 'complete' ? 100 : p.percent} aria-label=${s.upload}></progress>
    <span class="upload-text">${text}</span>
  </div>`;
}

/** Export target picker, progress and cancel, and the exported file's download link. */
export function exportView(s: Strings, exporter: Exporter, job: ExportJob | null, start: (targetId: string) => void): TemplateResult {
  return html`<div part="export" class="export">
    <label>${s.exportAs} <select class="export-target" ?disabled=${job?.state === 'running'}>${exporter.targets.map((t) => html`<option value=${t.id}>${t.label}</option>`)}</select></label>
    ${job?.state === 'running'
      ? html`<progress part="progress" max="1" .value=${job.progress} aria-label=${s.exporting(job.progress * 100)}></progress>
          <button part="button" class="cancel-export" @click=${() => job.controller.abort()}>${s.exportCancel}</button>`
      : html`<button part="button" class="export-start" @click=${(e: Event) => start(((e.target as HTMLElement).parentElement!.querySelector('.export-target') as HTMLSelectElement).value)}>${s.export}</button>`}
    ${job?.state === 'done' && job.url ? html`<a part="button" class="export-download" href=${job.url} download=${job.fileName ?? ''}>${s.download} (${job.target.label})</a>` : nothing}
    ${job?.state === 'cancelled' ? html`<span class="export-note">${s.exportCancelled}</span>` : nothing}
  </div>`;
}
