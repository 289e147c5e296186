import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { toRecorderError, type RecorderError } from '../errors.js';
import { RecordingsLibrary, type RecordingInfo, type StorageInfo } from '../store/recordings-library.js';
import type { RecoveryReport } from '../store/recovery.js';
import { grabThumbnail } from './thumbnail.js';

/** Other elements and tabs of this origin hear about changes to the library here. */
const CHANNEL = 'inpage-recorder:library';

/** Tells every element (of this page and other tabs) that the library changed. */
export function notifyLibraryChanged(): void {
  if (typeof BroadcastChannel === 'undefined') return;
  const ch = new BroadcastChannel(CHANNEL);
  ch.postMessage('changed');
  ch.close();
}

/** Thumbnails by recording id, shared by every element of the page (a recording's frames never change). */
const thumbnails = new Map<string, Promise<string | null>>();

type Host = ReactiveControllerHost & {
  onLibraryError?: (e: RecorderError) => void;
};

/**
 * The recordings library as the element shows it: the list (with thumbnails), storage use, and
 * interrupted recordings to offer for recovery. Refreshes when this page or another tab changes it.
 */
export class LibraryController implements ReactiveController {
  readonly library = new RecordingsLibrary();
  items: RecordingInfo[] = [];
  interrupted: RecordingInfo[] = [];
  storage: StorageInfo = { usage: null, quota: null, persisted: null };
  thumbs = new Map<string, string | null>();
  loaded = false;
  private channel: BroadcastChannel | null = null;
  private refreshing: Promise<void> | null = null;
  private again = false;

  constructor(private readonly host: Host) {
    host.addController(this);
  }

  hostConnected(): void {
    if (typeof BroadcastChannel !== 'undefined') {
      this.channel = new BroadcastChannel(CHANNEL);
      this.channel.onmessage = () => void this.refresh();
    }
    void this.refresh();
  }

  hostDisconnected(): void {
    this.channel?.close();
    this.channel = null;
  }

  /** Tells this element and every other one that the library changed. */
  changed(): void {
    // A BroadcastChannel does not deliver to itself: other elements of this page have their own.
    this.channel?.postMessage('changed');
    void this.refresh();
  }

  /** Reloads list and storage figures; overlapping calls coalesce into one more run. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        try {
          const items = await this.library.list();
          this.items = items;
          this.interrupted = items.filter((r) => r.state === 'interrupted');
          this.storage = await this.library.storage();
          this.loaded = true;
        } catch (e) {
          this.host.onLibraryError?.(toRecorderError(e));
        }
        this.host.requestUpdate();
        void this.loadThumbnails();
      } while (this.again);
    })().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async loadThumbnails(): Promise<void> {
    for (const r of this.items) {
      if (this.thumbs.has(r.id) || !r.width || (r.state !== 'complete' && r.state !== 'recovered')) continue;
      let p = thumbnails.get(r.id);
      if (!p) {
        p = this.library.get(r.id).then((f) => grabThumbnail(f), () => null);
        thumbnails.set(r.id, p);
      }
      // One at a time: each decodes a little video, and the list does not need them all at once.
      this.thumbs.set(r.id, await p);
      this.host.requestUpdate();
    }
  }

  /** Reloads only the storage figures (cheap; for the diagnostics panel while recording). */
  async refreshStorage(): Promise<void> {
    this.storage = await this.library.storage().catch(() => this.storage);
    this.host.requestUpdate();
  }

  async rename(id: string, name: string): Promise<void> {
    await this.library.rename(id, name);
    this.changed();
  }

  async delete(id: string): Promise<void> {
    await this.library.delete(id);
    thumbnails.delete(id);
    this.thumbs.delete(id);
    this.changed();
  }

  /** Recovers every interrupted recording; resolves with the reports. */
  async recover(): Promise<RecoveryReport[]> {
    const reports = await this.library.recover();
    this.changed();
    return reports;
  }

  get(id: string): Promise<File> {
    return this.library.get(id);
  }
}
