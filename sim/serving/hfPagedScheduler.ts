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
import { Heap } from 'heap-js';
import type { Step } from '../cost/step.js';
import { KvBlockPool } from './kvBlockPool.js';
import type { LiveRequest } from './liveRequest.js';
import { RequestQueue } from './requestQueue.js';
import { RunningList } from './runningList.js';
import type { Scheduler } from './scheduler.js';
import type { Work, WorkOutcome } from './work.js';

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
}

export class HfPagedScheduler implements Scheduler {
  private readonly waiting = new RequestQueue();
  private readonly running = new RunningList();
  /** Running requests whose prompt is not fully computed yet, in admission order. */
  private prefilling: LiveRequest[] = [];
  private readonly finishHeap = new Heap<LiveRequest>(
    (a, b) => a.finishCounter - b.finishCounter || a.spec.id - b.spec.id,
  );
  private readonly pool: KvBlockPool;
  private readonly marginBlocks: number;
  /** After a preemption: no waiting request is admitted until some request finishes. */
  private blockNewRequests = false;
  /** Decode steps run so far: a decoding request has generated decodeOffset + counter tokens. */
  private counter = 0;
  private decodeCount = 0;
  /** Σ (input + decodeOffset − 1) over decoding requests: their context sum is decodeBase + decodeCount·counter. */
  private decodeBase = 0;
  private decodeJoulesPerRequest = 0;
  private admitSequence = 0;
  private chunkRequests: LiveRequest[] = [];
  private chunkTokens: number[] = [];
  private stepHasDecodes = false;
  /** Requests reset by recompute so far (for tests and reports). */
  preemptions = 0;

  constructor(
    private readonly config: HfPagedConfig,
    private readonly onFinished: (request: LiveRequest, finishSeconds: number) => void,
  ) {
    this.pool = new KvBlockPool(config.totalBlocks, config.blockTokens);
    this.marginBlocks = config.safetyMargin * config.totalBlocks;
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

  outstanding(): number {
    return this.waiting.length + this.running.size;
  }

  runningCount(): number {
    return this.running.size;
  }

  queuedCount(): number {
    return this.waiting.length;
  }

  /** Free KV blocks now (tests). */
  freeBlocks(): number {
    return this.pool.freeBlocks;
  }

  plan(nowSeconds: number): Work | null {
    for (;;) {
      this.chunkRequests = [];
      this.chunkTokens = [];
      this.secureDecodeBlocks();
      // The decodes' blocks are taken first (they are scheduled first); advanceDecodes takes them for real.
      const reserved = this.pool.blocksNeeded(this.counter, 1);
      this.pool.allocate(reserved);
      this.scheduleChunks(nowSeconds);
      this.pool.release(reserved);
      if (this.chunkRequests.length > 0) {
        this.stepHasDecodes = this.decodeCount > 0;
        return { kind: 'step', step: this.buildStep() };
      }
      if (this.decodeCount > 0) return this.planDecodeRun();
      // Only partly prefilled prompts are running and none fits: reset the newest (never the last) and retry.
      if (this.prefilling.length > 1) {
        this.preempt(this.prefilling[this.prefilling.length - 1]);
        continue;
      }
      return null;
    }
  }

  private tokensInCache(r: LiveRequest): number {
    return r.spec.inputTokens + r.decodeOffset + this.counter - 1;
  }

  /** Resets the newest starved decoding requests (those opening a block this step) until the step's blocks fit. */
  private secureDecodeBlocks(): void {
    const bs = this.config.blockTokens;
    while (this.decodeCount > 0 && this.pool.blocksNeeded(this.counter, 1) > this.pool.freeBlocks && this.running.size > 1) {
      let victim: LiveRequest | null = this.running.newest();
      while (victim && !(victim.inDecodeSet && this.tokensInCache(victim) % bs === 0)) victim = victim.prev;
      if (!victim) break;
      this.preempt(victim);
    }
  }

  private scheduleChunks(nowSeconds: number): void {
    const c = this.config;
    const pool = this.pool;
    let budget = c.maxBatchTokens - this.decodeCount;
    let seats = c.maxRequestsPerBatch - this.decodeCount;
    let scheduled = this.decodeCount > 0;
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

  private buildStep(): Step {
    const n = this.chunkRequests.length;
    const cached = new Array<number>(n);
    let producing = 0;
    for (let i = 0; i < n; i++) {
      const r = this.chunkRequests[i];
      cached[i] = r.prefilledTokens;
      if (r.prefilledTokens + this.chunkTokens[i] === r.promptTokens) producing++;
    }
    const decodes = this.stepHasDecodes ? this.decodeCount : 0;
    return {
      chunkNewTokens: this.chunkTokens,
      chunkCachedTokens: cached,
      chunksProducingToken: producing,
      decodeCount: decodes,
      decodeContextSum: decodes > 0 ? this.decodeBase + this.decodeCount * this.counter : 0,
    };
  }

  private planDecodeRun(): Work {
    const untilFinish = this.finishHeap.peek()!.finishCounter - this.counter;
    const steps = this.pool.maxStepsWithin(this.counter, this.pool.freeBlocks, Math.min(untilFinish, this.config.maxRunSteps));
    return {
      kind: 'decodeRun',
      sequences: this.decodeCount,
      contextSum0: this.decodeBase + this.decodeCount * this.counter,
      steps,
      // Whatever kept prompts out of this step (margin, blocks, blocked admission, no prompt) holds until a
      // finish, which ends the run; only an arrival into an empty, open queue may join at the next step.
      interruptible: this.waiting.length === 0 && !this.blockNewRequests && this.running.size < this.config.maxRequestsPerBatch,
    };
  }

  complete(work: Work, outcome: WorkOutcome): void {
    const now = outcome.endSeconds;
    if (work.kind === 'decodeRun') {
      this.advanceDecodes(outcome.stepsDone, outcome.joules);
    } else {
      let tokens = this.stepHasDecodes ? this.decodeCount : 0;
      for (const t of this.chunkTokens) tokens += t;
      const joulesPerToken = outcome.joules / tokens;
      if (this.stepHasDecodes) this.advanceDecodes(1, joulesPerToken * this.decodeCount);
      let anyPromptDone = false;
      for (let i = 0; i < this.chunkRequests.length; i++) {
        const r = this.chunkRequests[i];
        r.energyJoules += joulesPerToken * this.chunkTokens[i];
        r.prefilledTokens += this.chunkTokens[i];
        if (r.prefilledTokens < r.promptTokens) continue;
        anyPromptDone = true;
        r.generatedTokens++;
        if (Number.isNaN(r.firstTokenSeconds)) r.firstTokenSeconds = now;
        if (r.generatedTokens >= r.spec.outputTokens) this.finish(r, now, r.promptTokens);
        else this.joinDecodes(r);
      }
      if (anyPromptDone) this.prefilling = this.prefilling.filter((r) => r.prefilledTokens < r.promptTokens);
    }
    this.chunkRequests = [];
    this.chunkTokens = [];
    this.stepHasDecodes = false;
    this.popFinished(now);
  }

  private advanceDecodes(steps: number, joules: number): void {
    this.pool.allocate(this.pool.blocksNeeded(this.counter, steps));
    this.decodeJoulesPerRequest += joules / this.decodeCount;
    this.counter += steps;
  }

  private popFinished(now: number): void {
    while (this.finishHeap.length > 0 && this.finishHeap.peek()!.finishCounter <= this.counter) {
      const r = this.finishHeap.pop()!;
      const tokensInCache = this.leaveDecodes(r);
      this.finish(r, now, tokensInCache);
    }
  }

  private joinDecodes(r: LiveRequest): void {
    const input = r.spec.inputTokens;
    r.decodeOffset = r.generatedTokens - this.counter;
    r.finishCounter = r.spec.outputTokens - r.decodeOffset;
    r.decodeJoulesAtJoin = this.decodeJoulesPerRequest;
    r.inDecodeSet = true;
    this.decodeBase += input + r.decodeOffset - 1;
    this.decodeCount++;
    this.pool.addDecoding(input + r.generatedTokens - 1, this.counter);
    this.finishHeap.push(r);
  }

  private leaveDecodes(r: LiveRequest): number {
    const input = r.spec.inputTokens;
    r.generatedTokens = r.decodeOffset + this.counter;
    const tokensInCache = input + r.generatedTokens - 1;
    this.pool.removeDecoding(tokensInCache, this.counter);
    this.decodeBase -= input + r.decodeOffset - 1;
    this.decodeCount--;
    r.energyJoules += this.decodeJoulesPerRequest - r.decodeJoulesAtJoin;
    r.inDecodeSet = false;
    return tokensInCache;
  }

  private finish(r: LiveRequest, now: number, tokensInCache: number): void {
    this.pool.release(this.pool.blocksFor(tokensInCache));
    this.running.remove(r);
    this.blockNewRequests = false;
    this.onFinished(r, now);
  }

  /** Soft reset (recompute): free the request's blocks; it re-queues at the back with its output so far as prompt. */
  private preempt(r: LiveRequest): void {
    let tokensInCache: number;
    if (r.inDecodeSet) {
      tokensInCache = this.leaveDecodes(r);
      this.finishHeap.remove(r);
    } else {
      tokensInCache = r.prefilledTokens;
      this.prefilling = this.prefilling.filter((x) => x !== r);
    }
    this.pool.release(this.pool.blocksFor(tokensInCache));
    this.running.remove(r);
    r.promptTokens = r.spec.inputTokens + r.generatedTokens;
    r.prefilledTokens = 0;
    r.preemptions++;
    this.preemptions++;
    this.blockNewRequests = true;
    this.waiting.push(r);
  }
}
