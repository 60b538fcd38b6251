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
 * Memory: a row holds its padded prompt, the batch's output and up to γ unverified tokens in both the target's and
 * the draft's contiguous KV caches (StaticConfig.kvBytesPerToken is the sum of the two models' per-token bytes).
 */
import type { SpeculativeRoundCost } from '../../sim/cost/speculativeRoundCost.js';
import type { AcceptanceSampler, AcceptanceStream } from '../../sim/serving/speculativeAcceptance.js';
import type { LiveRequest } from '../../sim/serving/liveRequest.js';
import { BinnedQueue } from '../../sim/serving/binnedQueue.js';
import type { Scheduler } from '../../sim/serving/scheduler.js';
import type { StaticConfig } from '../../sim/serving/staticScheduler.js';
import type { AnyWork, WorkOutcome } from '../../sim/serving/work.js';
import { addShares } from '../../sim/serving/requestShares.js';

export class ReferenceSpeculativeStaticScheduler implements Scheduler {
  private readonly waiting: BinnedQueue;
  private batch: LiveRequest[] = [];
  private paddedInputTokens = 0;
  private maxOutputTokens = 0;
  /** Tokens each row has generated so far (parallel to batch). */
  private generated: number[] = [];
  /** Each row's acceptance draws (parallel to batch). */
  private streams: AcceptanceStream[] = [];
  /** Each row's cached tokens before the next round (reused round to round). */
  private readonly rowContexts: number[] = [];
  private roundsDone = 0;
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



  /** Tokens in each row's KV cache before the next round (rows that are done stay at their final context), and their sum. */
  private contexts(): { contexts: number[]; sum: number } {
    const cap = this.maxOutputTokens;
    const out = this.rowContexts;
    const n = this.generated.length;
    out.length = n;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const c = this.paddedInputTokens + Math.min(this.generated[i], cap) - 1;
      out[i] = c;
      sum += c;
    }
    return { contexts: out, sum };
  }

  plan(nowSeconds: number): AnyWork | null {
    const g = this.gamma;
    if (this.batch.length > 0) {
      const { contexts, sum } = this.contexts();
      const c = this.cost.round(contexts, this.padded);
      return {
        kind: 'priced',
        label: `speculative round γ=${g}`,
        phase: 'decode',
        sequences: contexts.length,
        contextSum0: sum,
        tokens: c.tokens,
        seconds: c.seconds,
        joules: c.joules,
        prefillJoules: 0,
      };
    }
    const formed = this.waiting.takeBatch(
      this.config.batchSize,
      (rows, input, output) => this.batchBytes(rows, input, output) <= this.config.batchMemoryBytes,
      nowSeconds,
    );
    if (!formed) return null;
    this.batch = formed.rows;
    const input = formed.paddedInputTokens;
    this.paddedInputTokens = input;
    this.maxOutputTokens = formed.maxOutputTokens;
    this.padded = formed.padded;
    this.generated = new Array<number>(this.batch.length).fill(0);
    this.streams = this.batch.map((r) => this.acceptance.stream(r.spec.id));
    this.roundsDone = 0;
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

  complete(_work: AnyWork, outcome: WorkOutcome): void {
    const rows = this.batch.length;
    const share = outcome.joules / rows;
    const cap = this.maxOutputTokens;
    let allDone = true;
    for (let i = 0; i < rows; i++) {
      const r = this.batch[i];
      r.energyJoules += share;
      addShares(r, outcome.shares, 1 / rows);
      if (this.generated[i] < cap) this.generated[i] += this.streams[i].tokensThisRound();
      if (this.roundsDone === 0) r.firstTokenSeconds = outcome.endSeconds;
      r.generatedTokens = Math.min(this.generated[i], r.spec.outputTokens);
      if (this.generated[i] < cap) allDone = false;
    }
    this.roundsDone++;
    if (!allDone) return;
    const done = this.batch;
    this.batch = [];
    this.generated = [];
    this.streams = [];
    for (const r of done) {
      r.generatedTokens = r.spec.outputTokens;
      this.acceptance.release(r.spec.id);
      this.onFinished(r, outcome.endSeconds);
    }
  }
}
