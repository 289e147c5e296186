// The tus endpoint for development and tests: @tus/server with a file store under a project
// folder, explicit allowed origins and a size limit. Mounted at /files/ in `vite` dev and preview
// (so `npm start` uploads out of the box); tests also run it on its own loopback port.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FileStore } from '@tus/file-store';
import { Server } from '@tus/server';

/** Header the recorder sends with the request that declares the final length (tus metadata format). */
export const FINAL_METADATA_HEADER = 'Upload-Final-Metadata';

/** Parses tus metadata (`key base64,key base64`). */
export function parseMetadata(value) {
  const out = {};
  for (const pair of (value ?? '').split(',')) {
    const [k, v] = pair.trim().split(' ');
    if (k) out[k] = v ? Buffer.from(v, 'base64').toString('utf8') : '';
  }
  return out;
}

export function sha256File(path) {
  return new Promise((res, rej) => {
    const h = createHash('sha256');
    createReadStream(path).on('data', (d) => h.update(d)).on('end', () => res(h.digest('hex'))).on('error', rej);
  });
}

/**
 * A tus server storing uploads in `directory`. When an upload finishes it checks the SHA-256 the
 * recorder sent (Upload-Final-Metadata, or creation metadata) against the bytes it holds, answers
 * 460 if they differ, and writes `<id>.verified.json` beside the file.
 */
export function createTusServer({ directory, path = '/files', maxSize = 4 * 1024 ** 3, allowedOrigins = [], onFinish } = {}) {
  const dir = resolve(directory);
  return new Server({
    path,
    datastore: new FileStore({ directory: dir }),
    maxSize,
    allowedOrigins,
    allowedHeaders: ['Authorization', FINAL_METADATA_HEADER],
    respectForwardedHeaders: false,
    async onUploadFinish(req, upload) {
      const final = parseMetadata(req.headers.get(FINAL_METADATA_HEADER.toLowerCase()));
      const expected = final.sha256 ?? upload.metadata?.sha256 ?? null;
      const actual = await sha256File(join(dir, upload.id));
      const verified = { id: upload.id, size: upload.offset, sha256: actual, expected, matches: expected === null ? null : expected === actual, metadata: { ...upload.metadata, ...final } };
      await writeFile(join(dir, `${upload.id}.verified.json`), JSON.stringify(verified, null, 2));
      onFinish?.(verified);
      if (verified.matches === false) throw { status_code: 460, body: `Checksum mismatch: the file has SHA-256 ${actual}, the client sent ${expected}\n` };
      return {};
    },
  });
}

/**
 * Vite plugin: the tus endpoint at `/files/` in `vite` (dev) and `vite preview`. Origins are the
 * dev server's own unless given.
 */
export function tusDevEndpoint({ directory = '.tus-uploads', path = '/files', maxSize = 4 * 1024 ** 3, allowedOrigins } = {}) {
  const mount = (server) => {
    // The dev server's own origins (its port is known once it listens; tests use a random one).
    const origins = allowedOrigins ?? ((origin) => {
      const port = server.httpServer?.address()?.port;
      return [`http://127.0.0.1:${port}`, `http://localhost:${port}`].includes(origin);
    });
    const tus = createTusServer({ directory, path, maxSize, allowedOrigins: origins });
    server.middlewares.use((req, res, next) => {
      const url = req.url ?? '';
      if (url === path || url.startsWith(`${path}/`) || url.startsWith(`${path}?`)) void tus.handle(req, res);
      else next();
    });
  };
  return {
    name: 'inpage-recorder:tus-dev-endpoint',
    configureServer(server) {
      mount(server);
    },
    configurePreviewServer(server) {
      mount(server);
    },
  };
}
