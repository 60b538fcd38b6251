/**
 * transformers' continuous batching (5.17, `FIFOScheduler`, paged|sdpa), as calibration/harness/HF_PAGED_SCHEDULER.md
 * describes it from the source:
 *
 * - every step takes, in this order: all decoding requests (1 token each, admission order), requests whose prompt is
 *   partly prefilled, then waiting requests in arrival order; one token budget (max_batch_tokens, 8192) is shared by
 *   all of them, and the last prompt admitted takes exactly the budget left (a chunk) and continues next step;
 * - safety margin: once something is scheduled, a prompt (new or continued) stops the loop while fewer than
 *   safety_margin · num_blocks blocks are free;
 * - blocks (256 tokens) are taken when a step needs them: a chunk's new blocks at scheduling, a decoding request's
 *   next block in the step that writes the first token of it;
 * - when a decode step finds no block, the newest starved decoding request (never the last running one) is reset by
 *   recompute: its blocks are freed and it goes to the back of the waiting queue with prompt = input + output so
 *   far; until some request finishes no waiting request is admitted (`block_new_requests`).
 *
 * Simplifications (see HF_PAGED_SCHEDULER.md, "joulesim's model"): a starved decoding request is reset in the step
 * it starves instead of skipping that step and being reset after it; a waiting head whose first chunk finds no block
 * stops admission (transformers tries later, shorter ones; the safety margin keeps ≥ 15% of the cache free whenever
 * anything else runs, far more than an 8192-token chunk needs); blocks are ceil(tokens / 256) (the source's
 * `(new − free + 1) // 256 + 1` takes one more block when the new tokens minus the free slots are ≡ 255 or 0 mod 256);
 * no prefix sharing (the harness draws fresh random prompts).
 *
 * As in ContinuousScheduler, when no prompt work can run the batch is unchanged until the next finish or block
 * boundary that does not fit, and the scheduler hands the replica one closed-form decode run.
 */
import type { LiveRequest } from './liveRequest.js';
import { PagedBatcher } from './pagedBatcher.js';
import type { Work } from './work.js';

export interface HfPagedConfig {
  /** Token budget of a step, decodes included (max_batch_tokens). */
  readonly maxBatchTokens: number;
  /** Requests per step (max_requests_per_batch); also caps running requests. */
  readonly maxRequestsPerBatch: number;
  readonly blockTokens: number;
  readonly totalBlocks: number;
  /** No new or continued prefill while free blocks < safetyMargin · totalBlocks (and something else is scheduled). */
  readonly safetyMargin: number;
  readonly maxContextTokens: number;
  /** Longest decode run planned as one unit; 1 gives the step-by-step reference path. */
  readonly maxRunSteps: number;
  /** The max_memory_percent the cache was sized with, when the scenario set one (reported in the summary). */
  readonly maxMemoryPercent?: number;
}

export class HfPagedScheduler extends PagedBatcher {
  private readonly marginBlocks: number;
  /** After a preemption: no waiting request is admitted until some request finishes. */
  private blockNewRequests = false;
  /** Requests reset by recompute so far (for tests and reports). */
  preemptions = 0;

  constructor(
    private readonly config: HfPagedConfig,
    onFinished: (request: LiveRequest, finishSeconds: number) => void,
  ) {
    super(config.totalBlocks, config.blockTokens, config.maxRunSteps, onFinished);
    this.marginBlocks = config.safetyMargin * config.totalBlocks;
  }

  /** Whatever kept prompts out of this step (margin, blocks, blocked admission, no prompt) holds until a finish,
   *  which ends the run; only an arrival into an empty, open queue may join at the next step. */
  protected admitsArrivalsNow(): boolean {
    return this.waiting.length === 0 && !this.blockNewRequests && this.running.size < this.config.maxRequestsPerBatch;
  }

  protected override onRequestFinished(): void {
    this.blockNewRequests = false;
  }

  enqueue(request: LiveRequest): string | null {
    const { inputTokens, outputTokens } = request.spec;
    const c = this.config;
    const blocks = this.pool.blocksFor(inputTokens + outputTokens - 1);
    if (blocks > c.totalBlocks) {
      return `needs ${blocks} KV blocks of ${c.blockTokens} tokens; the whole cache holds ${c.totalBlocks}`;
    }
    if (inputTokens + outputTokens > c.maxContextTokens) {
      return `input + output = ${inputTokens + outputTokens} tokens exceeds the model context of ${c.maxContextTokens}`;
    }
    this.waiting.push(request);
    return null;
  }




  /** Free KV blocks now (tests). */
  freeBlocks(): number {
    return this.pool.freeBlocks;
  }

  plan(nowSeconds: number): Work | null {
    for (;;) {
      this.resetStep();
      this.secureDecodeBlocks();
      // The decodes' blocks are taken first (they are scheduled first); DecodeSet.advance takes them for real.
      const reserved = this.pool.blocksNeeded(this.decodes.counter, 1);
      this.pool.allocate(reserved);
      this.scheduleChunks(nowSeconds);
      this.pool.release(reserved);
      if (this.chunkRequests.length > 0) {
        this.stepHasDecodes = this.decodes.count > 0;
        return { kind: 'step', step: this.buildStep() };
      }
      if (this.decodes.count > 0) return this.planDecodeRun();
      // Only partly prefilled prompts are running and none fits: reset the newest (never the last) and retry.
      if (this.prefilling.length > 1) {
        this.preempt(this.prefilling[this.prefilling.length - 1]);
        continue;
      }
      return null;
    }
  }

  /** Resets the newest starved decoding requests (those opening a block this step) until the step's blocks fit. */
  private secureDecodeBlocks(): void {
    const bs = this.config.blockTokens;
    while (this.decodes.count > 0 && this.pool.blocksNeeded(this.decodes.counter, 1) > this.pool.freeBlocks && this.running.size > 1) {
      let victim: LiveRequest | null = this.running.newest();
      while (victim && !(victim.inDecodeSet && this.decodes.tokensInCache(victim) % bs === 0)) victim = victim.prev;
      if (!victim) break;
      this.preempt(victim);
    }
  }

  private scheduleChunks(nowSeconds: number): void {
    const c = this.config;
    const pool = this.pool;
    let budget = c.maxBatchTokens - this.decodes.count;
    let seats = c.maxRequestsPerBatch - this.decodes.count;
    let scheduled = this.decodes.count > 0;
    const marginHolds = () => !(scheduled && pool.freeBlocks < this.marginBlocks);
    for (const r of this.prefilling) {
      if (budget <= 0 || seats <= 0) return;
      if (!marginHolds()) return;
      const take = Math.min(r.promptTokens - r.prefilledTokens, budget);
      const blocks = pool.blocksFor(r.prefilledTokens + take) - pool.blocksFor(r.prefilledTokens);
      if (blocks > pool.freeBlocks) continue; // starved this step
      pool.allocate(blocks);
      this.chunkRequests.push(r);
      this.chunkTokens.push(take);
      budget -= take;
      seats--;
      scheduled = true;
    }
    if (this.blockNewRequests) return;
    while (budget > 0 && seats > 0 && this.waiting.length > 0 && this.running.size < c.maxRequestsPerBatch) {
      if (!marginHolds()) return;
      const r = this.waiting.peek()!;
      const take = Math.min(r.promptTokens, budget);
      const blocks = pool.blocksFor(take);
      if (blocks > pool.freeBlocks) return;
      this.waiting.shift();
      pool.allocate(blocks);
      r.admitSequence = this.admitSequence++;
      if (Number.isNaN(r.admittedSeconds)) r.admittedSeconds = nowSeconds;
      this.running.append(r);
      this.prefilling.push(r);
      this.chunkRequests.push(r);
      this.chunkTokens.push(take);
      budget -= take;
      seats--;
      scheduled = true;
    }
  }





  /** Soft reset (recompute): free the request's blocks; it re-queues at the back with its output so far as prompt. */
  private preempt(r: LiveRequest): void {
    this.resetForRecompute(r);
    this.preemptions++;
    this.blockNewRequests = true;
    this.waiting.push(r);
  }

}
