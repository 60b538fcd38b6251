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

/** A step without its per-chunk arrays: what its cost reads besides the chunk totals. */
export type StepDecodePart = Pick<Step, 'chunksProducingToken' | 'decodeCount' | 'decodeContextSum' | 'masked'>;

export function decodeOnlyStep(decodeCount: number, decodeContextSum: number): Step {
  return { chunkNewTokens: [], chunkCachedTokens: [], chunksProducingToken: 0, decodeCount, decodeContextSum };
}

export function prefillTokens(step: Step): number {
  let sum = 0;
  for (let i = 0; i < step.chunkNewTokens.length; i++) sum += step.chunkNewTokens[i];
  return sum;
}

/**
 * What a step's cost reads of its prefill chunks: their count and three sums (a chunk of p new tokens on c cached
 * tokens adds p · c + p (p + 1) / 2 causal attention pairs). Every sum is of integers, so it is exact in any order.
 */
export interface ChunkTotals {
  readonly chunks: number;
  readonly newTokens: number;
  readonly cachedTokens: number;
  readonly attentionPairs: number;
}

export function chunkTotals(step: Step): ChunkTotals {
  let newTokens = 0;
  let cachedTokens = 0;
  let attentionPairs = 0;
  const chunks = step.chunkNewTokens.length;
  for (let i = 0; i < chunks; i++) {
    const p = step.chunkNewTokens[i];
    const c = step.chunkCachedTokens[i];
    newTokens += p;
    cachedTokens += c;
    attentionPairs += p * c + (p * (p + 1)) / 2;
  }
  return { chunks, newTokens, cachedTokens, attentionPairs };
}

/** `chunks` chunks of `newPerChunk` new tokens each, on `cachedSum` cached tokens in all (a speculative
 *  verification): the same totals as chunkTotals of the per-chunk arrays, without them. */
export function uniformChunkTotals(chunks: number, newPerChunk: number, cachedSum: number): ChunkTotals {
  return {
    chunks,
    newTokens: chunks * newPerChunk,
    cachedTokens: cachedSum,
    attentionPairs: newPerChunk * cachedSum + (chunks * (newPerChunk * (newPerChunk + 1))) / 2,
  };
}
