/**
 * Memory of a replica that holds a target and a draft model (speculative decoding): both models' weights are
 * resident, and every token a sequence holds has KV in both caches. Per GPU (tensor parallel splits both models).
 */
import { InputError } from '../errors.js';
import type { Architecture } from '../model/architecture.js';
import type { Gpu } from '../model/gpu.js';
import { kvCacheBytesPerToken, weightBytes } from '../model/modelCosts.js';
import { BF16, type Precision } from '../model/precision.js';
import type { Stack } from '../model/stack.js';
import { kvCacheShards } from '../model/tensorParallel.js';
import { activationBytesPerToken, type MemoryBudget } from './memoryBudget.js';

/** `source` names what chose the draft (`--draft-model`, `s.json:/cluster/scheduler/draft_model`). */
export function speculativeMemoryBudget(gpu: Gpu, stack: Stack, target: Architecture, draft: Architecture, tp: number, source = '--draft-model', precision: Precision = BF16): MemoryBudget {
  // The draft is served at the target's precision (one quantization setting per replica).
  const usable = gpu.memory_usable_gib * 2 ** 30 * stack.gpu_memory_utilization;
  const weightsPerGpu = (weightBytes(target, precision.weights) + weightBytes(draft, precision.weights)) / tp;
  const free = usable - weightsPerGpu;
  if (!(free > 0)) {
    throw new InputError(
      source,
      '',
      `${target.id} + draft ${draft.id} weights need ${(weightsPerGpu / 1e9).toFixed(1)} GB per GPU at tp ${tp}; ${gpu.id} has ${(usable / 1e9).toFixed(1)} GB usable (${stack.id} keeps ${stack.gpu_memory_utilization}); raise --tp`,
    );
  }
  return {
    freeBytesPerGpu: free,
    kvBytesPerTokenPerGpu: kvCacheBytesPerToken(target, precision.kvCache) / kvCacheShards(target, tp) + kvCacheBytesPerToken(draft, precision.kvCache) / kvCacheShards(draft, tp),
    // The two models run one after the other: the larger one's activations bound the peak.
    activationBytesPerTokenPerGpu: Math.max(activationBytesPerToken(target), activationBytesPerToken(draft)) / tp,
  };
}
