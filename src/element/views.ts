import { html, nothing, type TemplateResult } from 'lit';
import type { RecorderStats } from '../stats.js';
import type { RecordingInfo, StorageInfo } from '../store/recordings-library.js';
import { formatBytes, formatDate, formatDuration } from './format.js';
import type { Strings } from './strings.js';

// Pieces of the element's template that only render what they are given and report clicks back.

export type LibraryViewModel = {
  items: RecordingInfo[];
  thumbs: Map<string, string | null>;
  storage: StorageInfo;
  renaming: string | null;
  confirmDelete: string | null;
  busy: boolean;
};

export type LibraryActions = {
  play(r: RecordingInfo): void;
  download(r: RecordingInfo): void;
  startRename(r: RecordingInfo): void;
  rename(r: RecordingInfo, name: string): void;
  cancelRename(): void;
  askDelete(r: RecordingInfo): void;
  delete(r: RecordingInfo): void;
  cancelDelete(): void;
};

/** Ids in the shadow root must not start with a digit for some selectors; recording ids are UUIDs. */
const domId = (prefix: string, id: string) => `${prefix}-${id}`;

function badge(s: Strings, r: RecordingInfo): TemplateResult | typeof nothing {
  const label =
    r.state === 'interrupted' ? s.stateInterrupted : r.state === 'recovered' ? s.stateRecovered : r.state === 'failed' ? s.stateFailedShort : r.state === 'complete' ? null : s.stateLive;
  return label ? html`<span class="badge" part="badge">${label}</span>` : nothing;
}

export function libraryView(s: Strings, m: LibraryViewModel, a: LibraryActions): TemplateResult {
  const left = m.storage.quota !== null && m.storage.usage !== null ? formatBytes(m.storage.quota - m.storage.usage) : null;
  return html`
    <section part="library" class="library" aria-labelledby="library-heading">
      <h2 id="library-heading">${s.library}</h2>
      ${m.items.length
        ? html`<ul class="items" role="list">
            ${m.items.map((r) => {
              const playable = r.state === 'complete' || r.state === 'recovered' || r.state === 'interrupted';
              const nameId = domId('name', r.id);
              const thumb = m.thumbs.get(r.id);
              return html`<li part="library-item" class="item" data-id=${r.id}>
                ${thumb ? html`<img part="thumbnail" class="thumb" src=${thumb} alt="" />` : html`<span part="thumbnail" class="thumb none" aria-hidden="true"></span>`}
                <div class="info">
                  ${m.renaming === r.id
                    ? html`<input
                        class="rename-input"
                        type="text"
                        .value=${r.name}
                        aria-label=${s.newName(r.name)}
                        maxlength="200"
                        @keydown=${(e: KeyboardEvent) => {
                          if (e.key === 'Enter') a.rename(r, (e.target as HTMLInputElement).value);
                          else if (e.key === 'Escape') a.cancelRename();
                        }}
                      />`
                    : html`<span class="name" id=${nameId}>${r.name}</span>`}
                  <span class="meta">${formatDuration(r.durationMs)} · ${formatBytes(r.bytes)} · ${formatDate(r.createdAt)} ${badge(s, r)}</span>
                </div>
                <div class="actions">
                  ${m.renaming === r.id
                    ? html`<button part="button" @click=${(e: Event) => a.rename(r, ((e.target as HTMLElement).closest('li')!.querySelector('.rename-input') as HTMLInputElement).value)}>${s.save}</button>
                        <button part="button" @click=${a.cancelRename}>${s.cancel}</button>`
                    : m.confirmDelete === r.id
                      ? html`<span class="question">${s.deleteQuestion(r.name)}</span>
                          <button part="button danger" class="danger confirm-delete" @click=${() => a.delete(r)}>${s.confirmDelete}</button>
                          <button part="button" @click=${a.cancelDelete}>${s.keep}</button>`
                      : html`<button part="button" class="play" aria-describedby=${nameId} ?disabled=${!playable || m.busy} @click=${() => a.play(r)}>${s.play}</button>
                          <button part="button" class="download" aria-describedby=${nameId} ?disabled=${!playable || m.busy} @click=${() => a.download(r)}>${s.download}</button>
                          <button part="button" class="rename" aria-describedby=${nameId} ?disabled=${m.busy} @click=${() => a.startRename(r)}>${s.rename}</button>
                          <button part="button" class="delete" aria-describedby=${nameId} ?disabled=${m.busy || r.state === 'recording'} @click=${() => a.askDelete(r)}>${s.delete}</button>`}
                </div>
              </li>`;
            })}
          </ul>`
        : html`<p class="empty"><slot name="library-empty">${s.libraryEmpty}</slot></p>`}
      <p class="storage">${s.storageUsed(formatBytes(m.storage.usage), left)}</p>
    </section>
  `;
}

export type DiagnosticsModel = {
  stats: RecorderStats;
  fpsIn: number | null;
  fpsOut: number | null;
  storage: StorageInfo;
  codecs: string | null;
};

export function diagnosticsView(s: Strings, m: DiagnosticsModel): TemplateResult {
  const d = s.diag;
  const st = m.stats;
  const num = (v: number | null | undefined, digits = 1, unit = '') => (v === null || v === undefined || !Number.isFinite(v) ? d.unknown : `${v.toFixed(digits)}${unit}`);
  const left = m.storage.quota !== null && m.storage.usage !== null ? m.storage.quota - m.storage.usage : null;
  const rows: [string, string][] = [
    [d.fpsIn, num(m.fpsIn)],
    [d.fpsOut, num(m.fpsOut)],
    [d.dropped, String(st.framesDropped)],
    [d.queue, `${st.videoQueue} / ${st.audioQueue}`],
    [d.offset, num(st.syncOffsetMs, 1, ' ms')],
    [d.drift, num(st.audioDriftPpm, 0, ' ppm')],
    [d.clock, st.audioClock],
    [d.stored, formatBytes(st.bytesStored)],
    [d.pending, formatBytes(st.bytesPending)],
    [d.storageUsed, formatBytes(m.storage.usage)],
    [d.storageLeft, `${formatBytes(left)}${st.storageMinutesLeft !== null ? ` (≈ ${Math.floor(st.storageMinutesLeft)} min)` : ''}`],
    [d.codecs, m.codecs ?? d.unknown],
  ];
  return html`<section part="diagnostics" class="diagnostics" aria-labelledby="diag-heading">
    <h2 id="diag-heading">${s.diagnostics}</h2>
    <dl>${rows.map(([k, v]) => html`<div class="row"><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>
  </section>`;
}
