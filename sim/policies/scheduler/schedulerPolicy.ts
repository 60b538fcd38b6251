/**
 * A batching policy as the scheduler registry holds it: its name, the options it reads (JSON Schema), how its
 * config resolves from the scenario and the hardware, and what the resolved policy can do — build a scheduler per
 * replica, describe itself in the summary, and say how many requests of one shape fit in memory at once.
 */
import type { BuiltCostModel } from '../../cost/buildCostModel.js';
import type { DecodingStrategy } from '../../cost/decodingStrategy.js';
import type { Architecture } from '../../model/architecture.js';
import type { Gpu } from '../../model/gpu.js';
import type { Precision } from '../../model/precision.js';
import type { Stack } from '../../model/stack.js';
import type { LiveRequest } from '../../serving/liveRequest.js';
import type { MemoryBudget } from '../../serving/memoryBudget.js';
import type { PrefixCacheStats } from '../../serving/prefixCacheStats.js';
import type { Scheduler } from '../../serving/scheduler.js';
import type { AcceptanceConfig } from '../../serving/speculativeAcceptance.js';
import type { FlagPlaces } from '../../inputSource.js';
import type { LoadedPolicyModule } from '../policyModule.js';

/** The scheduler block of a scenario, as validated by the composed schema (each policy reads its own keys). */
export type SchedulerOptions = Readonly<Record<string, unknown>>;

export interface SchedulerBuildContext {
  /** Scenario file and JSON path of the scheduler block, for messages. */
  readonly file: string;
  readonly place: string;
  /** Values set by flags, so that messages name the flag instead (sim/inputSource.ts). */
  readonly flagPlaces?: FlagPlaces;
  readonly options: SchedulerOptions;
  readonly gpu: Gpu;
  readonly arch: Architecture;
  readonly stack: Stack;
  readonly tp: number;
  readonly seed: number;
  readonly decoding: DecodingStrategy;
  /** Weight and KV-cache precision: what the memory that fits is sized with. */
  readonly precision: Precision;
  /** The target model's cost (priced steps, model work, beam widths). */
  readonly cost: BuiltCostModel;
  /** Memory per GPU left for KV cache and activations (already widened for beam search). */
  readonly budget: MemoryBudget;
  /** Prices another model (a speculative draft) from the same kind of source as the target. */
  buildDraftCost(draft: Architecture): BuiltCostModel;
  /** A plug-in module named by the scenario (`scheduler.module`) or given to simulate(), when this is one. */
  readonly plugin?: LoadedPolicyModule;
}

export interface SpeculativeSettings {
  readonly draftModel: string;
  readonly gamma: number;
  readonly acceptance: AcceptanceConfig;
  /** Where the draft's cost numbers come from (calibrated / transferred / datasheet) and what was applied. */
  readonly draftCost: BuiltCostModel['params'];
  /** E[tokens per round] at the mean acceptance rate. */
  readonly expectedTokensPerRound: number;
  readonly description: string;
}

/** A batching policy resolved for one scenario: plain settings plus what the run, summary and estimator need. */
export interface ResolvedScheduler {
  /** The registry name (`static`, `continuous`, `transformers-cb`, `speculative`, `plugin`). */
  readonly policy: string;
  /** The batching family: static batches, or sequences joining and leaving each step. */
  readonly kind: 'static' | 'continuous';
  /** The policy's resolved configuration (its own shape). */
  readonly config: object;
  /** The batch it forms: static batch size, or the cap on running sequences. */
  readonly batch: number;
  /** What the summary prints under `scheduler` (kind first, then the policy's own settings). */
  readonly summary: Record<string, unknown>;
  readonly speculative?: SpeculativeSettings;
  /** Appended to the cost provenance (e.g. the draft model's cost source). */
  readonly costNote?: string;
  /** What prefix caching did, filled in as the run goes (when the policy caches prefixes). */
  readonly prefixCacheStats?: PrefixCacheStats;
  /** Longest context a request may have (both models' under speculative decoding). */
  readonly maxContextTokens: number;
  /** A fresh scheduler for replica `replica`; `seed` is the run's. */
  create(onFinished: (request: LiveRequest, finishSeconds: number) => void, seed: number, replica: number): Scheduler;
  /** Memory rule: the most (I, O) requests that run at once without preemption, capped at maxBatch; 0 if none fits. */
  capacity(inputTokens: number, outputTokens: number, maxBatch: number): number;
  /** The same policy with its batch (static batch size, or running-sequence cap) set to `batch` (the estimator). */
  withBatchSize(batch: number): ResolvedScheduler;
}

export interface SchedulerPolicyEntry<N extends string = string> {
  readonly name: N;
  /** One line for --help and docs. */
  readonly description: string;
  /** JSON Schema (object with properties) of the options this policy reads from the scheduler block. */
  readonly optionsSchema: { readonly type: 'object'; readonly properties: { readonly [key: string]: object } };
  /** The batching family, when it does not depend on the stack. */
  readonly batching?: 'static' | 'continuous';
  resolve(ctx: SchedulerBuildContext): ResolvedScheduler;
}
