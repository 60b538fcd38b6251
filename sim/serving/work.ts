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
    };

/** Energy of finished work as the replica measured it, for the scheduler to attribute to requests. */
export interface WorkOutcome {
  readonly endSeconds: number;
  /** Decode steps actually run (a run may have been cut short by an arrival). */
  readonly stepsDone: number;
  readonly joules: number;
}
