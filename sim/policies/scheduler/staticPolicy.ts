/** Static batching as HF generate() serves a list of prompts (sim/serving/staticScheduler.ts). */
import type { FromSchema } from 'json-schema-to-ts';
import { staticMaxBatch } from '../../serving/batchCapacity.js';
import { StaticScheduler, type StaticConfig } from '../../serving/staticScheduler.js';
import type { ResolvedScheduler, SchedulerBuildContext, SchedulerPolicyEntry } from './schedulerPolicy.js';
import { sharedSchedulerOptions } from './sharedOptions.js';

export const DEFAULT_STATIC_BATCH = 8;

export const staticOptionsSchema = {
  type: 'object',
  properties: {
    batch_size: sharedSchedulerOptions.batch_size,
    group_by_length_bins: {
      type: 'boolean',
      description: "Static: batch requests from the same (input, output) length bin of the paper's estimator.",
    },
    max_run_steps: sharedSchedulerOptions.max_run_steps,
  },
} as const;
type StaticOptions = FromSchema<typeof staticOptionsSchema>;

/** The memory budget a static config was sized with, as the capacity rule reads it. */
export function staticBudget(c: StaticConfig) {
  return { freeBytesPerGpu: c.batchMemoryBytes, kvBytesPerTokenPerGpu: c.kvBytesPerToken, activationBytesPerTokenPerGpu: c.activationBytesPerPromptToken };
}

export function resolvedStatic(config: StaticConfig, extraSummary: Record<string, unknown> = {}): ResolvedScheduler {
  return {
    policy: 'static',
    kind: 'static',
    config,
    batch: config.batchSize,
    maxContextTokens: config.maxContextTokens,
    summary: { kind: 'static', batch_size: config.batchSize, group_by_length_bins: config.groupByLengthBins, ...extraSummary },
    create: (onFinished) => new StaticScheduler(config, onFinished),
    capacity: (i, o, maxBatch) => staticMaxBatch(staticBudget(config), i, o, maxBatch),
    withBatchSize: (batchSize) => resolvedStatic({ ...config, batchSize }, extraSummary),
  };
}

/** The static config for a context (shared with speculative decoding on static batches). */
export function staticConfigFor(ctx: SchedulerBuildContext, maxContextTokens: number): StaticConfig {
  const o = ctx.options as StaticOptions;
  return {
    batchSize: o.batch_size ?? DEFAULT_STATIC_BATCH,
    groupByLengthBins: o.group_by_length_bins ?? false,
    batchMemoryBytes: ctx.budget.freeBytesPerGpu,
    kvBytesPerToken: ctx.budget.kvBytesPerTokenPerGpu,
    activationBytesPerPromptToken: ctx.budget.activationBytesPerTokenPerGpu,
    maxContextTokens,
    maxRunSteps: o.max_run_steps ?? Number.MAX_SAFE_INTEGER,
  };
}

export const staticPolicy = {
  name: 'static',
  description: 'static batches of up to batch_size requests, padded to the longest prompt, decoded until the longest output (HF generate())',
  optionsSchema: staticOptionsSchema,
  batching: 'static',
  resolve: (ctx) => resolvedStatic(staticConfigFor(ctx, ctx.cost.work.maxContextTokens)),
} as const satisfies SchedulerPolicyEntry<'static'>;
