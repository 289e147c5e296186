import { ErrorCode, RecorderError } from '../errors.js';
import type { ExportCommand, ExportEvent, MediabunnyPlan, SourceInfo } from '../../workers/export/protocol.js';

type Pending = {
  resolve: (e: ExportEvent) => void;
  reject: (e: Error) => void;
  onProgress?: (fraction: number) => void;
};

type Outgoing = ExportCommand extends infer C ? (C extends { id: number } ? Omit<C, 'id'> : never) : never;

/**
 * The page's side of the export worker: links replies to requests by id, and rejects everything
 * pending when the worker is terminated or dies. A terminated client starts a fresh worker on
 * its next request.
 */
export class MediabunnyEngine {
  private worker: Worker | null = null;
  private nextId = 1;
  private pending = new Map<number, Pending>();

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('../../workers/export/export-worker.ts', import.meta.url), { type: 'module', name: 'inpage-recorder-export' });
    w.onmessage = (e: MessageEvent<ExportEvent>) => {
      const p = this.pending.get(e.data.id);
      if (!p) return;
      if (e.data.type === 'progress') p.onProgress?.(e.data.fraction);
      else {
        this.pending.delete(e.data.id);
        p.resolve(e.data);
      }
    };
    w.onerror = (e) => {
      e.preventDefault();
      this.fail(new RecorderError(ErrorCode.ExportFailed, `The export worker crashed: ${e.message || 'unknown error'}. The original file is unchanged.`));
    };
    this.worker = w;
    return w;
  }

  private request(cmd: Outgoing, onProgress?: (fraction: number) => void): Promise<ExportEvent> {
    const w = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      w.postMessage({ ...cmd, id } as ExportCommand);
    });
  }

  private fail(e: Error): void {
    this.worker?.terminate();
    this.worker = null;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(e);
  }

  /** Tracks and duration of `file`. */
  async probe(file: Blob): Promise<SourceInfo> {
    const r = await this.request({ type: 'probe', file });
    if (r.type === 'probed') return r.info;
    throw r.type === 'error' ? RecorderError.fromJSON(r.error) : new Error(`unexpected reply ${r.type}`);
  }

  /** Runs a plan; resolves with the output, or with `null` when Mediabunny cannot do this job here. */
  async convert(file: Blob, plan: MediabunnyPlan, mimeType: string, onProgress: (fraction: number) => void): Promise<{ blob: Blob } | { unsupported: string }> {
    const r = await this.request({ type: 'convert', file, plan, mimeType }, onProgress);
    if (r.type === 'converted') return { blob: r.blob };
    if (r.type === 'unsupported') return { unsupported: r.reason };
    throw r.type === 'error' ? RecorderError.fromJSON(r.error) : new Error(`unexpected reply ${r.type}`);
  }

  /** Stops the worker and whatever it was doing; pending requests reject with `reason`. */
  terminate(reason: Error = new RecorderError(ErrorCode.Aborted, 'The export was cancelled.')): void {
    this.fail(reason);
  }

  get running(): boolean {
    return this.worker !== null;
  }
}
