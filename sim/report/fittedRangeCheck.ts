/**
 * Counts work that runs outside the ranges a calibrated profile was fitted on, so the summary can warn that those
 * costs are extrapolated.
 */
import type { FittedRange } from '../cost/costParameters.js';
import { prefillTokens } from '../cost/step.js';
import type { WorkObserver } from '../serving/replica.js';
import type { Work } from '../serving/work.js';

export class FittedRangeCheck implements WorkObserver {
  private steps = 0;
  private batchOutside = 0;
  private tokensOutside = 0;
  private contextOutside = 0;

  constructor(
    private readonly range: FittedRange,
    private readonly next: WorkObserver | null = null,
  ) {}

  work(replica: number, start: number, end: number, w: Work, stepsDone: number, joules: number): void {
    this.next?.work(replica, start, end, w, stepsDone, joules);
    const outside = (x: number, r: readonly [number, number]) => x < r[0] || x > r[1];
    let batch: number;
    let tokens: number;
    let meanContext: number;
    if (w.kind === 'step') {
      const s = w.step;
      batch = s.chunkNewTokens.length + s.decodeCount;
      tokens = prefillTokens(s) + s.decodeCount;
      let cached = 0;
      for (let i = 0; i < s.chunkCachedTokens.length; i++) cached += s.chunkCachedTokens[i] + s.chunkNewTokens[i];
      meanContext = (cached + s.decodeContextSum) / batch;
    } else {
      batch = tokens = w.sequences;
      // Mean context at the run's last step: the run grows it by one token per step.
      meanContext = (w.contextSum0 + w.sequences * (stepsDone - 1)) / w.sequences;
    }
    this.steps += stepsDone;
    if (outside(batch, this.range.batchSize)) this.batchOutside += stepsDone;
    if (outside(tokens, this.range.stepTokens)) this.tokensOutside += stepsDone;
    if (outside(meanContext, this.range.contextTokens)) this.contextOutside += stepsDone;
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
