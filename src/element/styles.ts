import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
    max-width: 640px;
    font: 14px/1.4 system-ui, sans-serif;
    color: var(--ipr-fg, #111);
    background: var(--ipr-bg, #fff);
    border-radius: var(--ipr-radius, 8px);
  }
  @media (prefers-color-scheme: dark) {
    :host {
      color: var(--ipr-fg, #eee);
      background: var(--ipr-bg, #1b1b1b);
    }
  }
  video {
    width: 100%;
    aspect-ratio: 16 / 9;
    background: #000;
    border-radius: var(--ipr-radius, 8px);
    object-fit: contain;
  }
  video.mirror {
    transform: scaleX(-1);
  }
  .controls {
    display: flex;
    gap: 8px;
    padding: 8px 0;
  }
  button,
  a {
    font: inherit;
    padding: 6px 14px;
    border-radius: 6px;
    border: 1px solid currentColor;
    background: transparent;
    color: inherit;
    cursor: pointer;
    text-decoration: none;
  }
  .record {
    background: var(--ipr-record-bg, var(--ipr-accent, #c00));
    border-color: var(--ipr-record-bg, var(--ipr-accent, #c00));
    color: #fff;
  }
  button:focus-visible,
  a:focus-visible {
    outline: 3px solid var(--ipr-focus, var(--ipr-accent, #c00));
    outline-offset: 2px;
  }
  .error {
    color: var(--ipr-error, #b00020);
  }
`;
