/**
 * Counts work that runs outside the ranges a calibrated profile was fitted on, so the summary can warn that those
 * costs are extrapolated. Counts are steps, and a decode run is judged step by step (its context grows one token per
 * sequence per step), so the fast path and the step-by-step path report the same counts.
 */
import type { FittedRange } from '../cost/costParameters.js';
import { prefillTokens } from '../cost/step.js';
import type { WorkObserver } from '../serving/replica.js';
import type { RunnableWork } from '../serving/work.js';

function outside(x: number, r: readonly [number, number]): boolean {
  return x < r[0] || x > r[1];
}

export class FittedRangeCheck implements WorkObserver {
  private steps = 0;
  private batchOutside = 0;
  private tokensOutside = 0;
  private contextOutside = 0;
  private anyOutside = 0;

  /** Forwards count changes to the next observer when it wants them. */
  readonly counts?: (replica: number, t: number, running: number, queued: number) => void;

  constructor(
    private readonly range: FittedRange,
    private readonly next: WorkObserver | null = null,
  ) {
    const forward = next?.counts;
    if (forward) this.counts = (replica, t, running, queued) => forward.call(next, replica, t, running, queued);
  }

  work(replica: number, start: number, end: number, w: RunnableWork, stepsDone: number, joules: number): void {
    this.next?.work(replica, start, end, w, stepsDone, joules);
    let batch: number;
    let tokens: number;
    let contextSteps: number;
    if (w.kind === 'step') {
      const s = w.step;
      batch = s.chunkNewTokens.length + s.decodeCount;
      tokens = prefillTokens(s) + s.decodeCount;
      let cached = 0;
      for (let i = 0; i < s.chunkCachedTokens.length; i++) cached += s.chunkCachedTokens[i] + s.chunkNewTokens[i];
      contextSteps = outside((cached + s.decodeContextSum) / batch, this.range.contextTokens) ? stepsDone : 0;
    } else if (w.kind === 'priced' && w.roundContextSums) {
      // A stretch of speculative rounds: each round judged at its own context, as one round per event would be.
      batch = tokens = w.sequences;
      contextSteps = 0;
      const sums = w.roundContextSums;
      for (let k = 0; k < stepsDone; k++) if (outside(sums[k] / batch, this.range.contextTokens)) contextSteps++;
    } else {
      batch = tokens = w.sequences;
      contextSteps = runStepsOutside(w.contextSum0, w.sequences, stepsDone, this.range.contextTokens);
    }
    this.steps += stepsDone;
    const b = outside(batch, this.range.batchSize);
    const t = outside(tokens, this.range.stepTokens);
    if (b) this.batchOutside += stepsDone;
    if (t) this.tokensOutside += stepsDone;
    this.contextOutside += contextSteps;
    this.anyOutside += b || t ? stepsDone : contextSteps;
  }

  /**
   * When most steps left the fitted range, the run's numbers are mostly extrapolation, and the provenance a user
   * reads first (the banner, the cost-model line) must say so, not only a warning further down.
   */
  mostlyOutside(): string | undefined {
    if (this.steps === 0 || 2 * this.anyOutside <= this.steps) return undefined;
    const pct = ((100 * this.anyOutside) / this.steps).toFixed(0);
    return `${pct}% of steps (${this.anyOutside} of ${this.steps}) ran outside the profile's fitted range, so most of this run's cost is extrapolated`;
  }

  warnings(): string[] {
    const out: string[] = [];
    const r = this.range;
    const say = (count: number, what: string, range: readonly [number, number]) => {
      if (count > 0) {
        out.push(`${count} of ${this.steps} steps ran with ${what} outside the profile's fitted range [${range[0]}, ${range[1]}]: their cost is extrapolated`);
      }
    };
    say(this.batchOutside, 'batch sizes', r.batchSize);
    say(this.tokensOutside, 'tokens per step', r.stepTokens);
    say(this.contextOutside, 'mean context lengths', r.contextTokens);
    return out;
  }
}

/**
 * Steps k in [0, steps) of a decode run whose mean context (contextSum0 + n·k) / n lies outside [lo, hi]. The mean
 * only grows with k, so the steps below lo are a prefix and those above hi a suffix, each found by a binary search on
 * the same expression a single step is judged by: O(log steps), and equal to judging each step.
 */
export function runStepsOutside(contextSum0: number, n: number, steps: number, range: readonly [number, number]): number {
  const lo = range[0];
  const hi = range[1];
  // Most runs lie wholly on one side of each edge: decide those from the first and last steps (the same expression
  // the searches below test, and the mean only grows with k, so the answers are the searches' own).
  if (steps > 0) {
    const first = contextSum0 / n;
    const last = (contextSum0 + n * (steps - 1)) / n;
    if (first >= lo && last <= hi) return 0;
    if (lo <= hi && (last < lo || first > hi)) return steps;
  } else if (steps === 0) return 0;
  // First k with mean(k) >= lo (the steps before it are below the range).
  let a = 0;
  let b = steps;
  while (a < b) {
    const mid = a + Math.floor((b - a) / 2);
    if ((contextSum0 + n * mid) / n >= lo) b = mid;
    else a = mid + 1;
  }
  const below = a;
  // First k with mean(k) > hi (it and the steps after it are above the range).
  a = 0;
  b = steps;
  while (a < b) {
    const mid = a + Math.floor((b - a) / 2);
    if ((contextSum0 + n * mid) / n > hi) b = mid;
    else a = mid + 1;
  }
  const above = steps - a;
  return Math.min(steps, below + above);
}
