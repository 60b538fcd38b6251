/**
 * A step is one scheduler iteration on one replica. Schedulers build steps; the cost model prices them.
 * Prefill chunks are kept as parallel arrays so that a 256-sequence step allocates two typed views, not 256 objects.
 */
export interface Step {
  /** New tokens each prefill chunk processes (padding included for static batches). */
  readonly chunkNewTokens: ArrayLike<number>;
  /** Tokens already in the KV cache under each chunk (0 for a fresh prompt, > 0 for chunked prefill). */
  readonly chunkCachedTokens: ArrayLike<number>;
  /** Number of chunks that finish their prompt this step and so produce a token (run the LM head). */
  readonly chunksProducingToken: number;
  /** Decode sequences in the step, one new token each. */
  readonly decodeCount: number;
  /** Σ over decode sequences of tokens already in their KV cache before this step. */
  readonly decodeContextSum: number;
  /** The batch is padded, so attention runs with an explicit mask (HF eager then takes another kernel path). */
  readonly masked?: boolean;
}

export function decodeOnlyStep(decodeCount: number, decodeContextSum: number): Step {
  return { chunkNewTokens: [], chunkCachedTokens: [], chunksProducingToken: 0, decodeCount, decodeContextSum };
}

export function prefillTokens(step: Step): number {
  let sum = 0;
  for (let i = 0; i < step.chunkNewTokens.length; i++) sum += step.chunkNewTokens[i];
  return sum;
}
