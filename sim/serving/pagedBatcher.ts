/**
 * What every iteration-level batcher over a paged KV cache shares, whatever its admission policy: the waiting queue,
 * the running list, prompts in progress, the block pool and the decode set; building the step it planned, planning a
 * closed-form decode run when no prompt work can run, and settling a finished step (energy by tokens, first tokens,
 * finishes, requests joining the decode set). Subclasses decide what a step holds (vLLM's policy, transformers').
 */
import type { Step } from '../cost/step.js';
import { DecodeSet } from './decodeSet.js';
import { KvBlockPool } from './kvBlockPool.js';
import type { LiveRequest } from './liveRequest.js';
import { RequestQueue } from './requestQueue.js';
import { RunningList } from './runningList.js';
import type { Scheduler } from './scheduler.js';
import type { AnyWork, Work, WorkOutcome } from './work.js';
import { addShares } from './requestShares.js';

export abstract class PagedBatcher implements Scheduler {
  protected readonly waiting = new RequestQueue();
  protected readonly running = new RunningList();
  /** Running requests whose prompt is not fully computed yet, in admission order. */
  protected prefilling: LiveRequest[] = [];
  protected readonly pool: KvBlockPool;
  /** Requests past their prompt, decoding a token per step. */
  protected readonly decodes: DecodeSet;
  protected admitSequence = 0;
  // The step in flight: prompt chunks, and whether it also carries the decodes.
  protected readonly chunkRequests: LiveRequest[] = [];
  protected readonly chunkTokens: number[] = [];
  protected stepHasDecodes = false;

  constructor(
    totalBlocks: number,
    blockTokens: number,
    /** Longest decode run planned as one unit; 1 gives the step-by-step reference path. */
    private readonly maxRunSteps: number,
    private readonly onFinished: (request: LiveRequest, finishSeconds: number) => void,
  ) {
    this.pool = new KvBlockPool(totalBlocks, blockTokens);
    this.decodes = new DecodeSet(this.pool);
  }

  abstract enqueue(request: LiveRequest, nowSeconds: number): string | null;
  abstract plan(nowSeconds: number): AnyWork | null;
  /** Whether a request arriving during a decode run would join at the next step (so the run stops there). */
  protected abstract admitsArrivalsNow(): boolean;

  outstanding(): number {
    return this.waiting.length + this.running.size;
  }

  runningCount(): number {
    return this.running.size;
  }

  queuedCount(): number {
    return this.waiting.length;
  }

  freeKvBlocks(): number {
    return this.pool.freeBlocks;
  }

  /** Empties the step's lists in place: the step in flight is settled (complete) before the next is planned. */
  protected resetStep(): void {
    // pop, not a length assignment (a slow runtime call): these hold a request or two.
    while (this.chunkRequests.length > 0) this.chunkRequests.pop();
    while (this.chunkTokens.length > 0) this.chunkTokens.pop();
    this.stepHasDecodes = false;
  }

  protected buildStep(): Step {
    const n = this.chunkRequests.length;
    const cached = new Array<number>(n);
    let producing = 0;
    for (let i = 0; i < n; i++) {
      const r = this.chunkRequests[i];
      cached[i] = r.prefilledTokens;
      if (r.prefilledTokens + this.chunkTokens[i] === r.promptTokens) producing++;
    }
    const decodes = this.stepHasDecodes ? this.decodes.count : 0;
    return {
      chunkNewTokens: this.chunkTokens,
      chunkCachedTokens: cached,
      chunksProducingToken: producing,
      decodeCount: decodes,
      decodeContextSum: decodes > 0 ? this.decodes.contextSum() : 0,
    };
  }

  /** Every decoding request for as many steps as nothing changes: until a finish, or a block that does not fit. */
  protected planDecodeRun(): Work {
    const untilFinish = this.decodes.stepsToFirstFinish();
    const steps = this.pool.maxStepsWithin(this.decodes.counter, this.pool.freeBlocks, Math.min(untilFinish, this.maxRunSteps));
    return {
      kind: 'decodeRun',
      sequences: this.decodes.count,
      contextSum0: this.decodes.contextSum(),
      steps,
      interruptible: this.admitsArrivalsNow(),
    };
  }

  complete(work: Work, outcome: WorkOutcome): void {
    const now = outcome.endSeconds;
    if (work.kind === 'decodeRun') {
      this.decodes.advance(outcome.stepsDone, outcome.joules, outcome.shares, 1);
    } else {
      // A step's energy is shared by tokens processed: a decode is one token, a chunk its new tokens.
      let tokens = this.stepHasDecodes ? this.decodes.count : 0;
      for (const t of this.chunkTokens) tokens += t;
      const joulesPerToken = outcome.joules / tokens;
      if (this.stepHasDecodes) this.decodes.advance(1, joulesPerToken * this.decodes.count, outcome.shares, this.decodes.count / tokens);
      let anyPromptDone = false;
      for (let i = 0; i < this.chunkRequests.length; i++) {
        const r = this.chunkRequests[i];
        r.energyJoules += joulesPerToken * this.chunkTokens[i];
        addShares(r, outcome.shares, this.chunkTokens[i] / tokens);
        r.prefilledTokens += this.chunkTokens[i];
        if (r.prefilledTokens < r.promptTokens) continue;
        anyPromptDone = true;
        this.onPromptComputed(r);
        r.generatedTokens++;
        if (Number.isNaN(r.firstTokenSeconds)) r.firstTokenSeconds = now;
        if (r.generatedTokens >= r.spec.outputTokens) this.finish(r, now, r.promptTokens);
        else this.afterFirstToken(r, now);
      }
      if (anyPromptDone) this.dropPrefilled();
    }
    this.resetStep();
    for (let r = this.decodes.popFinished(); r !== null; r = this.decodes.popFinished()) this.finish(r, now, this.decodes.lastTokensInCache);
  }

  /** Drops the requests whose prompt is done from the prefilling list, in place (keeping order). */
  private dropPrefilled(): void {
    const list = this.prefilling;
    let kept = 0;
    for (let i = 0; i < list.length; i++) {
      const r = list[i];
      if (r.prefilledTokens < r.promptTokens) list[kept++] = r;
    }
    while (list.length > kept) list.pop();
  }

  /** r has its first token and more to produce: it decodes here (a prefill-only replica hands it off instead). */
  protected afterFirstToken(r: LiveRequest, _nowSeconds: number): void {
    this.decodes.join(r);
  }

  /** Called when a request finishes, before it is reported (a policy may reopen admission). */
  protected onRequestFinished(_request: LiveRequest): void {}

  /** r's whole prompt is in its KV cache now (a prefix cache may take its blocks in). */
  protected onPromptComputed(_r: LiveRequest): void {}

  /** Gives back the KV blocks r holds with `tokensInCache` tokens cached (a prefix cache keeps shared ones). */
  protected releaseKv(_r: LiveRequest, tokensInCache: number): void {
    this.pool.release(this.pool.blocksFor(tokensInCache));
  }

  protected finish(r: LiveRequest, now: number, tokensInCache: number): void {
    this.releaseKv(r, tokensInCache);
    this.running.remove(r);
    this.onRequestFinished(r);
    this.onFinished(r, now);
  }

  /**
   * Recompute preemption: drop r's KV cache and take it out of the batch; its output so far becomes part of its
   * prompt. The policy puts it back in the waiting queue where it belongs.
   */
  protected resetForRecompute(r: LiveRequest): void {
    let tokensInCache: number;
    if (r.inDecodeSet) {
      tokensInCache = this.decodes.withdraw(r);
    } else {
      tokensInCache = r.prefilledTokens;
      this.prefilling = this.prefilling.filter((x) => x !== r);
    }
    this.releaseKv(r, tokensInCache);
    this.running.remove(r);
    r.promptTokens = r.spec.inputTokens + r.generatedTokens;
    r.prefilledTokens = 0;
    r.preemptions++;
  }
}
