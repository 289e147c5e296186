/** Stable error codes. Apps switch on these; the message is for people. */
export const ErrorCode = {
  PermissionDenied: 'permission-denied',
  NoDevice: 'no-device',
  DeviceBusy: 'device-busy',
  InvalidOptions: 'invalid-options',
  CodecUnsupported: 'codec-unsupported',
  InvalidState: 'invalid-state',
  TrackEnded: 'track-ended',
  EncoderFailed: 'encoder-failed',
  StorageFailed: 'storage-failed',
  StorageQuota: 'storage-quota',
  Unsupported: 'unsupported',
  Aborted: 'aborted',
  NotFound: 'not-found',
  /** The upload server refused the credentials (401/403); the recording stays local. */
  UploadUnauthorized: 'upload-unauthorized',
  /** The upload server refused the size (413); the recording stays local. */
  UploadTooLarge: 'upload-too-large',
  /** The upload failed for good or did not verify; the recording stays local. */
  UploadFailed: 'upload-failed',
  /** The input is larger than the export engine can hold; `details` has the size and the limit. Download the original instead. */
  ExportTooLarge: 'export-too-large',
  /** The export failed or its engine crashed; the original is untouched. `details.log` has the engine's last lines. */
  ExportFailed: 'export-failed',
  /** This page cannot run the export engine (e.g. its CSP forbids WebAssembly); recording and download still work. */
  ExportUnavailable: 'export-unavailable',
  Internal: 'internal',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The one error class of inpage-recorder: a stable `code` plus a message a person can act on. */
export class RecorderError extends Error {
  override readonly name = 'RecorderError';
  readonly code: ErrorCode;
  /** Extra machine-readable facts (e.g. the codecs this browser can encode). */
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details;
  }

  /** Plain form that survives postMessage. */
  toJSON(): SerializedError {
    return { name: this.name, code: this.code, message: this.message, details: this.details };
  }

  static fromJSON(e: SerializedError): RecorderError {
    return new RecorderError(e.code, e.message, { details: e.details });
  }
}

export type SerializedError = { name: 'RecorderError'; code: ErrorCode; message: string; details?: Record<string, unknown> };

/** Wraps anything thrown into a RecorderError, keeping RecorderErrors as they are. */
export function toRecorderError(e: unknown, fallback: ErrorCode = ErrorCode.Internal, context?: string): RecorderError {
  if (e instanceof RecorderError) return e;
  const name = (e as { name?: string } | null)?.name;
  const msg = e instanceof Error ? e.message : String(e);
  if (name === 'QuotaExceededError') {
    return new RecorderError(ErrorCode.StorageQuota, 'The disk is full or the site ran out of storage quota, so recording stopped. Everything recorded so far is kept. Free some space and try again.', { cause: e });
  }
  return new RecorderError(fallback, context ? `${context}: ${msg}` : msg, { cause: e });
}

/** Maps getUserMedia failures to codes with messages a person can act on. */
export function mediaAccessError(e: unknown, what: string): RecorderError {
  const name = (e as { name?: string } | null)?.name ?? '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return new RecorderError(ErrorCode.PermissionDenied, `${what} permission was denied. Allow it in the browser's address bar (site settings) and try again.`, { cause: e });
    case 'NotFoundError':
    case 'OverconstrainedError':
      return new RecorderError(ErrorCode.NoDevice, `No ${what.toLowerCase()} matching the request was found. Connect one, or pick another device, and try again.`, { cause: e });
    case 'NotReadableError':
    case 'AbortError':
      return new RecorderError(ErrorCode.DeviceBusy, `The ${what.toLowerCase()} could not be opened; another application may be using it. Close it and try again.`, { cause: e });
    case 'TypeError':
      return new RecorderError(ErrorCode.Unsupported, 'Camera and microphone need a secure page (https or localhost).', { cause: e });
    default:
      return toRecorderError(e, ErrorCode.Internal, `Opening the ${what.toLowerCase()} failed`);
  }
}
