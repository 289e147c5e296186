/** Options of the optional tus upload (`RecorderOptions.upload`), validated like every other option. */

/** What a request hook sees: the request about to go out. */
export type UploadRequestInfo = { method: string; url: string };

export type UploadOptions = {
  /** tus creation endpoint, e.g. `https://uploads.example.com/files/`. */
  endpoint: string;
  /** Headers sent with every request (e.g. `Authorization`). */
  headers?: Record<string, string>;
  /**
   * Called before each request; headers it returns are set on that request (e.g. a refreshed
   * auth token). It may be async: the request waits for it.
   */
  beforeRequest?: (request: UploadRequestInfo) => void | Record<string, string> | Promise<void | Record<string, string>>;
  /** App fields sent as tus metadata along with file name, type, recording id and format. */
  metadata?: Record<string, string>;
  /** Largest PATCH body, bytes (default 8 MiB). */
  chunkSize?: number;
  /** Milliseconds to wait before each retry of a failed request; the last one repeats while the fault lasts. */
  retryDelays?: number[];
  /**
   * Uploads this instead of the live file: called with the finished recording, its result is
   * uploaded after stop (nothing goes out while recording).
   */
  export?: (file: File) => Blob | Promise<Blob>;
  /** Delete the recording from IndexedDB once the server's copy is verified (default false). */
  deleteLocalAfterUpload?: boolean;
};

export type ResolvedUpload = Required<Pick<UploadOptions, 'endpoint' | 'headers' | 'metadata' | 'chunkSize' | 'retryDelays' | 'deleteLocalAfterUpload'>> &
  Pick<UploadOptions, 'beforeRequest' | 'export'>;

export const UPLOAD_DEFAULTS = { chunkSize: 8 << 20, retryDelays: [0, 1000, 3000, 5000, 10_000] } as const;

const KEYS = ['endpoint', 'headers', 'beforeRequest', 'metadata', 'chunkSize', 'retryDelays', 'export', 'deleteLocalAfterUpload'] as const;

function stringRecord(v: unknown, path: string): Record<string, string> {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) {
    throw new TypeError(`${path} must be an object of string values (got ${JSON.stringify(v) ?? String(v)})`);
  }
  return { ...(v as Record<string, string>) };
}

/** Validates `options.upload`; `undefined`/`false` mean no upload (the recorder never touches the network). */
export function resolveUpload(v: unknown): ResolvedUpload | false {
  if (v === undefined || v === false) return false;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new TypeError(`options.upload must be an object or false (got ${JSON.stringify(v)})`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!(KEYS as readonly string[]).includes(k)) throw new TypeError(`options.upload.${k} is not a known option (known: ${KEYS.join(', ')})`);
  let endpoint: string;
  try {
    if (typeof o.endpoint !== 'string') throw new Error();
    endpoint = new URL(o.endpoint, globalThis.location?.href).href;
    if (!/^https?:$/.test(new URL(endpoint).protocol)) throw new Error();
  } catch {
    throw new TypeError(`options.upload.endpoint must be an http(s) URL (got ${JSON.stringify(o.endpoint) ?? String(o.endpoint)})`);
  }
  const fn = (k: 'beforeRequest' | 'export') => {
    if (o[k] !== undefined && typeof o[k] !== 'function') throw new TypeError(`options.upload.${k} must be a function (got ${typeof o[k]})`);
    return o[k] as never;
  };
  const chunkSize = o.chunkSize ?? UPLOAD_DEFAULTS.chunkSize;
  if (typeof chunkSize !== 'number' || !Number.isInteger(chunkSize) || chunkSize < 64 << 10 || chunkSize > 1 << 30) {
    throw new TypeError(`options.upload.chunkSize must be an integer from 65536 to 1073741824 (got ${JSON.stringify(chunkSize)})`);
  }
  const retryDelays = o.retryDelays ?? [...UPLOAD_DEFAULTS.retryDelays];
  if (!Array.isArray(retryDelays) || !retryDelays.length || retryDelays.some((d) => typeof d !== 'number' || !Number.isFinite(d) || d < 0 || d > 600_000)) {
    throw new TypeError(`options.upload.retryDelays must be a non-empty array of milliseconds from 0 to 600000 (got ${JSON.stringify(retryDelays)})`);
  }
  const del = o.deleteLocalAfterUpload ?? false;
  if (typeof del !== 'boolean') throw new TypeError(`options.upload.deleteLocalAfterUpload must be a boolean (got ${JSON.stringify(del)})`);
  return {
    endpoint,
    headers: stringRecord(o.headers, 'options.upload.headers'),
    beforeRequest: fn('beforeRequest'),
    metadata: stringRecord(o.metadata, 'options.upload.metadata'),
    chunkSize,
    retryDelays: [...(retryDelays as number[])],
    export: fn('export'),
    deleteLocalAfterUpload: del,
  };
}
