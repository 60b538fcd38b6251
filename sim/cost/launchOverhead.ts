/**
 * The stack's launch overhead as a cost-model parameter. A stack that launches every kernel from Python (no CUDA
 * graphs: hf-eager, hf-compile, hf-paged, vllm-eager) pays a CPU cost per kernel, and the kernels of a step are
 * per layer; its `step_overhead_s` was derived on a model of `step_overhead_reference_layers` layers (Llama-3.1-8B,
 * 32), so for another model on the datasheet roofline the overhead is scaled by layers / reference. A stack with
 * CUDA graphs replays a whole step at once: its overhead stays per step. Calibrated and transferred profiles are
 * fitted on the model itself, so their overhead is used as fitted.
 */
import type { Architecture } from '../model/architecture.js';
import type { Stack } from '../model/stack.js';
import type { CostParameters } from './costParameters.js';

/** The parameters with the overhead for this model, and a note for the provenance when it was scaled (else null). */
export function layerScaledOverhead(params: CostParameters, stack: Stack, a: Architecture): { params: CostParameters; note: string | null } {
  const ref = stack.step_overhead_reference_layers;
  if (params.provenance.kind !== 'datasheet' || ref === undefined || stack.cuda_graphs || a.num_hidden_layers === ref) {
    return { params, note: null };
  }
  const scale = a.num_hidden_layers / ref;
  const stepOverheadSeconds = params.stepOverheadSeconds * scale;
  return {
    params: { ...params, stepOverheadSeconds },
    note: `step overhead ${(stepOverheadSeconds * 1e3).toFixed(2)} ms = ${stack.id}'s ${(params.stepOverheadSeconds * 1e3).toFixed(1)} ms × ${a.num_hidden_layers}/${ref} layers (eager kernel launches scale with layers)`,
  };
}
