/**
 * Small self-contained SVG charts for the reproduction report: log-log line charts (Figure 1 style) and grouped bar
 * charts, and a grid of panels in one SVG. No scripts, no external fonts or styles: every file opens on its own.
 */

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

const FONT = 'font-family="Helvetica, Arial, sans-serif"';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** 1500 → "1.5k", 2e6 → "2M", 0.25 → "0.25". */
export function si(x: number): string {
  if (Math.abs(x) < 5e-4) return '0';
  const a = Math.abs(x);
  const trim = (v: number) => String(Number(v.toPrecision(3)));
  if (a >= 1e9) return `${trim(x / 1e9)}G`;
  if (a >= 1e6) return `${trim(x / 1e6)}M`;
  if (a >= 1e3) return `${trim(x / 1e3)}k`;
  return trim(x);
}

/** Token counts on power-of-two axes: 2048 → "2k", 32768 → "32k", 512 → "512". */
export function tokensLabel(x: number): string {
  return x >= 1024 && Number.isInteger(x / 1024) ? `${x / 1024}k` : si(x);
}

/** Greedy word wrap to lines of at most maxChars characters (a long word gets a line of its own). */
export function wrap(text: string, maxChars: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > maxChars) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** A centred bold title, wrapped to the panel width; returns the SVG and the height it takes. */
function titleBlock(title: string, width: number): { svg: string; height: number } {
  const lines = wrap(title, Math.max(20, Math.floor((width - 20) / 8.2)));
  return {
    svg: lines.map((l, i) => `<text x="${width / 2}" y="${20 + i * 17}" text-anchor="middle" font-size="14" font-weight="bold" ${FONT}>${esc(l)}</text>`).join(''),
    height: (lines.length - 1) * 17,
  };
}

export interface Panel {
  readonly width: number;
  readonly height: number;
  /** SVG elements drawn in the panel's own coordinates (0,0 top-left). */
  readonly body: string;
}

export interface LineSeries {
  readonly name: string;
  readonly color: string;
  readonly dash?: boolean;
  readonly points: readonly (readonly [number, number])[];
}

export interface LineChartSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly LineSeries[];
  readonly logX?: boolean;
  readonly logY?: boolean;
  readonly width?: number;
  readonly height?: number;
  /** Tick values for x (default: powers of two for log axes, 5 even ticks for linear). */
  readonly xTicks?: readonly number[];
  /** Tick labels for x (default: si). */
  readonly xFormat?: (x: number) => string;
}

const M = { left: 70, right: 16, top: 34, bottom: 50 };

function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    const v = 10 ** e;
    if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
  }
  if (out.length < 3) {
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      for (const m of [2, 5]) {
        const v = m * 10 ** e;
        if (v >= lo && v <= hi) out.push(v);
      }
    }
    out.sort((a, b) => a - b);
  }
  return out;
}

function linearTicks(lo: number, hi: number, n = 5): number[] {
  const span = hi - lo || 1;
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= n) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function powerOfTwoTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  const span = Math.log2(hi / lo);
  const every = span > 10 ? 3 : span > 5 ? 2 : 1;
  for (let e = Math.ceil(Math.log2(lo)); 2 ** e <= hi; e += every) out.push(2 ** e);
  return out;
}

function legend(items: readonly { name: string; color: string; dash?: boolean; box?: boolean }[], x: number, y: number, maxWidth: number): { svg: string; height: number } {
  let cx = x;
  let cy = y;
  const parts: string[] = [];
  for (const it of items) {
    const w = 26 + it.name.length * 6.6 + 14;
    if (cx + w > x + maxWidth && cx > x) {
      cx = x;
      cy += 18;
    }
    parts.push(
      it.box
        ? `<rect x="${cx}" y="${cy - 9}" width="14" height="10" fill="${it.color}"/>`
        : `<line x1="${cx}" y1="${cy - 4}" x2="${cx + 20}" y2="${cy - 4}" stroke="${it.color}" stroke-width="2.5"${it.dash ? ' stroke-dasharray="5,3"' : ''}/>`,
    );
    parts.push(`<text x="${cx + 24}" y="${cy}" font-size="12" ${FONT} fill="#222">${esc(it.name)}</text>`);
    cx += w;
  }
  return { svg: parts.join(''), height: cy - y + 18 };
}

export function lineChart(spec: LineChartSpec): Panel {
  const width = spec.width ?? 520;
  const height = spec.height ?? 380;
  const all = spec.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!spec.logX || x > 0) && (!spec.logY || y > 0));
  const leg = legend(spec.series.map((s) => ({ name: s.name, color: s.color, dash: s.dash })), M.left, 0, width - M.left - M.right);
  const tb = titleBlock(spec.title, width);
  const top = M.top + 4 + tb.height;
  const bottom = height - M.bottom - leg.height;
  const legendY = height - leg.height + 6;
  const left = M.left;
  const right = width - M.right;
  if (all.length === 0) {
    return { width, height, body: `<text x="${width / 2}" y="${height / 2}" text-anchor="middle" font-size="13" ${FONT}>${esc(spec.title)}: no data</text>` };
  }
  let [x0, x1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  let [y0, y1] = [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  if (spec.logY) {
    y0 = 10 ** Math.floor(Math.log10(y0));
    y1 = 10 ** Math.ceil(Math.log10(y1));
  } else {
    const pad = (y1 - y0) * 0.05 || Math.abs(y1) * 0.1 || 1;
    y0 = Math.min(0, y0 - pad);
    y1 += pad;
  }
  if (x0 === x1) {
    x0 = spec.logX ? x0 / 2 : x0 - 1;
    x1 = spec.logX ? x1 * 2 : x1 + 1;
  }
  const fx = (x: number) => left + ((spec.logX ? Math.log(x / x0) / Math.log(x1 / x0) : (x - x0) / (x1 - x0)) * (right - left));
  const fy = (y: number) => bottom - ((spec.logY ? Math.log(y / y0) / Math.log(y1 / y0) : (y - y0) / (y1 - y0)) * (bottom - top));
  const parts: string[] = [];
  parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>`);
  parts.push(tb.svg);
  const xt = spec.xTicks ?? (spec.logX ? powerOfTwoTicks(x0, x1) : linearTicks(x0, x1));
  const yt = spec.logY ? logTicks(y0, y1) : linearTicks(y0, y1);
  for (const t of xt) {
    const x = fx(t);
    parts.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${bottom}" stroke="#e6e6e6"/>`);
    parts.push(`<text x="${x}" y="${bottom + 16}" text-anchor="middle" font-size="11" ${FONT} fill="#333">${esc((spec.xFormat ?? si)(t))}</text>`);
  }
  for (const t of yt) {
    const y = fy(t);
    parts.push(`<line x1="${left}" y1="${y}" x2="${right}" y2="${y}" stroke="#e6e6e6"/>`);
    parts.push(`<text x="${left - 6}" y="${y + 4}" text-anchor="end" font-size="11" ${FONT} fill="#333">${si(t)}</text>`);
  }
  parts.push(`<rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" fill="none" stroke="#888"/>`);
  parts.push(`<text x="${(left + right) / 2}" y="${bottom + 36}" text-anchor="middle" font-size="12" ${FONT}>${esc(spec.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${(top + bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="12" ${FONT}>${esc(spec.yLabel)}</text>`);
  for (const s of spec.series) {
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!spec.logX || x > 0) && (!spec.logY || y > 0));
    if (pts.length === 0) continue;
    const d = pts.map(([x, y], i) => `${i ? 'L' : 'M'}${fx(x).toFixed(1)},${fy(y).toFixed(1)}`).join('');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ' stroke-dasharray="5,3"' : ''}/>`);
    for (const [x, y] of pts) parts.push(`<circle cx="${fx(x).toFixed(1)}" cy="${fy(y).toFixed(1)}" r="2.6" fill="${s.color}"/>`);
  }
  parts.push(`<g transform="translate(0 ${legendY})">${leg.svg}</g>`);
  return { width, height, body: parts.join('') };
}

export interface BarSeries {
  readonly name: string;
  readonly color: string;
  /** One value per group; null = no bar (did not fit / not simulated). */
  readonly values: readonly (number | null)[];
}

export interface BarChartSpec {
  readonly title: string;
  readonly yLabel: string;
  readonly groups: readonly string[];
  readonly series: readonly BarSeries[];
  readonly logY?: boolean;
  readonly width?: number;
  readonly height?: number;
  /** Print each bar's value above it. */
  readonly labels?: boolean;
  readonly xLabel?: string;
}

export function barChart(spec: BarChartSpec): Panel {
  const width = spec.width ?? Math.max(420, 90 + spec.groups.length * (spec.series.length * 22 + 26));
  const height = spec.height ?? 380;
  const leg = legend(spec.series.map((s) => ({ name: s.name, color: s.color, box: true })), M.left, 0, width - M.left - M.right);
  const tb = titleBlock(spec.title, width);
  const top = M.top + 10 + tb.height;
  const bottom = height - M.bottom - leg.height + (spec.xLabel ? 0 : 14);
  const legendY = height - leg.height + 6;
  const left = M.left;
  const right = width - M.right;
  const vals = spec.series.flatMap((s) => s.values).filter((v): v is number => v !== null && Number.isFinite(v) && (!spec.logY || v > 0));
  const parts: string[] = [`<rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>`];
  parts.push(tb.svg);
  if (vals.length === 0) {
    parts.push(`<text x="${width / 2}" y="${height / 2}" text-anchor="middle" font-size="13" ${FONT} fill="#555">not yet simulated</text>`);
    return { width, height, body: parts.join('') };
  }
  let y0: number;
  let y1: number;
  if (spec.logY) {
    y0 = 10 ** Math.floor(Math.log10(Math.min(...vals)));
    y1 = 10 ** Math.ceil(Math.log10(Math.max(...vals)));
  } else {
    y0 = Math.min(0, ...vals);
    y1 = Math.max(0, ...vals);
    const pad = (y1 - y0) * 0.12 || 1;
    if (y1 > 0) y1 += pad;
    if (y0 < 0) y0 -= pad;
  }
  const fy = (y: number) => bottom - ((spec.logY ? Math.log(y / y0) / Math.log(y1 / y0) : (y - y0) / (y1 - y0)) * (bottom - top));
  const yt = spec.logY ? logTicks(y0, y1) : linearTicks(y0, y1);
  for (const t of yt) {
    const y = fy(t);
    parts.push(`<line x1="${left}" y1="${y}" x2="${right}" y2="${y}" stroke="${t === 0 ? '#666' : '#e6e6e6'}"/>`);
    parts.push(`<text x="${left - 6}" y="${y + 4}" text-anchor="end" font-size="11" ${FONT} fill="#333">${si(t)}</text>`);
  }
  const groupWidth = (right - left) / spec.groups.length;
  const barWidth = Math.min(26, (groupWidth - 14) / spec.series.length);
  const base = spec.logY ? bottom : fy(0);
  spec.groups.forEach((g, gi) => {
    const gx = left + gi * groupWidth + (groupWidth - barWidth * spec.series.length) / 2;
    spec.series.forEach((s, si2) => {
      const v = s.values[gi];
      const x = gx + si2 * barWidth;
      if (v === null || v === undefined || !Number.isFinite(v) || (spec.logY && v <= 0)) {
        parts.push(`<text x="${x + barWidth / 2}" y="${base - 4}" text-anchor="middle" font-size="10" ${FONT} fill="#999">–</text>`);
        return;
      }
      const y = fy(v);
      const yTop = Math.min(y, base);
      const h = Math.max(1, Math.abs(base - y));
      parts.push(`<rect x="${x.toFixed(1)}" y="${yTop.toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${s.color}"><title>${esc(`${s.name}, ${g}: ${si(v)}`)}</title></rect>`);
      if (spec.labels) {
        const ly = v >= 0 || spec.logY ? yTop - 3 : yTop + h + 11;
        parts.push(`<text x="${(x + barWidth / 2 - 1).toFixed(1)}" y="${ly.toFixed(1)}" text-anchor="middle" font-size="10" ${FONT} fill="#222">${!spec.logY && Math.abs(v) < 0.05 ? '0' : si(v)}</text>`);
      }
    });
    parts.push(`<text x="${left + gi * groupWidth + groupWidth / 2}" y="${bottom + 16}" text-anchor="middle" font-size="11" ${FONT} fill="#333">${esc(g)}</text>`);
  });
  parts.push(`<rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" fill="none" stroke="#888"/>`);
  if (spec.xLabel) parts.push(`<text x="${(left + right) / 2}" y="${bottom + 34}" text-anchor="middle" font-size="12" ${FONT}>${esc(spec.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${(top + bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="12" ${FONT}>${esc(spec.yLabel)}</text>`);
  parts.push(`<g transform="translate(0 ${legendY})">${leg.svg}</g>`);
  return { width, height, body: parts.join('') };
}

/** Panels in a grid (row-major), under an optional caption, as one standalone SVG document. */
export function svgDocument(panels: readonly Panel[], columns: number, caption?: string): string {
  const rows: Panel[][] = [];
  for (let i = 0; i < panels.length; i += columns) rows.push(panels.slice(i, i + columns));
  const width = Math.max(...rows.map((r) => r.reduce((a, p) => a + p.width, 0)));
  const capLines = caption ? wrap(caption, Math.max(40, Math.floor((width - 20) / 6.9))) : [];
  const capH = capLines.length ? 10 + capLines.length * 17 : 0;
  const height = capH + rows.reduce((a, r) => a + Math.max(...r.map((p) => p.height)), 0);
  const parts: string[] = [];
  capLines.forEach((l, i) => parts.push(`<text x="10" y="${18 + i * 17}" font-size="13" ${FONT} fill="#444">${esc(l)}</text>`));
  let y = capH;
  for (const r of rows) {
    let x = 0;
    for (const p of r) {
      parts.push(`<svg x="${x}" y="${y}" width="${p.width}" height="${p.height}" viewBox="0 0 ${p.width} ${p.height}">${p.body}</svg>`);
      x += p.width;
    }
    y += Math.max(...r.map((p) => p.height));
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect width="100%" height="100%" fill="#fff"/>${parts.join('')}</svg>\n`;
}
