import { InpageRecorderElement } from './inpage-recorder.js';

/** Registers `<inpage-recorder>` unless a tag of that name already exists. */
export function defineInpageRecorder(tag = 'inpage-recorder'): void {
  if (typeof customElements !== 'undefined' && !customElements.get(tag)) customElements.define(tag, class extends InpageRecorderElement {});
}
