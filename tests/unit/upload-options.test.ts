import { describe, expect, test } from 'vitest';
import { resolveOptions } from '../../src/options.js';
import { holdBackFrom } from '../../src/upload/recording-source.js';
import { resolveUpload, UPLOAD_DEFAULTS } from '../../src/upload/upload-options.js';

function throwsNaming(fn: () => unknown, path: string): void {
  let message = '';
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TypeError);
    message = (e as Error).message;
  }
  expect(message.startsWith(`${path} `), `message "${message}" should name ${path}`).toBe(true);
}

describe('upload options', () => {
  test('off unless given: no endpoint, no network', () => {
    expect(resolveOptions().upload).toBe(false);
    expect(resolveOptions({ upload: false }).upload).toBe(false);
  });

  test('defaults: 8 MiB chunks, retry delays ending in a repeatable back-off, local copy kept', () => {
    const u = resolveUpload({ endpoint: 'https://up.example.com/files/' });
    expect(u).toMatchObject({ endpoint: 'https://up.example.com/files/', headers: {}, metadata: {}, chunkSize: UPLOAD_DEFAULTS.chunkSize, deleteLocalAfterUpload: false });
    expect(u && u.retryDelays).toEqual([0, 1000, 3000, 5000, 10_000]);
  });

  test('keeps headers, metadata and hooks', () => {
    const beforeRequest = async () => ({ Authorization: 'Bearer fresh' });
    const u = resolveUpload({ endpoint: 'http://127.0.0.1:1080/files/', headers: { Authorization: 'Bearer x' }, metadata: { course: '7' }, beforeRequest, chunkSize: 1 << 20, retryDelays: [0, 50] });
    expect(u && [u.headers, u.metadata, u.beforeRequest, u.chunkSize, u.retryDelays]).toEqual([{ Authorization: 'Bearer x' }, { course: '7' }, beforeRequest, 1 << 20, [0, 50]]);
  });

  test('malformed options throw TypeErrors naming the option', () => {
    throwsNaming(() => resolveOptions({ upload: 'https://x' }), 'options.upload');
    throwsNaming(() => resolveOptions({ upload: { endpoint: 'ftp://x/' } }), 'options.upload.endpoint');
    throwsNaming(() => resolveOptions({ upload: {} }), 'options.upload.endpoint');
    throwsNaming(() => resolveOptions({ upload: { endpoint: 'https://x/', headers: { a: 1 } } }), 'options.upload.headers');
    throwsNaming(() => resolveOptions({ upload: { endpoint: 'https://x/', metadata: [] } }), 'options.upload.metadata');
    throwsNaming(() => resolveOptions({ upload: { endpoint: 'https://x/', chunkSize: 100 } }), 'options.upload.chunkSize');
    throwsNaming(() => resolveOptions({ upload: { endpoint: 'https://x/', retryDelays: [] } }), 'options.upload.retryDelays');
    throwsNaming(() => resolveOptions({ upload: { endpoint: 'https://x/', retryDelays: [-1] } }), 'options.upload.retryDelays');
    throwsNaming(() => resolveOptions({ upload: { endpoint: 'https://x/', beforeRequest: 'x' } }), 'options.upload.beforeRequest');
    throwsNaming(() => resolveOptions({ upload: { endpoint: 'https://x/', export: 1 } }), 'options.upload.export');
    throwsNaming(() => resolveOptions({ upload: { endpoint: 'https://x/', deleteLocalAfterUpload: 'yes' } }), 'options.upload.deleteLocalAfterUpload');
    throwsNaming(() => resolveOptions({ upload: { endpoint: 'https://x/', resume: true } }), 'options.upload.resume');
  });
});

describe('what may be uploaded while recording', () => {
  test('fragmented MP4 is final as stored; WebM only once finalize has rewritten its header', () => {
    expect(holdBackFrom('mp4')).toBe(Number.POSITIVE_INFINITY);
    expect(holdBackFrom('webm')).toBe(0);
  });
});
