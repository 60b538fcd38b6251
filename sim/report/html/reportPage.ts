/**
 * report.html: one self-contained page (inline SVG, CSS and script; nothing fetched) for a run or a comparison.
 * Same inputs, same bytes: nothing here reads the clock or the environment.
 */
import type { CompareResult } from '../compareResult.js';
import type { Quantiles } from '../../accounting/quantiles.js';
import type { Cdf, RunReportData, ScatterData } from '../reportData.js';
import { MAX_SCATTER_POINTS } from '../reportData.js';
import type { Summary } from '../summary.js';
import { PAGE_CSS, PAGE_JS } from './pageAssets.js';
import { barChart, chart, esc, fmtDuration, PHASE_COLORS, type SeriesSpec, seriesStyle } from './svgChart.js';
import { formatEnergy, formatNumber, formatPower } from '../units.js';

/** Replicas drawn one chart each; beyond this the page shows the first ones and says so. */
const MAX_REPLICA_CHARTS = 8;

const PROVENANCE_TEXT: Record<string, string> = {
  calibrated: 'fitted on measurements of this GPU, model and serving stack',
  transferred: "another GPU's measured profile carried to this GPU's datasheet: a what-if, not a measurement",
  datasheet: "the GPU's datasheet with the stack's efficiency priors: a what-if, nothing here was measured",
};

// ─── units ─────────────────────────────────────────────────────────────────────────────────────────────────────

interface Unit {
  readonly label: string;
  readonly divisor: number;
}

function timeUnit(maxSeconds: number): Unit {
  if (maxSeconds <= 600) return { label: 's', divisor: 1 };
  if (maxSeconds <= 5 * 3600) return { label: 'min', divisor: 60 };
  return { label: 'h', divisor: 3600 };
}

function energyUnit(maxJoules: number): Unit {
  if (maxJoules < 1e4) return { label: 'J', divisor: 1 };
  if (maxJoules < 3.6e5) return { label: 'kJ', divisor: 1e3 };
  return { label: 'kWh', divisor: 3.6e6 };
}

function powerUnit(maxWatts: number): Unit {
  return maxWatts >= 2e4 ? { label: 'kW', divisor: 1e3 } : { label: 'W', divisor: 1 };
}

function fmtEnergy(j: number): string {
  return Number.isFinite(j) ? formatEnergy(j) : '–';
}

function sig(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  return String(Number(v.toPrecision(digits)));
}

function dur(s: number): string {
  return Number.isFinite(s) ? fmtDuration(s) : '–';
}

function pct(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '–';
  return `${x > 0 ? '+' : ''}${x.toFixed(1)}%`;
}

// ─── shared pieces ─────────────────────────────────────────────────────────────────────────────────────────────

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="joulesim">
<title>${esc(title)}</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<main>
${body}
</main>
<script>${PAGE_JS}</script>
</body>
</html>
`;
}

function figure(svg: string, caption: string): string {
  return `<figure class="panel">${svg}<figcaption>${esc(caption)}</figcaption></figure>`;
}

/**
 * The first thing a reader sees about where the numbers come from. A run that is mostly extrapolated (steps outside
 * the profile's fitted range, a scheduler the stack does not have) gets the amber extrapolated banner with the
 * reasons, never the green calibrated one.
 */
function provenanceBanner(s: Summary): string {
  const kind = s.cost_model.kind;
  const head = `<strong>${esc(kind)}</strong> cost model: ${esc(PROVENANCE_TEXT[kind] ?? '')}.`;
  const x = s.cost_model.extrapolated ?? [];
  if (x.length === 0) return `<div class="provenance prov-${esc(kind)}">${head}<br>${esc(s.cost_model.description)}</div>`;
  const cls = kind === 'datasheet' ? 'datasheet' : 'extrapolated';
  return `<div class="provenance prov-${cls}"><strong>extrapolated</strong>: ${esc(x.join('; '))}.<br>${head}<br>${esc(s.cost_model.description)}</div>`;
}

function badge(kind: string): string {
  return `<span class="badge ${esc(kind)}">${esc(kind)}</span>`;
}

function card(k: string, v: string, d = ''): string {
  return `<div class="card"><div class="k">${esc(k)}</div><div class="v">${esc(v)}</div>${d ? `<div class="d">${esc(d)}</div>` : ''}</div>`;
}

function clusterLine(s: Summary): string {
  return `${s.replicas} × ${s.gpu}${s.tp > 1 ? ` (tensor parallel ${s.tp})` : ''} · ${s.model} · ${s.stack} · ${String(s.scheduler.kind)} batching${s.replicas > 1 ? ` · ${s.router} routing` : ''}`;
}

/** Step-shaped xs/ys of interval values: each interval drawn flat from its start to its end. */
function stairs(start: readonly number[], end: readonly number[], values: readonly number[], divX: number, divY: number): { xs: number[]; ys: number[] } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < values.length; i++) {
    xs.push(start[i] / divX, end[i] / divX);
    ys.push(values[i] / divY, values[i] / divY);
  }
  return { xs, ys };
}

function cumulativeLine(r: RunReportData, divX: number, divY: number): { xs: number[]; ys: number[] } {
  const xs = [0];
  const ys = [0];
  for (let i = 0; i < r.series.endSeconds.length; i++) {
    xs.push(r.series.endSeconds[i] / divX);
    ys.push(r.series.cumulativeJoules[i] / divY);
  }
  return { xs, ys };
}

function clusterTotal(r: RunReportData, pick: (s: RunReportData['series']['replicas'][number], i: number) => number): number[] {
  return r.series.startSeconds.map((_, i) => r.series.replicas.reduce((sum, s) => sum + pick(s, i), 0));
}

function maxOf(values: Iterable<number>): number {
  let m = 0;
  for (const v of values) if (Number.isFinite(v) && v > m) m = v;
  return m;
}

function lastTime(r: RunReportData): number {
  const e = r.series.endSeconds;
  return e.length ? e[e.length - 1] : 0;
}

function stackedPower(id: string, title: string, r: RunReportData, phases: { prefill: number[]; decode: number[]; idle: number[] }, t: Unit, p: Unit, capWatts?: number): string {
  const { startSeconds: s0, endSeconds: s1 } = r.series;
  const decode = stairs(s0, s1, phases.decode, t.divisor, p.divisor);
  const prefill = stairs(s0, s1, phases.decode.map((d, i) => d + phases.prefill[i]), t.divisor, p.divisor);
  const idle = stairs(s0, s1, phases.decode.map((d, i) => d + phases.prefill[i] + phases.idle[i]), t.divisor, p.divisor);
  const series: SeriesSpec[] = [
    { name: 'decode', color: PHASE_COLORS.decode, kind: 'area', xs: decode.xs, ys: decode.ys },
    { name: 'prefill', color: PHASE_COLORS.prefill, kind: 'area', xs: prefill.xs, ys: prefill.ys, y0: decode.ys },
    { name: 'idle', color: PHASE_COLORS.idle, kind: 'area', xs: idle.xs, ys: idle.ys, y0: prefill.ys },
  ];
  return chart({
    id,
    title,
    x: { label: `time (${t.label})`, min: 0, unit: t.label },
    y: { label: `power (${p.label})`, unit: p.label, max: capWatts !== undefined ? niceCeil(Math.max(capWatts, maxOf(idle.ys) * p.divisor) / p.divisor) : undefined },
    series,
    guides: capWatts !== undefined ? [{ axis: 'y', value: capWatts / p.divisor, label: 'cap' }] : [],
  });
}

/** The smallest 1-2-5 multiple of a power of ten at or above v, a little headroom included. */
function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const target = v * 1.04;
  const m = 10 ** Math.floor(Math.log10(target));
  for (const f of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (f * m >= target) return f * m;
  return 10 * m;
}

function cdfSeries(c: Cdf, name: string, i: number): SeriesSpec {
  const { color, dash } = seriesStyle(i);
  return { name, color, dash, kind: 'line', xs: c.values, ys: c.fractions };
}

function cdfChart(id: string, title: string, what: string, cdfs: { name: string; cdf: Cdf }[]): string {
  const total = cdfs.reduce((n, c) => n + c.cdf.count, 0);
  return chart({
    id,
    title,
    x: { label: `${what} (log scale)`, log: true, format: fmtDuration, unit: 's' },
    y: { label: 'fraction of requests', min: 0, max: 1, format: (v) => `${Math.round(v * 100)}%` },
    series: cdfs.map((c, i) => cdfSeries(c.cdf, c.name, i)),
    guides: [
      { axis: 'y', value: 0.5, label: 'p50' },
      { axis: 'y', value: 0.9, label: 'p90' },
      { axis: 'y', value: 0.99, label: 'p99' },
    ],
    note: total === 0 ? 'no requests with this measure' : undefined,
  });
}

/** Every k-th point of a scatter sample, k chosen so at most `limit` remain. */
function thin(s: ScatterData, limit: number): { input: number[]; output: number[]; energy: number[] } {
  const k = Math.max(1, Math.ceil(s.inputTokens.length / Math.max(1, limit)));
  const pick = (a: readonly number[]) => a.filter((_, i) => i % k === 0);
  return { input: pick(s.inputTokens), output: pick(s.outputTokens), energy: pick(s.energyJoules) };
}

function wantsLog(values: Iterable<number>): boolean {
  let lo = Infinity;
  let hi = 0;
  for (const v of values) {
    if (v > 0 && v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return hi > 0 && hi / lo > 30;
}

function scatterCharts(idPrefix: string, runs: { name: string; data: RunReportData }[]): string[] {
  const limit = Math.floor(MAX_SCATTER_POINTS / Math.max(1, runs.length));
  const thinned = runs.map((r) => ({ name: r.name, pts: thin(r.data.scatter, limit), total: r.data.scatter.total }));
  const shown = thinned.reduce((n, r) => n + r.pts.input.length, 0);
  const total = thinned.reduce((n, r) => n + r.total, 0);
  const note = shown < total ? `${shown.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} requests shown (every k-th in finish order)` : `${total.toLocaleString('en-US')} requests`;
  const logE = wantsLog(thinned.flatMap((r) => r.pts.energy));
  const one = (id: string, title: string, xLabel: string, pickX: (p: ReturnType<typeof thin>) => number[]) => {
    const logX = wantsLog(thinned.flatMap((r) => pickX(r.pts)));
    return chart({
      id,
      title,
      x: { label: `${xLabel}${logX ? ' (log scale)' : ''}`, log: logX, unit: 'tokens' },
      y: { label: `energy per request (J${logE ? ', log scale' : ''})`, log: logE, unit: 'J' },
      series: thinned.map((r, i) => ({ name: r.name, ...seriesStyle(i), kind: 'dots' as const, xs: pickX(r.pts), ys: r.pts.energy, hideInLegend: runs.length === 1 })),
      note,
    });
  };
  return [
    one(`${idPrefix}-scatter-input`, 'Energy per request vs input tokens', 'input tokens', (p) => p.input),
    one(`${idPrefix}-scatter-output`, 'Energy per request vs output tokens', 'output tokens', (p) => p.output),
  ];
}

function warningsList(title: string, items: string[]): string {
  if (!items.length) return '';
  return `<h2>${esc(title)}</h2><ul class="warn">${items.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`;
}

function footer(extra: string): string {
  return `<footer>Generated by joulesim. ${esc(extra)} The same scenario and seed give this same file, byte for byte: simulated time only, no wall clock.
Energy per request is each step's energy shared among its sequences by tokens processed; idle energy is not attributed to requests.
Charts are plain SVG: hover a chart for a readout, click a legend entry to hide or show it.</footer>`;
}

function latencyCell(q: Quantiles): string {
  return `${dur(q.p50)} / ${dur(q.p99)}`;
}

/** Under the power charts: power by level (GPU, IT, facility), then the grid's carbon intensity and price. */
function facilityFigures(s: Summary, r: RunReportData, t: Unit): string[] {
  const f = s.facility;
  const d = r.facility;
  if (!f || !d) return [];
  const { startSeconds: s0, endSeconds: s1 } = r.series;
  const p = powerUnit(maxOf(d.facilityWatts));
  const line = (name: string, color: string, values: number[], divY: number): SeriesSpec => ({ name, color, kind: 'line', ...stairs(s0, s1, values, t.divisor, divY) });
  const when = f.start_utc ? ` Time is seconds from ${f.start_utc} (${f.start_from === 'trace' ? "the trace's first timestamp" : 'the scenario’s start'}).` : '';
  return [
    figure(
      chart({
        id: 'power-levels',
        title: 'Power: GPUs, IT (GPUs + node), facility',
        x: { label: `time (${t.label})`, min: 0, unit: t.label },
        y: { label: `power (${p.label})`, unit: p.label },
        series: [
          line('GPUs', '#0072B2', d.gpuWatts, p.divisor),
          line('IT', '#009E73', d.itWatts, p.divisor),
          line('facility', '#D55E00', d.facilityWatts, p.divisor),
        ],
      }),
      `GPU energy (${f.provenance.gpu}), plus the ${f.node.nodes} × ${f.node.type} node${f.node.nodes > 1 ? 's' : ''} around them (${f.provenance.node}), is IT energy; facility energy is IT × PUE at each instant (${f.provenance.pue}).`,
    ),
    figure(
      chart({
        id: 'grid-carbon',
        title: 'Grid carbon intensity',
        x: { label: `time (${t.label})`, min: 0, unit: t.label },
        y: { label: 'carbon intensity (gCO2e/kWh)', unit: 'g/kWh' },
        series: d.carbonByRegion && f.by_region
          ? d.carbonByRegion.map((values, k) => line(f.by_region![k].name, REGION_COLORS[k % REGION_COLORS.length], values, 1))
          : [line('carbon intensity', '#8C6D31', d.carbonGPerKwh, 1)],
      }),
      `${f.provenance.carbon}; mean ${sig(f.mean_carbon_g_per_kwh)} g/kWh over the facility's energy${
        f.by_region ? ` (${f.by_region.map((r) => `${r.name}: ${sig(r.mean_carbon_g_per_kwh)} g/kWh, ${r.completed.toLocaleString('en-US')} requests served`).join('; ')})` : ''
      }.${when}`,
    ),
    figure(
      chart({
        id: 'grid-price',
        title: 'Electricity price',
        x: { label: `time (${t.label})`, min: 0, unit: t.label },
        y: { label: 'price ($/kWh)', unit: '$/kWh' },
        series: [line('price', '#CC79A7', d.priceUsdPerKwh, 1)],
      }),
      `${f.provenance.price}; the run cost $${sig(f.cost_usd)}.`,
    ),
  ];
}

/** One line per region in the carbon chart (colour-blind-safe hues, none of them the chart's other series'). */
const REGION_COLORS = ['#8C6D31', '#0072B2', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#E69F00', '#000000'];

function facilityCards(s: Summary): string[] {
  const f = s.facility;
  if (!f) return [];
  const emb = f.embodied_kgco2e;
  return [
    card('facility energy', fmtEnergy(f.energy_j.facility), `IT ${fmtEnergy(f.energy_j.it)} = GPUs ${fmtEnergy(f.energy_j.gpu)} + node ${fmtEnergy(f.energy_j.node)}`),
    card('carbon', `${sig(f.total_kgco2e * 1000)} gCO2e`, `operational ${sig(f.operational_kgco2e * 1000)} g + embodied ${sig((emb?.total ?? 0) * 1000)} g`),
    card('cost', `$${sig(f.cost_usd)}`, `mean $${sig(f.mean_price_usd_per_kwh)}/kWh`),
    card('per output token (facility)', `${sig(f.per_output_token.facility_j)} J`, `${sig(f.per_output_token.operational_gco2e + f.per_output_token.embodied_gco2e)} gCO2e, $${sig(f.per_output_token.cost_usd)}`),
  ];
}

// ─── a run ─────────────────────────────────────────────────────────────────────────────────────────────────────

export function renderRunReport(s: Summary, r: RunReportData): string {
  const end = Math.max(lastTime(r), s.makespan_s);
  const t = timeUnit(end);
  const totals = {
    prefill: clusterTotal(r, (x, i) => x.prefillWatts[i]),
    decode: clusterTotal(r, (x, i) => x.decodeWatts[i]),
    idle: clusterTotal(r, (x, i) => x.idleWatts[i]),
  };
  const p = powerUnit(maxOf(totals.prefill.map((v, i) => v + totals.decode[i] + totals.idle[i])));
  const powerFigures: string[] = [];
  const replicaCount = Math.min(r.series.replicas.length, MAX_REPLICA_CHARTS);
  for (let i = 0; i < replicaCount; i++) {
    const rep = r.series.replicas[i];
    const rp = powerUnit(maxOf(rep.prefillWatts.map((v, k) => v + rep.decodeWatts[k] + rep.idleWatts[k])));
    powerFigures.push(
      figure(
        stackedPower(`power-r${i}`, `Power of replica ${i}${s.tp > 1 ? ` (${s.tp} GPUs)` : ''}`, r, { prefill: rep.prefillWatts, decode: rep.decodeWatts, idle: rep.idleWatts }, t, rp, r.powerCapWatts * r.gpusPerReplica),
        `Average power in each interval, split by what the replica was doing (a mixed step's energy splits between prefill and decode by tokens); the dashed line is its power cap (${sig(r.powerCapWatts)} W per GPU)${r.series.replicas.length > replicaCount && i === replicaCount - 1 ? `; the first ${replicaCount} of ${r.series.replicas.length} replicas are shown` : ''}.`,
      ),
    );
  }
  if (r.series.replicas.length > 1) {
    powerFigures.push(figure(stackedPower('power-total', 'Power of the whole cluster', r, totals, t, p, r.powerCapWatts * r.gpusPerReplica * r.series.replicas.length), 'Sum over replicas, split by phase; the dashed line is the sum of the caps.'));
  }
  const e = energyUnit(maxOf(r.series.cumulativeJoules));
  const cum = cumulativeLine(r, t.divisor, e.divisor);
  powerFigures.push(
    figure(
      chart({
        id: 'energy-cumulative',
        title: 'Cumulative energy',
        x: { label: `time (${t.label})`, min: 0, unit: t.label },
        y: { label: `energy (${e.label})`, unit: e.label },
        series: [{ name: 'energy', color: '#0072B2', kind: 'line', xs: cum.xs, ys: cum.ys }],
      }),
      `Energy drawn by every GPU of the cluster since t = 0: ${fmtEnergy(s.energy_j)} over ${dur(s.makespan_s)}.`,
    ),
  );
  powerFigures.push(...facilityFigures(s, r, t));
  const running = stairs(r.series.startSeconds, r.series.endSeconds, clusterTotal(r, (x, i) => x.running[i]), t.divisor, 1);
  const queued = stairs(r.series.startSeconds, r.series.endSeconds, clusterTotal(r, (x, i) => x.queued[i]), t.divisor, 1);
  const load = figure(
    chart({
      id: 'requests',
      title: 'Running and queued requests',
      x: { label: `time (${t.label})`, min: 0, unit: t.label },
      y: { label: 'requests (time-averaged)', unit: 'requests' },
      series: [
        { name: 'running', color: '#0072B2', kind: 'line', xs: running.xs, ys: running.ys },
        { name: 'queued', color: '#D55E00', kind: 'line', xs: queued.xs, ys: queued.ys },
      ],
    }),
    'Requests admitted and not yet finished (running) and waiting for admission (queued), averaged over each interval, all replicas.',
  );
  const cdfs = [
    figure(cdfChart('cdf-ttft', 'Time to first token', 'TTFT', [{ name: 'TTFT', cdf: r.ttft }]), `Arrival to first output token. p50 ${dur(s.ttft_s.p50)}, p99 ${dur(s.ttft_s.p99)}.`),
    figure(cdfChart('cdf-tpot', 'Time per output token', 'TPOT', [{ name: 'TPOT', cdf: r.tpot }]), `Decode time per token after the first. p50 ${dur(s.tpot_s.p50)}, p99 ${dur(s.tpot_s.p99)}.`),
    figure(cdfChart('cdf-e2e', 'End-to-end latency', 'end-to-end latency', [{ name: 'end-to-end', cdf: r.e2e }]), `Arrival to last token. p50 ${dur(s.e2e_s.p50)}, p99 ${dur(s.e2e_s.p99)}.`),
  ];
  const scatter = scatterCharts('run', [{ name: 'requests', data: r }]).map((svg) => figure(svg, 'Each dot is one completed request: the energy attributed to it against its length.'));
  const b = s.energy_breakdown_j;
  const share = (x: number) => (s.energy_j > 0 ? `${((100 * x) / s.energy_j).toFixed(1)}%` : '–');
  const cards = [
    card('energy', fmtEnergy(s.energy_j), `${formatNumber(s.energy_kwh)} kWh`),
    card('per output token', fmtEnergy(s.energy_per_output_token_j), `${fmtEnergy(s.energy_per_request_j)} per request`),
    card('average power', formatPower(s.avg_power_w), `cap ${formatPower(r.powerCapWatts)} per GPU`),
    card('prefill / decode / idle', `${share(b.prefill)} / ${share(b.decode)}`, `idle ${share(b.idle)}`),
    card('TTFT p50 / p99', latencyCell(s.ttft_s)),
    card('end-to-end p50 / p99', latencyCell(s.e2e_s)),
    card('throughput', `${sig(s.throughput_output_tokens_per_s)} tok/s`, `${sig(s.throughput_requests_per_s)} requests/s`),
    card('requests', `${s.requests_completed.toLocaleString('en-US')}`, `${s.requests_rejected} rejected, ${s.preemptions} preemptions, makespan ${dur(s.makespan_s)}`),
    ...facilityCards(s),
  ];
  const rejections = Object.entries(s.rejection_reasons).map(([k, v]) => `${v} × ${k}`);
  const body = `
<h1>${esc(s.scenario)}</h1>
<p class="sub">${esc(clusterLine(s))} · seed ${s.seed}<br>${esc(s.workload.description)}; ${s.workload.requests.toLocaleString('en-US')} requests</p>
${provenanceBanner(s)}
<div class="cards">${cards.join('')}</div>
<h2>Power and energy</h2>
<div class="grid">${powerFigures.join('')}</div>
<h2>Load</h2>
<div class="grid">${load}</div>
<h2>Latency</h2>
<div class="grid">${cdfs.join('')}</div>
<h2>Energy per request</h2>
<div class="grid">${scatter.join('')}</div>
${warningsList('Warnings', [...s.warnings, ...(s.facility?.warnings ?? [])])}
${warningsList('Rejected requests', rejections)}
${footer(`Scenario “${s.scenario}”, seed ${s.seed}.`)}`;
  return page(`joulesim: ${s.scenario}`, body);
}

// ─── a comparison ──────────────────────────────────────────────────────────────────────────────────────────────

function deltaCell(x: number | null, lowerIsBetter: boolean): string {
  const cls = x === null || Math.abs(x) < 0.05 ? '' : (x < 0) === lowerIsBetter ? 'neg' : 'pos';
  return `<td class="${cls}">${pct(x)}</td>`;
}

function variantTable(c: CompareResult, linkDirs: boolean): string {
  const head = ['variant', 'cost model', 'power cap', 'energy', 'Δ energy', 'J / output token', 'Δ J/token', 'TTFT p50 / p99', 'TPOT p50', 'end-to-end p50 / p99', 'Δ e2e p99', 'output tok/s', 'Δ tok/s'];
  const facility = c.variants.some((v) => v.summary.facility);
  if (facility) head.push('facility energy', 'Δ facility', 'kgCO2e (op. + emb.)', 'Δ kgCO2e', 'cost', 'Δ cost');
  const facilityCells = (v: CompareResult['variants'][number]): string => {
    if (!facility) return '';
    const f = v.summary.facility;
    const d = v.delta_pct;
    if (!f) return '<td>–</td>'.repeat(6);
    return `<td>${esc(fmtEnergy(f.energy_j.facility))}</td>${deltaCell(d.facility_energy_j ?? null, true)}<td>${sig(f.total_kgco2e)}</td>${deltaCell(d.total_kgco2e ?? null, true)}<td>$${sig(f.cost_usd)}</td>${deltaCell(d.cost_usd ?? null, true)}`;
  };
  const rows = c.variants.map((v, i) => {
    const s = v.summary;
    const d = v.delta_pct;
    const name = linkDirs && v.dir ? `<a href="${esc(v.dir)}/report.html">${esc(v.label)}</a>` : esc(v.label);
    const sw = seriesStyle(i);
    return `<tr><td class="l"><svg width="14" height="10" aria-hidden="true"><rect width="14" height="10" rx="2" fill="${sw.color}"/></svg> ${name}</td><td class="l">${badge(s.cost_model.kind)}${(s.cost_model.extrapolated ?? []).length ? ` ${badge('extrapolated')}` : ''}</td><td>${sig(v.power_cap_w)} W</td><td>${esc(fmtEnergy(s.energy_j))}</td>${deltaCell(d.energy_j, true)}<td>${sig(s.energy_per_output_token_j)}</td>${deltaCell(d.energy_per_output_token_j, true)}<td>${esc(latencyCell(s.ttft_s))}</td><td>${esc(dur(s.tpot_s.p50))}</td><td>${esc(latencyCell(s.e2e_s))}</td>${deltaCell(d.e2e_p99_s, true)}<td>${sig(s.throughput_output_tokens_per_s)}</td>${deltaCell(d.throughput_output_tokens_per_s, false)}${facilityCells(v)}</tr>`;
  });
  return `<div class="table-wrap"><table><thead><tr>${head.map((h, i) => `<th${i < 2 ? ' class="l"' : ''}>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

/** A merged sweep's dropped and missing variants, each with its reason. */
function sweepNotes(c: CompareResult): string {
  const sw = c.sweep;
  if (!sw) return '';
  const items = [
    ...sw.dropped.map((d) => `<li>dropped ${esc(d.label)} <code>${esc(d.id)}</code> (${esc(d.filter)}): ${esc(d.reason)}</li>`),
    ...sw.missing.map((m) => `<li>missing ${esc(m.label)} <code>${esc(m.id)}</code>: no result in the merged folders</li>`),
  ];
  return `<h2>Sweep</h2>
<p class="sub">Sweep “${esc(sw.name)}”, ${sw.variants_planned} variants planned, ${sw.dropped.length} dropped by its filters, ${sw.missing.length} missing; fingerprint <code>${esc(sw.fingerprint.slice(0, 16))}</code>, joulesim ${esc(sw.joulesim)}.</p>${items.length ? `<ul>${items.join('')}</ul>` : ''}`;
}

/**
 * `reports` null draws the table and the bars only: a large sweep keeps no per-run series, and a thousand
 * overlaid lines would say nothing anyway.
 */
export function renderCompareReport(c: CompareResult, reportsOrNull: readonly RunReportData[] | null, opts: { linkDirs?: boolean } = {}): string {
  const vs = c.variants;
  const names = vs.map((v) => v.label);
  const reports = reportsOrNull ?? [];
  const end = Math.max(...reports.map(lastTime), ...vs.map((v) => v.summary.makespan_s));
  const t = timeUnit(end);
  const runs = reports.map((r, i) => ({ name: names[i], data: r }));
  const totalPower = reports.map((r) => clusterTotal(r, (x, i) => x.prefillWatts[i] + x.decodeWatts[i] + x.idleWatts[i]));
  const p = powerUnit(maxOf(totalPower.flat()));
  const e = energyUnit(maxOf(reportsOrNull ? reports.flatMap((r) => r.series.cumulativeJoules) : vs.map((v) => v.summary.energy_j)));
  const lines = (pick: (r: RunReportData, i: number) => { xs: number[]; ys: number[] }): SeriesSpec[] =>
    reports.map((r, i) => ({ name: names[i], ...seriesStyle(i), kind: 'line' as const, ...pick(r, i) }));
  const kinds = vs.map((v) => v.summary.cost_model.kind);
  const notMeasured = kinds.filter((k) => k !== 'calibrated').length;
  const provClass = kinds.includes('datasheet') ? 'datasheet' : kinds.includes('transferred') ? 'transferred' : 'calibrated';
  const provText =
    notMeasured === 0
      ? 'Every variant is priced from a profile calibrated on its own GPU, model and stack.'
      : `${notMeasured} of ${vs.length} variants are what-ifs: their cost numbers are ${[...new Set(kinds.filter((k) => k !== 'calibrated'))].join(' or ')}, not measured on that hardware. Read their differences as model estimates.`;
  const capped = vs.filter((v) => v.settings['power-cap-w'] !== undefined && Number(v.settings['power-cap-w']) > v.power_cap_w);
  const energyBars = barChart({
    id: 'cmp-energy',
    title: 'Energy by phase',
    categories: names,
    stacks: (['decode', 'prefill', 'idle'] as const).map((phase) => ({
      name: phase,
      color: PHASE_COLORS[phase],
      values: vs.map((v) => v.summary.energy_breakdown_j[phase] / e.divisor),
    })),
    axis: { label: `energy (${e.label})` },
    barLabels: vs.map((v, i) => (i === 0 ? fmtEnergy(v.summary.energy_j) : `${fmtEnergy(v.summary.energy_j)} (${pct(v.delta_pct.energy_j)})`)),
  });
  const jptBars = barChart({
    id: 'cmp-jpt',
    title: 'Energy per output token',
    categories: names,
    stacks: [{ name: 'J per output token', color: '#0072B2', values: vs.map((v) => v.summary.energy_per_output_token_j) }],
    axis: { label: 'J per output token' },
    barLabels: vs.map((v, i) => (i === 0 ? `${sig(v.summary.energy_per_output_token_j)} J` : `${sig(v.summary.energy_per_output_token_j)} J (${pct(v.delta_pct.energy_per_output_token_j)})`)),
  });
  const timeX = { label: `time (${t.label})`, min: 0, unit: t.label };
  const overTime = [
    figure(
      chart({
        id: 'cmp-power',
        title: 'Cluster power over time',
        x: timeX,
        y: { label: `power (${p.label})`, unit: p.label },
        series: lines((r, i) => stairs(r.series.startSeconds, r.series.endSeconds, totalPower[i], t.divisor, p.divisor)),
      }),
      'Average power of all GPUs in each interval, one line per variant (each run’s own per-replica prefill/decode/idle split is in its folder’s report.html).',
    ),
    figure(
      chart({
        id: 'cmp-energy-cumulative',
        title: 'Cumulative energy',
        x: timeX,
        y: { label: `energy (${e.label})`, unit: e.label },
        series: lines((r) => cumulativeLine(r, t.divisor, e.divisor)),
      }),
      'Energy since t = 0; a line ends at its variant’s last finish.',
    ),
    figure(
      chart({
        id: 'cmp-running',
        title: 'Running requests',
        x: timeX,
        y: { label: 'running requests (time-averaged)', unit: 'requests' },
        series: lines((r) => stairs(r.series.startSeconds, r.series.endSeconds, clusterTotal(r, (x, i) => x.running[i]), t.divisor, 1)),
      }),
      'Requests admitted and not yet finished, all replicas.',
    ),
    figure(
      chart({
        id: 'cmp-queued',
        title: 'Queued requests',
        x: timeX,
        y: { label: 'queued requests (time-averaged)', unit: 'requests' },
        series: lines((r) => stairs(r.series.startSeconds, r.series.endSeconds, clusterTotal(r, (x, i) => x.queued[i]), t.divisor, 1)),
      }),
      'Requests waiting for admission, all replicas.',
    ),
  ];
  const cdfs = [
    figure(cdfChart('cmp-cdf-ttft', 'Time to first token', 'TTFT', runs.map((r) => ({ name: r.name, cdf: r.data.ttft }))), 'Arrival to first output token.'),
    figure(cdfChart('cmp-cdf-tpot', 'Time per output token', 'TPOT', runs.map((r) => ({ name: r.name, cdf: r.data.tpot }))), 'Decode time per token after the first.'),
    figure(cdfChart('cmp-cdf-e2e', 'End-to-end latency', 'end-to-end latency', runs.map((r) => ({ name: r.name, cdf: r.data.e2e }))), 'Arrival to last token.'),
  ];
  const scatter = scatterCharts('cmp', runs).map((svg) => figure(svg, 'Each dot is one completed request, coloured by variant.'));
  const warnings: string[] = [];
  for (const v of capped) warnings.push(`${v.label}: ${v.summary.gpu}'s board limit (${sig(v.power_cap_w)} W) is below the asked cap, so the board limit applies.`);
  for (const v of vs) for (const w of v.summary.warnings) warnings.push(`${v.label}: ${w}`);
  const s0 = vs[0].summary;
  const body = `
<h1>What-if comparison: ${esc(c.base)}</h1>
<p class="sub">${vs.length} variants of the same workload and seed (${esc(s0.workload.description)}; ${s0.workload.requests.toLocaleString('en-US')} requests; seed ${c.seed}). Varied: ${esc(c.axes.map((a) => `${a.key} ∈ {${a.values.join(', ')}}`).join(' × ') || 'nothing')}. Δ is relative to the first variant.</p>
<div class="provenance prov-${provClass}"><strong>provenance</strong> ${esc(provText)}<br>calibrated = ${esc(PROVENANCE_TEXT.calibrated)}; transferred = ${esc(PROVENANCE_TEXT.transferred)}; datasheet = ${esc(PROVENANCE_TEXT.datasheet)}.</div>
${variantTable(c, opts.linkDirs ?? false)}
<h2>Energy</h2>
<div class="grid">${figure(energyBars, 'Total energy of each variant, split into prefill, decode and idle.')}${figure(jptBars, 'Total energy divided by output tokens (idle included).')}</div>
${
  reportsOrNull
    ? `<h2>Over time</h2>
<div class="grid">${overTime.join('')}</div>
<h2>Latency</h2>
<div class="grid">${cdfs.join('')}</div>
<h2>Energy per request</h2>
<div class="grid">${scatter.join('')}</div>`
    : `<p class="sub">Too many variants to overlay their time series, latency CDFs and energy scatters; each variant's figures are in the table.</p>`
}
${sweepNotes(c)}
${warningsList('Warnings', warnings)}
${footer(`Base scenario “${c.base}”, seed ${c.seed}.`)}`;
  return page(`joulesim comparison: ${c.base}`, body);
}

