/**
 * Which schedulers a serving stack really has. A stack file lists them (`schedulers`); a scenario may still pair
 * a stack with another one (the paper's Figure 7 prices vLLM's kernels under HF-style static batches), but that is
 * a what-if the stack's measurements never covered, so the run says so: its provenance carries the reason and the
 * report shows it as extrapolated instead of calibrated.
 */
import type { Stack } from '../model/stack.js';

/** Scheduler fields that mean nothing unless the scheduler is speculative. */
export const SPECULATIVE_ONLY_FIELDS = ['draft_model', 'gamma', 'acceptance', 'speculative_base'] as const;

/**
 * Why running `stack` under `base` batching (speculative on top when `speculative`) is an extrapolation, or
 * undefined when the stack has that scheduler.
 */
export function schedulerPairingProblem(stack: Stack, base: 'static' | 'continuous', speculative: boolean): string | undefined {
  const has = stack.schedulers as readonly string[];
  const missing = [base, ...(speculative ? ['speculative'] : [])].filter((k) => !has.includes(k));
  if (missing.length === 0) return undefined;
  return `${stack.id} has no ${missing.join(' or ')} scheduler (it has ${has.join(', ')}): ${stack.id}'s step costs priced under ${speculative ? `speculative rounds on ${base}` : base} batching, a what-if no measurement covers`;
}
