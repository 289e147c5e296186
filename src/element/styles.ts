import { css } from 'lit';

// Colours come from --ipr-* custom properties with light and dark defaults; every default pair
// meets WCAG AA contrast (4.5:1 for text, 3:1 for focus rings and the meter).
export const styles = css`
  :host {
    --_bg: var(--ipr-bg, #ffffff);
    --_fg: var(--ipr-fg, #161616);
    --_muted: var(--ipr-muted, #525252);
    --_border: var(--ipr-border, #8d8d8d);
    --_accent: var(--ipr-accent, #b00000);
    --_record: var(--ipr-record-bg, var(--ipr-accent, #b00000));
    --_focus: var(--ipr-focus, var(--ipr-accent, #0f62fe));
    --_error: var(--ipr-error, #a2191f);
    --_warn-bg: var(--ipr-warning-bg, #fcf4d6);
    --_warn-fg: var(--ipr-warning-fg, #3d2b00);
    --_meter: var(--ipr-meter, #198038);
    --_radius: var(--ipr-radius, 8px);
    display: block;
    max-width: 720px;
    font: var(--ipr-font, 15px/1.45 system-ui, sans-serif);
    color: var(--_fg);
    background: var(--_bg);
    border-radius: var(--_radius);
    padding: 12px;
    box-sizing: border-box;
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --_bg: var(--ipr-bg, #1b1b1b);
      --_fg: var(--ipr-fg, #f2f2f2);
      --_muted: var(--ipr-muted, #c6c6c6);
      --_border: var(--ipr-border, #8d8d8d);
      --_record: var(--ipr-record-bg, var(--ipr-accent, #b00000));
      --_focus: var(--ipr-focus, var(--ipr-accent, #78a9ff));
      --_error: var(--ipr-error, #ffb3b8);
      --_warn-bg: var(--ipr-warning-bg, #3d2b00);
      --_warn-fg: var(--ipr-warning-fg, #fddc69);
      --_meter: var(--ipr-meter, #42be65);
    }
  }
  [hidden] {
    display: none !important;
  }
  .stage {
    position: relative;
    background: #000;
    border-radius: var(--_radius);
    overflow: hidden;
    aspect-ratio: 16 / 9;
  }
  .stage video {
    display: block;
    width: 100%;
    height: 100%;
    object-fit: contain;
    background: #000;
  }
  video.mirror {
    transform: scaleX(-1);
  }
  .placeholder {
    position: absolute;
    inset: 0;
    display: grid;
    place-items: center;
    color: #f2f2f2;
    text-align: center;
    padding: 1em;
  }
  .countdown {
    position: absolute;
    inset: 0;
    display: grid;
    place-items: center;
    font-size: 5rem;
    font-weight: 700;
    color: #fff;
    text-shadow: 0 0 12px #000;
  }
  .rec-dot {
    position: absolute;
    top: 10px;
    left: 10px;
    width: 14px;
    height: 14px;
    border-radius: 50%;
    background: #ff3b30;
    box-shadow: 0 0 0 2px #fff;
  }
  .rec-dot.paused {
    background: #f1c21b;
  }
  .meter {
    height: 8px;
    margin-top: 8px;
    border: 1px solid var(--_border);
    border-radius: 4px;
    overflow: hidden;
  }
  .meter .bar {
    height: 100%;
    background: var(--_meter);
    transition: width 80ms linear;
  }
  .meter.silent {
    border-color: var(--_error);
  }
  .controls,
  .actions,
  .pickers,
  .export,
  .upload {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 8px;
    padding: 8px 0;
  }
  button,
  a[part~='button'],
  select,
  input[type='text'],
  summary {
    font: inherit;
    color: inherit;
  }
  button,
  a[part~='button'] {
    display: inline-block;
    padding: 6px 14px;
    min-height: 36px;
    box-sizing: border-box;
    border-radius: 6px;
    border: 1px solid var(--_border);
    background: transparent;
    cursor: pointer;
    text-decoration: none;
    line-height: 22px;
  }
  button:disabled,
  button[aria-disabled='true'] {
    cursor: default;
    opacity: 0.6;
  }
  button.record {
    background: var(--_record);
    border-color: var(--_record);
    color: #fff;
  }
  button.danger {
    border-color: var(--_error);
    color: var(--_error);
  }
  select,
  input[type='text'] {
    padding: 4px 6px;
    border: 1px solid var(--_border);
    border-radius: 4px;
    background: var(--_bg);
  }
  :focus-visible {
    outline: 3px solid var(--_focus);
    outline-offset: 2px;
  }
  .timer,
  .size {
    font-variant-numeric: tabular-nums;
    color: var(--_muted);
  }
  .timer {
    color: var(--_fg);
    font-weight: 600;
  }
  .status p,
  .error-box p {
    margin: 4px 0;
  }
  .state {
    color: var(--_muted);
  }
  .warning,
  .banner {
    background: var(--_warn-bg);
    color: var(--_warn-fg);
    padding: 8px 10px;
    border-radius: 6px;
  }
  .banner {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
    align-items: center;
    margin-bottom: 8px;
  }
  .banner p {
    margin: 0;
    flex: 1 1 16em;
  }
  .error {
    color: var(--_error);
    font-weight: 600;
  }
  .error-box:empty {
    display: none;
  }
  .pickers label,
  .grid label {
    display: inline-flex;
    gap: 6px;
    align-items: center;
  }
  .settings {
    margin: 8px 0;
  }
  .settings summary {
    cursor: pointer;
    padding: 4px 0;
  }
  .grid {
    display: flex;
    flex-wrap: wrap;
    gap: 8px 16px;
    padding: 8px 0;
  }
  progress {
    flex: 1 1 12em;
    height: 10px;
  }
  h2 {
    font-size: 1.05em;
    margin: 16px 0 8px;
  }
  .items {
    list-style: none;
    margin: 0;
    padding: 0;
  }
  .item {
    display: grid;
    grid-template-columns: 96px 1fr;
    gap: 4px 12px;
    align-items: center;
    padding: 8px 0;
    border-top: 1px solid var(--_border);
  }
  .item .actions {
    grid-column: 1 / -1;
    padding: 0;
  }
  .thumb {
    width: 96px;
    aspect-ratio: 16 / 9;
    object-fit: cover;
    border-radius: 4px;
    background: #333;
    display: block;
  }
  .info {
    display: flex;
    flex-direction: column;
    min-width: 0;
  }
  .name {
    font-weight: 600;
    overflow-wrap: anywhere;
  }
  .meta,
  .storage,
  .empty {
    color: var(--_muted);
  }
  .badge {
    display: inline-block;
    padding: 0 6px;
    border: 1px solid currentColor;
    border-radius: 10px;
    font-size: 0.85em;
  }
  .diagnostics dl {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(210px, 1fr));
    gap: 4px 16px;
    margin: 0;
  }
  .diagnostics .row {
    display: flex;
    justify-content: space-between;
    gap: 8px;
    border-bottom: 1px dotted var(--_border);
  }
  .diagnostics dt {
    color: var(--_muted);
  }
  .diagnostics dd {
    margin: 0;
    font-variant-numeric: tabular-nums;
  }
  @media (prefers-reduced-motion: reduce) {
    .meter .bar {
      transition: none;
    }
  }
`;
