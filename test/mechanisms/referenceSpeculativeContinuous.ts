/**
 * Speculative decoding with iteration-level (continuous) batching, as vLLM runs a draft model: sequences join and
 * leave between rounds. A step is either
 *   - a prompt step (new admissions first, as vLLM's scheduler without chunked prefill): the target prefills the
 *     prompts and samples each one's first token, the draft prefills the same prompts; or
 *   - a round for every decoding sequence: γ draft decode steps + one target step verifying γ + 1 tokens each
 *     (SpeculativeRoundCost), after which each sequence gains 1 … γ + 1 tokens (AcceptanceSampler); a sequence that
 *     reaches its output length leaves (tokens beyond it are discarded), the others go on in the next round.
 * Each is one event. The paged KV cache holds both models' KV (a block's bytes are the sum of the two models' per
 * token): before a round every sequence needs room for its context + γ + 1 tokens (the verification writes them
 * all); after it the rejected tokens' blocks are freed. When the blocks do not fit, the newest running request is
 * preempted by recompute (its KV dropped; it re-queues first with its output so far as prompt), as vLLM does.
 * Round energy is shared equally among the round's sequences (each processes the same γ + γ + 1 tokens); prompt
 * energy by prompt tokens.
 */
import type { Step } from '../../sim/cost/step.js';
import type { SpeculativeRoundCost } from '../../sim/cost/speculativeRoundCost.js';
import type { ContinuousConfig } from '../../sim/serving/continuousScheduler.js';
import type { AcceptanceSampler, AcceptanceStream } from '../../sim/serving/speculativeAcceptance.js';
import { KvBlockPool } from '../../sim/serving/kvBlockPool.js';
import type { LiveRequest } from '../../sim/serving/liveRequest.js';
import { RequestQueue } from '../../sim/serving/requestQueue.js';
import type { Scheduler } from '../../sim/serving/scheduler.js';
import type { AnyWork, WorkOutcome } from '../../sim/serving/work.js';
import { addShares } from '../../sim/serving/requestShares.js';

/** A running request, the KV blocks it holds and its acceptance draws (no per-round lookup by id). */
interface Row {
  readonly r: LiveRequest;
  held: number;
  readonly stream: AcceptanceStream;
}

type Planned = { kind: 'prefill'; rows: Row[]; tokens: number[] } | { kind: 'round'; rows: Row[] };

export class ReferenceSpeculativeContinuousScheduler implements Scheduler {
  private readonly waiting = new RequestQueue();
  /** Running requests in admission order: all of them are decoding between steps (prompts run whole). */
  private running: Row[] = [];
  /** Each running row's cached tokens before the round being planned (reused, so a round allocates little). */
  private contexts: number[] = [];
  private readonly pool: KvBlockPool;
  private readonly gamma: number;
  private planned: Planned | null = null;

  constructor(
    private readonly config: ContinuousConfig,
    private readonly cost: SpeculativeRoundCost,
    private readonly acceptance: AcceptanceSampler,
    private readonly onFinished: (request: LiveRequest, finishSeconds: number) => void,
  ) {
    this.pool = new KvBlockPool(config.totalBlocks, config.blockTokens);
    this.gamma = cost.gamma;
  }

  enqueue(request: LiveRequest): string | null {
    const { inputTokens, outputTokens } = request.spec;
    const c = this.config;
    const blocks = this.pool.blocksFor(inputTokens + outputTokens + this.gamma);
    if (blocks > c.totalBlocks) {
      return `needs ${blocks} KV blocks of ${c.blockTokens} tokens (target + draft, γ unverified tokens included); the whole cache holds ${c.totalBlocks}`;
    }
    if (inputTokens + outputTokens + this.gamma > c.maxContextTokens) {
      return `input + output + γ = ${inputTokens + outputTokens + this.gamma} tokens exceeds the model context of ${c.maxContextTokens}`;
    }
    if (inputTokens > c.maxBatchedTokens) {
      return `prompt of ${inputTokens} tokens exceeds max batched tokens ${c.maxBatchedTokens} (speculative decoding runs prompts whole)`;
    }
    this.waiting.push(request);
    return null;
  }

  outstanding(): number {
    return this.waiting.length + this.running.length;
  }

  runningCount(): number {
    return this.running.length;
  }

  queuedCount(): number {
    return this.waiting.length;
  }

  /** Tokens in a running request's KV caches: its prompt and every generated token but the last. */
  private tokensInCache(r: LiveRequest): number {
    return r.spec.inputTokens + r.generatedTokens - 1;
  }

  private setHeld(row: Row, blocks: number): void {
    const held = row.held;
    if (blocks > held) this.pool.allocate(blocks - held);
    else if (blocks < held) this.pool.release(held - blocks);
    row.held = blocks;
  }

  plan(nowSeconds: number): AnyWork | null {
    this.planned = null;
    const admitted = this.admit(nowSeconds);
    if (admitted) return admitted;
    if (this.running.length === 0) return null;
    return this.planRound();
  }

  private admit(nowSeconds: number): AnyWork | null {
    const c = this.config;
    let budget = c.maxBatchedTokens;
    const rows: Row[] = [];
    const tokens: number[] = [];
    while (this.waiting.length > 0 && this.running.length < c.maxRunningSequences) {
      const r = this.waiting.peek()!;
      const take = r.promptTokens;
      // A recomputed prompt may exceed the budget; it then runs alone.
      if (take > budget && !(r.preemptions > 0 && rows.length === 0)) break;
      const blocks = this.pool.blocksFor(take);
      const watermark = this.running.length > 0 ? c.admissionWatermarkBlocks : 0;
      if (blocks > this.pool.freeBlocks - watermark) break;
      this.waiting.shift();
      const row: Row = { r, held: 0, stream: this.acceptance.stream(r.spec.id) };
      this.setHeld(row, blocks);
      if (Number.isNaN(r.admittedSeconds)) r.admittedSeconds = nowSeconds;
      this.running.push(row);
      rows.push(row);
      tokens.push(take);
      budget -= take;
    }
    if (rows.length === 0) return null;
    const step: Step = {
      chunkNewTokens: tokens,
      chunkCachedTokens: new Array<number>(tokens.length).fill(0),
      chunksProducingToken: tokens.length,
      decodeCount: 0,
      decodeContextSum: 0,
    };
    const cost = this.cost.prefill(step);
    this.planned = { kind: 'prefill', rows, tokens };
    return {
      kind: 'priced',
      label: 'speculative prefill (target + draft)',
      phase: 'prefill',
      sequences: rows.length,
      contextSum0: 0,
      tokens: cost.tokens,
      seconds: cost.seconds,
      joules: cost.joules,
      prefillJoules: cost.prefillJoules,
    };
  }

  private planRound(): AnyWork {
    // Room for every sequence's γ + 1 verified tokens; preempt the newest until it fits.
    const g1 = this.gamma + 1;
    for (;;) {
      let need = 0;
      for (const row of this.running) need += Math.max(0, this.pool.blocksFor(this.tokensInCache(row.r) + g1) - row.held);
      if (need <= this.pool.freeBlocks || this.running.length === 1) break;
      this.preempt(this.running[this.running.length - 1]);
    }
    const rows = this.running.slice();
    const n = rows.length;
    const contexts = this.contexts;
    contexts.length = n;
    let contextSum = 0;
    for (let i = 0; i < n; i++) {
      const row = rows[i];
      const c = this.tokensInCache(row.r);
      contexts[i] = c;
      contextSum += c;
      this.setHeld(row, this.pool.blocksFor(c + g1));
    }
    const cost = this.cost.round(contexts);
    this.planned = { kind: 'round', rows };
    return {
      kind: 'priced',
      label: `speculative round γ=${this.gamma}`,
      phase: 'decode',
      sequences: n,
      contextSum0: contextSum,
      tokens: cost.tokens,
      seconds: cost.seconds,
      joules: cost.joules,
      prefillJoules: 0,
    };
  }

  /** The victim is always the newest running request (the last row). */
  private preempt(row: Row): void {
    const r = row.r;
    this.setHeld(row, 0);
    this.running.pop();
    r.promptTokens = r.spec.inputTokens + r.generatedTokens;
    r.prefilledTokens = 0;
    r.preemptions++;
    this.waiting.pushFront(r);
  }

  complete(_work: AnyWork, outcome: WorkOutcome): void {
    const p = this.planned;
    this.planned = null;
    if (!p) throw new Error('internal: speculative scheduler completed work it did not plan');
    const now = outcome.endSeconds;
    let finished = 0;
    if (p.kind === 'prefill') {
      const total = p.tokens.reduce((a, b) => a + b, 0);
      for (let i = 0; i < p.rows.length; i++) {
        const r = p.rows[i].r;
        r.energyJoules += (outcome.joules * p.tokens[i]) / total;
        addShares(r, outcome.shares, p.tokens[i] / total);
        r.prefilledTokens = r.promptTokens;
        r.generatedTokens++;
        if (Number.isNaN(r.firstTokenSeconds)) r.firstTokenSeconds = now;
        if (r.generatedTokens >= r.spec.outputTokens) finished++;
      }
    } else {
      const share = outcome.joules / p.rows.length;
      for (const row of p.rows) {
        const r = row.r;
        r.energyJoules += share;
        addShares(r, outcome.shares, 1 / p.rows.length);
        r.generatedTokens = Math.min(r.spec.outputTokens, r.generatedTokens + row.stream.tokensThisRound());
        if (r.generatedTokens >= r.spec.outputTokens) finished++;
        // The rejected tokens' KV is dropped: keep only the blocks of what the cache now holds.
        else this.setHeld(row, this.pool.blocksFor(this.tokensInCache(r)));
      }
    }
    if (finished === 0) return;
    // Finished rows leave in the order they ran (admission order), as they are reported.
    const done = p.rows.filter((row) => row.r.generatedTokens >= row.r.spec.outputTokens);
    this.running = this.running.filter((row) => row.r.generatedTokens < row.r.spec.outputTokens);
    for (const row of done) {
      this.setHeld(row, 0);
      this.acceptance.release(row.r.spec.id);
      this.onFinished(row.r, now);
    }
  }
}
