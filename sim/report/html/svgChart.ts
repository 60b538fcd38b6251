/**
 * Plain SVG charts as strings: line, stacked-area, dot and horizontal bar charts with ticked axes, units and
 * legends. No library and no browser needed to draw them: the page is complete before any script runs, and the same
 * input always gives the same bytes (coordinates are rounded to 0.1 px).
 */

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const px = (x: number) => (Math.round(x * 10) / 10).toString();

/** Colour-blind-safe (Okabe & Ito) categorical colours, darkened yellow left out for contrast on white. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#8C6D31'];
/** Dash patterns combined with the palette when there are more series than colours. */
const DASHES = ['', '6 3', '2 2', '8 3 2 3'];
export function seriesStyle(i: number): { color: string; dash: string } {
  return { color: PALETTE[i % PALETTE.length], dash: DASHES[Math.floor(i / PALETTE.length) % DASHES.length] };
}
export const PHASE_COLORS = { prefill: '#E69F00', decode: '#0072B2', idle: '#B0B0B0' } as const;

// ─── number formatting ──────────────────────────────────────────────────────────────────────────────────────────

/** Compact tick label: 0.002, 0.5, 12, 1,500, 25k, 1.2M. */
export function fmtNumber(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6) return `${trim(v / 1e6, 3)}M`;
  if (a >= 1e4) return `${trim(v / 1e3, 3)}k`;
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  if (a >= 1) return trim(v, 3);
  return trim(v, 2);
}

function trim(v: number, significant: number): string {
  return String(Number(v.toPrecision(significant)));
}

/** A duration in seconds as 50 µs, 2 ms, 1.5 s, 3 min, 2 h. */
export function fmtDuration(s: number): string {
  const a = Math.abs(s);
  if (a === 0) return '0';
  if (a < 1e-3) return `${trim(s * 1e6, 3)} µs`;
  if (a < 1) return `${trim(s * 1e3, 3)} ms`;
  if (a < 120) return `${trim(s, 3)} s`;
  if (a < 7200) return `${trim(s / 60, 3)} min`;
  return `${trim(s / 3600, 3)} h`;
}

// ─── scales ────────────────────────────────────────────────────────────────────────────────────────────────────

export interface Tick {
  readonly value: number;
  readonly label: string;
  /** Major ticks get a label and a grid line; minor ones a short mark. */
  readonly major: boolean;
}

export interface Scale {
  readonly lo: number;
  readonly hi: number;
  readonly log: boolean;
  at(v: number): number;
  ticks(): Tick[];
}

function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
}

/** [lo, hi] widened to whole steps of a nice size, about `count` steps. */
export function niceDomain(lo: number, hi: number, count = 5): [number, number] {
  if (!(hi > lo)) {
    if (lo === 0) return [0, 1];
    const pad = Math.abs(lo) * 0.1;
    return niceDomain(lo - pad, hi + pad, count);
  }
  const step = niceStep(hi - lo, count);
  const clean = (v: number) => Number(v.toPrecision(12));
  return [clean(Math.floor(lo / step + 1e-9) * step), clean(Math.ceil(hi / step - 1e-9) * step)];
}

export function linearScale(lo: number, hi: number, r0: number, r1: number, format: (v: number) => string, count = 5): Scale {
  return {
    lo,
    hi,
    log: false,
    at: (v) => r0 + ((v - lo) / (hi - lo || 1)) * (r1 - r0),
    ticks: () => {
      const step = niceStep(hi - lo, count);
      const out: Tick[] = [];
      for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) {
        const v = Math.abs(k * step) < step * 1e-9 ? 0 : k * step;
        out.push({ value: v, label: format(Number(v.toPrecision(12))), major: true });
      }
      return out;
    },
  };
}

/** Log domain widened to 1-2-5 steps. */
export function niceLogDomain(lo: number, hi: number): [number, number] {
  const down = (v: number) => {
    const m = 10 ** Math.floor(Math.log10(v) + 1e-12);
    const f = v / m;
    return (f >= 5 ? 5 : f >= 2 ? 2 : 1) * m;
  };
  const up = (v: number) => {
    const m = 10 ** Math.floor(Math.log10(v) - 1e-12);
    const f = v / m;
    return (f <= 1 + 1e-9 ? 1 : f <= 2 + 1e-9 ? 2 : f <= 5 + 1e-9 ? 5 : 10) * m;
  };
  let a = down(lo);
  let b = up(hi);
  if (!(b > a)) {
    a = down(lo / 2);
    b = up(hi * 2);
  }
  return [a, b];
}

export function logScale(lo: number, hi: number, r0: number, r1: number, format: (v: number) => string): Scale {
  const l0 = Math.log10(lo);
  const l1 = Math.log10(hi);
  return {
    lo,
    hi,
    log: true,
    at: (v) => r0 + ((Math.log10(v) - l0) / (l1 - l0 || 1)) * (r1 - r0),
    ticks: () => {
      const decades = l1 - l0;
      const labelled = decades <= 0.8 ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : decades <= 1.5 ? [1, 2, 5] : decades <= 3 ? [1, 3] : [1];
      const out: Tick[] = [];
      for (let e = Math.floor(l0) - 1; e <= Math.ceil(l1); e++) {
        for (let m = 1; m <= 9; m++) {
          const v = Number((m * 10 ** e).toPrecision(12));
          if (v < lo * (1 - 1e-9) || v > hi * (1 + 1e-9)) continue;
          const major = labelled.includes(m);
          out.push({ value: v, label: major ? format(v) : '', major });
        }
      }
      return out;
    },
  };
}

// ─── charts ────────────────────────────────────────────────────────────────────────────────────────────────────

export interface AxisSpec {
  /** Axis title with its unit, e.g. `power (W)`. */
  readonly label: string;
  readonly log?: boolean;
  readonly min?: number;
  readonly max?: number;
  /** Start a linear axis at zero (default true for y, false for x). */
  readonly zero?: boolean;
  readonly format?: (v: number) => string;
  /** Unit the cursor readout prints after a value: `s` prints durations, anything else a number and this text. */
  readonly unit?: string;
}

export interface SeriesSpec {
  readonly name: string;
  readonly color: string;
  readonly dash?: string;
  readonly kind: 'line' | 'area' | 'dots';
  readonly xs: ArrayLike<number>;
  readonly ys: ArrayLike<number>;
  /** Lower edge of an area (stacked charts); zero when absent. */
  readonly y0?: ArrayLike<number>;
  readonly width?: number;
  /** Leave out of the legend (still drawn). */
  readonly hideInLegend?: boolean;
}

export interface GuideSpec {
  readonly axis: 'x' | 'y';
  readonly value: number;
  readonly label: string;
}

export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly x: AxisSpec;
  readonly y: AxisSpec;
  readonly series: readonly SeriesSpec[];
  readonly guides?: readonly GuideSpec[];
  /** Small grey text under the plot (e.g. how many points a scatter shows). */
  readonly note?: string;
  readonly width?: number;
  readonly height?: number;
}

const FONT_PX = 12;
/** Rough width of a label in the page font; used only to lay out legends and margins. */
function textWidth(s: string, size = FONT_PX): number {
  return s.length * size * 0.56;
}

interface LegendItem {
  readonly name: string;
  readonly color: string;
  readonly dash?: string;
  readonly kind: SeriesSpec['kind'] | 'bar';
  readonly key: number;
}

function legendRows(items: readonly LegendItem[], width: number): LegendItem[][] {
  const rows: LegendItem[][] = [[]];
  let x = 0;
  for (const it of items) {
    const w = 26 + textWidth(it.name) + 14;
    if (x + w > width && rows[rows.length - 1].length) {
      rows.push([]);
      x = 0;
    }
    rows[rows.length - 1].push(it);
    x += w;
  }
  return rows.filter((r) => r.length);
}

function legendSvg(rows: LegendItem[][], left: number, top: number): string {
  let out = '<g class="legend">';
  rows.forEach((row, ri) => {
    let x = left;
    const y = top + ri * 18;
    for (const it of row) {
      const swatch =
        it.kind === 'line'
          ? `<line x1="${px(x)}" y1="${px(y)}" x2="${px(x + 20)}" y2="${px(y)}" stroke="${it.color}" stroke-width="2.5"${it.dash ? ` stroke-dasharray="${it.dash}"` : ''}/>`
          : it.kind === 'dots'
            ? `<circle cx="${px(x + 10)}" cy="${px(y)}" r="4" fill="${it.color}"/>`
            : `<rect x="${px(x + 2)}" y="${px(y - 6)}" width="16" height="12" rx="2" fill="${it.color}"/>`;
      out += `<g class="legend-item" data-series="${it.key}" tabindex="0" role="button" aria-pressed="true">${swatch}<text x="${px(x + 26)}" y="${px(y + 4)}">${esc(it.name)}</text></g>`;
      x += 26 + textWidth(it.name) + 14;
    }
  });
  return out + '</g>';
}

function extent(series: readonly SeriesSpec[], pick: (s: SeriesSpec) => ArrayLike<number>[], log: boolean): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    for (const arr of pick(s)) {
      for (let i = 0; i < arr.length; i++) {
        const v = arr[i];
        if (!Number.isFinite(v) || (log && v <= 0)) continue;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  }
  return [lo, hi];
}

function padded([lo, hi]: [number, number], log: boolean, pad: boolean): [number, number] {
  if (!pad || !Number.isFinite(lo) || !(hi > lo)) return [lo, hi];
  if (log) {
    const f = (hi / lo) ** 0.03;
    return [lo / f, hi * f];
  }
  const d = (hi - lo) * 0.03;
  return [lo >= 0 ? Math.max(0, lo - d) : lo - d, hi + d];
}

function makeScale(axis: AxisSpec, data: [number, number], r0: number, r1: number, zeroDefault: boolean, count: number): Scale {
  const format = axis.format ?? fmtNumber;
  let [lo, hi] = data;
  if (axis.log) {
    if (!Number.isFinite(lo)) [lo, hi] = [1, 10];
    [lo, hi] = niceLogDomain(axis.min ?? lo, axis.max ?? hi);
    if (axis.min !== undefined) lo = axis.min;
    if (axis.max !== undefined) hi = axis.max;
    return logScale(lo, hi, r0, r1, format);
  }
  if (!Number.isFinite(lo)) [lo, hi] = [0, 1];
  if (axis.zero ?? zeroDefault) {
    lo = Math.min(lo, 0);
    hi = Math.max(hi, 0);
  }
  if (axis.min !== undefined) lo = axis.min;
  if (axis.max !== undefined) hi = axis.max;
  const [nlo, nhi] = niceDomain(lo, hi, count);
  return linearScale(axis.min ?? nlo, axis.max ?? nhi, r0, r1, format, count);
}

/** SVG path data of a polyline, breaking at missing values (and non-positive ones on a log axis). */
function polyline(xs: ArrayLike<number>, ys: ArrayLike<number>, sx: Scale, sy: Scale): string {
  let d = '';
  let pen = false;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    const y = ys[i];
    const ok = Number.isFinite(x) && Number.isFinite(y) && !(sx.log && x <= 0) && !(sy.log && y <= 0);
    if (!ok) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${px(sx.at(x))} ${px(sy.at(y))}`;
    pen = true;
  }
  return d;
}

function areaPath(s: SeriesSpec, sx: Scale, sy: Scale): string {
  const n = s.xs.length;
  if (n === 0) return '';
  let d = '';
  for (let i = 0; i < n; i++) d += `${i ? 'L' : 'M'}${px(sx.at(s.xs[i]))} ${px(sy.at(s.ys[i]))}`;
  for (let i = n - 1; i >= 0; i--) d += `L${px(sx.at(s.xs[i]))} ${px(sy.at(s.y0 ? s.y0[i] : 0))}`;
  return d + 'Z';
}

function dotsPath(s: SeriesSpec, sx: Scale, sy: Scale): { d: string; count: number } {
  let d = '';
  let count = 0;
  for (let i = 0; i < s.xs.length; i++) {
    const x = s.xs[i];
    const y = s.ys[i];
    if (!Number.isFinite(x) || !Number.isFinite(y) || (sx.log && x <= 0) || (sy.log && y <= 0)) continue;
    d += `M${px(sx.at(x))} ${px(sy.at(y))}h0`;
    count++;
  }
  return { d, count };
}

/** A chart with x and y axes: lines, stacked areas and dots, with a clickable legend. */
export function chart(spec: ChartSpec): string {
  const W = spec.width ?? 640;
  const H = spec.height ?? 320;
  const legendItems: LegendItem[] = spec.series
    .map((s, key) => ({ name: s.name, color: s.color, dash: s.dash, kind: s.kind, key, hide: s.hideInLegend }))
    .filter((s) => !s.hide);
  const rows = legendItems.length > 1 || (legendItems.length === 1 && spec.series.length > 1) ? legendRows(legendItems, W - 70) : [];
  const guides = spec.guides ?? [];
  const left = 66;
  const right = guides.some((g) => g.axis === 'y') ? Math.max(18, 12 + Math.max(...guides.map((g) => textWidth(g.label, 11)))) : 18;
  const top = 30 + rows.length * 18 + 8;
  const bottom = 46 + (spec.note ? 16 : 0);
  const pw = W - left - right;
  const ph = H - top - bottom;
  // Dots on the domain's edge would be cut in half: scatter charts get a little room around their data.
  const dots = spec.series.some((s) => s.kind === 'dots');
  const xData = padded(extent(spec.series, (s) => [s.xs], !!spec.x.log), !!spec.x.log, dots);
  const yData = padded(extent(spec.series, (s) => (s.y0 ? [s.ys, s.y0] : [s.ys]), !!spec.y.log), !!spec.y.log, dots);
  const sx = makeScale(spec.x, xData, left, left + pw, false, 6);
  const sy = makeScale(spec.y, yData, top + ph, top, true, 5);
  const clip = `${spec.id}-clip`;
  let out = `<svg class="chart" id="${esc(spec.id)}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(spec.title)}" xmlns="http://www.w3.org/2000/svg">`;
  out += `<title>${esc(spec.title)}</title>`;
  out += `<defs><clipPath id="${esc(clip)}"><rect x="${left}" y="${px(top - 2)}" width="${pw}" height="${px(ph + 4)}"/></clipPath></defs>`;
  out += `<text class="chart-title" x="${left}" y="18">${esc(spec.title)}</text>`;
  if (rows.length) out += legendSvg(rows, left, 38);
  // Grid and ticks.
  out += '<g class="axis y-axis">';
  for (const t of sy.ticks()) {
    const y = px(sy.at(t.value));
    if (t.major) {
      out += `<line class="grid" x1="${left}" y1="${y}" x2="${left + pw}" y2="${y}"/>`;
      out += `<text class="tick" x="${left - 6}" y="${y}" dy="0.32em" text-anchor="end">${esc(t.label)}</text>`;
    } else {
      out += `<line class="minor" x1="${left - 3}" y1="${y}" x2="${left}" y2="${y}"/>`;
    }
  }
  out += `<text class="axis-label" transform="translate(14 ${px(top + ph / 2)}) rotate(-90)" text-anchor="middle">${esc(spec.y.label)}</text></g>`;
  out += '<g class="axis x-axis">';
  const xTicks = sx.ticks();
  const majorCount = xTicks.filter((t) => t.major).length;
  // Thin labels that would overlap (long labels on a narrow chart).
  const maxLabel = Math.max(0, ...xTicks.map((t) => textWidth(t.label)));
  const every = Math.max(1, Math.ceil(((maxLabel + 8) * majorCount) / pw));
  let k = 0;
  for (const t of xTicks) {
    const x = px(sx.at(t.value));
    if (t.major) {
      out += `<line class="grid" x1="${x}" y1="${top}" x2="${x}" y2="${top + ph}"/>`;
      if (k++ % every === 0) out += `<text class="tick" x="${x}" y="${top + ph + 16}" text-anchor="middle">${esc(t.label)}</text>`;
      out += `<line class="tickmark" x1="${x}" y1="${top + ph}" x2="${x}" y2="${top + ph + 4}"/>`;
    } else {
      out += `<line class="minor" x1="${x}" y1="${top + ph}" x2="${x}" y2="${top + ph + 3}"/>`;
    }
  }
  out += `<text class="axis-label" x="${px(left + pw / 2)}" y="${top + ph + 36}" text-anchor="middle">${esc(spec.x.label)}</text></g>`;
  out += `<rect class="frame" x="${left}" y="${top}" width="${pw}" height="${ph}"/>`;
  // Data.
  out += `<g class="data" clip-path="url(#${esc(clip)})">`;
  spec.series.forEach((s, key) => {
    const attrs = `data-series="${key}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}`;
    if (s.kind === 'area') {
      out += `<path class="area" ${attrs} d="${areaPath(s, sx, sy)}" fill="${s.color}" fill-opacity="0.85" stroke="${s.color}" stroke-width="0.5"/>`;
    } else if (s.kind === 'dots') {
      const { d, count } = dotsPath(s, sx, sy);
      out += `<path class="dots" ${attrs} data-points="${count}" d="${d}" stroke="${s.color}" stroke-width="${s.width ?? 4.5}" stroke-linecap="round" stroke-opacity="0.55" fill="none"/>`;
    } else {
      out += `<path class="line" ${attrs} d="${polyline(s.xs, s.ys, sx, sy)}" stroke="${s.color}" stroke-width="${s.width ?? 2}" fill="none" stroke-linejoin="round"/>`;
    }
  });
  out += '</g>';
  for (const g of guides) {
    if (g.axis === 'y') {
      const y = sy.at(g.value);
      if (y < top - 0.5 || y > top + ph + 0.5) continue;
      out += `<g class="guide"><line x1="${left}" y1="${px(y)}" x2="${left + pw + 3}" y2="${px(y)}"/><text x="${left + pw + 5}" y="${px(y)}" dy="0.32em">${esc(g.label)}</text></g>`;
    } else {
      const x = sx.at(g.value);
      if (x < left - 0.5 || x > left + pw + 0.5) continue;
      out += `<g class="guide"><line x1="${px(x)}" y1="${top}" x2="${px(x)}" y2="${top + ph}"/><text x="${px(x + 4)}" y="${top + 12}">${esc(g.label)}</text></g>`;
    }
  }
  if (spec.note) out += `<text class="note" x="${left}" y="${H - 6}">${esc(spec.note)}</text>`;
  // The plot area as the cursor readout sees it (domain, scale kind, units).
  out += `<rect class="hover" x="${left}" y="${top}" width="${pw}" height="${ph}" data-x="${sx.lo} ${sx.hi} ${sx.log ? 1 : 0}" data-y="${sy.lo} ${sy.hi} ${sy.log ? 1 : 0}" data-xu="${esc(spec.x.unit ?? '')}" data-yu="${esc(spec.y.unit ?? '')}"/>`;
  out += `<g class="readout" visibility="hidden"><line class="cross" x1="0" y1="${top}" x2="0" y2="${top + ph}"/><rect class="readout-bg" x="0" y="0" width="10" height="18" rx="3"/><text class="readout-text" x="0" y="0"></text></g>`;
  return out + '</svg>';
}

export interface BarSpec {
  readonly id: string;
  readonly title: string;
  readonly categories: readonly string[];
  /** One stack segment per entry; values per category. */
  readonly stacks: readonly { name: string; color: string; values: readonly number[] }[];
  readonly axis: AxisSpec;
  /** Text at the end of each bar (the total, a Δ%). */
  readonly barLabels?: readonly string[];
  readonly width?: number;
}

/** Horizontal (stacked) bars, one per category: long variant labels read left to right. */
export function barChart(spec: BarSpec): string {
  const W = spec.width ?? 640;
  const n = spec.categories.length;
  const legend: LegendItem[] = spec.stacks.length > 1 ? spec.stacks.map((s, key) => ({ name: s.name, color: s.color, kind: 'bar', key })) : [];
  const rows = legend.length ? legendRows(legend, W - 70) : [];
  const labelWidth = Math.min(260, Math.max(60, ...spec.categories.map((c) => textWidth(c) + 12)));
  const left = labelWidth + 8;
  const right = 90;
  const top = 30 + rows.length * 18 + 8;
  const barH = 20;
  const gap = 8;
  const ph = n * (barH + gap) + gap;
  const H = top + ph + 46;
  const pw = W - left - right;
  const totals = spec.categories.map((_, i) => spec.stacks.reduce((sum, s) => sum + Math.max(0, s.values[i] ?? 0), 0));
  const sx = makeScale({ ...spec.axis, log: false }, [0, Math.max(0, ...totals)], left, left + pw, true, 5);
  let out = `<svg class="chart bar-chart" id="${esc(spec.id)}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(spec.title)}" xmlns="http://www.w3.org/2000/svg">`;
  out += `<title>${esc(spec.title)}</title><text class="chart-title" x="8" y="18">${esc(spec.title)}</text>`;
  if (rows.length) out += legendSvg(rows, left, 38);
  out += '<g class="axis x-axis">';
  for (const t of sx.ticks()) {
    const x = px(sx.at(t.value));
    out += `<line class="grid" x1="${x}" y1="${top}" x2="${x}" y2="${top + ph}"/><text class="tick" x="${x}" y="${top + ph + 16}" text-anchor="middle">${esc(t.label)}</text>`;
  }
  out += `<text class="axis-label" x="${px(left + pw / 2)}" y="${top + ph + 36}" text-anchor="middle">${esc(spec.axis.label)}</text></g>`;
  out += '<g class="data">';
  spec.categories.forEach((cat, i) => {
    const y = top + gap + i * (barH + gap);
    const shown = textWidth(cat) + 12 > labelWidth ? cat.slice(0, Math.floor((labelWidth - 12) / (FONT_PX * 0.56)) - 1) + '…' : cat;
    out += `<text class="category" x="${left - 8}" y="${px(y + barH / 2)}" dy="0.32em" text-anchor="end"><title>${esc(cat)}</title>${esc(shown)}</text>`;
    let acc = 0;
    spec.stacks.forEach((s, key) => {
      const v = Math.max(0, s.values[i] ?? 0);
      if (v <= 0) return;
      const x0 = sx.at(acc);
      const x1 = sx.at(acc + v);
      out += `<rect class="bar" data-series="${key}" x="${px(x0)}" y="${px(y)}" width="${px(Math.max(0.5, x1 - x0))}" height="${barH}" fill="${s.color}"><title>${esc(`${cat}: ${s.name} ${fmtNumber(v)}`)}</title></rect>`;
      acc += v;
    });
    if (spec.barLabels?.[i]) out += `<text class="bar-label" x="${px(sx.at(acc) + 6)}" y="${px(y + barH / 2)}" dy="0.32em">${esc(spec.barLabels[i])}</text>`;
  });
  out += `</g><line class="axis-line" x1="${left}" y1="${top}" x2="${left}" y2="${top + ph}"/>`;
  return out + '</svg>';
}
