/**
 * The run summary: one object with stable snake_case keys (the `--json` output and summary.json), and the
 * human-readable table printed on stdout.
 */
import type { Quantiles } from '../accounting/quantiles.js';
import { formatDuration, formatEnergy, formatNumber, formatPower, groupedInteger } from './units.js';
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
  /** `transfer`: KV-cache transfers between disaggregated pools (present only then). */
  readonly energy_breakdown_j: { prefill: number; decode: number; idle: number; transfer?: number };
  readonly attributed_energy_j: number;
  readonly ttft_s: Quantiles;
  readonly tpot_s: Quantiles;
  readonly e2e_s: Quantiles;
  readonly throughput_output_tokens_per_s: number;
  readonly throughput_requests_per_s: number;
  readonly events: number;
  /** SLO attainment, when the scenario sets targets: completed requests within both, over all arrived requests. */
  readonly slo?: SloSummary;
  /** Present when the weights or KV cache are not bf16: the precision and the numbers carried over from bf16. */
  readonly quantization?: QuantizationSummary;
  /** Present when prefix caching is on. */
  readonly prefix_cache?: PrefixCacheSummary;
  /** Present when prefill and decode run on separate pools. */
  readonly disaggregation?: DisaggregationSummary;
  readonly warnings: string[];
  /** Node, IT and facility energy, carbon and cost: present when the scenario has a facility section. */
  readonly facility?: FacilitySummary;
}

export interface QuantizationSummary {
  readonly weight_dtype: string;
  readonly kv_cache_dtype: string;
  /** The cost numbers that still come from bf16 measurements (or priors): no quantized path was measured. */
  readonly carried_over_from_bf16: readonly string[];
}

export interface PrefixCacheSummary {
  /** Admissions of requests whose trace names their prefix blocks. */
  readonly lookups: number;
  /** Admissions that found at least one block cached. */
  readonly hit_admissions: number;
  /** Prompt tokens found cached / prompt tokens looked up. */
  readonly hit_rate: number;
  /** Prompt tokens whose prefill was skipped. */
  readonly prefill_tokens_saved: number;
  /** Each hit's skipped prefill priced as a step of its own (the whole prompt minus the rest over the cached part). */
  readonly prefill_energy_saved_j: number;
  readonly evictions: number;
}

export interface PoolSummary {
  readonly gpu: string;
  readonly stack: string;
  readonly tp: number;
  readonly replicas: number;
  readonly router: string;
  readonly node: string | null;
  readonly cost_model: string;
  readonly scheduler: Record<string, unknown>;
  /** Everything the pool's replicas drew, idle included. */
  readonly energy_j: number;
  readonly energy_breakdown_j: { prefill: number; decode: number; idle: number };
}

export interface DisaggregationSummary {
  readonly prefill_pool: PoolSummary;
  readonly decode_pool: PoolSummary;
  readonly link: { readonly kind: string; readonly description: string; readonly basis: string };
  readonly kv_bytes_per_token: number;
  readonly transfers: number;
  readonly transfer_bytes: number;
  /** Attributed to the requests moved; prefill_pool + decode_pool + transfer = the run's energy. */
  readonly transfer_energy_j: number;
  /** Summed over the links (one per prefill replica). */
  readonly link_busy_s: number;
  /** link_busy_s / (links × makespan). */
  readonly link_utilisation: number;
  /** Mean time from a prompt's last step to its decode blocks being reserved (waiting for decode memory). */
  readonly mean_reservation_wait_s: number;
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

const count = (n: number) => groupedInteger(n);

function latencies(q: Quantiles): string {
  return `${formatDuration(q.p50)} / ${formatDuration(q.p90)} / ${formatDuration(q.p99)}`;
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
    ['requests', `${count(s.requests_completed)} completed, ${count(s.requests_rejected)} rejected, ${count(s.preemptions)} preemptions`],
    ['tokens', `${count(s.input_tokens)} in, ${count(s.output_tokens)} out`],
    ['makespan', formatDuration(s.makespan_s)],
    ['energy', `${formatEnergy(s.energy_j)} = ${formatNumber(s.energy_kwh)} kWh`],
    [
      b.transfer !== undefined ? '  prefill / decode / idle / KV transfer' : '  prefill / decode / idle',
      `${formatEnergy(b.prefill)} (${pct(b.prefill)}) / ${formatEnergy(b.decode)} (${pct(b.decode)}) / ${formatEnergy(b.idle)} (${pct(b.idle)})${b.transfer !== undefined ? ` / ${formatEnergy(b.transfer)} (${pct(b.transfer)})` : ''}`,
    ],
    ['energy per output token', formatEnergy(s.energy_per_output_token_j)],
    ['energy per request', formatEnergy(s.energy_per_request_j)],
    ['average power', formatPower(s.avg_power_w)],
    ['TTFT p50/p90/p99', latencies(s.ttft_s)],
    ['TPOT p50/p90/p99', latencies(s.tpot_s)],
    ['end-to-end p50/p90/p99', latencies(s.e2e_s)],
    ['throughput', `${formatNumber(s.throughput_output_tokens_per_s)} output tokens/s, ${formatNumber(s.throughput_requests_per_s)} requests/s`],
  ];
  if (s.slo) {
    const targets = [s.slo.ttft_s !== null ? `TTFT ≤ ${formatDuration(s.slo.ttft_s)}` : '', s.slo.tpot_s !== null ? `TPOT ≤ ${formatDuration(s.slo.tpot_s)}` : ''].filter(Boolean).join(', ');
    rows.push(['SLO attainment', `${(100 * s.slo.attainment).toFixed(1)}% (${s.slo.attained} of ${s.workload.requests} within ${targets}), goodput ${formatNumber(s.slo.goodput_requests_per_s)} requests/s`]);
  }
  if (s.quantization) rows.push(['quantization', `weights ${s.quantization.weight_dtype}, KV cache ${s.quantization.kv_cache_dtype}; carried over from bf16: ${s.quantization.carried_over_from_bf16.join(', ')}`]);
  if (s.prefix_cache) {
    const p = s.prefix_cache;
    rows.push(['prefix cache', `${(100 * p.hit_rate).toFixed(1)}% of prompt tokens hit (${count(p.hit_admissions)} of ${count(p.lookups)} admissions), ${count(p.prefill_tokens_saved)} prefill tokens saved, ~${formatEnergy(p.prefill_energy_saved_j)} prefill energy saved, ${count(p.evictions)} blocks evicted`]);
  }
  if (s.disaggregation) rows.push(...disaggregationRows(s.disaggregation));
  if (s.power_controller) rows.push(['power controller', `${s.power_controller.name}: ${formatNumber(s.power_controller.asleep_s)} replica-seconds asleep, ${s.power_controller.wakeups} wake-ups`]);
  if (s.admission) rows.push(['admission', s.admission.name]);
  if (s.facility) rows.push(...facilityRows(s.facility));
  for (const [k, v] of Object.entries(s.rejection_reasons)) rows.push(['  rejected', `${v} × ${k}`]);
  for (const w of s.warnings) rows.push(['warning', w]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n') + '\n';
}

/** The pools, the link and the transfers. */
function disaggregationRows(d: DisaggregationSummary): [string, string][] {
  const pool = (p: PoolSummary) =>
    `${p.replicas} × ${p.gpu}${p.tp > 1 ? ` (tp ${p.tp})` : ''}, ${p.stack}, ${p.cost_model}: ${formatEnergy(p.energy_j)} (prefill ${formatEnergy(p.energy_breakdown_j.prefill)}, decode ${formatEnergy(p.energy_breakdown_j.decode)}, idle ${formatEnergy(p.energy_breakdown_j.idle)})`;
  return [
    ['prefill pool', pool(d.prefill_pool)],
    ['decode pool', pool(d.decode_pool)],
    ['KV link', `${d.link.description} (${d.link.basis})`],
    [
      'KV transfers',
      `${count(d.transfers)} (${formatNumber(d.transfer_bytes / 1e9)} GB), ${formatEnergy(d.transfer_energy_j)}; links busy ${formatDuration(d.link_busy_s)} (${(100 * d.link_utilisation).toFixed(2)}%); mean wait for decode blocks ${formatDuration(d.mean_reservation_wait_s)}`,
    ],
  ];
}

/** The facility lines of the table: energy by level, carbon, cost, per token, and where the numbers come from. */
function facilityRows(f: FacilitySummary): [string, string][] {
  const e = f.energy_j;
  const n = f.node;
  const emb = f.embodied_kgco2e;
  const kg = (x: number) => `${formatNumber(x)} kgCO2e`;
  const usd = (x: number) => `$${formatNumber(x)}`;
  const rows: [string, string][] = [
    ['node', `${n.nodes} × ${n.type} (${n.replicas_per_node} replicas per node${n.empty_gpu_slots ? `, ${n.empty_gpu_slots} GPU slots unused` : ''}), floor ${formatPower(n.floor_w)}`],
    ['energy GPU / node / IT', `${formatEnergy(e.gpu)} (${f.provenance.gpu}) / ${formatEnergy(e.node)} (${f.provenance.node}) / ${formatEnergy(e.it)}`],
    ['facility energy', `${formatEnergy(e.facility)} = ${formatNumber(f.energy_kwh.facility)} kWh (mean PUE ${formatNumber(f.mean_pue)}; ${f.provenance.pue})`],
    ['  idle (not attributed)', `GPU ${formatEnergy(f.idle_energy_j.gpu)}, node ${formatEnergy(f.idle_energy_j.node)}, facility ${formatEnergy(f.idle_energy_j.facility)}`],
    ['operational carbon', `${kg(f.operational_kgco2e)} (mean ${formatNumber(f.mean_carbon_g_per_kwh)} g/kWh; ${f.provenance.carbon})`],
    ['embodied carbon', emb ? `${kg(emb.total)} (GPUs ${kg(emb.gpus)}, nodes ${kg(emb.nodes)}; over ${emb.lifetime_years} years)` : 'not reported'],
    ['cost', `${usd(f.cost_usd)} (mean ${usd(f.mean_price_usd_per_kwh)}/kWh; ${f.provenance.price})`],
    [
      'per output token',
      `${formatEnergy(f.per_output_token.it_j)} IT, ${formatEnergy(f.per_output_token.facility_j)} facility, ${formatNumber(f.per_output_token.operational_gco2e)} + ${formatNumber(f.per_output_token.embodied_gco2e)} gCO2e (operational + embodied), ${usd(f.per_output_token.cost_usd)}`,
    ],
  ];
  for (const r of f.by_region ?? []) {
    rows.push([
      `  region ${r.name}`,
      `${r.replicas} replica${r.replicas > 1 ? 's' : ''} on ${r.nodes} node${r.nodes > 1 ? 's' : ''}, ${count(r.completed)} requests: facility ${formatNumber(r.energy_j.facility / 3.6e6)} kWh (PUE ${formatNumber(r.mean_pue)}), ${kg(r.operational_kgco2e)} (mean ${formatNumber(r.mean_carbon_g_per_kwh)} g/kWh), ${usd(r.cost_usd)}`,
    ]);
  }
  if (f.start_utc) rows.push(['wall clock', `${f.start_utc} to ${f.end_utc} (start from ${f.start_from})`]);
  for (const w of f.warnings) rows.push(['warning', w]);
  return rows;
}
