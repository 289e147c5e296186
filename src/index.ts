import { defineInpageRecorder } from './element/define.js';

export { Recorder } from './recorder.js';
export type { Recording, RecorderState, RecorderEventMap } from './recorder.js';
export { RecorderError, ErrorCode } from './errors.js';
export type { SerializedError } from './errors.js';
export type { RecorderOptions, VideoOptions, AudioOptions, Format, Quality, Resolution, AudioQuality } from './options.js';
export type { RecorderStats } from './stats.js';
export type { ProbeResult } from './probe.js';
export type { VideoCodecName, AudioCodecName } from './codecs.js';
export type { StoredChunk } from './store/chunk-store.js';
export { RecordingsLibrary } from './store/recordings-library.js';
export type { RecordingInfo, StorageInfo } from './store/recordings-library.js';
export type { RecoveryReport, Gap } from './store/recovery.js';
export { resumeUploads } from './upload/resume.js';
export type { UploadOptions, UploadRequestInfo } from './upload/upload-options.js';
export type { RecordingUpload, UploadProgress, UploadResult, UploadState } from './upload/uploader.js';
export type { Segment } from './upload/recorder-link.js';
export { InpageRecorderElement } from './element/inpage-recorder.js';
export type { Exporter, ExportTarget } from './element/exporter.js';
export type { InpageRecorderEventMap } from './element/events.js';
export { defineInpageRecorder };

defineInpageRecorder();
