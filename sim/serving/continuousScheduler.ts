/**
 * Iteration-level (continuous) batching as vLLM does it: a cap on running sequences and on tokens per step, a paged
 * KV cache, admission only when blocks are free, preemption of the newest request by recompute when a decode step
 * finds no free block.
 *
 * - chunkedPrefill (vLLM v1 default): every step runs all decodes first, then fills the rest of the token budget
 *   with prompt chunks (in-progress prompts first, then new admissions): mixed steps.
 * - without it (vLLM v0 default): a step is either prompts only (admissions first) or decodes only.
 *
 * When no prompt work is pending the batch is unchanged until the next finish, block shortage or admissible
 * arrival, and the scheduler hands the replica one decode run for all those steps.
 */
import { InputError } from '../errors.js';
import type { RequestSpec } from '../workload/request.js';
import type { LiveRequest } from './liveRequest.js';
import { PagedBatcher } from './pagedBatcher.js';
import { PrefixCache } from './prefixCache.js';
import type { PrefixCaching } from './prefixCacheStats.js';
import type { Work } from './work.js';

export interface ContinuousConfig {
  readonly maxRunningSequences: number;
  readonly maxBatchedTokens: number;
  readonly chunkedPrefill: boolean;
  readonly blockTokens: number;
  readonly totalBlocks: number;
  /** Blocks kept free at admission so running requests can grow (vLLM's watermark, 1% by default). */
  readonly admissionWatermarkBlocks: number;
  readonly maxContextTokens: number;
  /** Longest decode run planned as one unit; 1 gives the step-by-step reference path. */
  readonly maxRunSteps: number;
  /** Share the KV blocks of common prompt prefixes (requests that carry prefix block ids); absent: off. */
  readonly prefixCaching?: PrefixCaching;
}

export class ContinuousScheduler extends PagedBatcher {
  /** Made on the first request that carries prefix block ids, when prefix caching is on. */
  private cache: PrefixCache | null = null;

  constructor(
    protected readonly config: ContinuousConfig,
    onFinished: (request: LiveRequest, finishSeconds: number) => void,
  ) {
    super(config.totalBlocks, config.blockTokens, config.maxRunSteps, onFinished);
  }

  /** With nobody waiting and a free seat, an arrival joins at the next step; a waiting head that is blocked (seats
   *  or blocks) stays blocked until a finish, which ends the run anyway, and arrivals queue behind it. */
  protected admitsArrivalsNow(): boolean {
    return this.waiting.length === 0 && this.seatsTaken() < this.config.maxRunningSequences;
  }

  /** Running sequences, and any seat promised ahead (a decode-only replica's KV transfers in flight). */
  protected seatsTaken(): number {
    return this.running.size;
  }

  enqueue(request: LiveRequest): string | null {
    const reason = this.refusal(request.spec);
    if (reason === null) this.waiting.push(request);
    return reason;
  }

  enqueueSpec(spec: RequestSpec): string | null {
    const reason = this.refusal(spec);
    if (reason === null) this.waiting.pushSpec(spec);
    return reason;
  }

  /** Why a request can never run here, or null when it can. */
  protected refusal(spec: RequestSpec): string | null {
    const { inputTokens, outputTokens } = spec;
    const c = this.config;
    const blocks = this.pool.blocksFor(inputTokens + outputTokens - 1);
    if (blocks > c.totalBlocks) {
      return `needs ${blocks} KV blocks of ${c.blockTokens} tokens; the whole cache holds ${c.totalBlocks}`;
    }
    if (inputTokens + outputTokens > c.maxContextTokens) {
      return `input + output = ${inputTokens + outputTokens} tokens exceeds the model context of ${c.maxContextTokens}`;
    }
    if (!c.chunkedPrefill && inputTokens > c.maxBatchedTokens) {
      return `prompt of ${inputTokens} tokens exceeds max batched tokens ${c.maxBatchedTokens} without chunked prefill`;
    }
    return null;
  }




  plan(nowSeconds: number): Work | null {
    this.resetStep();
    const chunked = this.config.chunkedPrefill;
    if (chunked) {
      this.secureDecodeBlocks();
      // The decodes' new blocks are taken when the step completes (advanceDecodes): keep prompt chunks off them.
      const reserved = this.pool.blocksNeeded(this.decodes.counter, 1);
      this.pool.setAside(reserved);
      this.scheduleChunks(this.config.maxBatchedTokens - this.decodes.count, nowSeconds);
      this.pool.putBack(reserved);
    } else {
      this.scheduleChunks(this.config.maxBatchedTokens, nowSeconds);
      if (this.chunkRequests.length === 0) this.secureDecodeBlocks();
    }
    if (this.chunkRequests.length === 0) {
      if (this.decodes.count === 0) return null;
      return this.planDecodeRun();
    }
    this.stepHasDecodes = chunked && this.decodes.count > 0;
    return { kind: 'step', step: this.buildStep() };
  }

  /** Preempt the newest running requests until the next decode step's new blocks fit. */
  private secureDecodeBlocks(): void {
    while (this.decodes.count > 0 && this.pool.blocksNeeded(this.decodes.counter, 1) > this.pool.freeBlocks) {
      const victim = this.running.newest();
      if (!victim) break;
      this.preempt(victim);
    }
  }

  private scheduleChunks(tokenBudget: number, nowSeconds: number): void {
    let budget = tokenBudget;
    const pool = this.pool;
    const chunked = this.config.chunkedPrefill;
    for (const r of this.prefilling) {
      if (budget <= 0) break;
      let take = Math.min(r.promptTokens - r.prefilledTokens, budget);
      const held = pool.blocksFor(r.prefilledTokens);
      const fit = (held + pool.freeBlocks) * pool.blockTokens - r.prefilledTokens;
      take = Math.min(take, fit);
      if (take <= 0) break;
      pool.allocate(pool.blocksFor(r.prefilledTokens + take) - held);
      this.chunkRequests.push(r);
      this.chunkTokens.push(take);
      budget -= take;
    }
    while (budget > 0 && this.waiting.length > 0 && this.seatsTaken() < this.config.maxRunningSequences) {
      const r = this.waiting.peek()!;
      const cache = this.cacheFor(r.spec);
      const ids = r.spec.prefixBlockIds;
      let hits = 0;
      let reclaim = 0;
      if (cache && ids) {
        // Whole blocks of the input only, and never the whole prompt: its last token is computed to sample from.
        const limit = Math.min(Math.floor((r.promptTokens - 1) / cache.tokensPerEntry), Math.floor(r.spec.inputTokens / cache.tokensPerEntry));
        hits = cache.lookup(ids, limit);
        reclaim = cache.blocksToReclaim(ids, hits);
      }
      const hitTokens = cache ? hits * cache.tokensPerEntry : 0;
      const rest = r.promptTokens - hitTokens;
      const take = chunked ? Math.min(rest, budget) : rest;
      // A recomputed prompt (input + output so far) can exceed the budget fresh prompts were checked against at
      // enqueue; without chunking it could then never run, so it runs alone in a step.
      if (take > budget && !(r.preemptions > 0 && budget === tokenBudget)) break;
      const blocks = pool.blocksFor(hitTokens + take) - (cache ? hits * cache.blocksPerEntry : 0);
      // The watermark keeps room for running requests to grow; with nothing running it would only deadlock.
      const watermark = this.running.size > 0 ? this.config.admissionWatermarkBlocks : 0;
      if (blocks + reclaim > pool.freeBlocks - watermark) break;
      this.waiting.shift();
      if (cache && ids) this.takeCachedPrefix(cache, r, ids, hits, rest);
      pool.allocate(blocks);
      r.admitSequence = this.admitSequence++;
      if (Number.isNaN(r.admittedSeconds)) r.admittedSeconds = nowSeconds;
      this.running.append(r);
      this.prefilling.push(r);
      this.chunkRequests.push(r);
      this.chunkTokens.push(take);
      budget -= take;
    }
  }





  private cacheFor(spec: RequestSpec): PrefixCache | null {
    const caching = this.config.prefixCaching;
    if (!caching || spec.prefixBlockIds === undefined || spec.prefixBlockTokens === undefined) return this.cache;
    if (!this.cache) {
      const t = spec.prefixBlockTokens;
      const b = this.config.blockTokens;
      if (t % b !== 0) {
        throw new InputError('cluster.scheduler.kv_block_tokens', '', `prefix caching shares the trace's ${t}-token prefix blocks, which ${b}-token KV blocks do not divide`);
      }
      this.cache = new PrefixCache(this.pool, t, t / b, caching.stats);
    }
    return this.cache;
  }

  /** r is admitted with its first `hits` prefix blocks found cached: it holds them and starts its prefill after them. */
  private takeCachedPrefix(cache: PrefixCache, r: LiveRequest, ids: readonly number[], hits: number, restTokens: number): void {
    const caching = this.config.prefixCaching!;
    const stats = caching.stats;
    stats.lookups++;
    stats.promptTokens += r.promptTokens;
    if (hits === 0) return;
    const hitTokens = hits * cache.tokensPerEntry;
    cache.acquire(ids, hits);
    r.prefixEntriesHeld = hits;
    r.prefilledTokens = hitTokens;
    stats.hits++;
    stats.hitTokens += hitTokens;
    stats.savedJoules += caching.savedJoules(hitTokens, restTokens);
  }

  protected override onPromptComputed(r: LiveRequest): void {
    const ids = r.spec.prefixBlockIds;
    const cache = this.cache;
    if (!cache || !ids) return;
    const whole = Math.min(ids.length, Math.floor(r.spec.inputTokens / cache.tokensPerEntry));
    if (whole > r.prefixEntriesHeld) r.prefixEntriesHeld += cache.insert(ids, r.prefixEntriesHeld, whole);
  }

  protected override releaseKv(r: LiveRequest, tokensInCache: number): void {
    const held = r.prefixEntriesHeld;
    const cache = this.cache;
    if (held === 0 || !cache) {
      super.releaseKv(r, tokensInCache);
      return;
    }
    this.pool.release(this.pool.blocksFor(tokensInCache) - held * cache.blocksPerEntry);
    cache.release(r.spec.prefixBlockIds!, held);
    r.prefixEntriesHeld = 0;
  }

  /** Recompute preemption: drop the request's KV cache; it re-queues first with its output so far as prompt. */
  private preempt(r: LiveRequest): void {
    this.resetForRecompute(r);
    this.waiting.pushFront(r);
  }

}
