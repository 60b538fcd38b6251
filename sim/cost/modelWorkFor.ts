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
import type { ModelWork } from './modelWork.js';

/** The per-token costs of an architecture in bf16 (weights, activations and KV cache at 2 bytes). */
export function modelWorkFor(a: Architecture): ModelWork {
  const dense = a.moe === undefined;
  const denseWeightBytes = dense ? weightBytesReadPerStep(a, 1) : 0;
  return {
    matmulFlopsPerToken: matmulFlopsPerToken(a),
    lmHeadFlopsPerToken: lmHeadFlopsPerToken(a),
    attentionFlopsPerPair: attentionFlopsPerQueryKeyPair(a),
    kvBytesPerToken: kvCacheBytesPerToken(a),
    weightBytesPerStep: dense ? () => denseWeightBytes : (tokens: number) => weightBytesReadPerStep(a, tokens),
    allReduceBytesPerToken: a.hidden_size * 2,
    allReducesPerStep: 2 * a.num_hidden_layers,
    residentWeightBytes: weightBytes(a),
    maxContextTokens: maxContextTokens(a),
    kvGroupSize: a.num_attention_heads / a.num_key_value_heads,
    activationPassBytes: a.hidden_size * 2 * a.num_hidden_layers,
  };
}
