/** The comparison as a text table on stdout: a row per variant, provenance on every row, Δ% vs the first. */
import type { Quantiles } from '../accounting/quantiles.js';
import type { CompareResult } from '../report/compareResult.js';
import { formatEnergy, formatNumber } from '../report/units.js';

const sig = (x: number) => formatNumber(x);
const energy = (j: number) => formatEnergy(j);

function latencyPair(q: Quantiles, scale: number): string {
  return `${sig(q.p50 * scale)} / ${sig(q.p99 * scale)}`;
}

function pct(x: number | null): string {
  if (x === null) return '-';
  return `${x > 0 ? '+' : ''}${x.toFixed(1)}%`;
}

const KIND_TEXT: Record<string, string> = {
  calibrated: 'fitted on measurements of that GPU, model and stack',
  transferred: "another GPU's measured profile carried to this GPU's datasheet (not measured on it)",
  datasheet: 'datasheet roofline with stack priors (nothing measured)',
};

export function compareTable(c: CompareResult): string {
  // Milliseconds while every p99 is under 10 s; seconds otherwise (a queue that blows up reads as 110861 ms).
  const latencyMs = c.variants.every((v) => !(v.summary.e2e_s.p99 >= 10));
  const ttftMs = c.variants.every((v) => !(v.summary.ttft_s.p99 >= 10));
  const header = [
    'variant',
    'cost model',
    'energy',
    'J/token',
    ttftMs ? 'TTFT p50/p99 ms' : 'TTFT p50/p99 s',
    latencyMs ? 'e2e p50/p99 ms' : 'e2e p50/p99 s',
    'tok/s',
    'Δ energy',
    'Δ J/token',
    'Δ e2e p99',
    'Δ tok/s',
  ];
  const withSlo = c.variants.some((v) => v.summary.slo !== undefined);
  if (withSlo) header.push('SLO %', 'Δ SLO pts');
  // Runs with a facility model: what the building draws, what it emits and what it costs, beside the GPU numbers.
  const facility = c.variants.some((v) => v.summary.facility);
  if (facility) header.push('facility', 'kgCO2e', 'cost $', 'Δ facility', 'Δ kgCO2e', 'Δ cost');
  const rows = c.variants.map((v) => {
    const s = v.summary;
    const d = v.delta_pct;
    const row = [
      v.label,
      `${s.cost_model.kind}${s.quantization ? '*' : ''}${(s.cost_model.extrapolated ?? []).length ? ' (extrapolated)' : ''}`,
      energy(s.energy_j),
      sig(s.energy_per_output_token_j),
      latencyPair(s.ttft_s, ttftMs ? 1000 : 1),
      latencyPair(s.e2e_s, latencyMs ? 1000 : 1),
      sig(s.throughput_output_tokens_per_s),
      pct(d.energy_j),
      pct(d.energy_per_output_token_j),
      pct(d.e2e_p99_s),
      pct(d.throughput_output_tokens_per_s),
      ...(withSlo
        ? [s.slo ? (100 * s.slo.attainment).toFixed(1) : '-', d.slo_attainment_pts === undefined || d.slo_attainment_pts === null ? '-' : `${d.slo_attainment_pts > 0 ? '+' : ''}${d.slo_attainment_pts.toFixed(1)}`]
        : []),
    ];
    if (facility) {
      const f = s.facility;
      row.push(
        f ? energy(f.energy_j.facility) : '-',
        f ? sig(f.total_kgco2e) : '-',
        f ? sig(f.cost_usd) : '-',
        pct(d.facility_energy_j ?? null),
        pct(d.total_kgco2e ?? null),
        pct(d.cost_usd ?? null),
      );
    }
    return row;
  });
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  // Text columns left-aligned, numbers right-aligned.
  const line = (r: string[]) => r.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ').trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  const s0 = c.variants[0].summary;
  out.push('');
  out.push(`base: ${c.base}; seed ${c.seed}; ${s0.workload.description}; ${s0.workload.requests} requests. Δ vs the first row.`);
  const slo = s0.slo;
  if (slo) out.push(`SLO: TTFT ≤ ${slo.ttft_s === null ? '-' : `${sig(slo.ttft_s * 1000)} ms`}, TPOT ≤ ${slo.tpot_s === null ? '-' : `${sig(slo.tpot_s * 1000)} ms`}; SLO % = requests within both, of all arrived.`);
  if (facility) {
    out.push('energy, J/token: GPUs only; facility: (GPUs + node) × PUE; kgCO2e: operational (facility energy × grid intensity) + embodied (amortised); cost: facility energy × price.');
    const f0 = c.variants.find((v) => v.summary.facility)!.summary.facility!;
    const carbon = [...new Set(c.variants.flatMap((v) => (v.summary.facility ? [v.summary.facility.provenance.carbon] : [])))];
    out.push(`node power: ${f0.provenance.node} (models/nodes/); grid carbon: ${carbon.join('; ')}`);
  }
  const kinds = [...new Set(c.variants.map((v) => v.summary.cost_model.kind))];
  for (const k of kinds) out.push(`cost model ${k}: ${KIND_TEXT[k] ?? k}`);
  if (c.variants.some((v) => v.summary.quantization)) {
    out.push('* quantized: priced from bf16 numbers with the precision\'s bytes (and fp8 GEMM rate where the GPU has it); what is carried over from bf16 is listed in each summary (quantization.carried_over_from_bf16)');
  }
  const whatIfs = c.variants.filter((v) => v.summary.cost_model.kind !== 'calibrated' || (v.summary.cost_model.extrapolated ?? []).length > 0 || v.summary.quantization).length;
  if (whatIfs > 0) out.push(`${whatIfs} of ${c.variants.length} variants are what-ifs, not measurements: read their differences as model estimates.`);
  for (const v of c.variants) {
    const asked = v.settings['power-cap-w'];
    if (asked !== undefined && Number(asked) > v.power_cap_w) {
      out.push(`note: ${v.label}: the ${v.summary.gpu}'s board limit of ${sig(v.power_cap_w)} W is below the asked cap, so the board limit applies`);
    }
    for (const why of v.summary.cost_model.extrapolated ?? []) out.push(`note: ${v.label}: extrapolated: ${why}`);
    if (v.summary.requests_rejected > 0) out.push(`note: ${v.label}: ${v.summary.requests_rejected} requests rejected`);
    if (v.summary.warnings.length) out.push(`note: ${v.label}: ${v.summary.warnings.length} warning(s) in its summary`);
  }
  return out.join('\n') + '\n';
}
