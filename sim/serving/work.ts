import type { Step } from '../cost/step.js';

/**
 * What a scheduler asks its replica to run next: one step (prefill, or mixed prefill + decode), or a run of
 * `steps` decode steps of an unchanged batch, which the cost model prices in closed form.
 */
export type Work =
  | { readonly kind: 'step'; readonly step: Step }
  | {
      readonly kind: 'decodeRun';
      readonly sequences: number;
      readonly contextSum0: number;
      readonly steps: number;
      /** Whether an arrival during the run joins the batch at the next step boundary (so the run stops there). */
      readonly interruptible: boolean;
      /** The batch is padded (attention with a mask), as in a static batch of unequal prompts. */
      readonly masked?: boolean;
    };

/** Everything a scheduler may hand its replica: the two kinds the replica prices, work priced by the scheduler, or
 *  a wait (idle until a time the policy chose, unless an arrival comes first). */
export type AnyWork = Work | PricedWork | WaitWork;

/** Work that runs on the GPUs (what observers see). */
export type RunnableWork = Work | PricedWork;

/** Nothing to run until `untilSeconds` (a policy holding requests back); the replica idles, and asks again then. */
export interface WaitWork {
  readonly kind: 'wait';
  readonly untilSeconds: number;
}

/**
 * Work the scheduler priced itself because it spans more than one model or step: a speculative-decoding round
 * (γ draft decode steps and one target verification step), a stretch of such rounds with unchanged rows, or a
 * prefill on both the target and the draft. One event, not interruptible. `sequences` and `contextSum0` describe it as a batch for observers (sequences in the
 * round, Σ context before it).
 */
export interface PricedWork {
  readonly kind: 'priced';
  /** What ran, for traces: e.g. "speculative round γ=4". */
  readonly label: string;
  readonly phase: 'prefill' | 'decode' | 'mixed';
  readonly sequences: number;
  readonly contextSum0: number;
  /** Tokens the GPUs processed (draft and target together). */
  readonly tokens: number;
  readonly seconds: number;
  /** Energy of the whole replica. */
  readonly joules: number;
  /** The part of `joules` spent on prompt (prefill) work. */
  readonly prefillJoules: number;
  /** Rounds it runs back to back with the same rows (a stretch of speculative rounds); absent: 1. */
  readonly rounds?: number;
  /** With rounds > 1: the work's joules in its first `elapsed` seconds (each round spends its own evenly). */
  readonly joulesAt?: (elapsedSeconds: number) => number;
  /** With rounds > 1: each round's context sum (the first is contextSum0), for observers that judge round by round. */
  readonly roundContextSums?: ArrayLike<number>;
}

/** Energy of finished work as the replica measured it, for the scheduler to attribute to requests. */
export interface WorkOutcome {
  readonly endSeconds: number;
  /** Decode steps actually run (a run may have been cut short by an arrival). */
  readonly stepsDone: number;
  readonly joules: number;
  /** The same work's node, facility, carbon and cost (requestShares.ts), shared exactly like `joules`. */
  readonly shares?: Float64Array;
}
