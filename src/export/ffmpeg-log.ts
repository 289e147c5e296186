import { ErrorCode, RecorderError } from '../errors.js';

/** How many of ffmpeg's last log lines an `export-failed` error carries. */
export const LOG_TAIL = 20;

/** ffmpeg's log without its periodic statistics lines, which say nothing about a failure. */
export function logTail(lines: readonly string[], n = LOG_TAIL): string[] {
  return lines.filter((l) => l.trim() && !/^\s*(frame|size)=/.test(l)).slice(-n);
}

export function exportFailed(what: string, log: readonly string[], cause?: unknown): RecorderError {
  const tail = logTail(log);
  const last = tail.at(-1);
  return new RecorderError(ErrorCode.ExportFailed, `${what}. The original file is unchanged.${last ? ` ffmpeg: ${last}` : ''}`, { cause, details: { log: tail } });
}
