/**
 * Prices speculative decoding on one replica where the draft and the target share the GPUs: each model has its own
 * StepCostModel (the draft's built from the draft architecture with the same kind of cost source: calibrated,
 * transferred or datasheet), and a round is the sum of its parts, back to back on the same GPUs:
 *
 *   round = γ draft decode steps (one token per sequence each, contexts L_i, L_i + 1, …)
 *         + one target step verifying γ + 1 tokens per sequence (a chunk of γ + 1 new tokens on its L_i cached
 *           tokens, with γ + 1 logits rows per sequence to compare against the drafts)
 *
 * where L_i is the number of tokens in sequence i's KV cache before the round (target and draft caches hold the same
 * tokens: the draft's first step in a round processes the target's last token). Both caches keep their KV, so
 * the draft's steps read its own KV cache and the verification reads and writes the target's.
 */
import type { Step } from './step.js';
import type { CostLines, StepCost, StepCostModel } from './stepCostModel.js';

export interface RoundCost extends StepCost {
  readonly draftSeconds: number;
  readonly draftJoules: number;
  readonly verifySeconds: number;
  readonly verifyJoules: number;
  /** Joules of prompt work inside it (only a first round that includes the prefill has any). */
  readonly prefillJoules: number;
  /** Tokens processed by both models. */
  readonly tokens: number;
}

/** max_i (timeA[i] + timeB[i]·x). */
function top(l: CostLines, x: number): number {
  const a = l.timeA;
  const b = l.timeB;
  let m = a[0] + b[0] * x;
  for (let i = 1; i < a.length; i++) {
    const v = a[i] + b[i] * x;
    if (v > m) m = v;
  }
  return m;
}

export class SpeculativeRoundCost {
  /** A round's draft and verification lines in the context sum, by batch size (negative: masked). */
  private readonly lines = new Map<number, { draft: CostLines; verify: CostLines }>();

  constructor(
    readonly target: StepCostModel,
    readonly draft: StepCostModel,
    readonly gamma: number,
  ) {
    if (!(Number.isInteger(gamma) && gamma >= 1)) throw new Error(`gamma must be a positive integer, got ${gamma}`);
  }

  /** The target's verification step: γ + 1 new tokens on each sequence's cached context. */
  verifyStep(contexts: ArrayLike<number>, masked = false): Step {
    const n = contexts.length;
    const g1 = this.gamma + 1;
    return {
      chunkNewTokens: new Array<number>(n).fill(g1),
      chunkCachedTokens: Array.from(contexts),
      // Every verified position produces logits (to accept or reject the draft there): γ + 1 LM-head rows each.
      chunksProducingToken: n * g1,
      decodeCount: 0,
      decodeContextSum: 0,
      ...(masked ? { masked: true } : {}),
    };
  }

  /** One round for sequences whose KV caches hold contexts[i] tokens (`masked`: a padded static batch). */
  round(contexts: ArrayLike<number>, masked = false): RoundCost {
    const n = contexts.length;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += contexts[i];
    return this.roundOf(n, sum, masked);
  }

  /**
   * One round of n sequences holding contextSum tokens in all: a round's cost reads nothing else of the contexts
   * (the draft's decode steps price the context sum; the verification's attention pairs are (γ + 1) · Σ L_i +
   * n (γ + 1)(γ + 2) / 2), so it is O(1) whatever the batch, and equal to round(contexts). Both parts are lines in
   * the context sum, kept per batch size: a round reads γ + 1 maxima of a few lines and allocates one result.
   */
  roundOf(n: number, contextSum: number, masked = false): RoundCost {
    const key = masked ? -n : n;
    let lines = this.lines.get(key);
    if (!lines) {
      lines = { draft: this.draft.decodeStepLines(n, masked), verify: this.target.uniformChunksLines(n, this.gamma + 1, n * (this.gamma + 1), masked) };
      this.lines.set(key, lines);
    }
    const d = lines.draft;
    let draftSeconds = 0;
    let draftDynamic = 0;
    for (let k = 0; k < this.gamma; k++) {
      const x = contextSum + n * k;
      draftSeconds += top(d, x);
      draftDynamic += d.dynamicA + d.dynamicB * x;
    }
    const draftJoules = d.gpus * (d.busyBaseWatts * draftSeconds + draftDynamic);
    const v = lines.verify;
    const verifySeconds = top(v, contextSum);
    const verifyJoules = v.gpus * (v.busyBaseWatts * verifySeconds + v.dynamicA + v.dynamicB * contextSum);
    return {
      seconds: draftSeconds + verifySeconds,
      joules: draftJoules + verifyJoules,
      draftSeconds,
      draftJoules,
      verifySeconds,
      verifyJoules,
      prefillJoules: 0,
      tokens: n * (2 * this.gamma + 1),
    };
  }

  /** A prompt step on both models (vLLM style): the target prefills and samples the first token, the draft
   *  prefills the same prompts so its KV cache is ready for the first round. */
  prefill(step: Step): RoundCost {
    const draftStep: Step = { ...step, chunksProducingToken: 0 };
    const d = this.draft.stepCost(draftStep);
    const v = this.target.stepCost(step);
    let tokens = step.decodeCount;
    for (let i = 0; i < step.chunkNewTokens.length; i++) tokens += step.chunkNewTokens[i];
    return {
      seconds: d.seconds + v.seconds,
      joules: d.joules + v.joules,
      draftSeconds: d.seconds,
      draftJoules: d.joules,
      verifySeconds: v.seconds,
      verifyJoules: v.joules,
      prefillJoules: d.joules + v.joules,
      tokens: 2 * tokens,
    };
  }

  /**
   * The first round of a fresh batch as Hugging Face assisted generation runs it: the draft prefills the prompts
   * (its prefill yields the first draft token) and drafts γ − 1 more in decode steps; the target then runs prompt +
   * γ drafts in one forward with γ + 1 logits rows per sequence. Prompts of promptTokens[i] tokens (padded).
   * The prompt share of the target forward and the draft's prefill count as prefill energy.
   */
  firstRound(promptTokens: ArrayLike<number>, masked = false): RoundCost {
    const n = promptTokens.length;
    const g = this.gamma;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += promptTokens[i];
    const draftPrefill = this.draft.stepCost({
      chunkNewTokens: Array.from(promptTokens),
      chunkCachedTokens: new Array<number>(n).fill(0),
      chunksProducingToken: n,
      decodeCount: 0,
      decodeContextSum: 0,
      ...(masked ? { masked: true } : {}),
    });
    const draftRun = g > 1 ? this.draft.decodeRunCost(n, sum, 0, g - 1, masked) : { seconds: 0, joules: 0 };
    const v = this.target.stepCost({
      chunkNewTokens: Array.from(promptTokens, (p) => p + g),
      chunkCachedTokens: new Array<number>(n).fill(0),
      chunksProducingToken: n * (g + 1),
      decodeCount: 0,
      decodeContextSum: 0,
      ...(masked ? { masked: true } : {}),
    });
    const promptShare = sum / (sum + n * g);
    return {
      seconds: draftPrefill.seconds + draftRun.seconds + v.seconds,
      joules: draftPrefill.joules + draftRun.joules + v.joules,
      draftSeconds: draftPrefill.seconds + draftRun.seconds,
      draftJoules: draftPrefill.joules + draftRun.joules,
      verifySeconds: v.seconds,
      verifyJoules: v.joules,
      prefillJoules: draftPrefill.joules + v.joules * promptShare,
      tokens: 2 * sum + n * (2 * g - 1),
    };
  }
}
