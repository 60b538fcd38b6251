/**
 * Turns a validated scenario into a runnable SimulationSetup: loads the model, GPU and stack files, picks the cost
 * parameters (calibrated / transferred / datasheet), sizes the KV cache, and makes the schedulers.
 */
import { buildCostModel } from '../cost/buildCostModel.js';
import type { CostParameters } from '../cost/costParameters.js';
import type { DecodingStrategy } from '../cost/decodingStrategy.js';
import { SpeculativeRoundCost } from '../cost/speculativeRoundCost.js';
import type { SimulationSetup } from '../engine/simulation.js';
import { InputError } from '../errors.js';
import { loadArchitecture } from '../model/architecture.js';
import { loadGpu } from '../model/gpu.js';
import { loadStack } from '../model/stack.js';
import { ContinuousScheduler, type ContinuousConfig } from '../serving/continuousScheduler.js';
import { HfPagedScheduler, type HfPagedConfig } from '../serving/hfPagedScheduler.js';
import { hfPagedBlockCount } from '../serving/hfPagedMemory.js';
import { memoryBudget, pagedBlockCount } from '../serving/memoryBudget.js';
import type { RequestRowWriter } from '../report/requestMetrics.js';
import type { WorkObserver } from '../serving/replica.js';
import { StaticScheduler, type StaticConfig } from '../serving/staticScheduler.js';
import { widenedMemoryBudget } from '../serving/beamMemory.js';
import { AcceptanceSampler, type AcceptanceConfig, describeAcceptance, expectedTokensPerRound, meanAcceptance } from '../serving/speculativeAcceptance.js';
import { SpeculativeContinuousScheduler } from '../serving/speculativeContinuousScheduler.js';
import { SpeculativeStaticScheduler } from '../serving/speculativeStaticScheduler.js';
import { speculativeMemoryBudget } from '../serving/speculativeMemory.js';
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
  readonly scheduler:
    | { kind: 'static'; config: StaticConfig }
    | {
        kind: 'continuous';
        config: ContinuousConfig;
        /** The stack's own policy when it is not vLLM's (config then mirrors it for summaries and estimates). */
        policy?: { kind: 'transformers-cb'; config: HfPagedConfig };
      };
  readonly cost: CostParameters;
  readonly seed: number;
  /** Speculative decoding riding on `scheduler` (its kind is the base batching), when the scheduler is speculative. */
  readonly speculative?: SpeculativeSettings;
  readonly decoding: DecodingStrategy;
}

export interface SpeculativeSettings {
  readonly draftModel: string;
  readonly gamma: number;
  readonly acceptance: AcceptanceConfig;
  /** Where the draft's cost numbers come from (calibrated / transferred / datasheet) and what was applied. */
  readonly draftCost: CostParameters;
  /** E[tokens per round] at the mean acceptance rate. */
  readonly expectedTokensPerRound: number;
  readonly description: string;
}

/** γ = 4 as in the seed paper; α = 0.7 when none is given (see docs/MECHANISMS.md for why). */
export const DEFAULT_GAMMA = 4;
export const DEFAULT_ACCEPTANCE: AcceptanceConfig = { kind: 'constant', rate: 0.7 };

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
  const s = c.scheduler;
  const decoding = c.decoding as DecodingStrategy;
  const speculative = s.kind === 'speculative';
  const built = buildCostModel({
    gpu,
    arch,
    stack,
    tp: c.tp,
    powerCapWatts: c.power_cap_w,
    mode: c.cost_model,
    profileFile: c.profile,
    allReduce: c.all_reduce,
    allReduceSource: `${file}:/cluster/all_reduce`,
    powerCapSource: { file, place: '/cluster/power_cap_w' },
    decoding,
    shapeCache: c.shape_cache,
  });
  let cost = built.params;
  const work = built.work;
  if (cost.powerCapWatts <= cost.busyBaseWatts) {
    throw new InputError(file, '/cluster/power_cap_w', `a cap of ${cost.powerCapWatts} W is below the ${cost.busyBaseWatts.toFixed(0)} W a busy ${gpu.id} draws before doing any work`);
  }
  const costModel = built.model;
  let budget = memoryBudget(gpu, stack, arch, c.tp);
  let spec: { settings: SpeculativeSettings; round: SpeculativeRoundCost; maxContextTokens: number } | undefined;
  if (speculative) {
    if (s.draft_model === undefined) throw new InputError(file, '/cluster/scheduler/draft_model', 'a speculative scheduler needs a draft_model');
    if (decoding.kind === 'beam') throw new InputError(file, '/cluster/decoding', 'beam search does not combine with speculative decoding');
    const draftArch = loadArchitecture(s.draft_model, `${file}:/cluster/scheduler/draft_model`);
    const draft = buildCostModel({
      gpu,
      arch: draftArch,
      stack,
      tp: c.tp,
      powerCapWatts: c.power_cap_w,
      mode: c.cost_model === 'calibrated' ? 'auto' : c.cost_model,
      allReduce: c.all_reduce,
      allReduceSource: `${file}:/cluster/all_reduce`,
      powerCapSource: { file, place: '/cluster/power_cap_w' },
      decoding,
    });
    const gamma = s.gamma ?? DEFAULT_GAMMA;
    const acceptance = (s.acceptance as AcceptanceConfig | undefined) ?? DEFAULT_ACCEPTANCE;
    const expected = expectedTokensPerRound(meanAcceptance(acceptance), gamma);
    const description = `speculative decoding: draft ${draftArch.id} proposes γ = ${gamma} tokens per round, ${describeAcceptance(acceptance)}; E[tokens per round] = ${expected.toFixed(3)} at the mean α`;
    spec = {
      settings: { draftModel: draftArch.id, gamma, acceptance, draftCost: draft.params, expectedTokensPerRound: expected, description },
      round: new SpeculativeRoundCost(costModel, draft.model, gamma),
      maxContextTokens: Math.min(work.maxContextTokens, draft.work.maxContextTokens),
    };
    budget = speculativeMemoryBudget(gpu, stack, arch, draftArch, c.tp);
    cost = {
      ...cost,
      provenance: {
        ...cost.provenance,
        description: `${cost.provenance.description}; ${description}; draft cost: ${draft.params.provenance.kind}: ${draft.params.provenance.description}`,
      },
    };
  }
  if (built.beamWidth > 1) budget = widenedMemoryBudget(budget, built.beamWidth, built.prefillWidth);
  const kind: 'static' | 'continuous' = s.kind === 'speculative' ? (s.speculative_base ?? stack.batching) : (s.kind ?? stack.batching);
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
        maxContextTokens: spec?.maxContextTokens ?? work.maxContextTokens,
        maxRunSteps,
      },
    };
  } else if (stack.scheduler_policy === 'transformers-cb' && !speculative) {
    // transformers' FIFOScheduler (sim/serving/hfPagedScheduler.ts): its own budget, margin and block sizing.
    const maxBatchTokens = s.max_batched_tokens ?? stack.max_batch_tokens ?? DEFAULT_CHUNKED_TOKENS;
    const blockTokens = s.kv_block_tokens ?? stack.kv_block_tokens ?? 256;
    const totalBlocks = s.kv_blocks ?? hfPagedBlockCount(gpu, arch, c.tp, blockTokens, maxBatchTokens);
    if (totalBlocks < 1) throw new InputError(`${file}:/cluster`, '', `no memory left for ${stack.id}'s KV cache after the weights and a ${maxBatchTokens}-token step`);
    const safetyMargin = stack.safety_margin ?? 0.15;
    const policy: HfPagedConfig = {
      maxBatchTokens,
      maxRequestsPerBatch: s.batch_size ?? stack.max_requests_per_batch ?? 1024,
      blockTokens,
      totalBlocks,
      safetyMargin,
      maxContextTokens: work.maxContextTokens,
      maxRunSteps,
    };
    scheduler = {
      kind: 'continuous',
      config: {
        maxRunningSequences: policy.maxRequestsPerBatch,
        maxBatchedTokens: maxBatchTokens,
        chunkedPrefill: true,
        blockTokens,
        totalBlocks,
        admissionWatermarkBlocks: Math.ceil(safetyMargin * totalBlocks),
        maxContextTokens: policy.maxContextTokens,
        maxRunSteps,
      },
      policy: { kind: 'transformers-cb', config: policy },
    };
  } else {
    // Speculative rounds run prompts whole (no chunked prefill), as vLLM's draft-model path.
    const chunkedPrefill = speculative ? false : (s.chunked_prefill ?? true);
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
        maxContextTokens: spec?.maxContextTokens ?? work.maxContextTokens,
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
    ...(spec ? { speculative: spec.settings } : {}),
    decoding,
  };
  const setup: SimulationSetup = {
    source,
    replicas: c.replicas,
    router: c.router,
    makeScheduler: (onFinished) => {
      if (spec) {
        const sampler = new AcceptanceSampler(spec.settings.acceptance, spec.settings.gamma, scenario.seed);
        return scheduler.kind === 'static'
          ? new SpeculativeStaticScheduler(scheduler.config, spec.round, sampler, onFinished)
          : new SpeculativeContinuousScheduler(scheduler.config, spec.round, sampler, onFinished);
      }
      if (scheduler.kind === 'static') return new StaticScheduler(scheduler.config, onFinished);
      if (scheduler.policy) return new HfPagedScheduler(scheduler.policy.config, onFinished);
      return new ContinuousScheduler(scheduler.config, onFinished);
    },
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
