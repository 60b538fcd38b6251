/**
 * What a model architecture costs, counted from its config: parameters, resident bytes, KV-cache bytes, FLOPs
 * per token and weight bytes a step reads. Pure functions; the step cost model combines them with a GPU.
 *
 * Counting convention (it reproduces the published totals, e.g. 8,030,261,248 for Llama-3.1-8B):
 * - attention: q and o are hidden × (heads·head_dim), k and v are hidden × (kv_heads·head_dim), plus q/k/v
 *   biases when the config has them;
 * - MLP: 3 matrices hidden × intermediate when gated (SwiGLU), 2 when plain;
 * - MoE layers replace the dense MLP with routed experts (each an MLP of moe_intermediate_size), optional
 *   shared experts and a router hidden × num_experts;
 * - norms: RMSNorm has one vector per norm (2 per layer + final, + q/k norms when present), OLMo v1's
 *   non-parametric LayerNorm has none;
 * - the LM head adds vocab × hidden unless tied to the embedding.
 */
import type { Architecture } from './architectureSchema.js';
import { kvCacheBytesPerElement, type KvCacheDtype, linearWeightBytesPerParam, type WeightDtype } from './precision.js';

export interface ParameterCounts {
  readonly totalParams: number;
  /** vocab × hidden: the embedding table (a lookup, not a matmul). */
  readonly embeddingParams: number;
  /** Parameters the LM head adds: 0 when tied, though its vocab × hidden matmul still runs every token. */
  readonly lmHeadParams: number;
  /** q, k, v, o projections plus q/k/v biases. */
  readonly attentionParamsPerLayer: number;
  /** The always-active MLP: the dense MLP, or an MoE layer's shared experts (0 for OLMoE). */
  readonly mlpParamsPerLayer: number;
  /** All routed experts of one layer (0 for dense models). */
  readonly expertParamsPerLayer: number;
  /** One routed expert. */
  readonly paramsPerExpert: number;
  /** The MoE router, hidden × num_experts. */
  readonly routerParamsPerLayer: number;
  /** Matmul weights one token goes through, all layers, excluding the embedding lookup and the LM head:
   *  attention projections, the dense MLP or shared + top-k experts + router. Biases and norms excluded. */
  readonly activeMatmulParamsPerToken: number;
  /** Every norm weight in the model (0 for non-parametric LayerNorm). */
  readonly normParams: number;
}

function mlpMatrices(a: Architecture): number {
  return a.mlp === 'gated' ? 3 : 2;
}

export function parameterCounts(a: Architecture): ParameterCounts {
  const hidden = a.hidden_size;
  const qWidth = a.num_attention_heads * a.head_dim;
  const kvWidth = a.num_key_value_heads * a.head_dim;

  const attentionMatmul = 2 * hidden * qWidth + 2 * hidden * kvWidth;
  const attentionBias = a.qkv_bias ? qWidth + 2 * kvWidth : 0;
  const attentionParamsPerLayer = attentionMatmul + attentionBias;

  const moe = a.moe;
  const paramsPerExpert = moe ? mlpMatrices(a) * hidden * moe.moe_intermediate_size : 0;
  const mlpParamsPerLayer = moe ? moe.num_shared_experts * paramsPerExpert : mlpMatrices(a) * hidden * a.intermediate_size;
  const expertParamsPerLayer = moe ? moe.num_experts * paramsPerExpert : 0;
  const routerParamsPerLayer = moe ? hidden * moe.num_experts : 0;
  const activeExpertParams = moe ? moe.num_experts_per_tok * paramsPerExpert : 0;

  const rms = a.norm === 'rmsnorm';
  const normPerLayer = rms ? 2 * hidden + (a.qk_norm ? qWidth + kvWidth : 0) : 0;
  const normParams = a.num_hidden_layers * normPerLayer + (rms ? hidden : 0);

  const embeddingParams = a.vocab_size * hidden;
  const lmHeadParams = a.tie_word_embeddings ? 0 : embeddingParams;
  const perLayer = attentionParamsPerLayer + mlpParamsPerLayer + expertParamsPerLayer + routerParamsPerLayer;

  return {
    totalParams: embeddingParams + lmHeadParams + a.num_hidden_layers * perLayer + normParams,
    embeddingParams,
    lmHeadParams,
    attentionParamsPerLayer,
    mlpParamsPerLayer,
    expertParamsPerLayer,
    paramsPerExpert,
    routerParamsPerLayer,
    activeMatmulParamsPerToken:
      a.num_hidden_layers * (attentionMatmul + mlpParamsPerLayer + activeExpertParams + routerParamsPerLayer),
    normParams,
  };
}

/** Linear-layer weights of the whole model: what a quantized checkpoint stores narrow (all experts, routers kept
 *  bf16 as the quantizers leave them). */
export function linearParams(a: Architecture): number {
  const c = parameterCounts(a);
  return a.num_hidden_layers * (c.attentionParamsPerLayer - attentionBiasParams(a) + c.mlpParamsPerLayer + c.expertParamsPerLayer);
}

function attentionBiasParams(a: Architecture): number {
  return a.qkv_bias ? a.num_attention_heads * a.head_dim + 2 * a.num_key_value_heads * a.head_dim : 0;
}

/** Bytes the weights occupy on the GPU: linear layers at the weight dtype, everything else (embedding, LM head,
 *  norms, biases, MoE routers) in bf16. */
export function weightBytes(a: Architecture, weights: WeightDtype = 'bf16'): number {
  const linear = linearParams(a);
  return (parameterCounts(a).totalParams - linear) * 2 + linear * linearWeightBytesPerParam(weights);
}

/** KV-cache bytes one token adds: a key and a value vector per layer per KV head (GQA shrinks this). */
export function kvCacheBytesPerToken(a: Architecture, kvCache: KvCacheDtype = 'bf16'): number {
  return 2 * a.num_hidden_layers * a.num_key_value_heads * a.head_dim * kvCacheBytesPerElement(kvCache);
}

/** 2 FLOPs (multiply + add) per matmul weight a token passes through, LM head excluded: the LM head runs only
 *  for tokens that are sampled (one per sequence per step), not for every prefill token. */
export function matmulFlopsPerToken(a: Architecture): number {
  return 2 * parameterCounts(a).activeMatmulParamsPerToken;
}

/** 2 · hidden · vocab for each token whose logits are computed; tied or not, the matmul runs. */
export function lmHeadFlopsPerToken(a: Architecture): number {
  return 2 * a.hidden_size * a.vocab_size;
}

/** FLOPs of one (query, key) pair over all layers and heads: QKᵀ and AV, 2 · head_dim each. Attention FLOPs
 *  grow with the pairs a step forms (context × new tokens), which is why they are counted apart. */
export function attentionFlopsPerQueryKeyPair(a: Architecture): number {
  return 4 * a.num_hidden_layers * a.num_attention_heads * a.head_dim;
}

/**
 * Expected number of distinct experts one layer uses for `tokens` tokens when each token picks k of E experts
 * uniformly at random: a given expert escapes one token with probability 1 − k/E, so it is used with
 * probability 1 − (1 − k/E)^tokens. One token uses exactly k; many tokens approach E. Dense models: 0.
 * Real routers are skewed, so this is an upper bound on the experts a step touches (and its weight reads).
 */
export function expectedDistinctExperts(a: Architecture, tokens: number): number {
  if (!a.moe || tokens <= 0) return 0;
  const { num_experts: e, num_experts_per_tok: k } = a.moe;
  return e * (1 - Math.pow(1 - k / e, tokens));
}

/**
 * Weight bytes one step reads from memory for `tokensInStep` tokens: every weight a step needs is read once
 * however many tokens share it, which is what makes small-batch decode memory-bound. Dense models read every
 * weight except the embedding table (a lookup reads only its rows; when tied, the table is read as the LM head
 * and counted once). MoE models read the non-expert weights plus only the experts the step's tokens hit.
 */
export function weightBytesReadPerStep(a: Architecture, tokensInStep: number, weights: WeightDtype = 'bf16'): number {
  const c = parameterCounts(a);
  const lookupOnly = a.tie_word_embeddings ? 0 : c.embeddingParams;
  const allExperts = a.num_hidden_layers * c.expertParamsPerLayer;
  const touchedExperts = a.num_hidden_layers * expectedDistinctExperts(a, tokensInStep) * c.paramsPerExpert;
  const read = c.totalParams - lookupOnly - allExperts + touchedExperts;
  // The linear layers read are every linear weight less the experts not touched; the rest of what is read is bf16.
  const linearRead = linearParams(a) - allExperts + touchedExperts;
  return (read - linearRead) * 2 + linearRead * linearWeightBytesPerParam(weights);
}

/** The longest context the model was trained for (config max_position_embeddings). */
export function maxContextTokens(a: Architecture): number {
  return a.max_position_embeddings;
}
