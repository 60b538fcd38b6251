/**
 * Runs the points of sweeps: builds each point's scenario, checks it fits (drop_unfit), resolves its cost source,
 * and simulates it (or runs the §2.1 estimator). Results are plain data, one per point and cost variant.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { simulate } from '../run/simulation.js';
import { estimate, type EstimateResult, offlineArraySource } from '../estimate/estimate.js';
import { InputError } from '../errors.js';
import { buildSummary } from '../run/buildSummary.js';
import { buildSimulation } from '../run/buildSimulation.js';
import { type LoadedScenario, parseScenario } from '../scenario/loadScenario.js';
import { schedulerSchema } from '../scenario/scenarioSchema.js';
import { type AxisValue, deepMerge, type LoadedSweep, type SweepPoint } from './sweeps.js';

export type CostVariant = 'auto' | 'roofline';

export interface CostSource {
  readonly kind: string;
  readonly description: string;
}

export interface RunMetrics {
  readonly energy_j: number;
  readonly prefill_j: number;
  readonly decode_j: number;
  readonly idle_j: number;
  readonly makespan_s: number;
  readonly completed: number;
  readonly rejected: number;
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly throughput_tokens_per_s: number;
  /** Average power of the whole replica (all its GPUs). */
  readonly avg_power_w: number;
  readonly gpus: number;
  readonly e2e_p50_s: number;
}

export interface PointOutcome {
  readonly sweep: string;
  readonly key: string;
  readonly labels: Readonly<Record<string, AxisValue>>;
  readonly cost_variant: CostVariant;
  readonly status: 'ok' | 'does not fit' | 'not yet simulated';
  readonly detail?: string;
  readonly cost?: CostSource;
  readonly run?: RunMetrics;
  readonly estimate?: EstimateResult;
}

export interface SweepOutcome {
  readonly id: string;
  readonly title: string;
  readonly findings: readonly string[];
  readonly mode: 'run' | 'estimate';
  /** Cost variants run: ['auto'], or ['auto', 'roofline'] for a like-for-like sweep whose points mix sources. */
  readonly variants: readonly CostVariant[];
  /** Cost kinds the auto points resolved to (stack → kind), for the report. */
  readonly mixedSources?: string;
  readonly status: 'ok' | 'not yet simulated';
  readonly detail?: string;
  readonly points: PointOutcome[];
}

export interface RunSweepOptions {
  /** Cap every point's request count (synthetic `count`, trace `limit`) at this many: quick, reduced runs. */
  readonly maxRequests?: number;
  /** Called after each point (progress only). */
  readonly onPoint?: (sweep: string, key: string) => void;
}

/** Whether the tree has a mechanism a sweep requires (issue 4 adds them to the scenario schema). */
export function mechanismAvailable(name: 'speculative'): boolean {
  const kinds = (schedulerSchema.properties.kind as { enum: readonly string[] }).enum;
  return kinds.includes(name);
}

const rawCache = new Map<string, unknown>();
function readBase(file: string): unknown {
  let raw = rawCache.get(file);
  if (raw === undefined) {
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new InputError(file, '', `cannot read the scenario (${(e as Error).message})`);
    }
    rawCache.set(file, raw);
  }
  return structuredClone(raw);
}

function loadPoint(point: SweepPoint, extra: Record<string, unknown>, maxRequests: number | undefined): LoadedScenario {
  const overrides = deepMerge(point.overrides, extra);
  let loaded = parseScenario(readBase(point.baseFile), point.baseFile, dirname(point.baseFile), overrides);
  if (maxRequests !== undefined) {
    const w = loaded.scenario.workload;
    const cap =
      w.kind === 'synthetic'
        ? w.count === undefined || w.count > maxRequests
          ? { workload: { count: maxRequests } }
          : null
        : w.limit === undefined || w.limit > maxRequests
          ? { workload: { limit: maxRequests } }
          : null;
    if (cap) loaded = parseScenario(readBase(point.baseFile), point.baseFile, dirname(point.baseFile), deepMerge(overrides, cap));
  }
  return loaded;
}

/** For a fixed-length workload: does a batch of the point's batch size fit in memory? (null: not applicable) */
export function batchFits(loaded: LoadedScenario): { fits: boolean; capacity: number } | null {
  const w = loaded.scenario.workload;
  if (w.kind !== 'synthetic' || w.lengths.kind !== 'fixed') return null;
  const { scheduler } = buildSimulation(loaded).resolved;
  const I = w.lengths.input_tokens;
  const O = w.lengths.output_tokens;
  const capacity = scheduler.capacity(I, O, Number.MAX_SAFE_INTEGER);
  return { fits: capacity >= scheduler.batch, capacity };
}

/**
 * The workload as consecutive separate simulations of `batch` requests each, all at t = 0 within a batch, the next
 * batch after the previous one ends (no idle between them): vLLM's offline LLM.generate() called once per batch.
 */
function runInSeparateBatches(loaded: LoadedScenario, batch: number): { cost: CostSource; run: RunMetrics } {
  const { setup, resolved } = buildSimulation(loaded);
  const requests = [...setup.source].map((r) => ({ inputTokens: r.inputTokens, outputTokens: r.outputTokens }));
  const t = { energy: 0, prefill: 0, decode: 0, idle: 0, seconds: 0, completed: 0, rejected: 0, input: 0, output: 0 };
  for (let i = 0; i < requests.length; i += batch) {
    const result = simulate({ ...setup, source: offlineArraySource(requests.slice(i, i + batch), 'batch') });
    const e = result.ledger.totals();
    t.energy += e.total;
    t.prefill += e.prefill;
    t.decode += e.decode;
    t.idle += e.idle;
    t.seconds += result.makespanSeconds;
    t.completed += result.metrics.completed;
    t.rejected += result.metrics.rejected;
    t.input += result.metrics.inputTokens;
    t.output += result.metrics.outputTokens;
  }
  const p = resolved.cost.provenance;
  return {
    cost: { kind: p.kind, description: p.description },
    run: {
      energy_j: t.energy,
      prefill_j: t.prefill,
      decode_j: t.decode,
      idle_j: t.idle,
      makespan_s: t.seconds,
      completed: t.completed,
      rejected: t.rejected,
      input_tokens: t.input,
      output_tokens: t.output,
      throughput_tokens_per_s: t.seconds > 0 ? t.output / t.seconds : 0,
      avg_power_w: t.seconds > 0 ? t.energy / t.seconds : 0,
      gpus: resolved.tp * resolved.replicas,
      e2e_p50_s: NaN,
    },
  };
}

function runPoint(loaded: LoadedScenario): { cost: CostSource; run: RunMetrics } {
  const { setup, resolved } = buildSimulation(loaded);
  const result = simulate(setup);
  const s = buildSummary(loaded.scenario.name ?? loaded.file, result, resolved, []);
  const p = resolved.cost.provenance;
  return {
    cost: { kind: p.kind, description: p.description },
    run: {
      energy_j: s.energy_j,
      prefill_j: s.energy_breakdown_j.prefill,
      decode_j: s.energy_breakdown_j.decode,
      idle_j: s.energy_breakdown_j.idle,
      makespan_s: s.makespan_s,
      completed: s.requests_completed,
      rejected: s.requests_rejected,
      input_tokens: s.input_tokens,
      output_tokens: s.output_tokens,
      throughput_tokens_per_s: s.throughput_output_tokens_per_s,
      avg_power_w: s.avg_power_w,
      gpus: resolved.tp * resolved.replicas,
      e2e_p50_s: s.e2e_s.p50,
    },
  };
}

function costKindOf(loaded: LoadedScenario): string {
  return buildSimulation(loaded).resolved.cost.provenance.kind;
}

export function runSweep(loaded: LoadedSweep, opts: RunSweepOptions = {}): SweepOutcome {
  const { sweep } = loaded;
  const mode = sweep.mode ?? 'run';
  const head = { id: sweep.id, title: sweep.title, findings: sweep.findings ?? [], mode };
  const missing = (sweep.requires ?? []).filter((m) => !mechanismAvailable(m));
  if (missing.length > 0) {
    const detail = `needs ${missing.join(', ')}, which this tree does not have yet (scheduler kinds: ${(schedulerSchema.properties.kind as { enum: readonly string[] }).enum.join(', ')})`;
    return {
      ...head,
      variants: [],
      status: 'not yet simulated',
      detail,
      points: loaded.points.map((p) => ({ sweep: sweep.id, key: p.key, labels: p.labels, cost_variant: 'auto', status: 'not yet simulated', detail })),
    };
  }
  const autoLoaded = loaded.points.map((p) => loadPoint(p, {}, opts.maxRequests));
  const variants: CostVariant[] = ['auto'];
  let mixedSources: string | undefined;
  if (sweep.cost === 'like-for-like') {
    const kinds = new Map<string, Set<string>>();
    autoLoaded.forEach((l) => {
      const k = costKindOf(l);
      const stack = l.scenario.cluster.stack;
      if (!kinds.has(k)) kinds.set(k, new Set());
      kinds.get(k)!.add(stack);
    });
    if (kinds.size > 1) {
      variants.push('roofline');
      mixedSources = [...kinds.entries()].map(([k, stacks]) => `${[...stacks].sort().join(', ')}: ${k}`).join('; ');
    }
  }
  const when = sweep.separate_batches_when;
  const separate = (p: SweepPoint): boolean => when !== undefined && Object.entries(when).every(([k, v]) => p.labels[k] === v);
  const points: PointOutcome[] = [];
  for (const variant of variants) {
    loaded.points.forEach((p, i) => {
      const l = variant === 'auto' ? autoLoaded[i] : loadPoint(p, { cluster: { cost_model: 'roofline' } }, opts.maxRequests);
      const base = { sweep: sweep.id, key: p.key, labels: p.labels, cost_variant: variant };
      if (sweep.drop_unfit) {
        const fit = batchFits(l);
        if (fit && !fit.fits) {
          points.push({ ...base, status: 'does not fit', detail: `at most ${fit.capacity} such requests fit in memory at once` });
          return;
        }
      }
      if (mode === 'estimate') {
        const e = estimate(l, { flopsHw: sweep.estimate?.flops_hw, maxBatch: sweep.estimate?.max_batch });
        points.push({ ...base, status: 'ok', cost: e.cost_model, estimate: e });
      } else if (separate(p)) {
        const batch = l.scenario.cluster.scheduler.batch_size;
        if (batch === undefined) throw new InputError(loaded.file, '/separate_batches_when', `point ${p.key} has no cluster.scheduler.batch_size to cut its workload by`);
        points.push({ ...base, status: 'ok', ...runInSeparateBatches(l, batch) });
      } else {
        points.push({ ...base, status: 'ok', ...runPoint(l) });
      }
      opts.onPoint?.(sweep.id, p.key);
    });
  }
  return { ...head, variants, ...(mixedSources ? { mixedSources } : {}), status: 'ok', points };
}
