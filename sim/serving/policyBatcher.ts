/**
 * The batcher a plug-in batching policy runs on: joulesim's paged-cache mechanics (KV blocks, decode set, energy
 * shares, newest-first preemption by recompute when a decode step finds no block) with the one decision a batching
 * policy makes — which waiting requests start, and when — delegated to the plug-in.
 *
 * The policy is asked at every step boundary while requests wait. Admitted prompts run whole (no chunking) in the
 * same step as the running decodes. With requests waiting, decode runs are one step long so that every boundary
 * is a decision point; with nobody waiting, a run lasts until a finish or an arrival.
 *
 * Every decision is checked before it is applied: ids must be waiting and distinct, a revisit time must lie in the
 * future. A policy that keeps deciding nothing while nothing runs (without ever letting time pass) is stopped.
 */
import { callPlugin, PolicyError } from '../policyError.js';
import type { LiveRequest } from './liveRequest.js';
import { PagedBatcher } from './pagedBatcher.js';
import type { BatchDecision, BatchingPolicy, RequestView } from './policyApi.js';
import type { AnyWork, Work } from './work.js';

export interface PolicyBatcherConfig {
  readonly maxRunning: number;
  readonly maxBatchedTokens: number;
  readonly blockTokens: number;
  readonly totalBlocks: number;
  readonly maxContextTokens: number;
  readonly maxRunSteps: number;
  /** Decisions in a row that start nothing while nothing runs and nothing arrives before the policy is stopped. */
  readonly maxIdleDecisions: number;
}

export function requestView(r: LiveRequest): RequestView {
  return {
    id: r.spec.id,
    arrivalSeconds: r.spec.arrivalSeconds,
    inputTokens: r.spec.inputTokens,
    outputTokens: r.spec.outputTokens,
    generatedTokens: r.generatedTokens,
    preemptions: r.preemptions,
  };
}

export class PolicyBatcher extends PagedBatcher {
  /** Waiting requests, oldest first (preempted ones go to the front). */
  private queue: LiveRequest[] = [];
  private readonly runningRequests = new Set<LiveRequest>();
  private idleDecisions = 0;

  constructor(
    private readonly config: PolicyBatcherConfig,
    private readonly policy: BatchingPolicy,
    /** The module's name, for messages. */
    private readonly module: string,
    onFinished: (request: LiveRequest, finishSeconds: number) => void,
  ) {
    super(config.totalBlocks, config.blockTokens, config.maxRunSteps, onFinished);
  }

  get policyName(): string {
    return this.module;
  }

  override outstanding(): number {
    return this.queue.length + this.running.size;
  }

  override queuedCount(): number {
    return this.queue.length;
  }

  protected admitsArrivalsNow(): boolean {
    return true;
  }

  enqueue(request: LiveRequest): string | null {
    const { inputTokens, outputTokens } = request.spec;
    const c = this.config;
    const blocks = this.pool.blocksFor(inputTokens + outputTokens - 1);
    if (blocks > c.totalBlocks) return `needs ${blocks} KV blocks of ${c.blockTokens} tokens; the whole cache holds ${c.totalBlocks}`;
    if (inputTokens + outputTokens > c.maxContextTokens) return `input + output = ${inputTokens + outputTokens} tokens exceeds the model context of ${c.maxContextTokens}`;
    if (inputTokens > c.maxBatchedTokens) return `prompt of ${inputTokens} tokens exceeds max batched tokens ${c.maxBatchedTokens} (plug-in batching runs prompts whole)`;
    this.queue.push(request);
    this.idleDecisions = 0;
    return null;
  }

  /** Why requests are still here when the run has nothing left to do (the engine reports it). */
  stuckReason(): string | null {
    if (this.queue.length === 0) return null;
    return `left ${this.queue.length} request(s) waiting (first: id ${this.queue[0].spec.id}) with nothing running and no revisit time: they never start`;
  }

  plan(nowSeconds: number): AnyWork | null {
    this.resetStep();
    this.secureDecodeBlocks();
    const reserved = this.pool.blocksNeeded(this.decodes.counter, 1);
    this.pool.allocate(reserved);
    let revisit: number | undefined;
    if (this.queue.length > 0 && this.running.size < this.config.maxRunning) revisit = this.admit(nowSeconds);
    this.pool.release(reserved);
    if (this.chunkRequests.length > 0) {
      this.idleDecisions = 0;
      this.stepHasDecodes = this.decodes.count > 0;
      return { kind: 'step', step: this.buildStep() };
    }
    if (this.decodes.count > 0) {
      const run = this.planDecodeRun();
      // Requests wait: every step boundary is a decision point.
      return this.queue.length > 0 && run.kind === 'decodeRun' ? { ...run, steps: 1, interruptible: false } : run;
    }
    if (revisit !== undefined) return { kind: 'wait', untilSeconds: revisit };
    return null;
  }

  /** Asks the policy, checks its answer, and starts what it chose while it fits. Returns the revisit time. */
  private admit(nowSeconds: number): number | undefined {
    const view = {
      nowSeconds,
      waiting: this.queue.map(requestView),
      running: [...this.runningRequests].map(requestView),
      freeKvBlocks: this.pool.freeBlocks,
      totalKvBlocks: this.config.totalBlocks,
      kvBlockTokens: this.config.blockTokens,
      maxBatchedTokens: this.config.maxBatchedTokens,
      maxRunning: this.config.maxRunning,
    };
    const decision = callPlugin(this.module, 'decide()', () => this.policy.decide(view));
    const { admit, revisit } = this.check(decision, nowSeconds);
    let budget = this.config.maxBatchedTokens - this.decodes.count;
    for (const r of admit) {
      if (this.running.size >= this.config.maxRunning) break;
      const blocks = this.pool.blocksFor(r.promptTokens);
      if (r.promptTokens > budget || blocks > this.pool.freeBlocks) break;
      this.queue.splice(this.queue.indexOf(r), 1);
      this.pool.allocate(blocks);
      r.admitSequence = this.admitSequence++;
      if (Number.isNaN(r.admittedSeconds)) r.admittedSeconds = nowSeconds;
      this.running.append(r);
      this.runningRequests.add(r);
      this.prefilling.push(r);
      this.chunkRequests.push(r);
      this.chunkTokens.push(r.promptTokens);
      budget -= r.promptTokens;
    }
    if (this.chunkRequests.length === 0 && this.running.size === 0) {
      // Nothing runs, nothing started, nothing arrived since the last such decision: only revisits move time on.
      this.idleDecisions++;
      if (this.idleDecisions > this.config.maxIdleDecisions) {
        throw new PolicyError(this.module, `made ${this.idleDecisions} decisions in a row (last at t = ${nowSeconds} s) without starting anything while nothing ran and nothing arrived: it never makes progress`);
      }
    }
    return revisit;
  }

  private check(decision: BatchDecision, nowSeconds: number): { admit: LiveRequest[]; revisit: number | undefined } {
    const bad = (what: string) => new PolicyError(this.module, `decide() at t = ${nowSeconds} s ${what}`);
    if (typeof decision !== 'object' || decision === null || !Array.isArray(decision.admit)) throw bad('returned no { admit: [...] } object');
    const byId = new Map<number, LiveRequest>();
    for (const r of this.queue) byId.set(r.spec.id, r);
    const seen = new Set<number>();
    const admit: LiveRequest[] = [];
    for (const id of decision.admit) {
      if (!Number.isInteger(id)) throw bad(`returned ${JSON.stringify(id)} in admit, not a request id`);
      if (seen.has(id)) throw bad(`admitted request ${id} twice`);
      seen.add(id);
      const r = byId.get(id);
      if (!r) throw bad(`admitted request ${id}, which is not waiting here`);
      admit.push(r);
    }
    const t = decision.revisitAtSeconds;
    if (t !== undefined && !(typeof t === 'number' && Number.isFinite(t) && t > nowSeconds)) {
      throw bad(`asked to revisit at ${String(t)}, not a time after now`);
    }
    return { admit, revisit: t };
  }

  /** Preempt the newest running requests until the next decode step's new blocks fit. */
  private secureDecodeBlocks(): void {
    while (this.decodes.count > 0 && this.pool.blocksNeeded(this.decodes.counter, 1) > this.pool.freeBlocks) {
      const victim = this.running.newest();
      if (!victim) break;
      this.resetForRecompute(victim);
      this.runningRequests.delete(victim);
      this.queue.unshift(victim);
    }
  }

  protected override onRequestFinished(request: LiveRequest): void {
    this.runningRequests.delete(request);
  }

  override complete(work: AnyWork, outcome: Parameters<PagedBatcher['complete']>[1]): void {
    if (work.kind === 'wait') return;
    super.complete(work as Work, outcome);
  }
}
