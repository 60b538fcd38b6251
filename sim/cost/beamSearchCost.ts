/**
 * Beam search of width w as a step cost: every request is w sequences with w KV caches. A decode step of n requests
 * is priced as one of n·w sequences (context sums ×w, so a run stays a run: it grows by n·w per step); a prefill
 * chunk is priced `prefillWidth` times (HF expands the prompt to w rows before the prefill on a contiguous cache;
 * a paged cache prefills once and forks). The schedulers still see requests; the memory budget gives each request
 * w times the KV cache (see buildSimulation).
 */
import type { CostParameters } from './costParameters.js';
import type { DecodeRunCurve } from './decodeRunCurve.js';
import type { ModelWork } from './modelWork.js';
import type { Step } from './step.js';
import { type StepCost, StepCostModel } from './stepCostModel.js';

export class BeamStepCostModel extends StepCostModel {
  constructor(
    work: ModelWork,
    params: CostParameters,
    readonly width: number,
    readonly prefillWidth: number,
  ) {
    super(work, params);
  }

  override decodeRun(n: number, contextSum0: number, masked = false, into?: DecodeRunCurve): DecodeRunCurve {
    return super.decodeRun(n * this.width, contextSum0 * this.width, masked, into);
  }

  /** The step as the GPU runs it: each prompt chunk prefillWidth times, each decode sequence width times. */
  expand(step: Step): Step {
    const pw = this.prefillWidth;
    const chunks = step.chunkNewTokens.length;
    const newTokens = new Array<number>(chunks * pw);
    const cached = new Array<number>(chunks * pw);
    for (let i = 0; i < chunks; i++) {
      for (let j = 0; j < pw; j++) {
        newTokens[i * pw + j] = step.chunkNewTokens[i];
        cached[i * pw + j] = step.chunkCachedTokens[i];
      }
    }
    return {
      chunkNewTokens: newTokens,
      chunkCachedTokens: cached,
      // The first token of every beam is chosen from the prompt's last position: w rows of logits.
      chunksProducingToken: step.chunksProducingToken * this.width,
      decodeCount: step.decodeCount * this.width,
      decodeContextSum: step.decodeContextSum * this.width,
      ...(step.masked ? { masked: true } : {}),
    };
  }

  override stepCost(step: Step): StepCost {
    // A decode-only step goes through decodeRun (widened there); only steps with prompt chunks are expanded here.
    if (step.chunkNewTokens.length === 0) return super.stepCost(step);
    return super.stepCost(this.expand(step));
  }
}
