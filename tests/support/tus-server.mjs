// A real @tus/server on a loopback port for upload tests: logs every request, can be killed
// (connections cut mid-request) and restarted on the same port and folder.
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { createTusServer } from '../../server/tus.mjs';

/**
 * Starts a tus server at http://127.0.0.1:PORT/files/. `intercept(req, res)` may answer a request
 * itself (return true) to inject faults.
 */
export async function startTusServer({ allowedOrigins, maxSize = 2 * 1024 ** 3, directory = mkdtempSync(join(tmpdir(), 'ipr-tus-')), port = 0, intercept } = {}) {
  const log = [];
  const finished = [];
  let http = null;
  let actualPort = port;

  async function listen() {
    const tus = createTusServer({ directory, maxSize, allowedOrigins, onFinish: (v) => finished.push(v) });
    http = createServer((req, res) => {
      // `accepted`: bytes the server kept (its new offset less the request's); the body is not tapped.
      const entry = { t: Date.now(), method: req.method, url: req.url, offset: numberOr(req.headers['upload-offset']), length: numberOr(req.headers['upload-length']), newOffset: null, accepted: 0, status: 0 };
      if (req.method !== 'OPTIONS') log.push(entry);
      const writeHead = res.writeHead;
      res.writeHead = function (status, ...rest) {
        const headers = rest.find((x) => x && typeof x === 'object') ?? {};
        const pairs = Array.isArray(headers) ? (Array.isArray(headers[0]) ? headers : headers.flatMap((x, i) => (i % 2 ? [] : [[x, headers[i + 1]]]))) : Object.entries(headers);
        const raw = pairs.find(([k]) => String(k).toLowerCase() === 'upload-offset')?.[1];
        const v = raw ?? res.getHeader('upload-offset');
        if (v !== undefined) entry.newOffset = Number(v);
        if (req.method === 'PATCH' && entry.newOffset !== null && entry.offset !== null) entry.accepted = entry.newOffset - entry.offset;
        return writeHead.call(this, status, ...rest);
      };
      res.on('finish', () => (entry.status = res.statusCode));
      if (intercept?.(req, res, entry)) return;
      void tus.handle(req, res);
    });
    await new Promise((r) => http.listen(actualPort, '127.0.0.1', r));
    actualPort = http.address().port;
  }
  await listen();

  return {
    get url() {
      return `http://127.0.0.1:${actualPort}/files/`;
    },
    directory,
    log,
    finished,
    /** Stops answering at once, cutting open connections (as a crashed server would). */
    async kill() {
      const h = http;
      http = null;
      h.closeAllConnections();
      await new Promise((r) => h.close(r));
    },
    restart: listen,
    close() {
      if (!http) return Promise.resolve();
      return this.kill();
    },
    /** Upload ids with data in the folder. */
    uploads() {
      return readdirSync(directory).filter((f) => !f.includes('.'));
    },
    file(id) {
      return readFileSync(join(directory, id));
    },
    info(id) {
      return JSON.parse(readFileSync(join(directory, `${id}.json`), 'utf8'));
    },
    /** The upload whose metadata names this recording. */
    byRecording(recordingId) {
      for (const id of this.uploads()) {
        try {
          if (this.info(id).metadata?.recordingId === recordingId) return id;
        } catch {
          /* info not written yet */
        }
      }
      return null;
    },
  };
}

function numberOr(v) {
  return v === undefined ? null : Number(v);
}

export const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');
