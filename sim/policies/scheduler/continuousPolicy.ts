/** Continuous batching as vLLM does it (sim/serving/continuousScheduler.ts). */
import type { FromSchema } from 'json-schema-to-ts';
import { pagedMaxBatch } from '../../serving/batchCapacity.js';
import { ContinuousScheduler, type ContinuousConfig } from '../../serving/continuousScheduler.js';
import type { StepCostModel } from '../../cost/stepCostModel.js';
import { pagedBlockCount } from '../../serving/memoryBudget.js';
import { emptyPrefixCacheStats, type PrefixCaching } from '../../serving/prefixCacheStats.js';
import type { ResolvedScheduler, SchedulerBuildContext, SchedulerPolicyEntry } from './schedulerPolicy.js';
import { sharedSchedulerOptions } from './sharedOptions.js';

export const DEFAULT_MAX_RUNNING = 256;
/** vLLM V1's default token budget with chunked prefill on a large GPU. */
export const DEFAULT_CHUNKED_TOKENS = 8192;
/** Without chunked prefill a whole prompt must fit one step. */
export const DEFAULT_UNCHUNKED_TOKENS = 16384;

export const continuousOptionsSchema = {
  type: 'object',
  properties: {
    batch_size: sharedSchedulerOptions.batch_size,
    max_batched_tokens: sharedSchedulerOptions.max_batched_tokens,
    chunked_prefill: { type: 'boolean', description: 'Continuous: mix prompt chunks into decode steps (default true).' },
    kv_block_tokens: sharedSchedulerOptions.kv_block_tokens,
    kv_blocks: sharedSchedulerOptions.kv_blocks,
    max_run_steps: sharedSchedulerOptions.max_run_steps,
    prefix_caching: {
      type: 'boolean',
      description:
        "Continuous: share the KV blocks of common prompt prefixes (vLLM's automatic prefix caching) for requests whose trace names their prefix blocks (Mooncake hash_ids, or a plain CSV's prefix_id and prefix_tokens columns); LRU eviction of unused cached blocks. Default false.",
    },
  },
} as const;
type ContinuousOptions = FromSchema<typeof continuousOptionsSchema>;

export function continuousSummary(c: ContinuousConfig): Record<string, unknown> {
  return {
    kind: 'continuous',
    max_running_sequences: c.maxRunningSequences,
    max_batched_tokens: c.maxBatchedTokens,
    chunked_prefill: c.chunkedPrefill,
    kv_block_tokens: c.blockTokens,
    kv_blocks: c.totalBlocks,
    ...(c.prefixCaching ? { prefix_caching: true } : {}),
  };
}

/** Sequences whose whole KV cache is resident at once, less the admission watermark. */
export function continuousCapacity(c: ContinuousConfig, inputTokens: number, outputTokens: number, maxBatch: number): number {
  return pagedMaxBatch({ totalBlocks: c.totalBlocks, blockTokens: c.blockTokens, watermarkBlocks: c.admissionWatermarkBlocks }, inputTokens, outputTokens, maxBatch);
}

export function resolvedContinuous(config: ContinuousConfig, extraSummary: Record<string, unknown> = {}): ResolvedScheduler {
  return {
    policy: 'continuous',
    kind: 'continuous',
    config,
    batch: config.maxRunningSequences,
    maxContextTokens: config.maxContextTokens,
    summary: { ...continuousSummary(config), ...extraSummary },
    create: (onFinished) => new ContinuousScheduler(config, onFinished),
    capacity: (i, o, maxBatch) => continuousCapacity(config, i, o, maxBatch),
    withBatchSize: (maxRunningSequences) => resolvedContinuous({ ...config, maxRunningSequences }, extraSummary),
    ...(config.prefixCaching ? { prefixCacheStats: config.prefixCaching.stats } : {}),
  };
}

/** The vLLM-style config for a context; speculative rounds run prompts whole (`chunkedPrefill` forced off). */
export function continuousConfigFor(ctx: SchedulerBuildContext, maxContextTokens: number, forceUnchunked = false): ContinuousConfig {
  const o = ctx.options as ContinuousOptions;
  const chunkedPrefill = forceUnchunked ? false : (o.chunked_prefill ?? true);
  const maxBatchedTokens = o.max_batched_tokens ?? (chunkedPrefill ? DEFAULT_CHUNKED_TOKENS : DEFAULT_UNCHUNKED_TOKENS);
  const blockTokens = o.kv_block_tokens ?? ctx.stack.kv_block_tokens ?? 16;
  const totalBlocks = o.kv_blocks ?? pagedBlockCount(ctx.budget, blockTokens, maxBatchedTokens, `${ctx.file}:/cluster`);
  return {
    maxRunningSequences: o.batch_size ?? DEFAULT_MAX_RUNNING,
    maxBatchedTokens,
    chunkedPrefill,
    blockTokens,
    totalBlocks,
    admissionWatermarkBlocks: Math.ceil(0.01 * totalBlocks),
    maxContextTokens,
    maxRunSteps: o.max_run_steps ?? Number.MAX_SAFE_INTEGER,
    ...(o.prefix_caching === true && !forceUnchunked ? { prefixCaching: prefixCachingFor(ctx.cost.model) } : {}),
  };
}

/**
 * Prefix caching's bookkeeping for a run, with the saved energy of a hit priced by the replica's cost model: a
 * prefill of the whole prompt on its own minus a prefill of the rest over the cached part (docs: an estimate; the
 * end-to-end saving is what a run with and without caching shows).
 */
export function prefixCachingFor(model: StepCostModel): PrefixCaching {
  const prefill = (newTokens: number, cachedTokens: number): number =>
    model.stepCost({ chunkNewTokens: [newTokens], chunkCachedTokens: [cachedTokens], chunksProducingToken: 1, decodeCount: 0, decodeContextSum: 0 }).joules;
  return {
    stats: emptyPrefixCacheStats(),
    savedJoules: (hitTokens, restTokens) => prefill(hitTokens + restTokens, 0) - prefill(restTokens, hitTokens),
  };
}

export const continuousPolicy = {
  name: 'continuous',
  description: "iteration-level batching with a paged KV cache; the stack's own policy (vLLM's, or transformers-cb for hf-paged)",
  optionsSchema: continuousOptionsSchema,
  batching: 'continuous',
  resolve: (ctx) => resolvedContinuous(continuousConfigFor(ctx, ctx.cost.work.maxContextTokens)),
} as const satisfies SchedulerPolicyEntry<'continuous'>;
