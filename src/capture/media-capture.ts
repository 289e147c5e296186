import { ErrorCode, RecorderError, mediaAccessError } from '../errors.js';
import { Resolutions, type ResolvedOptions } from '../options.js';

/** getUserMedia constraints for the resolved options. */
export function constraintsFor(o: ResolvedOptions): MediaStreamConstraints {
  const v = o.video;
  const a = o.audio;
  const size = v ? (v.width && v.height ? { width: v.width, height: v.height } : Resolutions[v.resolution]) : null;
  return {
    video: v
      ? {
          width: { ideal: size!.width },
          height: { ideal: size!.height },
          frameRate: { ideal: v.frameRate },
          ...(v.deviceId ? { deviceId: { exact: v.deviceId } } : {}),
          ...(v.facingMode ? { facingMode: v.facingMode } : {}),
        }
      : false,
    audio: a
      ? {
          ...(a.deviceId ? { deviceId: { exact: a.deviceId } } : {}),
          ...(a.channels ? { channelCount: { ideal: a.channels } } : {}),
          echoCancellation: a.echoCancellation,
          noiseSuppression: a.noiseSuppression,
          autoGainControl: a.autoGainControl,
        }
      : false,
  };
}

/** Opens camera and/or microphone, mapping failures to RecorderError codes. */
export async function openDevices(o: ResolvedOptions): Promise<MediaStream> {
  if (!globalThis.navigator?.mediaDevices?.getUserMedia) {
    throw new RecorderError(ErrorCode.Unsupported, 'This page cannot use the camera or microphone: it must be served over https (or from localhost).');
  }
  const what = o.video && o.audio ? 'Camera and microphone' : o.video ? 'Camera' : 'Microphone';
  try {
    return await navigator.mediaDevices.getUserMedia(constraintsFor(o));
  } catch (e) {
    throw mediaAccessError(e, what);
  }
}

/** Checks a caller's stream has the tracks the options ask for. */
export function checkStream(stream: unknown, o: ResolvedOptions): MediaStream {
  if (typeof MediaStream === 'undefined' || !(stream instanceof MediaStream)) throw new TypeError('start(stream): stream must be a MediaStream');
  const v = stream.getVideoTracks().find((t) => t.readyState === 'live');
  const a = stream.getAudioTracks().find((t) => t.readyState === 'live');
  if (o.video && !v) throw new RecorderError(ErrorCode.NoDevice, 'The stream has no live video track. Pass a stream with video, or set video: false.');
  if (o.audio && !a) throw new RecorderError(ErrorCode.NoDevice, 'The stream has no live audio track. Pass a stream with audio, or set audio: false.');
  return stream;
}
