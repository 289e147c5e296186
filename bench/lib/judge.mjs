// What a user would check of a recorded file, with native ffprobe.
import { execFileSync } from 'node:child_process';

export function judge(path, expectedSeconds) {
  const meta = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path], { encoding: 'utf8' }));
  const duration = Number(meta.format.duration);
  const codecs = meta.streams.map((s) => s.codec_name).join('+');
  const hasDuration = Number.isFinite(duration) && duration > 0;
  const summary = `${codecs}, ${hasDuration ? `${duration.toFixed(1)} s` : 'no duration'}`;
  return { container: meta.format.format_name, codecs, duration: hasDuration ? duration : null, expectedSeconds, summary };
}
