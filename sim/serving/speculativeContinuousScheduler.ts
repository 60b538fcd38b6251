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
 *
 * No round does work per sequence. A sequence's draws come from its own stream, so when it joins the rounds its
 * whole future is fixed: its tokens per round (drawn then, the same draws in the same order as drawing round by
 * round), the round it finishes in, and its context and KV blocks in every round up to it. It adds its share of
 * each round into RoundTotals (what the context sum grows by, the blocks it needs for the γ + 1 verified tokens,
 * what its held blocks grow by), and waits in a heap keyed by its finish round (TwoKeyHeap). A round then reads
 * those totals, prices the batch from its context sum (SpeculativeRoundCost.roundOf), adds its energy to one
 * per-sequence accumulator (read when a sequence leaves), and pops the sequences that finish. Preempting a sequence
 * takes its remaining shares back out (its row, with its place in its draws, is kept for when it returns).
 */
import type { Step } from '../cost/step.js';
import type { SpeculativeRoundCost } from '../cost/speculativeRoundCost.js';
import type { ContinuousConfig } from './continuousScheduler.js';
import type { AcceptanceSampler, AcceptanceStream } from './speculativeAcceptance.js';
import { TwoKeyHeap } from './twoKeyHeap.js';
import { KvBlockPool } from './kvBlockPool.js';
import type { LiveRequest } from './liveRequest.js';
import { RequestQueue } from './requestQueue.js';
import { RoundTotals } from './roundTotals.js';
import type { Scheduler } from './scheduler.js';
import type { AnyWork, WorkOutcome } from './work.js';
import { addShares, SHARE_COUNT } from './requestShares.js';

/** A running request: where it joined the rounds and where it will finish. Kept across a preemption. */
class Row {
  /** Rounds it ran before its latest preemption: its next round draws its stream's round `used` + rounds since joining. */
  used = 0;
  /** The round it joined at, and the tokens in its KV caches then. */
  joinRound = 0;
  joinContext = 0;
  /** The round it produces its last token in, and the tokens in its caches before that round. */
  finishRound = 0;
  finalContext = 0;
  /** Admission order (the running list's order, and the order finished rows are reported in). */
  sequence = 0;
  joulesAtJoin = 0;
  sharesAtJoin: Float64Array | null = null;
  prev: Row | null = null;
  next: Row | null = null;

  constructor(
    readonly r: LiveRequest,
    readonly stream: AcceptanceStream,
  ) {}
}

type Planned =
  | { kind: 'prefill'; rows: Row[]; tokens: number[] }
  | { kind: 'round'; round: number; need: number; sequences: number };

export class SpeculativeContinuousScheduler implements Scheduler {
  private readonly waiting = new RequestQueue();
  /** Running rows in admission order (newest last: the preemption victim). */
  private head: Row | null = null;
  private tail: Row | null = null;
  private runningRows = 0;
  /** Rows of preempted requests, until they are admitted again (their draws are kept). */
  private readonly parked = new Map<number, Row>();
  private readonly finishing = new TwoKeyHeap<Row>();
  private readonly totals: RoundTotals;
  /** Rounds run so far (the next round's number). */
  private round = 0;
  /** Σ over running rows that have joined the rounds of the tokens in their caches before the next round. */
  private contextSum = 0;
  /** Round energy per running row, accumulated since the start (a row takes what accrued while it ran). */
  private joulesPerRow = 0;
  private sharesPerRow: Float64Array | null = null;
  private admitSequence = 0;
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
    this.totals = new RoundTotals(this.gamma, config.blockTokens);
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
    return this.waiting.length + this.runningRows;
  }

  runningCount(): number {
    return this.runningRows;
  }

  queuedCount(): number {
    return this.waiting.length;
  }

  private append(row: Row): void {
    row.prev = this.tail;
    row.next = null;
    if (this.tail) this.tail.next = row;
    else this.head = row;
    this.tail = row;
    this.runningRows++;
  }

  private unlink(row: Row): void {
    if (row.prev) row.prev.next = row.next;
    else this.head = row.next;
    if (row.next) row.next.prev = row.prev;
    else this.tail = row.prev;
    row.prev = row.next = null;
    this.runningRows--;
  }

  plan(nowSeconds: number): AnyWork | null {
    this.planned = null;
    const admitted = this.admit(nowSeconds);
    if (admitted) return admitted;
    if (this.runningRows === 0) return null;
    return this.planRound();
  }

  private admit(nowSeconds: number): AnyWork | null {
    const c = this.config;
    if (this.waiting.length === 0 || this.runningRows >= c.maxRunningSequences) return null;
    let budget = c.maxBatchedTokens;
    const rows: Row[] = [];
    const tokens: number[] = [];
    while (this.waiting.length > 0 && this.runningRows < c.maxRunningSequences) {
      const r = this.waiting.peek()!;
      const take = r.promptTokens;
      // A recomputed prompt may exceed the budget; it then runs alone.
      if (take > budget && !(r.preemptions > 0 && rows.length === 0)) break;
      const blocks = this.pool.blocksFor(take);
      const watermark = this.runningRows > 0 ? c.admissionWatermarkBlocks : 0;
      if (blocks > this.pool.freeBlocks - watermark) break;
      this.waiting.shift();
      let row = this.parked.get(r.spec.id);
      if (row) this.parked.delete(r.spec.id);
      else row = new Row(r, this.acceptance.freshStream(r.spec.id));
      row.sequence = this.admitSequence++;
      this.pool.allocate(blocks);
      if (Number.isNaN(r.admittedSeconds)) r.admittedSeconds = nowSeconds;
      this.append(row);
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

  /**
   * A row whose prompt has just run (it holds the blocks of its context) joins the rounds: its draws until its last
   * token fix its context and blocks in every round from now to its finish, which go into the round totals.
   */
  private join(row: Row): void {
    const r = row.r;
    const context = r.spec.inputTokens + r.generatedTokens - 1;
    row.joinRound = this.round;
    row.joinContext = context;
    const output = r.spec.outputTokens;
    row.finishRound = this.totals.addRow(this.round, row.stream, row.used, r.generatedTokens, output, context, 1);
    row.finalContext = this.totals.lastContext;
    row.joulesAtJoin = this.joulesPerRow;
    row.sharesAtJoin = this.sharesPerRow ? this.sharesPerRow.slice() : null;
    this.contextSum += context;
    this.finishing.push(row, row.finishRound, row.sequence);
  }

  /** Settles the round energy a row took while it ran. */
  private settle(row: Row): void {
    const r = row.r;
    r.energyJoules += this.joulesPerRow - row.joulesAtJoin;
    const per = this.sharesPerRow;
    if (per) {
      const mine = (r.shares ??= new Float64Array(SHARE_COUNT));
      const atJoin = row.sharesAtJoin;
      for (let k = 0; k < SHARE_COUNT; k++) mine[k] += per[k] - (atJoin ? atJoin[k] : 0);
    }
    row.sharesAtJoin = null;
  }

  private planRound(): AnyWork {
    // Room for every sequence's γ + 1 verified tokens; preempt the newest until it fits.
    const round = this.round;
    while (this.totals.needAt(round) > this.pool.freeBlocks && this.runningRows > 1) this.preempt(this.tail!);
    const need = this.totals.needAt(round);
    this.pool.allocate(need);
    const n = this.runningRows;
    const cost = this.cost.roundOf(n, this.contextSum);
    this.planned = { kind: 'round', round, need, sequences: n };
    return {
      kind: 'priced',
      label: `speculative round γ=${this.gamma}`,
      phase: 'decode',
      sequences: n,
      contextSum0: this.contextSum,
      tokens: cost.tokens,
      seconds: cost.seconds,
      joules: cost.joules,
      prefillJoules: 0,
    };
  }

  /** The victim is always the newest running request: its remaining rounds are taken back out of the totals. */
  private preempt(row: Row): void {
    const r = row.r;
    const ran = this.round - row.joinRound;
    let context = row.joinContext;
    for (let k = 0; k < ran; k++) context += row.stream.tokensOfRound(row.used + k);
    const generated = context - r.spec.inputTokens + 1;
    this.totals.addRow(this.round, row.stream, row.used + ran, generated, r.spec.outputTokens, context, -1);
    this.finishing.remove(row);
    this.unlink(row);
    this.settle(row);
    this.contextSum -= context;
    this.pool.release(this.pool.blocksFor(context));
    row.used += ran;
    r.generatedTokens = generated;
    r.promptTokens = r.spec.inputTokens + generated;
    r.prefilledTokens = 0;
    r.preemptions++;
    this.parked.set(r.spec.id, row);
    this.waiting.pushFront(r);
  }

  complete(_work: AnyWork, outcome: WorkOutcome): void {
    const p = this.planned;
    this.planned = null;
    if (!p) throw new Error('internal: speculative scheduler completed work it did not plan');
    const now = outcome.endSeconds;
    if (p.kind === 'prefill') {
      const total = p.tokens.reduce((a, b) => a + b, 0);
      // Rows that finish with their prompt's token leave in the order they ran (admission order).
      for (let i = 0; i < p.rows.length; i++) {
        const row = p.rows[i];
        const r = row.r;
        r.energyJoules += (outcome.joules * p.tokens[i]) / total;
        addShares(r, outcome.shares, p.tokens[i] / total);
        r.prefilledTokens = r.promptTokens;
        r.generatedTokens++;
        if (Number.isNaN(r.firstTokenSeconds)) r.firstTokenSeconds = now;
        if (r.generatedTokens < r.spec.outputTokens) {
          this.join(row);
          continue;
        }
        this.pool.release(this.pool.blocksFor(r.promptTokens));
        this.unlink(row);
        this.onFinished(r, now);
      }
      return;
    }
    const round = p.round;
    const totals = this.totals;
    this.joulesPerRow += outcome.joules / p.sequences;
    if (outcome.shares) {
      const per = (this.sharesPerRow ??= new Float64Array(SHARE_COUNT));
      for (let k = 0; k < SHARE_COUNT; k++) per[k] += outcome.shares[k] * (1 / p.sequences);
    }
    // The round's verification blocks beyond what the rows keep are freed (the rejected tokens' KV is dropped).
    this.pool.release(p.need - totals.heldGrowthAt(round));
    this.contextSum += totals.growthAt(round);
    totals.retire(round);
    this.round = round + 1;
    const bt = this.pool.blockTokens;
    while (this.finishing.length > 0 && this.finishing.firstKey() <= round) {
      const row = this.finishing.pop()!;
      const r = row.r;
      this.contextSum -= row.finalContext;
      this.pool.release(Math.ceil(row.finalContext / bt));
      this.unlink(row);
      this.settle(row);
      r.generatedTokens = r.spec.outputTokens;
      this.onFinished(r, now);
    }
  }
}
