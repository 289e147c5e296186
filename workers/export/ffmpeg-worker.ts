/// <reference lib="webworker" />
// The ffmpeg.wasm worker: @ffmpeg/ffmpeg's own worker (it loads ffmpeg-core and runs each request),
// plus an answer for a crash. That worker answers a request only from inside its own try/catch; an
// error thrown elsewhere (an abort in a wasm thread, a rejected promise) would leave the request
// waiting forever. Here every request still open when that happens is answered with an error, so
// the export fails with `export-failed` and the page terminates this worker.
import './ffmpeg-library-worker.js';

declare const self: DedicatedWorkerGlobalScope;

type Request = { id: number; type: string };
const open = new Set<number>();
const handle = self.onmessage;
const send = self.postMessage.bind(self) as (message: unknown, transfer?: Transferable[]) => void;

self.onmessage = (e: MessageEvent<Request>) => {
  open.add(e.data.id);
  return handle?.call(self, e);
};
self.postMessage = ((message: { id?: number }, transfer?: Transferable[]) => {
  if (typeof message?.id === 'number') open.delete(message.id);
  send(message, transfer);
}) as typeof self.postMessage;

function crashed(reason: string): void {
  for (const id of open) send({ id, type: 'ERROR', data: `The ffmpeg worker crashed: ${reason}` });
  open.clear();
}
self.addEventListener('error', (e) => crashed(e.message || 'uncaught error'));
self.addEventListener('unhandledrejection', (e) => crashed(String((e.reason as Error | undefined)?.message ?? e.reason)));
