/**
 * B(I*, O*): the largest batch of (I*, O*) requests that fits in GPU memory for a stack, from the same memory
 * model the schedulers use (sim/serving/memoryBudget.ts), never a constant.
 *
 * - contiguous KV cache (static stacks, HF generate()): weights + B·((I*+O*)·kv + I*·act) ≤ usable memory, i.e.
 *   the KV cache of every row at the padded length for the whole generation plus the padded prefill's
 *   activations — exactly StaticScheduler's admission test;
 * - paged KV cache (continuous stacks, vLLM): B sequences hold ⌈(I*+O*−1)/block⌉ blocks each at their longest,
 *   and all of them fit in the blocks the cache was sized to (memory minus weights and the activations of one
 *   token-budget step) less vLLM's 1% admission watermark, so no sequence is ever preempted.
 *
 * Both are capped at `maxBatch` (the paper's largest batch is 1024).
 */
import type { MemoryBudget } from './memoryBudget.js';
import type { StaticConfig } from './staticScheduler.js';

/** The memory budget a built static scheduler was given (what buildSimulation resolved for the scenario). */
export function budgetOfStaticConfig(c: StaticConfig): MemoryBudget {
  return { freeBytesPerGpu: c.batchMemoryBytes, kvBytesPerTokenPerGpu: c.kvBytesPerToken, activationBytesPerTokenPerGpu: c.activationBytesPerPromptToken };
}

/** Bytes per GPU that one row of a static batch of padded length (I, O) needs (StaticScheduler.batchBytes). */
export function staticRowBytes(budget: MemoryBudget, inputTokens: number, outputTokens: number): number {
  return (inputTokens + outputTokens) * budget.kvBytesPerTokenPerGpu + inputTokens * budget.activationBytesPerTokenPerGpu;
}

/** Largest static batch of (I, O) rows that fits; 0 when not even one row does. */
export function staticMaxBatch(budget: MemoryBudget, inputTokens: number, outputTokens: number, maxBatch: number): number {
  const fit = Math.floor(budget.freeBytesPerGpu / staticRowBytes(budget, inputTokens, outputTokens));
  return Math.max(0, Math.min(maxBatch, fit));
}

export interface PagedCache {
  readonly totalBlocks: number;
  readonly blockTokens: number;
  readonly watermarkBlocks: number;
}

/** KV blocks one sequence holds at its longest: the prompt plus every generated token but the last. */
export function pagedBlocksPerSequence(cache: PagedCache, inputTokens: number, outputTokens: number): number {
  return Math.ceil((inputTokens + outputTokens - 1) / cache.blockTokens);
}

/** Largest number of (I, O) sequences whose whole KV cache is resident at once; 0 when none fits. */
export function pagedMaxBatch(cache: PagedCache, inputTokens: number, outputTokens: number, maxBatch: number): number {
  const fit = Math.floor((cache.totalBlocks - cache.watermarkBlocks) / pagedBlocksPerSequence(cache, inputTokens, outputTokens));
  return Math.max(0, Math.min(maxBatch, fit));
}
