/**
 * Which tensor-parallel degrees a model can really run at, and how its KV cache splits over the GPUs.
 *
 * Megatron-style tensor parallelism (what vLLM and transformers implement) gives each GPU whole attention heads,
 * so the degree must divide the query heads. KV heads split the same way when there are at least as many as GPUs;
 * with fewer KV heads than GPUs (grouped-query attention at high tp) each KV head is replicated on tp / kv_heads
 * GPUs, which needs tp to be a multiple of the KV heads (vLLM's rule: kv_heads % tp == 0 or tp % kv_heads == 0).
 */
import type { Architecture } from './architectureSchema.js';

/**
 * A replica's GPUs must share one node's interconnect: every GPU file describes an 8-GPU board (HGX/DGX or a PCIe
 * server), and the all-reduce tables and the analytic NVLink model are per node.
 */
export const MAX_TENSOR_PARALLEL = 8;

/** Why `tp` cannot run this model, or undefined when it can. */
export function tensorParallelProblem(a: Architecture, tp: number): string | undefined {
  const heads = a.num_attention_heads;
  const kv = a.num_key_value_heads;
  if (!Number.isInteger(tp) || tp < 1) return `tp must be a positive integer, got ${tp}`;
  if (tp > MAX_TENSOR_PARALLEL) {
    return `tp ${tp} is more GPUs than one node holds (at most ${MAX_TENSOR_PARALLEL}); use replicas to scale out`;
  }
  if (heads % tp !== 0) return `tp ${tp} does not divide ${a.id}'s ${heads} attention heads; use ${divisors(heads).join(', ')}`;
  if (kv % tp !== 0 && tp % kv !== 0) {
    return `tp ${tp} neither divides ${a.id}'s ${kv} KV heads nor is a multiple of them, so they cannot be split or replicated evenly`;
  }
  return undefined;
}

/** Tensor-parallel degrees that divide `heads`, up to the node's GPUs. */
function divisors(heads: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= MAX_TENSOR_PARALLEL; d++) if (heads % d === 0) out.push(d);
  return out;
}

/**
 * Into how many distinct shards the KV cache splits: each GPU holds 1/shards of every token's KV bytes. Below
 * tp when KV heads are replicated (tp > kv_heads), so per-GPU KV memory stops shrinking past kv_heads.
 */
export function kvCacheShards(a: Architecture, tp: number): number {
  return Math.min(tp, a.num_key_value_heads);
}
