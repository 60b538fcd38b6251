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

export function layerScaledOverhead(params: CostParameters, stack: Stack, a: Architecture): { params: CostParameters; note: string } {
  const ref = stack.step_overhead_reference_layers;
  if (params.provenance.kind !== 'datasheet') {
    return { params, note: `step overhead ${(params.stepOverheadSeconds * 1e3).toFixed(2)} ms from the profile` };
  }
  if (ref === undefined || stack.cuda_graphs) {
    return {
      params,
      note: `step overhead ${(params.stepOverheadSeconds * 1e3).toFixed(2)} ms per step from ${stack.id} (${stack.cuda_graphs ? 'CUDA graphs' : 'not scaled'})`,
    };
  }
  const scale = a.num_hidden_layers / ref;
  const stepOverheadSeconds = params.stepOverheadSeconds * scale;
  return {
    params: { ...params, stepOverheadSeconds },
    note: `step overhead ${(stepOverheadSeconds * 1e3).toFixed(2)} ms = ${stack.id}'s ${(params.stepOverheadSeconds * 1e3).toFixed(1)} ms × ${a.num_hidden_layers}/${ref} layers (eager kernel launches scale with layers)`,
  };
}
