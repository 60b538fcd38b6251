/**
 * How many KV blocks transformers' continuous batching (5.17, `PagedAttentionMemoryHandler`) gives itself when
 * neither the block count nor max_batch_tokens is set (calibration/harness/HF_PAGED_SCHEDULER.md §3): memory left
 * after the weights × max_memory_percent (0.9 greedy) must hold N cache tokens and a step of M = max_batch_tokens
 * tokens, as the polynomial cn·N + cmn·M·N + cm·M + cmm·M² with cn = K+V bytes per token (all layers), cmn = cmm = 2
 * (the bf16 attention-mask buffer [1, 1, M, N + M] that paged|sdpa needs) and cm = 2·hidden + 4·vocab (the LM head's
 * activation peak); num_blocks = N // block_size.
 *
 * Not modelled: the index tensors in cn, the attention activation peak, and memory torch holds besides the weights
 * (CUDA context, cuBLAS workspaces). On the H100 with Llama-3.1-8B this gives 1536 blocks where the running manager
 * resolved 1505 (2% more cache); the validation runs pass the resolved 1505 as kv_blocks. On the H200 it gives 3094
 * blocks at the default 0.9 (resolved: 3057) and 1667 at 0.5 (resolved: 1646, with CUDA graphs on).
 *
 * Not modelled either: the private memory pools of CUDA graphs (use_cuda_graph). They come out of what
 * max_memory_percent leaves; at the default 0.9 they do not fit on the H200 with Llama-3.1-8B (out of memory in
 * repeat_kv), at 0.5 they do (docs/COST-MODEL.md).
 */
import type { Architecture } from '../model/architecture.js';
import type { Gpu } from '../model/gpu.js';
import { kvCacheBytesPerToken, weightBytes } from '../model/modelCosts.js';
import { BF16, type Precision } from '../model/precision.js';
import { kvCacheShards } from '../model/tensorParallel.js';

/** transformers' max_memory_percent without logits processing (greedy). */
export const HF_MAX_MEMORY_PERCENT = 0.9;

export function hfPagedBlockCount(gpu: Gpu, a: Architecture, tp: number, blockTokens: number, maxBatchTokens: number, precision: Precision = BF16, maxMemoryPercent = HF_MAX_MEMORY_PERCENT): number {
  const free = (gpu.memory_usable_gib * 2 ** 30 - weightBytes(a, precision.weights) / tp) * maxMemoryPercent;
  const m = maxBatchTokens;
  const fixed = m * (2 * a.hidden_size + 4 * a.vocab_size) + 2 * m * m;
  const perToken = kvCacheBytesPerToken(a, precision.kvCache) / kvCacheShards(a, tp) + 2 * m;
  return Math.max(0, Math.floor((free - fixed) / perToken / blockTokens));
}
