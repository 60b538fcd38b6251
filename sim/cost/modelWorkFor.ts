import type { Architecture } from '../model/architecture.js';
import {
  attentionFlopsPerQueryKeyPair,
  kvCacheBytesPerToken,
  lmHeadFlopsPerToken,
  matmulFlopsPerToken,
  maxContextTokens,
  weightBytes,
  weightBytesReadPerStep,
} from '../model/modelCosts.js';
import { BF16, type Precision } from '../model/precision.js';
import type { ModelWork } from './modelWork.js';

/**
 * The per-token costs of an architecture. Weights and KV cache take the precision's bytes (sim/model/precision.ts);
 * activations and all-reduce messages stay bf16 (quantized serving computes in bf16 or fp8 but exchanges bf16).
 * FLOP counts do not depend on precision: a faster datatype changes the rate (sim/cost/quantizedRates.ts).
 */
export function modelWorkFor(a: Architecture, precision: Precision = BF16): ModelWork {
  const dense = a.moe === undefined;
  const w = precision.weights;
  const denseWeightBytes = dense ? weightBytesReadPerStep(a, 1, w) : 0;
  return {
    matmulFlopsPerToken: matmulFlopsPerToken(a),
    lmHeadFlopsPerToken: lmHeadFlopsPerToken(a),
    attentionFlopsPerPair: attentionFlopsPerQueryKeyPair(a),
    kvBytesPerToken: kvCacheBytesPerToken(a, precision.kvCache),
    weightBytesPerStep: dense ? () => denseWeightBytes : (tokens: number) => weightBytesReadPerStep(a, tokens, w),
    allReduceBytesPerToken: a.hidden_size * 2,
    allReducesPerStep: 2 * a.num_hidden_layers,
    residentWeightBytes: weightBytes(a, w),
    maxContextTokens: maxContextTokens(a),
    kvGroupSize: a.num_attention_heads / a.num_key_value_heads,
    activationPassBytes: a.hidden_size * 2 * a.num_hidden_layers,
  };
}
