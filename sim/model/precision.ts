/**
 * Numeric precision of a model's weights and KV cache, and what each costs in bytes. Quantization here is what
 * serving stacks ship for inference: fp8 (W8A8 on GPUs with fp8 tensor cores, weight-only elsewhere), int4
 * weight-only (GPTQ/AWQ style, group size 128), and an fp8 KV cache.
 *
 * Which weights a quantized checkpoint stores narrow: the linear layers (attention projections, MLP, experts). The
 * embedding table, the LM head, norms and biases stay bf16, as in vLLM's fp8 and the common GPTQ/AWQ exports.
 */
export const WEIGHT_DTYPES = ['bf16', 'fp8', 'int4'] as const;
export const KV_CACHE_DTYPES = ['bf16', 'fp8'] as const;

export type WeightDtype = (typeof WEIGHT_DTYPES)[number];
export type KvCacheDtype = (typeof KV_CACHE_DTYPES)[number];

export interface Precision {
  readonly weights: WeightDtype;
  readonly kvCache: KvCacheDtype;
}

export const BF16: Precision = { weights: 'bf16', kvCache: 'bf16' };

/** int4 groups of 128 weights share one bf16 scale (zero points packed with it are ignored): 4 + 16/128 bits. */
export const INT4_GROUP_SIZE = 128;

/** Bytes per linear-layer weight, scales included. */
export function linearWeightBytesPerParam(dtype: WeightDtype): number {
  if (dtype === 'fp8') return 1;
  if (dtype === 'int4') return 0.5 + 2 / INT4_GROUP_SIZE;
  return 2;
}

/** Bytes per cached K or V element. */
export function kvCacheBytesPerElement(dtype: KvCacheDtype): number {
  return dtype === 'fp8' ? 1 : 2;
}

export function isBf16(p: Precision): boolean {
  return p.weights === 'bf16' && p.kvCache === 'bf16';
}

export function describePrecision(p: Precision): string {
  return `weights ${p.weights}, KV cache ${p.kvCache}`;
}
