/**
 * Fallback video capture where MediaStreamTrackProcessor is missing (Firefox, Safari): a hidden
 * <video> plays the track and each new frame, signalled by requestVideoFrameCallback, becomes a
 * VideoFrame stamped with its capture time (or presentation time when the browser has none).
 */
type FrameMeta = { captureTime?: number; presentationTime?: number; expectedDisplayTime: number };

export class VideoElementSource {
  private readonly video: HTMLVideoElement;
  private closed = false;

  constructor(track: MediaStreamTrack, onFrame: (frame: VideoFrame, captureUs: number) => void) {
    const video = document.createElement('video');
    video.muted = true;
    video.playsInline = true;
    video.srcObject = new MediaStream([track]);
    this.video = video;
    const rvfc = (video as HTMLVideoElement & { requestVideoFrameCallback?: (cb: (now: number, m: FrameMeta) => void) => number }).requestVideoFrameCallback?.bind(video);
    const tick = (_now: number, meta: FrameMeta) => {
      if (this.closed) return;
      const t = meta.captureTime ?? meta.presentationTime ?? meta.expectedDisplayTime;
      try {
        const frame = new VideoFrame(video, { timestamp: Math.round(t * 1000) });
        onFrame(frame, t * 1000);
      } catch {
        /* no frame decoded yet */
      }
      rvfc?.(tick);
    };
    if (rvfc) rvfc(tick);
    void video.play().catch(() => {});
  }

  close(): void {
    this.closed = true;
    this.video.pause();
    this.video.srcObject = null;
  }
}
