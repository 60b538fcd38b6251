/**
 * A batching policy from a plug-in module (`cluster.scheduler.module`): the plug-in decides which waiting requests
 * start and when (serving/policyBatcher.ts runs the paged-cache mechanics). The cache is sized as vLLM's; the
 * scheduler block's batch_size, max_batched_tokens, kv_block_tokens and kv_blocks set it up as for `continuous`.
 */
import { seededUniform } from '../seededUniform.js';
import { PolicyBatcher, type PolicyBatcherConfig } from '../../serving/policyBatcher.js';
import type { BatchingPolicy } from '../../serving/policyApi.js';
import { callPlugin, PolicyError } from '../../policyError.js';
import { pagedMaxBatch } from '../../serving/batchCapacity.js';
import { continuousConfigFor } from './continuousPolicy.js';
import type { ResolvedScheduler, SchedulerBuildContext } from './schedulerPolicy.js';

/** Decisions in a row that start nothing while nothing runs and nothing arrives, before a plug-in is stopped. */
export const MAX_IDLE_DECISIONS = 1_000_000;

function resolvedPlugin(config: PolicyBatcherConfig, ctx: SchedulerBuildContext, replicas: number): ResolvedScheduler {
  const plugin = ctx.plugin!;
  return {
    policy: 'plugin',
    kind: 'continuous',
    config,
    batch: config.maxRunning,
    maxContextTokens: config.maxContextTokens,
    summary: {
      kind: 'continuous',
      policy: 'plugin',
      module: plugin.name,
      options: plugin.options,
      max_running_sequences: config.maxRunning,
      max_batched_tokens: config.maxBatchedTokens,
      kv_block_tokens: config.blockTokens,
      kv_blocks: config.totalBlocks,
    },
    create: (onFinished, seed, replica) => {
      const random = seededUniform(seed, 'scheduler', replica);
      const factory = plugin.exports.createBatchingPolicy!;
      const policy = callPlugin(plugin.name, 'createBatchingPolicy()', () => factory({ options: plugin.options, random, replica, replicas })) as BatchingPolicy;
      if (typeof policy !== 'object' || policy === null || typeof policy.decide !== 'function') {
        throw new PolicyError(plugin.name, 'createBatchingPolicy() returned no object with a decide() method');
      }
      return new PolicyBatcher(config, policy, plugin.name, onFinished);
    },
    capacity: (i, o, maxBatch) => pagedMaxBatch({ totalBlocks: config.totalBlocks, blockTokens: config.blockTokens, watermarkBlocks: 0 }, i, o, Math.min(maxBatch, config.maxRunning)),
    withBatchSize: (maxRunning) => resolvedPlugin({ ...config, maxRunning }, ctx, replicas),
  };
}

export function resolvePluginScheduler(ctx: SchedulerBuildContext, replicas: number): ResolvedScheduler {
  // Whole prompts run in one step: the unchunked token budget by default.
  const c = continuousConfigFor(ctx, ctx.cost.work.maxContextTokens, true);
  return resolvedPlugin(
    {
      maxRunning: c.maxRunningSequences,
      maxBatchedTokens: c.maxBatchedTokens,
      blockTokens: c.blockTokens,
      totalBlocks: c.totalBlocks,
      maxContextTokens: c.maxContextTokens,
      maxRunSteps: c.maxRunSteps,
      maxIdleDecisions: MAX_IDLE_DECISIONS,
    },
    ctx,
    replicas,
  );
}
