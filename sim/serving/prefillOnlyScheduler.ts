/**
 * The continuous (vLLM) batching policy on a replica of a disaggregated prefill pool: it computes prompts and their
 * first token, then hands each request off for decoding elsewhere. A handed-off request leaves the batch (its seat is
 * free) but keeps its KV blocks until its transfer to a decode replica has ended (releaseHandedOff).
 */
import { ContinuousScheduler, type ContinuousConfig } from './continuousScheduler.js';
import type { RequestSpec } from '../workload/request.js';
import type { LiveRequest } from './liveRequest.js';

export class PrefillOnlyScheduler extends ContinuousScheduler {
  /** Requests handed off whose KV blocks are still held here (their transfer has not ended). */
  private holding = 0;

  constructor(
    config: ContinuousConfig,
    onFinished: (request: LiveRequest, finishSeconds: number) => void,
    /** r's prompt is computed and its first token sampled; its KV cache must now move to a decode replica. */
    private readonly onHandoff: (request: LiveRequest, nowSeconds: number) => void,
  ) {
    super(config, onFinished);
  }

  /** Only the prompt's KV cache lives here: a request fits when its prompt does. */
  protected override refusal(spec: RequestSpec): string | null {
    const { inputTokens, outputTokens } = spec;
    const c = this.config;
    const blocks = this.pool.blocksFor(inputTokens);
    if (blocks > c.totalBlocks) return `its prompt needs ${blocks} KV blocks of ${c.blockTokens} tokens; a prefill replica's whole cache holds ${c.totalBlocks}`;
    if (inputTokens + outputTokens > c.maxContextTokens) return `input + output = ${inputTokens + outputTokens} tokens exceeds the model context of ${c.maxContextTokens}`;
    if (!c.chunkedPrefill && inputTokens > c.maxBatchedTokens) return `prompt of ${inputTokens} tokens exceeds max batched tokens ${c.maxBatchedTokens} without chunked prefill`;
    return null;
  }

  protected override afterFirstToken(r: LiveRequest, nowSeconds: number): void {
    this.running.remove(r);
    this.holding++;
    this.onHandoff(r, nowSeconds);
  }

  /** r's transfer has ended: its prompt's KV blocks are free (shared prefix blocks stay cached). */
  releaseHandedOff(r: LiveRequest): void {
    this.releaseKv(r, r.promptTokens);
    this.holding--;
  }

  /** Handed-off requests whose blocks are still held (the run's end checks that none is left). */
  get holdingCount(): number {
    return this.holding;
  }
}
