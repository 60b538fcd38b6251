/**
 * How much of a GPU's memory is left for the KV cache once weights (and peak activations) are in. Per GPU: under
 * tensor parallelism each GPU holds 1/tp of the weights and activations, and 1/min(tp, kv_heads) of every token's KV cache
 * (KV heads are replicated past tp = kv_heads, sim/model/tensorParallel.ts).
 */
import { InputError } from '../errors.js';
import type { Architecture } from '../model/architecture.js';
import type { Gpu } from '../model/gpu.js';
import type { Stack } from '../model/stack.js';
import { kvCacheShards } from '../model/tensorParallel.js';
import { kvCacheBytesPerToken, weightBytes } from '../model/modelCosts.js';
import { BF16, describePrecision, isBf16, type Precision } from '../model/precision.js';

/**
 * Peak activation bytes per token in flight during a forward pass (bf16): the residual stream, q/k/v and attention
 * output (≈4·hidden) and the MLP's gate, up and product (3·intermediate; for MoE the top-k experts' widths).
 * Layers run one after another, so this is one layer's worth.
 */
export function activationBytesPerToken(a: Architecture): number {
  const mlpWidth = a.moe ? Math.max(a.intermediate_size, a.moe.num_experts_per_tok * a.moe.moe_intermediate_size) : a.intermediate_size;
  return (4 * a.hidden_size + 3 * mlpWidth) * 2;
}

export interface MemoryBudget {
  /** Bytes per GPU free for KV cache and activations after weights. */
  readonly freeBytesPerGpu: number;
  readonly kvBytesPerTokenPerGpu: number;
  readonly activationBytesPerTokenPerGpu: number;
}

/** `source` names what chose the model (`--model`, `s.json:/cluster/model`) for the error when it does not fit. */
export function memoryBudget(gpu: Gpu, stack: Stack, a: Architecture, tp: number, source = '--model', precision: Precision = BF16): MemoryBudget {
  const usable = gpu.memory_usable_gib * 2 ** 30 * stack.gpu_memory_utilization;
  const weightsPerGpu = weightBytes(a, precision.weights) / tp;
  const free = usable - weightsPerGpu;
  if (!(free > 0)) {
    throw new InputError(
      source,
      '',
      `${a.id}${isBf16(precision) ? '' : ` (${describePrecision(precision)})`} weights need ${(weightsPerGpu / 1e9).toFixed(1)} GB per GPU at tp ${tp}; ${gpu.id} has ${(usable / 1e9).toFixed(1)} GB usable (${stack.id} keeps ${stack.gpu_memory_utilization}); raise --tp`,
    );
  }
  return {
    freeBytesPerGpu: free,
    kvBytesPerTokenPerGpu: kvCacheBytesPerToken(a, precision.kvCache) / kvCacheShards(a, tp),
    activationBytesPerTokenPerGpu: activationBytesPerToken(a) / tp,
  };
}

/** Paged KV blocks that fit once a step of `maxBatchedTokens` has room for its activations (vLLM profiles this). */
export function pagedBlockCount(budget: MemoryBudget, blockTokens: number, maxBatchedTokens: number, source: string): number {
  const forKv = budget.freeBytesPerGpu - maxBatchedTokens * budget.activationBytesPerTokenPerGpu;
  const blocks = Math.floor(forKv / (budget.kvBytesPerTokenPerGpu * blockTokens));
  if (blocks < 1) throw new InputError(source, '', `no memory left for the KV cache after weights and activations of ${maxBatchedTokens}-token steps`);
  return blocks;
}
