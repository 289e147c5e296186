// Native judges of exported files beyond ffprobe: top-level box order and EBU R128 loudness.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ALL_FORMATS, BufferSource, EncodedPacketSink, Input } from 'mediabunny';

/** Top-level ISO BMFF boxes of a file, in order: [{ type, offset, size }]. */
export function topLevelBoxes(path) {
  const buf = readFileSync(path);
  const boxes = [];
  let at = 0;
  while (at + 8 <= buf.length) {
    let size = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    if (size === 1) size = Number(buf.readBigUInt64BE(at + 8));
    else if (size === 0) size = buf.length - at;
    if (size < 8) break;
    boxes.push({ type, offset: at, size });
    at += size;
  }
  return boxes;
}

/** Integrated loudness (LUFS) and true peak (dBTP) as native ffmpeg's ebur128 filter measures them. */
export function loudness(path) {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-nostats', '-i', path, '-map', '0:a:0', '-af', 'ebur128=peak=true', '-f', 'null', '-'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const summary = r.stderr.slice(r.stderr.lastIndexOf('Summary:'));
  const integrated = Number(/I:\s+(-?[\d.]+|-inf) LUFS/.exec(summary)?.[1]);
  const truePeak = Number(/Peak:\s+(-?[\d.]+|-inf) dBFS/.exec(summary)?.[1]);
  return { integrated, truePeak };
}

/**
 * Times (s) of the video samples the container marks as sync samples: where a stream copy can
 * start. (ffprobe's packet K flags also count IDR frames its parser finds inside a fragment whose
 * sample flags say otherwise; a seek cannot land on those.)
 */
export async function syncSampleTimes(path) {
  const buf = readFileSync(path);
  const input = new Input({ source: new BufferSource(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length)), formats: ALL_FORMATS });
  const sink = new EncodedPacketSink(await input.getPrimaryVideoTrack());
  const times = [];
  for await (const p of sink.packets(undefined, undefined, { metadataOnly: true })) if (p.type === 'key') times.push(p.timestamp);
  return times;
}
