import type { ReactiveController, ReactiveControllerHost } from 'lit';

export type DeviceChoice = { deviceId: string; label: string };

/**
 * The cameras and microphones the page may use, kept current as devices are plugged in and out
 * (`devicechange`). Labels are empty until the page has camera/microphone permission; `refresh()`
 * after opening devices fills them in.
 */
export class DevicesController implements ReactiveController {
  cameras: DeviceChoice[] = [];
  microphones: DeviceChoice[] = [];
  private readonly onChange = () => void this.refresh();

  constructor(private readonly host: ReactiveControllerHost & { onDevicesChanged?: () => void }) {
    host.addController(this);
  }

  hostConnected(): void {
    navigator.mediaDevices?.addEventListener?.('devicechange', this.onChange);
    void this.refresh();
  }

  hostDisconnected(): void {
    navigator.mediaDevices?.removeEventListener?.('devicechange', this.onChange);
  }

  async refresh(): Promise<void> {
    let all: MediaDeviceInfo[] = [];
    try {
      all = (await navigator.mediaDevices?.enumerateDevices?.()) ?? [];
    } catch {
      all = [];
    }
    // Without permission the browser lists devices with empty ids; they cannot be picked.
    const pick = (kind: MediaDeviceKind) => all.filter((d) => d.kind === kind && d.deviceId !== '').map((d) => ({ deviceId: d.deviceId, label: d.label }));
    const cameras = pick('videoinput');
    const microphones = pick('audioinput');
    const same = (a: DeviceChoice[], b: DeviceChoice[]) => a.length === b.length && a.every((d, i) => d.deviceId === b[i]?.deviceId && d.label === b[i]?.label);
    if (same(cameras, this.cameras) && same(microphones, this.microphones)) return;
    this.cameras = cameras;
    this.microphones = microphones;
    this.host.requestUpdate();
    this.host.onDevicesChanged?.();
  }
}
