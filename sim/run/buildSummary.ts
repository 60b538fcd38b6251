/**
 * The run summary from a finished simulation and the configuration it resolved: one object with stable snake_case
 * keys (the `--json` output and summary.json; rendered by sim/report/summary.ts).
 */
import type { FacilitySummary } from '../report/facilitySummary.js';
import type { DisaggregationSummary, PoolSummary, PrefixCacheSummary, QuantizationSummary, Summary } from '../report/summary.js';
import type { ResolvedPool } from './buildDisaggregation.js';
import type { ResolvedConfig } from './buildSimulation.js';
import type { SimulationResult } from './simulation.js';
import { displayPath } from '../io/displayPath.js';

/** The batching policy's own block (from its registry entry), plus a non-greedy decoding strategy. */
function schedulerSummary(r: ResolvedConfig): Record<string, unknown> {
  const decoding = r.decoding && r.decoding.kind !== 'greedy' ? { decoding: r.decoding } : {};
  return { ...r.scheduler.summary, ...decoding };
}

export function buildSummary(
  name: string,
  result: SimulationResult,
  resolved: ResolvedConfig,
  warnings: string[],
  extrapolated: readonly string[] = resolved.extrapolations,
  facility?: FacilitySummary,
): Summary {
  const m = result.metrics;
  const e = result.ledger.totals();
  const makespan = result.makespanSeconds;
  const w = result.workload;
  return {
    scenario: name,
    gpu: resolved.gpu,
    model: resolved.model,
    stack: resolved.stack,
    tp: resolved.tp,
    replicas: resolved.replicas,
    router: resolved.router,
    ...(resolved.admission.name !== 'accept_all' ? { admission: resolved.admission } : {}),
    ...(resolved.powerController.name !== 'none'
      ? {
          power_controller: {
            ...resolved.powerController,
            asleep_s: result.replicaStates.reduce((a, r) => a + r.asleepSeconds, 0),
            wakeups: result.replicaStates.reduce((a, r) => a + r.wakeups, 0),
          },
        }
      : {}),
    scheduler: schedulerSummary(resolved),
    seed: resolved.seed,
    cost_model: {
      kind: resolved.cost.provenance.kind,
      description: resolved.cost.provenance.description,
      ...(resolved.cost.provenance.profilePath ? { profile: displayPath(resolved.cost.provenance.profilePath) } : {}),
      extrapolated: [...extrapolated],
    },
    workload: { description: w.description, rows_read: w.rowsRead, requests: result.requestsArrived, skipped: { ...w.skipped } },
    requests_completed: m.completed,
    requests_rejected: m.rejected,
    rejection_reasons: Object.fromEntries([...m.rejectionReasons.entries()].sort()),
    preemptions: m.preemptions,
    input_tokens: m.inputTokens,
    output_tokens: m.outputTokens,
    makespan_s: makespan,
    energy_j: e.total,
    energy_kwh: e.total / 3.6e6,
    energy_per_output_token_j: m.outputTokens > 0 ? e.total / m.outputTokens : 0,
    energy_per_request_j: m.completed > 0 ? e.total / m.completed : 0,
    avg_power_w: makespan > 0 ? e.total / makespan : 0,
    energy_breakdown_j: { prefill: e.prefill, decode: e.decode, idle: e.idle, ...(result.disaggregation ? { transfer: e.transfer } : {}) },
    attributed_energy_j: m.attributedJoules,
    ttft_s: m.ttftSeconds.summary(),
    tpot_s: m.tpotSeconds.summary(),
    e2e_s: m.e2eSeconds.summary(),
    throughput_output_tokens_per_s: makespan > 0 ? m.outputTokens / makespan : 0,
    throughput_requests_per_s: makespan > 0 ? m.completed / makespan : 0,
    events: result.eventsFired,
    ...(resolved.slo
      ? {
          slo: {
            ttft_s: resolved.slo.ttftSeconds ?? null,
            tpot_s: resolved.slo.tpotSeconds ?? null,
            attained: m.sloAttained,
            attainment: result.requestsArrived > 0 ? m.sloAttained / result.requestsArrived : 0,
            goodput_requests_per_s: makespan > 0 ? m.sloAttained / makespan : 0,
          },
        }
      : {}),
    ...quantizationSummary(resolved),
    ...prefixCacheSummary(resolved, warnings),
    ...disaggregationSummary(result, resolved),
    warnings,
    ...(facility ? { facility } : {}),
  };
}

function quantizationSummary(r: ResolvedConfig): { quantization?: QuantizationSummary } {
  const carried = r.cost.provenance.carriedOverFromBf16;
  if (r.precision.weights === 'bf16' && r.precision.kvCache === 'bf16') return {};
  return { quantization: { weight_dtype: r.precision.weights, kv_cache_dtype: r.precision.kvCache, carried_over_from_bf16: carried ? [...carried] : [] } };
}

function prefixCacheSummary(r: ResolvedConfig, warnings: string[]): { prefix_cache?: PrefixCacheSummary } {
  const p = r.scheduler.prefixCacheStats;
  if (!p) return {};
  if (p.lookups === 0) warnings.push('prefix caching is on, but no request names its prefix blocks (Mooncake traces carry hash_ids, plain CSV traces prefix_id and prefix_tokens columns; other formats do not)');
  return {
    prefix_cache: {
      lookups: p.lookups,
      hit_admissions: p.hits,
      hit_rate: p.promptTokens > 0 ? p.hitTokens / p.promptTokens : 0,
      prefill_tokens_saved: p.hitTokens,
      prefill_energy_saved_j: p.savedJoules,
      evictions: p.evictions,
    },
  };
}

function disaggregationSummary(result: SimulationResult, resolved: ResolvedConfig): { disaggregation?: DisaggregationSummary } {
  const d = result.disaggregation;
  const r = resolved.disaggregation;
  if (!d || !r) return {};
  const pool = (p: ResolvedPool, from: number, to: number): PoolSummary => {
    const e = result.ledger.poolTotals(from, to);
    return {
      gpu: p.gpu,
      stack: p.stack,
      tp: p.tp,
      replicas: p.replicas,
      router: p.router,
      node: p.node,
      cost_model: p.costKind,
      scheduler: p.scheduler,
      energy_j: e.total,
      energy_breakdown_j: { prefill: e.prefill, decode: e.decode, idle: e.idle },
    };
  };
  const busy = d.links.reduce((a, l) => a + l.busySeconds, 0);
  const transfers = d.links.reduce((a, l) => a + l.transfers, 0);
  const makespan = result.makespanSeconds;
  return {
    disaggregation: {
      prefill_pool: pool(r.prefill, 0, d.prefillReplicas),
      decode_pool: pool(r.decode, d.prefillReplicas, d.prefillReplicas + d.decodeReplicas),
      link: { kind: d.link.kind, description: d.link.description, basis: d.link.basis },
      kv_bytes_per_token: r.kvBytesPerToken,
      transfers,
      transfer_bytes: d.links.reduce((a, l) => a + l.bytes, 0),
      transfer_energy_j: d.transferJoules,
      link_busy_s: busy,
      link_utilisation: makespan > 0 ? busy / (d.links.length * makespan) : 0,
      mean_reservation_wait_s: transfers > 0 ? d.reservationWaitSeconds / transfers : 0,
    },
  };
}
