import type { RecorderError } from '../errors.js';
import type { Recording, RecorderState } from '../recorder.js';
import type { RecoveryReport } from '../store/recovery.js';
import type { UploadProgress, UploadResult } from '../upload/uploader.js';
import type { InpageRecorderElement } from './inpage-recorder.js';

/** Events of `<inpage-recorder>` (all bubble and cross shadow roots). */
export type InpageRecorderEventMap = {
  'ipr-statechange': CustomEvent<{ state: RecorderState; previous: RecorderState }>;
  'ipr-start': CustomEvent<{ id: string }>;
  'ipr-pause': CustomEvent<{ id: string }>;
  'ipr-resume': CustomEvent<{ id: string }>;
  'ipr-stop': CustomEvent<Recording>;
  'ipr-error': CustomEvent<RecorderError>;
  'ipr-limit': CustomEvent<{ limit: 'duration' | 'size'; value: number }>;
  'ipr-silence': CustomEvent<{ seconds: number }>;
  'ipr-download': CustomEvent<{ id: string; fileName: string }>;
  'ipr-delete': CustomEvent<{ id: string }>;
  'ipr-rename': CustomEvent<{ id: string; name: string }>;
  'ipr-recovered': CustomEvent<RecoveryReport[]>;
  'ipr-uploadprogress': CustomEvent<UploadProgress>;
  'ipr-uploadcomplete': CustomEvent<UploadResult>;
};

declare global {
  interface HTMLElementTagNameMap {
    'inpage-recorder': InpageRecorderElement;
  }
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface GlobalEventHandlersEventMap extends InpageRecorderEventMap {}
}
