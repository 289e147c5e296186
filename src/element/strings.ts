import type { ErrorCode } from '../errors.js';

/**
 * Every word `<inpage-recorder>` shows, in one place. Translate by assigning a partial object to
 * `element.strings` (missing keys fall back to these). Functions receive already formatted values.
 */
export const defaultStrings = {
  // controls
  cameraOn: 'Turn on camera',
  microphoneOn: 'Turn on microphone',
  record: 'Record',
  pause: 'Pause',
  resume: 'Resume',
  stop: 'Stop',
  cancelCountdown: 'Cancel',
  newRecording: 'New recording',
  download: 'Download',
  delete: 'Delete',
  confirmDelete: 'Yes, delete',
  keep: 'Keep',
  deleteQuestion: (name: string) => `Delete “${name}” for good?`,
  rename: 'Rename',
  save: 'Save',
  cancel: 'Cancel',
  play: 'Play',
  settings: 'Settings',
  camera: 'Camera',
  microphone: 'Microphone',
  format: 'Format',
  quality: 'Quality',
  resolution: 'Resolution',
  frameRate: 'Frame rate',
  audioQuality: 'Audio quality',
  mirrorPreview: 'Mirror the preview',
  countdownSetting: 'Countdown before recording',
  noCountdown: 'None',
  seconds: (n: number) => `${n} s`,
  qualityNames: { fast: 'Fast (smaller file)', balanced: 'Balanced', high: 'High', ultra: 'Ultra (largest file)' },
  audioQualityNames: { voice: 'Voice (64 kbit/s)', standard: 'Standard (128 kbit/s)', high: 'High (192 kbit/s)' },
  formatNames: { mp4: 'MP4 (H.264 + AAC)', webm: 'WebM (VP9 + Opus)' },
  deviceFallback: (kind: 'camera' | 'microphone', n: number) => `${kind === 'camera' ? 'Camera' : 'Microphone'} ${n}`,

  // labels and announcements
  preview: 'Camera preview',
  playback: 'Recording playback',
  noPreview: 'Camera is off',
  audioOnlyPreview: 'Recording sound only',
  level: 'Microphone level',
  levelText: (db: number) => (Number.isFinite(db) && db > -90 ? `${Math.round(db)} dB` : 'silent'),
  elapsed: 'Elapsed time',
  size: 'Size',
  stateIdle: 'Ready',
  statePreview: 'Camera on, not recording',
  stateStarting: 'Starting…',
  stateRecording: 'Recording',
  statePaused: 'Paused',
  stateStopping: 'Saving…',
  stateStopped: 'Recording saved',
  stateFailed: 'Recording failed',
  countdown: (n: number) => `Recording starts in ${n}`,
  silence: (s: number) => `No sound from the microphone for ${s} s. Check that it is not muted, or pick another microphone.`,
  limitDuration: (t: string) => `Stopped at the ${t} limit.`,
  limitSize: (s: string) => `Stopped at the ${s} size limit.`,
  storageLow: (minutes: number) => `Storage is nearly full: about ${Math.max(0, Math.floor(minutes))} more minutes fit. Download and delete older recordings to make room.`,
  saved: (name: string) => `Saved “${name}”.`,
  dismiss: 'Dismiss',

  // after stop
  upload: 'Upload',
  uploading: (pct: number) => `Uploading ${Math.round(pct)} %`,
  uploaded: 'Uploaded and verified',
  uploadFailed: 'Upload failed; the recording is kept here',
  uploadOffline: 'Offline: the upload resumes when the network is back',
  uploadRetrying: 'Upload interrupted; retrying',
  uploadVerifying: 'Checking the upload',
  export: 'Export',
  exportAs: 'Export as',
  exporting: (pct: number) => `Exporting ${Math.round(pct)} %`,
  exportDone: 'Export ready',
  exportCancel: 'Cancel export',
  exportCancelled: 'Export cancelled',

  // library
  library: 'Recordings',
  libraryEmpty: 'No recordings yet.',
  libraryItem: (name: string) => `Recording ${name}`,
  newName: (name: string) => `New name for ${name}`,
  storageUsed: (used: string, left: string | null) => (left ? `Storage: ${used} used, ${left} free` : `Storage: ${used} used`),
  stateInterrupted: 'interrupted',
  stateRecovered: 'recovered',
  stateFailedShort: 'failed',
  stateLive: 'recording now',
  recoveryBanner: (n: number) => (n === 1 ? 'One recording was interrupted (the tab closed or crashed). It can be recovered up to its last second.' : `${n} recordings were interrupted (the tab closed or crashed). They can be recovered up to their last second.`),
  recover: 'Recover',
  recovering: 'Recovering…',
  recovered: (n: number, lostMs: number) => `${n === 1 ? 'Recovered one recording' : `Recovered ${n} recordings`}${lostMs > 0 ? `; about ${(lostMs / 1000).toFixed(1)} s could not be saved` : ''}.`,

  // diagnostics
  diagnostics: 'Diagnostics',
  diag: {
    fpsIn: 'Frames per second in',
    fpsOut: 'Frames per second encoded',
    dropped: 'Dropped frames',
    queue: 'Encoder queue (video / audio)',
    offset: 'A/V offset',
    drift: 'Audio clock drift',
    stored: 'Bytes stored',
    pending: 'Bytes not yet stored',
    storageUsed: 'Storage used',
    storageLeft: 'Storage left',
    codecs: 'Codecs',
    clock: 'Audio clock',
    unknown: '–',
  },

  // errors: what happened and what to do, by RecorderError code
  errors: {
    'permission-denied': 'Camera or microphone permission was denied — allow it in the address bar (site settings) and try again.',
    'no-device': 'No camera or microphone was found — connect one, or pick another device, and try again.',
    'device-busy': 'The camera or microphone is in use by another application — close it and try again.',
    'invalid-options': 'These settings cannot be recorded — pick another format or quality and try again.',
    'codec-unsupported': 'This browser cannot record in this format — choose MP4 (or WebM) in Settings and try again.',
    'invalid-state': 'That cannot be done right now — wait a moment and try again.',
    'track-ended': 'The camera or microphone stopped (unplugged, or access was revoked). Everything recorded up to then is saved.',
    'encoder-failed': 'The video encoder failed. What was recorded is saved — try a lower resolution or quality.',
    'storage-failed': 'The recording could not be stored in this browser. Check that the site may store data (not a private window) and try again.',
    'storage-quota': 'Storage is full, so recording stopped. Everything recorded so far is saved — download and delete older recordings to make room.',
    unsupported: 'This browser cannot record here — use a current Chrome, Edge or Firefox on a secure (https) page.',
    aborted: 'The recording was cancelled.',
    'not-found': 'That recording no longer exists (it may have been deleted in another tab).',
    'upload-unauthorized': 'The upload server refused the upload (not signed in). The recording is kept here.',
    'upload-too-large': 'The recording is too large for the upload server. It is kept here — download it instead.',
    'upload-failed': 'The upload failed. The recording is kept here — download it, or try again later.',
    'export-too-large': 'The recording is too large to export in this browser. It is kept here — download the original instead.',
    'export-failed': 'The export failed. The recording is kept unchanged — download the original, or try another format.',
    'export-unavailable': 'This page cannot run the export engine (its security policy forbids WebAssembly). Recording and download still work.',
    internal: 'Something went wrong. Recordings made so far are kept — reload the page and try again.',
  } satisfies Record<ErrorCode, string>,
} as const;

type Widen<T> = T extends string ? string : T extends (...a: infer A) => infer R ? (...a: A) => Widen<R> : T extends object ? { [K in keyof T]: Widen<T[K]> } : T;

export type Strings = Widen<typeof defaultStrings>;
export type StringOverrides = { [K in keyof Strings]?: Strings[K] extends object ? (Strings[K] extends (...a: never[]) => unknown ? Strings[K] : Partial<Strings[K]>) : Strings[K] };

/** Merges overrides one level deep into the defaults (so `{ errors: { aborted: '…' } }` keeps the other errors). */
export function mergeStrings(overrides: StringOverrides | null | undefined): Strings {
  const out: Record<string, unknown> = { ...defaultStrings };
  for (const [k, v] of Object.entries(overrides ?? {})) {
    if (v === undefined) continue;
    const base = (defaultStrings as Record<string, unknown>)[k];
    out[k] = base && typeof base === 'object' && v && typeof v === 'object' ? { ...base, ...v } : v;
  }
  return out as Strings;
}
