import { ErrorCode, RecorderError, toRecorderError } from '../errors.js';
import { openRecorderDB } from '../store/chunk-store.js';
import { RecordingsLibrary } from '../store/recordings-library.js';
import { DB_NAME } from '../store/schema.js';
import { resolveUpload, type UploadOptions } from './upload-options.js';
import { Uploader, type RecordingUpload, type UploaderHooks } from './uploader.js';

/**
 * Resumes the uploads a reload or crash interrupted: every stored recording whose upload is not
 * complete (and not refused for good) and that no tab is recording or uploading. An interrupted
 * recording is recovered first. Each upload continues from the server's offset; one whose server
 * copy is gone (404/410) starts again from the local chunks. Pass `ids` to resume only those.
 */
export async function resumeUploads(options: UploadOptions, hooks: UploaderHooks & { ids?: string[] } = {}): Promise<RecordingUpload[]> {
  const resolved = resolveUpload(options);
  if (!resolved) throw new TypeError('resumeUploads(options): options must be upload options with an endpoint');
  const library = new RecordingsLibrary();
  const list = await library.list();
  const db = await openRecorderDB(DB_NAME);
  const out: RecordingUpload[] = [];
  for (const r of list) {
    if (hooks.ids && !hooks.ids.includes(r.id)) continue;
    const s = await db.get('sessions', r.id);
    const u = s?.upload;
    if (!s || !u || u.state === 'complete') continue;
    // Refused for good (credentials, size): only an explicit request by id tries again.
    if (u.state === 'failed' && !hooks.ids) continue;
    if (r.state === 'recording' || r.state === 'paused' || r.state === 'stopping') continue;
    try {
      if (r.state === 'interrupted') await library.recover(r.id);
      out.push(await Uploader.start(db, r.id, resolved, hooks));
    } catch (e) {
      if (e instanceof RecorderError && e.code === ErrorCode.InvalidState) continue; // another tab uploads it
      hooks.onError?.(toRecorderError(e, ErrorCode.UploadFailed, `Resuming the upload of ${r.name} failed`));
    }
  }
  return out;
}
