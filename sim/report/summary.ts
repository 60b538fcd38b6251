/**
 * The run summary: one object with stable snake_case keys (the `--json` output and summary.json), and the
 * human-readable table printed on stdout.
 */
import type { Quantiles } from '../accounting/quantiles.js';
import type { FacilitySummary } from './facilitySummary.js';

export interface Summary {
  readonly scenario: string;
  readonly gpu: string;
  readonly model: string;
  readonly stack: string;
  readonly tp: number;
  readonly replicas: number;
  readonly router: string;
  /** Present when not the default (accept_all / none), with the policy's options. */
  readonly admission?: { name: string; options: Record<string, unknown> };
  readonly power_controller?: { name: string; options: Record<string, unknown>; asleep_s: number; wakeups: number };
  readonly scheduler: Record<string, unknown>;
  readonly seed: number;
  /** `extrapolated`: why the numbers go beyond what `kind` covers (most steps outside a profile's fitted range, a scheduler the stack does not have); empty when they do not. */
  readonly cost_model: { kind: string; description: string; profile?: string; extrapolated: string[] };
  readonly workload: { description: string; rows_read: number; requests: number; skipped: Record<string, number> };
  readonly requests_completed: number;
  readonly requests_rejected: number;
  readonly rejection_reasons: Record<string, number>;
  readonly preemptions: number;
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly makespan_s: number;
  readonly energy_j: number;
  readonly energy_kwh: number;
  readonly energy_per_output_token_j: number;
  readonly energy_per_request_j: number;
  readonly avg_power_w: number;
  readonly energy_breakdown_j: { prefill: number; decode: number; idle: number };
  readonly attributed_energy_j: number;
  readonly ttft_s: Quantiles;
  readonly tpot_s: Quantiles;
  readonly e2e_s: Quantiles;
  readonly throughput_output_tokens_per_s: number;
  readonly throughput_requests_per_s: number;
  readonly events: number;
  /** SLO attainment, when the scenario sets targets: completed requests within both, over all arrived requests. */
  readonly slo?: SloSummary;
  readonly warnings: string[];
  /** Node, IT and facility energy, carbon and cost: present when the scenario has a facility section. */
  readonly facility?: FacilitySummary;
}

export interface SloSummary {
  readonly ttft_s: number | null;
  readonly tpot_s: number | null;
  readonly attained: number;
  /** attained / requests arrived (a rejected request misses the SLO). */
  readonly attainment: number;
  /** Requests within the SLO per second of makespan. */
  readonly goodput_requests_per_s: number;
}

/** Speculative decoding and a non-greedy decoding strategy, for the table's cluster line. */
function mechanismsLine(s: Summary): string {
  const sp = s.scheduler.speculative as { draft_model?: string; gamma?: number; expected_tokens_per_round?: number } | undefined;
  const d = s.scheduler.decoding as { kind?: string; width?: number; top_p?: number } | undefined;
  let out = '';
  if (sp) out += `, speculative (draft ${sp.draft_model}, γ ${sp.gamma}, ${sp.expected_tokens_per_round?.toFixed(2)} tokens/round)`;
  if (d) out += d.kind === 'beam' ? `, beam search ${d.width}` : `, ${d.kind}${d.top_p !== undefined ? ` top-p ${d.top_p}` : ''}`;
  return out;
}

/** JSON with NaN (an empty quantile) written as null, two-space indent, stable key order. */
export function summaryJson(s: Summary): string {
  return JSON.stringify(s, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
}

function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return '-';
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return x.toExponential(digits - 1);
  return x.toFixed(a >= 100 ? 1 : digits);
}

function ms(q: Quantiles): string {
  return `${fmt(q.p50 * 1000)} / ${fmt(q.p90 * 1000)} / ${fmt(q.p99 * 1000)} ms`;
}

/** The provenance as the user should read it first: `calibrated, EXTRAPOLATED (why)` when the run leaves what it covers. */
export function costKindLabel(s: Summary): string {
  const x = s.cost_model.extrapolated;
  return x.length ? `${s.cost_model.kind}, EXTRAPOLATED (${x.join('; ')})` : s.cost_model.kind;
}

export function summaryTable(s: Summary): string {
  const b = s.energy_breakdown_j;
  const pct = (x: number) => (s.energy_j > 0 ? `${((100 * x) / s.energy_j).toFixed(1)}%` : '-');
  const rows: [string, string][] = [
    ['scenario', s.scenario],
    ['cluster', `${s.replicas} × ${s.gpu}${s.tp > 1 ? ` (tp ${s.tp})` : ''}, ${s.model}, ${s.stack}, ${String(s.scheduler.kind)} batching${mechanismsLine(s)}`],
    ['cost model', `${costKindLabel(s)}: ${s.cost_model.description}`],
    ['workload', `${s.workload.description}; ${s.workload.requests} requests${Object.keys(s.workload.skipped).length ? `, skipped ${JSON.stringify(s.workload.skipped)}` : ''}`],
    ['requests', `${s.requests_completed} completed, ${s.requests_rejected} rejected, ${s.preemptions} preemptions`],
    ['tokens', `${s.input_tokens} in, ${s.output_tokens} out`],
    ['makespan', `${fmt(s.makespan_s)} s`],
    ['energy', `${fmt(s.energy_j)} J = ${fmt(s.energy_kwh, 4)} kWh`],
    ['  prefill / decode / idle', `${fmt(b.prefill)} J (${pct(b.prefill)}) / ${fmt(b.decode)} J (${pct(b.decode)}) / ${fmt(b.idle)} J (${pct(b.idle)})`],
    ['energy per output token', `${fmt(s.energy_per_output_token_j, 4)} J`],
    ['energy per request', `${fmt(s.energy_per_request_j)} J`],
    ['average power', `${fmt(s.avg_power_w)} W`],
    ['TTFT p50/p90/p99', ms(s.ttft_s)],
    ['TPOT p50/p90/p99', ms(s.tpot_s)],
    ['end-to-end p50/p90/p99', ms(s.e2e_s)],
    ['throughput', `${fmt(s.throughput_output_tokens_per_s)} output tokens/s, ${fmt(s.throughput_requests_per_s)} requests/s`],
  ];
  if (s.slo) {
    const targets = [s.slo.ttft_s !== null ? `TTFT ≤ ${fmt(s.slo.ttft_s * 1000)} ms` : '', s.slo.tpot_s !== null ? `TPOT ≤ ${fmt(s.slo.tpot_s * 1000)} ms` : ''].filter(Boolean).join(', ');
    rows.push(['SLO attainment', `${(100 * s.slo.attainment).toFixed(1)}% (${s.slo.attained} of ${s.workload.requests} within ${targets}), goodput ${fmt(s.slo.goodput_requests_per_s)} requests/s`]);
  }
  if (s.power_controller) rows.push(['power controller', `${s.power_controller.name}: ${fmt(s.power_controller.asleep_s)} replica-seconds asleep, ${s.power_controller.wakeups} wake-ups`]);
  if (s.admission) rows.push(['admission', s.admission.name]);
  if (s.facility) rows.push(...facilityRows(s.facility));
  for (const [k, v] of Object.entries(s.rejection_reasons)) rows.push(['  rejected', `${v} × ${k}`]);
  for (const w of s.warnings) rows.push(['warning', w]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n') + '\n';
}

/** The facility lines of the table: energy by level, carbon, cost, per token, and where the numbers come from. */
function facilityRows(f: FacilitySummary): [string, string][] {
  const e = f.energy_j;
  const n = f.node;
  const emb = f.embodied_kgco2e;
  const rows: [string, string][] = [
    ['node', `${n.nodes} × ${n.type} (${n.replicas_per_node} replicas per node${n.empty_gpu_slots ? `, ${n.empty_gpu_slots} GPU slots unused` : ''}), floor ${fmt(n.floor_w)} W`],
    ['energy GPU / node / IT', `${fmt(e.gpu)} J (${f.provenance.gpu}) / ${fmt(e.node)} J (${f.provenance.node}) / ${fmt(e.it)} J`],
    ['facility energy', `${fmt(e.facility)} J = ${fmt(f.energy_kwh.facility, 4)} kWh (mean PUE ${fmt(f.mean_pue, 3)}; ${f.provenance.pue})`],
    ['  idle (not attributed)', `GPU ${fmt(f.idle_energy_j.gpu)} J, node ${fmt(f.idle_energy_j.node)} J, facility ${fmt(f.idle_energy_j.facility)} J`],
    ['operational carbon', `${fmt(f.operational_kgco2e, 4)} kgCO2e (mean ${fmt(f.mean_carbon_g_per_kwh)} g/kWh; ${f.provenance.carbon})`],
    ['embodied carbon', emb ? `${fmt(emb.total, 4)} kgCO2e (GPUs ${fmt(emb.gpus, 4)}, nodes ${fmt(emb.nodes, 4)}; over ${emb.lifetime_years} years)` : 'not reported'],
    ['cost', `$${fmt(f.cost_usd, 4)} (mean $${fmt(f.mean_price_usd_per_kwh, 4)}/kWh; ${f.provenance.price})`],
    [
      'per output token',
      `${fmt(f.per_output_token.it_j, 4)} J IT, ${fmt(f.per_output_token.facility_j, 4)} J facility, ${fmt(f.per_output_token.operational_gco2e, 4)} + ${fmt(f.per_output_token.embodied_gco2e, 4)} gCO2e (operational + embodied), $${fmt(f.per_output_token.cost_usd, 4)}`,
    ],
  ];
  if (f.start_utc) rows.push(['wall clock', `${f.start_utc} to ${f.end_utc} (start from ${f.start_from})`]);
  for (const w of f.warnings) rows.push(['warning', w]);
  return rows;
}
