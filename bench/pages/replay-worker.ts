/// <reference lib="webworker" />
// Replays real encoded fragments through the recorder's ChunkStore (the same path the encode
// worker writes by) at a chosen multiple of real time, to test hours of storage in minutes.
import { ChunkStore, openRecorderDB, updateSession } from '../../src/store/chunk-store.js';

declare const self: DedicatedWorkerGlobalScope;

type Start = { fragments: ArrayBuffer[]; fragmentSeconds: number; totalSeconds: number; speed: number; id: string };

self.onmessage = async (e: MessageEvent<Start>) => {
  const { fragments, fragmentSeconds, totalSeconds, speed, id } = e.data;
  const db = await openRecorderDB();
  await db.put('sessions', { id, name: 'replay', format: 'mp4', mimeType: 'video/mp4', state: 'recording', createdAt: Date.now(), bytes: 0, chunkCount: 0, patches: [], options: {} });
  const store = new ChunkStore(db, id);
  let error: string | null = null;
  store.onError = (err) => (error = String(err));
  const writer = store.writable().getWriter();
  let position = 0;
  const t0 = performance.now();
  let media = 0;
  let n = 0;
  let maxPending = 0;
  while (media < totalSeconds && !error) {
    const frag = new Uint8Array(fragments[n % fragments.length] as ArrayBuffer);
    store.markFragmentStart(media * 1e6);
    await writer.ready;
    await writer.write({ type: 'write', data: frag.slice(), position });
    position += frag.length;
    store.markFragmentEnd(position);
    media += fragmentSeconds;
    n++;
    maxPending = Math.max(maxPending, store.bytesPending);
    // Pace: at `speed`× real time.
    const due = (media / speed) * 1000 - (performance.now() - t0);
    if (due > 0) await new Promise((r) => setTimeout(r, due));
    if (n % 60 === 0) self.postMessage({ type: 'progress', media, bytes: position, stored: store.bytesStored, pending: store.bytesPending });
  }
  await store.flush().catch((err) => (error ??= String(err)));
  await updateSession(db, id, { state: 'complete', bytes: store.bytesStored, chunkCount: store.chunkCount, patches: store.allPatches, stoppedAt: Date.now() });
  const s0 = performance.now();
  const file = store.file('replay.mp4', 'video/mp4');
  const assembleMs = performance.now() - s0;
  self.postMessage({ type: 'done', error, media, bytes: position, chunks: store.chunkCount, fileSize: file.size, assembleMs, wallSeconds: (performance.now() - t0) / 1000, maxPending });
};
