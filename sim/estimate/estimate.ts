/**
 * The paper's §2.1 offline energy estimator, priced with joulesim's own cost model:
 *
 *   Ê_total   = Σ_(I*,O*) N(I*,O*) / B(I*,O*) · E_batch(I*,O*)
 *   Ê_optimal = TDP / FLOPS_HW · Σ_(I*,O*) N(I*,O*) · FLOPs(I*,O*)
 *
 * B(I*, O*) comes from the memory model (batchCapacity.ts). E_batch(I*, O*) is the simulated energy of one full
 * batch of B identical (I*, O*) requests, run offline through the same scheduler and step cost model as `run`
 * (calibrated profile when one exists, else transferred or datasheet: the result says which). FLOPs(I*, O*) is the
 * analytic count of the forward passes (requestFlops.ts). N/B is kept fractional, as the paper's formula has it.
 *
 * The binning error compares Ê_total with the same (included) requests simulated un-binned, offline: static stacks
 * run each cell's real requests in static batches of the cell's B (padded to each batch's own longest prompt and
 * output); paged stacks run all of them through continuous batching with at most the same cap of running sequences.
 */
import type { StepCostModel } from '../cost/stepCostModel.js';
import { simulate, type SimulationSetup } from '../run/simulation.js';
import { InputError } from '../errors.js';
import { loadGpu, type Gpu } from '../model/gpu.js';
import { buildSimulation, type ResolvedConfig } from '../run/buildSimulation.js';
import type { LoadedScenario } from '../scenario/loadScenario.js';
import type { LoadedPolicies } from '../policies/policyModule.js';
import type { RequestSource, RequestSpec } from '../workload/request.js';
import { binRequests, type ExcludedCounts, excludedTotal, type Lengths } from './bins.js';
import { requestFlops } from './requestFlops.js';
import { displayPath, scenarioLabel } from '../io/displayPath.js';

/** The paper's largest batch ("1 … task maximum (up to 1024)"). */
export const DEFAULT_MAX_BATCH = 1024;

export type FlopsHwChoice = 'dense' | 'sparse' | number;

export interface EstimateOptions {
  /** FLOPS_HW for Ê_optimal: the GPU's dense or sparse bf16 peak, or a number of TFLOP/s. Default dense. */
  readonly flopsHw?: FlopsHwChoice;
  /** Cap on B(I*, O*) (default 1024). */
  readonly maxBatch?: number;
  /** Also simulate the requests un-binned (default true). */
  readonly unbinned?: boolean;
  /** Requests to estimate, instead of reading the scenario's workload (tests). */
  readonly requests?: readonly Lengths[];
  /** Plug-in policy modules the scenario names, loaded ahead (loadScenarioPolicies). */
  readonly plugins?: LoadedPolicies;
}

export interface EstimateCell {
  readonly input_bin: number;
  readonly output_bin: number;
  /** N(I*, O*). */
  readonly requests: number;
  /** B(I*, O*); 0 when not one request of the cell fits (the cell is then left out and counted). */
  readonly batch_size: number;
  /** N / B, fractional as in the paper's formula. */
  readonly batches: number;
  readonly e_batch_j: number;
  readonly batch_seconds: number;
  readonly flops_per_request: number;
  readonly e_total_j: number;
  readonly e_optimal_j: number;
}

export interface EstimateResult {
  readonly scenario: string;
  readonly gpu: string;
  readonly model: string;
  readonly stack: string;
  readonly tp: number;
  readonly batching: 'static' | 'continuous';
  /** The batching policy's registry name (what `run` builds for the same scenario). */
  readonly policy: string;
  readonly cost_model: { kind: string; description: string; profile?: string };
  readonly tdp_w: number;
  readonly flops_hw: { choice: string; tflops: number };
  readonly max_batch: number;
  readonly requests: {
    readonly total: number;
    readonly included: number;
    readonly excluded: ExcludedCounts & { total: number };
    /** In cells where not even one request fits in memory. */
    readonly unservable: number;
  };
  readonly cells: EstimateCell[];
  readonly e_total_j: number;
  readonly e_optimal_j: number;
  /** (Ê_total − Ê_optimal) / Ê_optimal · 100: Table 4's "% above the idealized estimate". */
  readonly pct_above_optimal: number;
  readonly unbinned?: {
    readonly mode: string;
    readonly energy_j: number;
    readonly makespan_s: number;
    readonly requests_completed: number;
    readonly requests_rejected: number;
  };
  /** (Ê_total − E_unbinned) / E_unbinned · 100. */
  readonly binning_error_pct?: number;
}

/** A RequestSource over requests held in memory, all at t = 0. */
export function offlineArraySource(lengths: readonly Lengths[], description: string): RequestSource {
  const report = { description, rowsRead: 0, requestsYielded: 0, skipped: {} };
  return {
    report,
    *[Symbol.iterator](): Generator<RequestSpec, void, undefined> {
      report.rowsRead = 0;
      report.requestsYielded = 0;
      for (let id = 0; id < lengths.length; id++) {
        report.rowsRead++;
        report.requestsYielded++;
        yield { id, arrivalSeconds: 0, inputTokens: lengths[id].inputTokens, outputTokens: lengths[id].outputTokens };
      }
    },
  };
}

/** Like offlineArraySource, but `count` copies of one (I, O) without allocating them. */
function repeatedSource(count: number, inputTokens: number, outputTokens: number): RequestSource {
  const report = { description: `${count} × (${inputTokens}, ${outputTokens})`, rowsRead: 0, requestsYielded: 0, skipped: {} };
  return {
    report,
    *[Symbol.iterator](): Generator<RequestSpec, void, undefined> {
      for (let id = 0; id < count; id++) yield { id, arrivalSeconds: 0, inputTokens, outputTokens };
    },
  };
}

/** One cell's inputs to the two sums. */
export interface CellTerms {
  /** N(I*, O*). */
  readonly requests: number;
  /** B(I*, O*). */
  readonly batchSize: number;
  /** E_batch(I*, O*), joules. */
  readonly batchJoules: number;
  /** FLOPs(I*, O*) of one request. */
  readonly flopsPerRequest: number;
}

/**
 * The paper's two sums: Ê_total = Σ N/B · E_batch and Ê_optimal = TDP / FLOPS_HW · Σ N · FLOPs, with the % above
 * optimal (Table 4's metric). N/B stays fractional, as in the paper's formula.
 */
export function combineCells(cells: readonly CellTerms[], tdpWatts: number, flopsHwTflops: number): { eTotal: number; eOptimal: number; pctAboveOptimal: number } {
  let eTotal = 0;
  let flops = 0;
  for (const c of cells) {
    eTotal += (c.requests / c.batchSize) * c.batchJoules;
    flops += c.requests * c.flopsPerRequest;
  }
  const eOptimal = (tdpWatts / (flopsHwTflops * 1e12)) * flops;
  return { eTotal, eOptimal, pctAboveOptimal: eOptimal > 0 ? ((eTotal - eOptimal) / eOptimal) * 100 : NaN };
}

export function flopsHwTflops(gpu: Gpu, choice: FlopsHwChoice): number {
  if (typeof choice === 'number') return choice;
  if (choice === 'dense') return gpu.bf16_dense_tflops;
  if (gpu.bf16_sparse_tflops === undefined) throw new InputError('--flops-hw', '', `${gpu.id} has no sparse bf16 figure in its GPU file`);
  return gpu.bf16_sparse_tflops;
}

/** Runs a batch of requests through one replica with the resolved scheduler, resized. */
class BatchRunner {
  constructor(
    private readonly resolved: ResolvedConfig,
    private readonly costModel: StepCostModel,
    private readonly idleWatts: number,
  ) {}

  run(source: RequestSource, batchSize: number): { joules: number; seconds: number; completed: number; rejected: number } {
    // The scenario's own batching policy (from its registry entry), resized: what `run` would build.
    const sized = this.resolved.scheduler.withBatchSize(batchSize);
    const seed = this.resolved.seed;
    const makeScheduler: SimulationSetup['makeScheduler'] = (onFinished, replica) => sized.create(onFinished, seed, replica);
    const result = simulate({
      source,
      replicas: 1,
      router: 'round_robin',
      makeScheduler,
      costModel: this.costModel,
      idleWattsPerReplica: this.idleWatts,
      intervalSeconds: 1e9,
      maxIntervals: 2,
    });
    return {
      joules: result.ledger.totals().total,
      seconds: result.makespanSeconds,
      completed: result.metrics.completed,
      rejected: result.metrics.rejected,
    };
  }
}

export function estimate(loaded: LoadedScenario, opts: EstimateOptions = {}): EstimateResult {
  const file = loaded.file;
  // The estimator bins requests onto one replica type; a cluster of two pools has no single batch to size.
  if (loaded.scenario.cluster.disaggregation) throw new InputError(file, '/cluster/disaggregation', 'the estimator models one pool of replicas; run disaggregated serving with `joulesim run` or `compare`');
  const { setup, resolved } = buildSimulation(loaded, { plugins: opts.plugins });
  const gpu = loadGpu(resolved.gpu, `${file}:/cluster/gpu`);
  const maxBatch = opts.maxBatch ?? DEFAULT_MAX_BATCH;
  const flopsChoice = opts.flopsHw ?? 'dense';
  const tflops = flopsHwTflops(gpu, flopsChoice);
  const requests: readonly Lengths[] = opts.requests ?? [...setup.source].map((r) => ({ inputTokens: r.inputTokens, outputTokens: r.outputTokens }));
  const binned = binRequests(requests);
  const runner = new BatchRunner(resolved, setup.costModel, setup.idleWattsPerReplica);
  const sched = resolved.scheduler;
  // B from the same memory budget the scheduler was built with (weights, KV bytes per token, activations).
  const capacity = (I: number, O: number): number => sched.capacity(I, O, maxBatch);
  // The idealized estimate is per GPU: under tensor parallelism N GPUs at TDP deliver N × FLOPS_HW, the same ratio.
  const joulesPerFlop = gpu.tdp_w / (tflops * 1e12);

  const cells: EstimateCell[] = [];
  const terms: CellTerms[] = [];
  let unservable = 0;
  const servable: number[] = [];
  const unbinnedCells: { members: number[]; batch: number }[] = [];
  for (const c of binned.cells) {
    const B = capacity(c.inputBin, c.outputBin);
    const flops = requestFlops(setup.costModel.work, c.inputBin, c.outputBin).total;
    if (B < 1) {
      unservable += c.count;
      cells.push({ input_bin: c.inputBin, output_bin: c.outputBin, requests: c.count, batch_size: 0, batches: 0, e_batch_j: 0, batch_seconds: 0, flops_per_request: flops, e_total_j: 0, e_optimal_j: 0 });
      continue;
    }
    const batch = runner.run(repeatedSource(B, c.inputBin, c.outputBin), B);
    if (batch.completed !== B) throw new Error(`internal: a full batch of ${B} × (${c.inputBin}, ${c.outputBin}) did not complete (${batch.rejected} rejected)`);
    const batches = c.count / B;
    const cellTotal = batches * batch.joules;
    const cellOptimal = joulesPerFlop * c.count * flops;
    terms.push({ requests: c.count, batchSize: B, batchJoules: batch.joules, flopsPerRequest: flops });
    cells.push({
      input_bin: c.inputBin,
      output_bin: c.outputBin,
      requests: c.count,
      batch_size: B,
      batches,
      e_batch_j: batch.joules,
      batch_seconds: batch.seconds,
      flops_per_request: flops,
      e_total_j: cellTotal,
      e_optimal_j: cellOptimal,
    });
    servable.push(...c.members);
    unbinnedCells.push({ members: c.members, batch: B });
  }

  let unbinned: EstimateResult['unbinned'];
  if (opts.unbinned !== false && servable.length > 0) {
    if (sched.kind === 'static') {
      let energy = 0;
      let seconds = 0;
      let completed = 0;
      let rejected = 0;
      for (const u of unbinnedCells) {
        const r = runner.run(offlineArraySource(u.members.map((i) => requests[i]), 'cell'), u.batch);
        energy += r.joules;
        seconds += r.seconds;
        completed += r.completed;
        rejected += r.rejected;
      }
      unbinned = {
        mode: 'offline static batching of each cell\'s real requests in batches of that cell\'s B(I*,O*), padded to each batch\'s longest prompt and output',
        energy_j: energy,
        makespan_s: seconds,
        requests_completed: completed,
        requests_rejected: rejected,
      };
    } else {
      servable.sort((a, b) => a - b);
      const r = runner.run(offlineArraySource(servable.map((i) => requests[i]), 'included'), maxBatch);
      unbinned = {
        mode: `offline continuous batching of all included requests (at most ${maxBatch} running, ${sched.policy} policy, paged KV cache of ${String(sched.summary.kv_blocks)} blocks)`,
        energy_j: r.joules,
        makespan_s: r.seconds,
        requests_completed: r.completed,
        requests_rejected: r.rejected,
      };
    }
  }

  const { eTotal, eOptimal, pctAboveOptimal } = combineCells(terms, gpu.tdp_w, tflops);
  const p = resolved.cost.provenance;
  const excludedN = excludedTotal(binned.excluded);
  return {
    scenario: loaded.scenario.name ?? scenarioLabel(loaded.file),
    gpu: resolved.gpu,
    model: resolved.model,
    stack: resolved.stack,
    tp: resolved.tp,
    batching: sched.kind,
    policy: sched.policy,
    cost_model: { kind: p.kind, description: p.description, ...(p.profilePath ? { profile: displayPath(p.profilePath) } : {}) },
    tdp_w: gpu.tdp_w,
    flops_hw: { choice: typeof flopsChoice === 'number' ? 'number' : flopsChoice, tflops },
    max_batch: maxBatch,
    requests: { total: binned.total, included: binned.included, excluded: { ...binned.excluded, total: excludedN }, unservable },
    cells,
    e_total_j: eTotal,
    e_optimal_j: eOptimal,
    pct_above_optimal: pctAboveOptimal,
    ...(unbinned ? { unbinned, binning_error_pct: ((eTotal - unbinned.energy_j) / unbinned.energy_j) * 100 } : {}),
  };
}
