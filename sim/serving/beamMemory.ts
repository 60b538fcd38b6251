/**
 * Memory under beam search of width w: every request holds w KV caches (one per beam), and on a contiguous cache
 * HF prefills w rows per prompt, so a batch needs w times the KV bytes per token and `prefillWidth` times the
 * prefill activations. A paged cache could share the prompt's blocks among the beams (copy-on-write); that sharing
 * is not modelled: w full caches are counted (conservative).
 */
import type { MemoryBudget } from './memoryBudget.js';

/** A budget where each request holds `width` KV caches and prefills `width` rows (beam search). */
export function widenedMemoryBudget(b: MemoryBudget, width: number, prefillWidth: number): MemoryBudget {
  return {
    freeBytesPerGpu: b.freeBytesPerGpu,
    kvBytesPerTokenPerGpu: b.kvBytesPerTokenPerGpu * width,
    activationBytesPerTokenPerGpu: b.activationBytesPerTokenPerGpu * prefillWidth,
  };
}
