/**
 * How long the host CPU is busy during a piece of work, read from the cost model's host terms as they are today
 * (fixed per-step overhead, host time the GPU work overlaps, per-sequence time). This is the one place that reads
 * them: when the step cost model changes, repoint this function and nothing else.
 */
import type { CostParameters } from '../cost/costParameters.js';
import type { AnyWork } from '../serving/work.js';

function sequencesOf(work: Exclude<AnyWork, { kind: 'wait' }>): number {
  if (work.kind === 'step') return work.step.chunkNewTokens.length + work.step.decodeCount;
  return work.sequences;
}

/** Host-busy seconds of `work` (after `stepsDone` steps), never more than the work's own `seconds`. */
export function hostBusySeconds(params: CostParameters, work: AnyWork, stepsDone: number, seconds: number): number {
  if (work.kind === 'wait') return 0;
  const steps = work.kind === 'decodeRun' ? stepsDone : work.kind === 'priced' ? (work.rounds ?? 1) : 1;
  const perStep =
    params.stepOverheadSeconds + (params.overlappedOverheadSeconds ?? 0) + params.perSequenceOverheadSeconds * sequencesOf(work);
  return Math.min(seconds, steps * perStep);
}
