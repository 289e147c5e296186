/** `m:ss`, or `h:mm:ss` from an hour on. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}` : `${m}:${String(s).padStart(2, '0')}`;
}

/** Decimal units, as disks and browsers' download bars count them. */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  do {
    v /= 1000;
    i++;
  } while (v >= 1000 && i < units.length - 1);
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export function formatDate(ms: number, locale?: string): string {
  try {
    return new Date(ms).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
  } catch {
    return new Date(ms).toISOString();
  }
}

/** Seconds as people say a limit: `90 s`, `5 min`, `1 h 30 min`. */
export function formatLimit(seconds: number): string {
  if (seconds < 120 && seconds % 60) return `${seconds} s`;
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds % 3600) / 60);
  return h ? `${h} h${m ? ` ${m} min` : ''}` : `${m} min`;
}

/**
 * A download name a file system accepts: the recording's name (no path or reserved characters),
 * the local date and time it was made, and the container's extension.
 * `My talk` made 2024-05-01 14:03:07 as mp4 → `My talk 2024-05-01 14-03-07.mp4`.
 */
export function downloadName(name: string, createdAt: number, ext: string): string {
  const d = new Date(createdAt);
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}-${p(d.getMinutes())}-${p(d.getSeconds())}`;
  // Default names are "Recording <locale date>": the stamp already says when.
  const base = name
    .replace(/[\\/:*?"<>|\u0000-\u001f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/^[\s.]+|[\s.]+$/g, '')
    .slice(0, 80);
  const stem = !base || /^Recording\b.*\d/.test(base) ? 'Recording' : base;
  return `${stem} ${stamp}.${ext}`;
}

/** The file extension of a recording: from its file name, else from its MIME type. */
export function extensionOf(mimeType: string, fileName?: string): string {
  const fromName = fileName ? /\.([a-z0-9]{2,4})$/i.exec(fileName)?.[1] : undefined;
  if (fromName) return fromName.toLowerCase();
  return mimeType.includes('webm') ? 'webm' : 'mp4';
}
