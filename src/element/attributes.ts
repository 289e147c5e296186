import { AudioQualities, Formats, Qualities, Resolutions, type AudioQuality, type Format, type Quality, type Resolution } from '../options.js';

/** Parses one attribute (or property) value; `undefined` means invalid. */
type Parse<T> = (raw: unknown) => T | undefined;

const text = (raw: unknown) => (typeof raw === 'string' ? raw.trim().toLowerCase() : raw);

function oneOf<T extends string>(allowed: readonly T[]): Parse<T> {
  return (raw) => {
    const v = text(raw);
    return typeof v === 'string' && allowed.includes(v as T) ? (v as T) : undefined;
  };
}

function numberIn(min: number, max: number, int = false): Parse<number> {
  return (raw) => {
    const v = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw.trim()) : NaN;
    if (!Number.isFinite(v) || v < min || v > max || (int && !Number.isInteger(v))) return undefined;
    return v;
  };
}

/** `true` for a present boolean attribute, `on`, `yes`, `true`; `false` for `off`, `no`, `false`. */
export const parseBool: Parse<boolean> = (raw) => {
  if (typeof raw === 'boolean') return raw;
  const v = text(raw);
  if (v === '' || v === 'true' || v === 'on' || v === 'yes') return true;
  if (v === 'false' || v === 'off' || v === 'no') return false;
  return undefined;
};

/** Seconds: `90`, `90s`, `5m`, `1.5h`, `1:30`. Nothing (empty) means no limit. */
export const parseSeconds: Parse<number | null> = (raw) => {
  if (raw === null || raw === '') return null;
  if (typeof raw === 'number') return Number.isFinite(raw) && raw > 0 ? raw : undefined;
  const v = text(raw);
  if (typeof v !== 'string') return undefined;
  const clock = /^(\d+):([0-5]\d)$/.exec(v);
  if (clock) return Number(clock[1]) * 60 + Number(clock[2]) || undefined;
  const m = /^(\d+(?:\.\d+)?)\s*(s|sec|m|min|h)?$/.exec(v);
  if (!m) return undefined;
  const unit = m[2] === 'm' || m[2] === 'min' ? 60 : m[2] === 'h' ? 3600 : 1;
  const n = Number(m[1]) * unit;
  return n > 0 && n <= 7 * 24 * 3600 ? n : undefined;
};

/** Bytes: `1000000`, `500kb`, `200MB`, `1.5GB`, `64MiB`. Nothing (empty) means no limit. */
export const parseBytes: Parse<number | null> = (raw) => {
  if (raw === null || raw === '') return null;
  if (typeof raw === 'number') return Number.isFinite(raw) && raw > 0 ? Math.round(raw) : undefined;
  const v = text(raw);
  if (typeof v !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*(b|k|kb|m|mb|g|gb|kib|mib|gib)?$/.exec(v);
  if (!m) return undefined;
  const unit = { '': 1, b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 }[m[2] ?? ''] ?? 1;
  const n = Math.round(Number(m[1]) * unit);
  return n > 0 ? n : undefined;
};

/** Audio bitrate: a preset name (`voice`, `standard`, `high`), bits per second, or `128k`. */
export const parseAudioBitrate: Parse<AudioQuality | number> = (raw) => {
  const v = text(raw);
  if (typeof v === 'string' && v in AudioQualities) return v as AudioQuality;
  const k = typeof v === 'string' ? /^(\d+(?:\.\d+)?)\s*k(?:bps|bit\/s)?$/.exec(v) : null;
  const n = k ? Number(k[1]) * 1000 : numberIn(6_000, 510_000)(v);
  return n !== undefined && n >= 6_000 && n <= 510_000 ? Math.round(n) : undefined;
};

/** A tus endpoint: an absolute http(s) URL or a path on this site. */
export const parseEndpoint: Parse<string | null> = (raw) => {
  if (raw === null || raw === '') return null;
  if (typeof raw !== 'string') return undefined;
  try {
    const u = new URL(raw.trim(), globalThis.location?.href ?? 'http://localhost/');
    return u.protocol === 'http:' || u.protocol === 'https:' ? raw.trim() : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Every option attribute: its property, attribute name, parser and default. An invalid value logs
 * one warning and leaves the default in place; parsing never throws.
 */
export const OPTION_ATTRIBUTES = {
  format: { attribute: 'format', parse: oneOf<Format>(Formats), fallback: 'mp4' as Format, expected: 'mp4 or webm' },
  quality: { attribute: 'quality', parse: oneOf<Quality>(Qualities), fallback: 'balanced' as Quality, expected: Qualities.join(', ') },
  resolution: { attribute: 'resolution', parse: oneOf<Resolution>(Object.keys(Resolutions) as Resolution[]), fallback: '720p' as Resolution, expected: Object.keys(Resolutions).join(', ') },
  framerate: { attribute: 'framerate', parse: numberIn(1, 120), fallback: 30, expected: 'a number from 1 to 120' },
  audioBitrate: { attribute: 'audio-bitrate', parse: parseAudioBitrate, fallback: 'standard' as AudioQuality | number, expected: 'voice, standard, high, or bits per second from 6000 to 510000 (e.g. 96k)' },
  maxDuration: { attribute: 'max-duration', parse: parseSeconds, fallback: null as number | null, expected: 'seconds (e.g. 90, 5m, 1:30)' },
  maxSize: { attribute: 'max-size', parse: parseBytes, fallback: null as number | null, expected: 'a size (e.g. 200MB, 1.5GB)' },
  uploadEndpoint: { attribute: 'upload-endpoint', parse: parseEndpoint, fallback: null as string | null, expected: 'an http(s) URL or a path' },
  countdown: { attribute: 'countdown', parse: numberIn(0, 10, true), fallback: 0, expected: 'whole seconds from 0 to 10' },
  silenceWarning: { attribute: 'silence-warning', parse: numberIn(0, 600), fallback: 5, expected: 'seconds from 0 (off) to 600' },
  storageWarning: { attribute: 'storage-warning', parse: numberIn(0, 10_000), fallback: 5, expected: 'minutes from 0 to 10000' },
  mirror: { attribute: 'mirror', parse: parseBool, fallback: true, expected: 'true or false' },
  video: { attribute: 'video', parse: parseBool, fallback: true, expected: 'true or false' },
  audio: { attribute: 'audio', parse: parseBool, fallback: true, expected: 'true or false' },
  facingMode: { attribute: 'facing-mode', parse: (raw: unknown) => (raw === null || raw === '' ? null : oneOf(['user', 'environment'] as const)(raw)), fallback: null as 'user' | 'environment' | null, expected: 'user or environment' },
} as const;

export type OptionName = keyof typeof OPTION_ATTRIBUTES;
export type OptionValues = { -readonly [K in OptionName]: (typeof OPTION_ATTRIBUTES)[K]['fallback'] };

/** Lit property declarations for the option attributes: raw strings in, parsed in `willUpdate`. */
export const optionProperties = Object.fromEntries(Object.entries(OPTION_ATTRIBUTES).map(([k, v]) => [k, { attribute: v.attribute }])) as Record<OptionName, { attribute: string }>;

/**
 * Normalises one option in place: returns the valid value, warning once per bad value. Values
 * equal to the fallback or already parsed pass through untouched.
 */
export function normalizeOption<K extends OptionName>(name: K, raw: unknown, warned: Set<string>): OptionValues[K] {
  const spec = OPTION_ATTRIBUTES[name];
  if (raw === undefined || raw === null) return spec.fallback as OptionValues[K];
  const parsed = (spec.parse as Parse<unknown>)(raw);
  if (parsed !== undefined) return parsed as OptionValues[K];
  const key = `${name}=${String(raw)}`;
  if (!warned.has(key)) {
    warned.add(key);
    console.warn(`<inpage-recorder>: ${spec.attribute}="${String(raw)}" is not valid (expected ${spec.expected}); using the default (${String(spec.fallback)}).`);
  }
  return spec.fallback as OptionValues[K];
}
