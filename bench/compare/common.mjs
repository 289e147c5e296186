// Pieces every pass of the comparison shares: the recorders, file names, saving a page's file and
// judging it the way a user would (native ffprobe/ffmpeg, the container's own index and duration).
import { execFileSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { decodeErrors } from '../../tests/support/media.mjs';
import { inspectContainer } from '../lib/container.mjs';
import { outDir, root } from '../lib/harness.mjs';

/** Every recorder in the comparison, inpage-recorder first (the one the others are compared with). */
export const ALL_RECORDERS = ['inpage-recorder', 'MediaRecorder', 'MediaRecorder + fix-webm-duration', 'RecordRTC', 'Mediabunny'];

/** Recorders that hold the whole recording in page or browser memory and write nothing to disk. */
export const IN_MEMORY = new Set(['MediaRecorder', 'MediaRecorder + fix-webm-duration', 'RecordRTC', 'Mediabunny']);

export const slug = (name) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
export const extension = (type) => (type.includes('mp4') ? 'mp4' : 'webm');

/** Saves the page's last file (`download` triggers the browser download) as bench/out/<name>. */
export async function saveFile(page, name, download = (n) => window.benchDownload(n)) {
  const [d] = await Promise.all([page.waitForEvent('download', { timeout: 300_000 }), page.evaluate(download, name)]);
  const path = join(outDir, name);
  await d.saveAs(path);
  return path;
}

// ffprobe's complaints stay off the progress log: the full decode (decodeErrors) reports what a file gets wrong.
const ffprobe = (args) => execFileSync('ffprobe', ['-v', 'error', ...args], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] });

/** Video packets in the file (what frame rate it really holds). */
function videoPackets(path) {
  return Number(ffprobe(['-select_streams', 'v:0', '-count_packets', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', path]).trim().split(/[,\n]/)[0]);
}

/**
 * What a user would check of a file recorded for `seconds`: container and codecs, the index a
 * player seeks by, the duration in the header and as ffprobe finds it, video frames per second,
 * and (with `decode`) errors of a full native decode.
 */
export function checkFile(path, seconds, { decode = false } = {}) {
  const meta = JSON.parse(ffprobe(['-print_format', 'json', '-show_format', '-show_streams', path]));
  const duration = Number(meta.format.duration);
  const c = inspectContainer(path);
  const frames = videoPackets(path);
  const errors = decode ? decodeErrors(path) : null;
  return {
    // Relative to the project: the data is committed (docs/bench) and read on other machines.
    path: relative(root, path),
    container: c.container,
    codecs: meta.streams.map((x) => x.codec_name).join('+'),
    index: c.index,
    headerDuration: c.declaredDuration,
    ffprobeDuration: Number.isFinite(duration) && duration > 0 ? duration : null,
    recordedSeconds: seconds,
    videoFrames: frames,
    fps: frames / seconds,
    decodeErrors: errors,
  };
}
