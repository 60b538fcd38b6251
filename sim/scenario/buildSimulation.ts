/**
 * Turns a validated scenario into a runnable SimulationSetup: loads the model, GPU and stack files, picks the cost
 * parameters (calibrated / transferred / datasheet), sizes the KV cache, and makes the schedulers.
 */
import type { CostParameters } from '../cost/costParameters.js';
import { modelWorkFor } from '../cost/modelWorkFor.js';
import { resolveCostParameters } from '../cost/resolveCostParameters.js';
import { StepCostModel } from '../cost/stepCostModel.js';
import type { SimulationSetup } from '../engine/simulation.js';
import { InputError } from '../errors.js';
import { loadArchitecture } from '../model/architecture.js';
import { loadGpu } from '../model/gpu.js';
import { loadStack } from '../model/stack.js';
import { ContinuousScheduler, type ContinuousConfig } from '../serving/continuousScheduler.js';
import { memoryBudget, pagedBlockCount } from '../serving/memoryBudget.js';
import type { RequestRowWriter } from '../report/requestMetrics.js';
import type { WorkObserver } from '../serving/replica.js';
import { StaticScheduler, type StaticConfig } from '../serving/staticScheduler.js';
import { createRequestSource } from '../workload/createRequestSource.js';
import type { LoadedScenario } from './loadScenario.js';

/** What the run actually used, after defaults and lookups: printed beside the results. */
export interface ResolvedConfig {
  readonly gpu: string;
  readonly model: string;
  readonly stack: string;
  readonly tp: number;
  readonly replicas: number;
  readonly router: string;
  readonly scheduler: { kind: 'static'; config: StaticConfig } | { kind: 'continuous'; config: ContinuousConfig };
  readonly cost: CostParameters;
  readonly seed: number;
}

export interface BuildOptions {
  readonly rowWriter?: RequestRowWriter | null;
  readonly observer?: WorkObserver | null;
  readonly onProgress?: SimulationSetup['onProgress'];
}

const DEFAULT_STATIC_BATCH = 8;
const DEFAULT_MAX_RUNNING = 256;
/** vLLM V1's default token budget with chunked prefill on a large GPU. */
const DEFAULT_CHUNKED_TOKENS = 8192;
/** Without chunked prefill a whole prompt must fit one step. */
const DEFAULT_UNCHUNKED_TOKENS = 16384;

export function buildSimulation(loaded: LoadedScenario, opts: BuildOptions = {}): { setup: SimulationSetup; resolved: ResolvedConfig } {
  const { scenario, file } = loaded;
  const c = scenario.cluster;
  const gpu = loadGpu(c.gpu, `${file}:/cluster/gpu`);
  const arch = loadArchitecture(c.model, `${file}:/cluster/model`);
  const stack = loadStack(c.stack, `${file}:/cluster/stack`);
  const work = modelWorkFor(arch);
  const cost = resolveCostParameters({
    gpu,
    model: arch.id,
    stack,
    tp: c.tp,
    powerCapWatts: c.power_cap_w,
    mode: c.cost_model,
    profileFile: c.profile,
  });
  if (cost.powerCapWatts <= cost.busyBaseWatts) {
    throw new InputError(file, '/cluster/power_cap_w', `a cap of ${cost.powerCapWatts} W is below the ${cost.busyBaseWatts.toFixed(0)} W a busy ${gpu.id} draws before doing any work`);
  }
  const costModel = new StepCostModel(work, cost);
  const budget = memoryBudget(gpu, stack, arch, c.tp);
  const s = c.scheduler;
  const kind = s.kind ?? stack.batching;
  const maxRunSteps = s.max_run_steps ?? Number.MAX_SAFE_INTEGER;
  let scheduler: ResolvedConfig['scheduler'];
  if (kind === 'static') {
    scheduler = {
      kind,
      config: {
        batchSize: s.batch_size ?? DEFAULT_STATIC_BATCH,
        groupByLengthBins: s.group_by_length_bins ?? false,
        batchMemoryBytes: budget.freeBytesPerGpu,
        kvBytesPerToken: budget.kvBytesPerTokenPerGpu,
        activationBytesPerPromptToken: budget.activationBytesPerTokenPerGpu,
        maxContextTokens: work.maxContextTokens,
        maxRunSteps,
      },
    };
  } else {
    const chunkedPrefill = s.chunked_prefill ?? true;
    const maxBatchedTokens = s.max_batched_tokens ?? (chunkedPrefill ? DEFAULT_CHUNKED_TOKENS : DEFAULT_UNCHUNKED_TOKENS);
    const blockTokens = s.kv_block_tokens ?? stack.kv_block_tokens ?? 16;
    const totalBlocks = s.kv_blocks ?? pagedBlockCount(budget, blockTokens, maxBatchedTokens, `${file}:/cluster`);
    scheduler = {
      kind,
      config: {
        maxRunningSequences: s.batch_size ?? DEFAULT_MAX_RUNNING,
        maxBatchedTokens,
        chunkedPrefill,
        blockTokens,
        totalBlocks,
        admissionWatermarkBlocks: Math.ceil(0.01 * totalBlocks),
        maxContextTokens: work.maxContextTokens,
        maxRunSteps,
      },
    };
  }
  const source = createRequestSource(scenario.workload, { baseDir: loaded.baseDir, seed: scenario.seed, file });
  const resolved: ResolvedConfig = {
    gpu: gpu.id,
    model: arch.id,
    stack: stack.id,
    tp: c.tp,
    replicas: c.replicas,
    router: c.router,
    scheduler,
    cost,
    seed: scenario.seed,
  };
  const setup: SimulationSetup = {
    source,
    replicas: c.replicas,
    router: c.router,
    makeScheduler: (onFinished) =>
      scheduler.kind === 'static'
        ? new StaticScheduler(scheduler.config, onFinished)
        : new ContinuousScheduler(scheduler.config, onFinished),
    costModel,
    idleWattsPerReplica: cost.idleWatts * c.tp,
    intervalSeconds: scenario.output.interval_s,
    maxIntervals: scenario.output.max_intervals,
    rowWriter: opts.rowWriter ?? null,
    observer: opts.observer ?? null,
    onProgress: opts.onProgress,
  };
  return { setup, resolved };
}
