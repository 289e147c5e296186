// A small SVG chart writer for the benchmark report: line charts (linear or log axes) and strip
// charts of distributions. No dependencies, so the report rebuilds anywhere Node runs, and the
// output is plain text that diffs well in the repository.

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';
/** One colour per series, in order; chosen to stay apart for common colour-vision deficiencies. */
export const PALETTE = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000'];

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (x) => (Math.round(x * 100) / 100).toString();

/** Round tick values covering [lo, hi]: about `count` of them, steps of 1, 2 or 5 × 10^n. */
export function niceTicks(lo, hi, count = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** Powers of ten (and 2×, 5× between them when the span is short) covering [lo, hi] on a log axis. */
function logTicks(lo, hi) {
  const out = [];
  const few = Math.log10(hi / lo) < 2.5;
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of few ? [1, 2, 5] : [1]) {
      const v = m * 10 ** e;
      if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
    }
  }
  return out;
}

const label = (v) => (Math.abs(v) >= 1000 ? `${num(v / 1000)}k` : num(v));

/** Maps a value onto [a, b] pixels over the axis' domain. */
function scale({ min, max, log }, a, b) {
  if (log) {
    const l0 = Math.log10(min);
    const l1 = Math.log10(max);
    return (v) => a + ((Math.log10(Math.max(v, min)) - l0) / (l1 - l0 || 1)) * (b - a);
  }
  return (v) => a + ((v - min) / (max - min || 1)) * (b - a);
}

/** Axis domain from the data: padded, zero-based where sensible, positive for log axes. */
function domain(values, { log = false, min, max, zero = true } = {}) {
  const v = values.filter(Number.isFinite).filter((x) => !log || x > 0);
  let lo = min ?? (v.length ? Math.min(...v) : 0);
  let hi = max ?? (v.length ? Math.max(...v) : 1);
  if (log) {
    lo = min ?? 10 ** Math.floor(Math.log10(lo || 1));
    hi = max ?? 10 ** Math.ceil(Math.log10(hi || 10));
    if (hi <= lo) hi = lo * 10;
    return { min: lo, max: hi, log };
  }
  if (zero && min === undefined && lo > 0) lo = 0;
  if (hi === lo) hi = lo + 1;
  const ticks = niceTicks(lo, hi);
  return { min: Math.min(lo, ticks[0]), max: Math.max(hi, ticks[ticks.length - 1]), log };
}

function frame({ width, height, title, note }) {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="600">${esc(title)}</text>`,
    note ? `<text x="${width / 2}" y="${height - 6}" text-anchor="middle" fill="#555" font-size="11">${esc(note)}</text>` : '',
  ];
}

const colour = (s, i) => s.color ?? PALETTE[i % PALETTE.length];

function legend(series, x, y) {
  return series.map((s, i) => `<g transform="translate(${x},${y + i * 16})"><rect width="12" height="3" y="-4" fill="${colour(s, i)}"/><text x="17" y="0" dominant-baseline="middle">${esc(s.name)}</text></g>`);
}

/**
 * Lines per series over x. `series`: [{ name, points: [[x, y]], color? }]; `x`/`y`: { label, log, min, max }.
 * Without `color` a series takes the palette's colour at its index.
 */
export function lineChart({ title, note = '', x = {}, y = {}, series, width = 840, height = 420, markers = false }) {
  const L = 70;
  const R = 260;
  const T = 36;
  const B = note ? 62 : 48;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const dx = domain(xs, { ...x, zero: x.zero ?? !x.log });
  const dy = domain(ys, { ...y, zero: y.zero ?? !y.log });
  const sx = scale(dx, L, width - R);
  const sy = scale(dy, height - B, T);
  const out = frame({ width, height, title, note });
  const xt = dx.log ? logTicks(dx.min, dx.max) : niceTicks(dx.min, dx.max, 6);
  const yt = dy.log ? logTicks(dy.min, dy.max) : niceTicks(dy.min, dy.max, 6);
  for (const t of yt) out.push(`<line x1="${L}" x2="${width - R}" y1="${num(sy(t))}" y2="${num(sy(t))}" stroke="#e5e5e5"/><text x="${L - 6}" y="${num(sy(t))}" text-anchor="end" dominant-baseline="middle">${label(t)}</text>`);
  for (const t of xt) out.push(`<line y1="${T}" y2="${height - B}" x1="${num(sx(t))}" x2="${num(sx(t))}" stroke="#f0f0f0"/><text x="${num(sx(t))}" y="${height - B + 16}" text-anchor="middle">${label(t)}</text>`);
  out.push(`<rect x="${L}" y="${T}" width="${width - L - R}" height="${height - T - B}" fill="none" stroke="#999"/>`);
  out.push(`<text x="${(L + width - R) / 2}" y="${height - B + 34}" text-anchor="middle">${esc(x.label ?? '')}</text>`);
  out.push(`<text transform="translate(16,${(T + height - B) / 2}) rotate(-90)" text-anchor="middle">${esc(y.label ?? '')}</text>`);
  series.forEach((s, i) => {
    const c = colour(s, i);
    const pts = s.points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b) && (!dx.log || a > 0) && (!dy.log || b > 0));
    if (pts.length > 1) out.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.map(([a, b]) => `${num(sx(a))},${num(sy(b))}`).join(' ')}"/>`);
    if (markers || pts.length === 1) for (const [a, b] of pts) out.push(`<circle cx="${num(sx(a))}" cy="${num(sy(b))}" r="3.5" fill="${c}"/>`);
  });
  out.push(...legend(series, width - R + 14, T + 8));
  out.push('</svg>');
  return out.filter(Boolean).join('\n') + '\n';
}

/**
 * One row per series: every value as a dot (spread vertically so they do not hide each other) and
 * `marks` as ticks (tall ones, e.g. the median, stand out); `caption` is a line under the row's name.
 * `rows`: [{ name, caption?, values, marks: [{ at, label, tall }], color? }].
 */
export function stripChart({ title, note = '', xLabel = '', rows, width = 840, rowHeight = 48, symmetric = true }) {
  const L = 270;
  const R = 30;
  const T = 36;
  const B = note ? 62 : 48;
  const height = T + B + rowHeight * rows.length;
  const all = rows.flatMap((r) => [...r.values, ...(r.marks ?? []).map((m) => m.at)]).filter(Number.isFinite);
  let lim = all.length ? Math.max(...all.map(Math.abs)) : 1;
  const d = symmetric ? domain([-lim, lim], { zero: false }) : domain(all, {});
  if (symmetric) lim = Math.max(Math.abs(d.min), Math.abs(d.max));
  const dd = symmetric ? { min: -lim, max: lim } : d;
  const sx = scale(dd, L, width - R);
  const out = frame({ width, height, title, note });
  for (const t of niceTicks(dd.min, dd.max, 8)) out.push(`<line y1="${T}" y2="${height - B}" x1="${num(sx(t))}" x2="${num(sx(t))}" stroke="${t === 0 ? '#999' : '#eee'}"/><text x="${num(sx(t))}" y="${height - B + 16}" text-anchor="middle">${label(t)}</text>`);
  out.push(`<text x="${(L + width - R) / 2}" y="${height - B + 34}" text-anchor="middle">${esc(xLabel)}</text>`);
  rows.forEach((r, i) => {
    const c = colour(r, i);
    const cy = T + rowHeight * i + rowHeight / 2;
    out.push(`<text x="${L - 10}" y="${r.caption ? cy - 7 : cy}" text-anchor="end" dominant-baseline="middle">${esc(r.name)}</text>`);
    if (r.caption) out.push(`<text x="${L - 10}" y="${cy + 9}" text-anchor="end" dominant-baseline="middle" font-size="10.5" fill="#555">${esc(r.caption)}</text>`);
    if (!r.values.length) out.push(`<text x="${L + 8}" y="${cy}" dominant-baseline="middle" fill="#888">no events measured</text>`);
    r.values.forEach((v, k) => {
      // A fixed pseudo-random spread (not Math.random) so the same data draws the same picture.
      const jitter = (((k * 0.6180339887) % 1) - 0.5) * (rowHeight * 0.55);
      out.push(`<circle cx="${num(sx(v))}" cy="${num(cy + jitter)}" r="2.6" fill="${c}" fill-opacity="0.55"/>`);
    });
    for (const m of r.marks ?? []) {
      if (!Number.isFinite(m.at)) continue;
      const h = m.tall ? rowHeight * 0.42 : rowHeight * 0.28;
      out.push(`<line x1="${num(sx(m.at))}" x2="${num(sx(m.at))}" y1="${num(cy - h)}" y2="${num(cy + h)}" stroke="#222" stroke-width="${m.tall ? 2 : 1.2}"><title>${esc(m.label ?? '')}</title></line>`);
    }
  });
  out.push('</svg>');
  return out.filter(Boolean).join('\n') + '\n';
}
