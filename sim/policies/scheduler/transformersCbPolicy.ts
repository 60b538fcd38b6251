/** Continuous batching as transformers serves it (hf-paged; sim/serving/hfPagedScheduler.ts). */
import type { FromSchema } from 'json-schema-to-ts';
import { InputError } from '../../errors.js';
import { pagedMaxBatch } from '../../serving/batchCapacity.js';
import { HfPagedScheduler, type HfPagedConfig } from '../../serving/hfPagedScheduler.js';
import { HF_MAX_MEMORY_PERCENT, hfPagedBlockCount } from '../../serving/hfPagedMemory.js';
import type { ResolvedScheduler, SchedulerPolicyEntry } from './schedulerPolicy.js';
import { sharedSchedulerOptions } from './sharedOptions.js';
import { DEFAULT_CHUNKED_TOKENS } from './continuousPolicy.js';

export const transformersCbOptionsSchema = {
  type: 'object',
  properties: {
    batch_size: sharedSchedulerOptions.batch_size,
    max_batched_tokens: sharedSchedulerOptions.max_batched_tokens,
    kv_block_tokens: sharedSchedulerOptions.kv_block_tokens,
    kv_blocks: sharedSchedulerOptions.kv_blocks,
    max_run_steps: sharedSchedulerOptions.max_run_steps,
    max_memory_percent: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: 1,
      description:
        "transformers-cb: the share of the memory left after the weights that the KV cache and a step's activations may take (transformers' ContinuousBatchingConfig.max_memory_percent; default 0.9). CUDA graphs need it lower: their private pools come out of the rest.",
    },
  },
} as const;
type TransformersCbOptions = FromSchema<typeof transformersCbOptionsSchema>;

export function resolvedTransformersCb(config: HfPagedConfig): ResolvedScheduler {
  // The free-block safety margin is what keeps sequences from being reset, so the capacity rule leaves it free.
  const watermarkBlocks = Math.ceil(config.safetyMargin * config.totalBlocks);
  return {
    policy: 'transformers-cb',
    kind: 'continuous',
    config,
    batch: config.maxRequestsPerBatch,
    maxContextTokens: config.maxContextTokens,
    summary: {
      kind: 'continuous',
      policy: 'transformers-cb',
      max_requests_per_batch: config.maxRequestsPerBatch,
      max_batch_tokens: config.maxBatchTokens,
      kv_block_tokens: config.blockTokens,
      kv_blocks: config.totalBlocks,
      safety_margin: config.safetyMargin,
      ...(config.maxMemoryPercent !== undefined ? { max_memory_percent: config.maxMemoryPercent } : {}),
    },
    create: (onFinished) => new HfPagedScheduler(config, onFinished),
    capacity: (i, o, maxBatch) => pagedMaxBatch({ totalBlocks: config.totalBlocks, blockTokens: config.blockTokens, watermarkBlocks }, i, o, maxBatch),
    withBatchSize: (maxRequestsPerBatch) => resolvedTransformersCb({ ...config, maxRequestsPerBatch }),
  };
}

export const transformersCbPolicy = {
  name: 'transformers-cb',
  description: "transformers' FIFOScheduler: one token budget for decodes and prompt chunks, a free-block safety margin, recompute of the newest starved request",
  optionsSchema: transformersCbOptionsSchema,
  batching: 'continuous',
  resolve: (ctx) => {
    const o = ctx.options as TransformersCbOptions;
    const stack = ctx.stack;
    const maxBatchTokens = o.max_batched_tokens ?? stack.max_batch_tokens ?? DEFAULT_CHUNKED_TOKENS;
    const blockTokens = o.kv_block_tokens ?? stack.kv_block_tokens ?? 256;
    const memoryPercent = o.max_memory_percent ?? HF_MAX_MEMORY_PERCENT;
    const totalBlocks = o.kv_blocks ?? hfPagedBlockCount(ctx.gpu, ctx.arch, ctx.tp, blockTokens, maxBatchTokens, ctx.precision, memoryPercent);
    if (totalBlocks < 1) throw new InputError(`${ctx.file}:/cluster`, '', `no memory left for ${stack.id}'s KV cache after the weights and a ${maxBatchTokens}-token step`);
    return resolvedTransformersCb({
      maxBatchTokens,
      maxRequestsPerBatch: o.batch_size ?? stack.max_requests_per_batch ?? 1024,
      blockTokens,
      totalBlocks,
      safetyMargin: stack.safety_margin ?? 0.15,
      maxContextTokens: ctx.cost.work.maxContextTokens,
      maxRunSteps: o.max_run_steps ?? Number.MAX_SAFE_INTEGER,
      ...(o.kv_blocks === undefined && o.max_memory_percent !== undefined ? { maxMemoryPercent: memoryPercent } : {}),
    });
  },
} as const satisfies SchedulerPolicyEntry<'transformers-cb'>;
