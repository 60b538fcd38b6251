/**
 * What one token costs a given model, reduced to the handful of numbers the step cost model needs. Kept apart
 * from the architecture file so the cost model can be tested with hand-written numbers.
 */
export interface ModelWork {
  /** 2 × matmul parameters a token passes through (active experts only), excluding the LM head. */
  readonly matmulFlopsPerToken: number;
  /** 2 × hidden × vocab, for each sequence that samples a token in a step. */
  readonly lmHeadFlopsPerToken: number;
  /** 4 × layers × heads × head_dim: QKᵀ and AV for one (query, key) pair. */
  readonly attentionFlopsPerPair: number;
  readonly kvBytesPerToken: number;
  /** Weight bytes a step reads for this many tokens (constant for dense models, grows with tokens for MoE). */
  weightBytesPerStep(tokens: number): number;
  /** Bytes of one all-reduce per token under tensor parallelism (hidden × 2 bytes for bf16). */
  readonly allReduceBytesPerToken: number;
  /** All-reduces per step under tensor parallelism (2 per layer: after attention and after the MLP). */
  readonly allReducesPerStep: number;
  readonly residentWeightBytes: number;
  /** Bytes moved per sampled token beyond the LM head (logits processing of the decoding strategy: temperature,
   *  top-p sort, beam log-softmax/top-k). Absent: 0 (greedy). */
  readonly sampledTokenBytes?: number;
  /** Bytes moved per token held in the KV cache after a step, on top of attention's own traffic: beam search's
   *  cache reorder on a contiguous cache reads and writes every cached byte each step. Absent: 0. */
  readonly kvReorderBytesPerToken?: number;
  /**
   * Work that lengthens a step of `tokens` tokens as if it were done on top of the rest, without drawing its dynamic
   * energy: kernels that run below the roofline rate (fused MoE expert kernels). Counts in the time legs of the
   * roofline only. Must depend on the step's token count alone (constant over a decode run of fixed batch).
   */
  timeOnlyWork?(tokens: number): { readonly flops: number; readonly bytes: number };
  readonly maxContextTokens: number;
  /** Query heads per K/V head (grouped-query attention): what repeat_kv multiplies the cache by. Absent: 1. */
  readonly kvGroupSize?: number;
  /** Bytes of one hidden-sized bf16 vector in every layer: one elementwise pass over a token's activations. */
  readonly activationPassBytes?: number;
}
