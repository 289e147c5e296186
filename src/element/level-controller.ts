import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { AudioCapture, type AudioLevel } from '../capture/audio-capture.js';

/** Peak below this (about −54 dBFS) counts as no signal: a muted or dead microphone, not a quiet room. */
const SILENCE_PEAK = 0.002;

/**
 * The microphone level for the meter and the silence warning. While recording, levels come from
 * the recorder (`level` events, fed in with `feed`); while only previewing, from
 * a capture worklet opened on the preview track, so a silent microphone shows before
 * recording starts.
 */
export class LevelController implements ReactiveController {
  /** Latest level (linear, 0‥1). */
  rms = 0;
  peak = 0;
  /** Seconds without signal after which `silent` turns true; 0 turns the warning off. */
  silenceSeconds = 5;
  /** True once the microphone has given no signal for `silenceSeconds`. */
  silent = false;
  private lastSignalAt = 0;
  private capture: AudioCapture | null = null;
  private track: MediaStreamTrack | null = null;
  private generation = 0;
  private lastRender = 0;
  private timer = 0;

  constructor(private readonly host: ReactiveControllerHost & { onSilenceChanged?: (silent: boolean) => void }) {
    host.addController(this);
  }

  hostConnected(): void {
    // Levels stop arriving altogether when the audio graph stalls: that is silence too.
    this.timer = setInterval(() => this.check(performance.now()), 500) as unknown as number;
  }

  hostDisconnected(): void {
    clearInterval(this.timer);
    void this.watch(null);
  }

  /** Restarts the silence clock (new source, or recording started). */
  reset(): void {
    this.lastSignalAt = performance.now();
    this.setSilent(false);
  }

  /** Meters `track` through its own capture worklet (preview), or stops metering (`null`). */
  async watch(track: MediaStreamTrack | null): Promise<void> {
    if (track === this.track) return;
    const gen = ++this.generation;
    this.track = track;
    this.capture?.close();
    this.capture = null;
    this.rms = this.peak = 0;
    this.reset();
    this.host.requestUpdate();
    if (!track || track.readyState !== 'live') return;
    try {
      const cap = await AudioCapture.open(track, 1, 48000);
      if (gen !== this.generation) {
        cap.close();
        return;
      }
      this.capture = cap;
      cap.onLevel = (l) => this.feed(l);
    } catch {
      // No AudioWorklet, or audio blocked until a click: the meter waits for the recording's levels.
    }
  }

  /** One level reading (about 20 a second). */
  feed(l: AudioLevel): void {
    const now = performance.now();
    this.rms = l.rms;
    this.peak = l.peak;
    if (l.peak >= SILENCE_PEAK) this.lastSignalAt = now;
    this.check(now);
    // Enough for a meter; saves re-rendering the whole view on every reading.
    if (now - this.lastRender >= 90) {
      this.lastRender = now;
      this.host.requestUpdate();
    }
  }

  private check(now: number): void {
    if (!this.silenceSeconds || (!this.capture && !this.track && !this.external)) return this.setSilent(false);
    this.setSilent(now - this.lastSignalAt >= this.silenceSeconds * 1000);
  }

  /** Whether levels come from outside (the recorder), so silence is judged without a preview capture. */
  external = false;

  private setSilent(v: boolean): void {
    if (v === this.silent) return;
    this.silent = v;
    this.host.requestUpdate();
    this.host.onSilenceChanged?.(v);
  }

  /** Level in dBFS (−∞ for silence). */
  get db(): number {
    return this.rms > 0 ? 20 * Math.log10(this.rms) : -Infinity;
  }
}
