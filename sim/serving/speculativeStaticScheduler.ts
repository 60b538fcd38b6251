/**
 * Speculative decoding on static batches, as Hugging Face assisted generation runs a batch: a batch of up to B
 * waiting requests (arrival order, or the oldest request's length bin), prompts left-padded to the longest; then
 * rounds for the whole padded batch until every row has the batch's longest output. Each round is one event:
 * γ draft decode steps + one target step verifying γ + 1 tokens per row, priced by SpeculativeRoundCost; each row
 * then gains 1 … γ + 1 tokens drawn by the AcceptanceSampler. Rows advance independently (their KV caches grow by
 * what they accepted); a row that already has the batch's output keeps running at its final context until the
 * batch ends (its tokens are discarded), as finished rows of an HF batch do. The first round includes the prompts
 * (HF: the draft prefills and drafts, the target runs prompt + drafts in one forward). Every request returns with
 * its batch; round energy is shared equally among the rows.
 *
 * Rows draw from their own streams, so when the batch forms every row's whole sequence of tokens per round is
 * already fixed: each row's draws are taken then (the same draws, in the same order, as drawing round by round),
 * and what the batch's context sum grows by in each round goes into one array. A round then reads one number;
 * its price depends on the batch's context sum alone (SpeculativeRoundCost.roundOf), and its energy is kept as one
 * per-row total handed out when the batch returns, so no round does work per row. The rows never change between
 * the first round and the last, so the rounds after the first are one event (a stretch, priced round by round in
 * one loop; max_run_steps caps its length, and 1 gives the step-by-step reference path).
 *
 * Memory: a row holds its padded prompt, the batch's output and up to γ unverified tokens in both the target's and
 * the draft's contiguous KV caches (StaticConfig.kvBytesPerToken is the sum of the two models' per-token bytes).
 */
import type { SpeculativeRoundCost } from '../cost/speculativeRoundCost.js';
import type { AcceptanceSampler } from './speculativeAcceptance.js';
import type { LiveRequest } from './liveRequest.js';
import { BinnedQueue } from './binnedQueue.js';
import type { Scheduler } from './scheduler.js';
import type { StaticConfig } from './staticScheduler.js';
import type { AnyWork, WorkOutcome } from './work.js';
import { addShares, SHARE_COUNT } from './requestShares.js';

export class SpeculativeStaticScheduler implements Scheduler {
  private readonly waiting: BinnedQueue;
  private batch: LiveRequest[] = [];
  /** contextGrowth[k]: tokens the batch's rows gain in round k, in all (each row's draw, capped at the batch's output). */
  private contextGrowth = new Int32Array(256);
  /** Rounds the batch runs, the first (with the prompts) included: until its slowest row has the batch's output. */
  private rounds = 0;
  private roundsDone = 0;
  /** Σ over rows of the tokens in their KV caches before the next round. */
  private contextSum = 0;
  /** Round energy per row so far (every row takes the same share of every round), handed out when the batch ends. */
  private joulesPerRow = 0;
  /** The same for the shared quantities (requestShares.ts), once any round carried them. */
  private sharesPerRow: Float64Array | null = null;
  /** The stretch of rounds in flight: its rounds, their cumulative seconds and joules (from 0), their context sums. */
  private stretchRounds = 0;
  private stretchSeconds = new Float64Array(64);
  private stretchJoules = new Float64Array(64);
  private stretchContextSums = new Float64Array(64);
  /** Prompts of unequal length: left padding, so attention runs with a mask (as StaticScheduler). */
  private padded = false;
  private readonly gamma: number;

  constructor(
    private readonly config: StaticConfig,
    private readonly cost: SpeculativeRoundCost,
    private readonly acceptance: AcceptanceSampler,
    private readonly onFinished: (request: LiveRequest, finishSeconds: number) => void,
  ) {
    this.gamma = cost.gamma;
    this.waiting = new BinnedQueue(config.groupByLengthBins);
  }

  private batchBytes(rows: number, inputTokens: number, outputTokens: number): number {
    const c = this.config;
    return rows * ((inputTokens + outputTokens + this.gamma) * c.kvBytesPerToken + (inputTokens + this.gamma) * c.activationBytesPerPromptToken);
  }

  enqueue(request: LiveRequest): string | null {
    const { inputTokens, outputTokens } = request.spec;
    if (inputTokens + outputTokens + this.gamma > this.config.maxContextTokens) {
      return `input + output + γ = ${inputTokens + outputTokens + this.gamma} tokens exceeds the model context of ${this.config.maxContextTokens}`;
    }
    const bytes = this.batchBytes(1, inputTokens, outputTokens);
    if (bytes > this.config.batchMemoryBytes) {
      return `needs ${(bytes / 2 ** 30).toFixed(2)} GiB per GPU for its target and draft KV caches and activations alone; ${(this.config.batchMemoryBytes / 2 ** 30).toFixed(2)} GiB is free after both models' weights`;
    }
    this.waiting.push(request);
    return null;
  }

  outstanding(): number {
    return this.waiting.length + this.batch.length;
  }

  runningCount(): number {
    return this.batch.length;
  }

  queuedCount(): number {
    return this.waiting.length;
  }

  /**
   * The batch's next rounds as one event: they run back to back with the same rows (a static batch takes no one in
   * and lets no one go until its end), so every round up to the batch's end, or max_run_steps of them (1: the
   * step-by-step reference path), is priced in one loop that reads one number per round.
   */
  private planRounds(): AnyWork {
    const g = this.gamma;
    const n = this.batch.length;
    const m = Math.min(this.rounds - this.roundsDone, this.config.maxRunSteps ?? Number.MAX_SAFE_INTEGER);
    if (this.stretchSeconds.length < m + 1) {
      const size = Math.max(m + 1, 2 * this.stretchSeconds.length);
      this.stretchSeconds = new Float64Array(size);
      this.stretchJoules = new Float64Array(size);
      this.stretchContextSums = new Float64Array(size);
    }
    const growth = this.contextGrowth;
    let sum = this.contextSum;
    let seconds = 0;
    let joules = 0;
    let tokens = 0;
    for (let j = 0; j < m; j++) {
      const c = this.cost.roundOf(n, sum, this.padded);
      this.stretchContextSums[j] = sum;
      seconds += c.seconds;
      joules += c.joules;
      tokens += c.tokens;
      this.stretchSeconds[j + 1] = seconds;
      this.stretchJoules[j + 1] = joules;
      sum += growth[this.roundsDone + j];
    }
    this.stretchRounds = m;
    return {
      kind: 'priced',
      label: m === 1 ? `speculative round γ=${g}` : `speculative rounds ×${m} γ=${g}`,
      phase: 'decode',
      sequences: n,
      contextSum0: this.contextSum,
      tokens,
      seconds,
      joules,
      prefillJoules: 0,
      ...(m > 1 ? { rounds: m, joulesAt: this.stretchJoulesAt, roundContextSums: this.stretchContextSums } : {}),
    };
  }

  /** Joules of the stretch in flight in its first `elapsed` seconds: each round spends its own evenly. */
  private readonly stretchJoulesAt = (elapsed: number): number => {
    const t = this.stretchSeconds;
    const e = this.stretchJoules;
    const m = this.stretchRounds;
    if (elapsed >= t[m]) return e[m];
    if (elapsed <= 0) return 0;
    // The round in progress at `elapsed`: the last j with t[j] <= elapsed.
    let lo = 0;
    let hi = m;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (t[mid] <= elapsed) lo = mid;
      else hi = mid;
    }
    const span = t[lo + 1] - t[lo];
    return span > 0 ? e[lo] + ((e[lo + 1] - e[lo]) * (elapsed - t[lo])) / span : e[lo];
  };

  plan(nowSeconds: number): AnyWork | null {
    const g = this.gamma;
    if (this.batch.length > 0) return this.planRounds();
    const formed = this.waiting.takeBatch(
      this.config.batchSize,
      (rows, input, output) => this.batchBytes(rows, input, output) <= this.config.batchMemoryBytes,
      nowSeconds,
    );
    if (!formed) return null;
    this.batch = formed.rows;
    const input = formed.paddedInputTokens;
    this.padded = formed.padded;
    this.drawRounds(formed.maxOutputTokens);
    // Before round 1 each row holds its padded prompt and what round 0 gave it, less the token not yet cached.
    this.contextSum = this.batch.length * (input - 1) + this.contextGrowth[0];
    this.roundsDone = 0;
    this.joulesPerRow = 0;
    this.sharesPerRow = null;
    const prompts = new Array<number>(this.batch.length).fill(input);
    const c = this.cost.firstRound(prompts, this.padded);
    return {
      kind: 'priced',
      label: `speculative prefill + first round γ=${g}`,
      phase: 'mixed',
      sequences: this.batch.length,
      contextSum0: 0,
      tokens: c.tokens,
      seconds: c.seconds,
      joules: c.joules,
      prefillJoules: c.prefillJoules,
    };
  }

  /**
   * Every row's draws for the whole batch, from its own stream: a row draws once a round until it has the batch's
   * output `cap` (its later rounds add nothing); the batch runs until its last row gets there.
   */
  private drawRounds(cap: number): void {
    if (this.contextGrowth.length < cap) this.contextGrowth = new Int32Array(Math.max(cap, 2 * this.contextGrowth.length));
    const growth = this.contextGrowth;
    growth.fill(0, 0, cap);
    let rounds = 0;
    for (const r of this.batch) {
      const k = this.acceptance.freshStream(r.spec.id).addGains(0, cap, growth);
      if (k > rounds) rounds = k;
    }
    this.rounds = rounds;
  }

  complete(_work: AnyWork, outcome: WorkOutcome): void {
    const rows = this.batch.length;
    this.joulesPerRow += outcome.joules / rows;
    if (outcome.shares) {
      const per = (this.sharesPerRow ??= new Float64Array(SHARE_COUNT));
      for (let k = 0; k < SHARE_COUNT; k++) per[k] += outcome.shares[k] * (1 / rows);
    }
    if (this.roundsDone === 0) {
      for (const r of this.batch) r.firstTokenSeconds = outcome.endSeconds;
      this.roundsDone = 1;
    } else {
      for (let j = 0; j < this.stretchRounds; j++) this.contextSum += this.contextGrowth[this.roundsDone + j];
      this.roundsDone += this.stretchRounds;
    }
    if (this.roundsDone < this.rounds) return;
    const done = this.batch;
    this.batch = [];
    for (const r of done) {
      r.energyJoules += this.joulesPerRow;
      addShares(r, this.sharesPerRow ?? undefined, 1);
      r.generatedTokens = r.spec.outputTokens;
      this.onFinished(r, outcome.endSeconds);
    }
  }
}
