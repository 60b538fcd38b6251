/**
 * FLOPs(I, O) of one request from the architecture, counted exactly as the step cost model counts them
 * (sim/cost/stepCostModel.ts), so Ê_optimal and the simulated energy rest on the same work:
 *
 *   prefill: matmul·I + LM head·1 + attention·I(I+1)/2            (causal: the j-th token attends to j keys)
 *   decode:  O − 1 steps; step k (0-based) has context I + k and forms I + k + 1 (query, key) pairs:
 *            matmul·(O−1) + LM head·(O−1) + attention·[(O−1)(I+1) + (O−1)(O−2)/2]
 *
 * The paper counted FLOPs with DeepSpeed's profiler over the same forward passes; this is the analytic count of
 * those passes (2 FLOPs per multiply-add, bf16 matmuls and attention; norms, softmax and activations left out).
 */
import type { ModelWork } from '../cost/modelWork.js';

export interface RequestFlops {
  readonly prefill: number;
  readonly decode: number;
  readonly total: number;
}

export function requestFlops(work: ModelWork, inputTokens: number, outputTokens: number): RequestFlops {
  const I = inputTokens;
  const steps = Math.max(0, outputTokens - 1);
  const prefill = work.matmulFlopsPerToken * I + work.lmHeadFlopsPerToken + work.attentionFlopsPerPair * ((I * (I + 1)) / 2);
  const pairs = steps * (I + 1) + (steps * (steps - 1)) / 2;
  const decode = (work.matmulFlopsPerToken + work.lmHeadFlopsPerToken) * steps + work.attentionFlopsPerPair * pairs;
  return { prefill, decode, total: prefill + decode };
}
