/**
 * A small JPEG data URL of the frame at ~0.5 s of a video file (or its first frame when shorter),
 * drawn through a hidden <video>. Resolves `null` for audio-only files or files the browser cannot
 * decode; never rejects. The file is read in place through an object URL (not copied).
 */
export async function grabThumbnail(file: Blob, width = 160, timeoutMs = 8000): Promise<string | null> {
  if (typeof document === 'undefined') return null;
  const url = URL.createObjectURL(file);
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.preload = 'auto';
  try {
    return await new Promise<string | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), timeoutMs);
      const done = (v: string | null) => {
        clearTimeout(timer);
        resolve(v);
      };
      video.onerror = () => done(null);
      video.onloadedmetadata = () => {
        if (!video.videoWidth) return done(null);
        const d = Number.isFinite(video.duration) ? video.duration : 1;
        video.currentTime = Math.min(0.5, Math.max(0, d / 2));
      };
      video.onseeked = () => {
        try {
          const h = Math.max(1, Math.round((width * video.videoHeight) / video.videoWidth));
          const canvas = document.createElement('canvas');
          canvas.width = width;
          canvas.height = h;
          canvas.getContext('2d')?.drawImage(video, 0, 0, width, h);
          done(canvas.toDataURL('image/jpeg', 0.7));
        } catch {
          done(null);
        }
      };
      video.src = url;
    });
  } finally {
    video.removeAttribute('src');
    video.load();
    URL.revokeObjectURL(url);
  }
}
