/**
 * A kernel-class profile (`calibration/profiles/<gpu>/<model>/<stack>.json`, format joulesim-profile/2): the
 * achieved rate of each kernel class on one GPU, each class's active power, and what the serving software runs
 * (attention path, cache traffic, host time), fitted from torch.profiler kernel times and NVML energy
 * (docs/COST-MODEL.md). Every coefficient has a unit in its name and an entry in `identification` saying whether
 * the data pinned it down.
 */
import type { FromSchema } from 'json-schema-to-ts';

const positive = { type: 'number', exclusiveMinimum: 0 } as const;
const nonNegative = { type: 'number', minimum: 0 } as const;
const range = { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 } as const;

export const kernelProfileSchema = {
  type: 'object',
  required: ['format', 'gpu', 'model', 'stack', 'rates', 'power', 'software', 'identification', 'fitted_range', 'fit', 'provenance'],
  properties: {
    format: { const: 'joulesim-profile/2' },
    gpu: { type: 'string' },
    model: { type: 'string' },
    stack: { type: 'string' },
    rates: {
      type: 'object',
      additionalProperties: false,
      required: ['gemm_tflops', 'gemm_bandwidth_gb_s', 'attention_tflops', 'attention_bandwidth_gb_s', 'copy_bandwidth_gb_s', 'kernel_floor_us'],
      properties: {
        gemm_tflops: positive,
        gemm_bandwidth_gb_s: positive,
        attention_tflops: positive,
        attention_bandwidth_gb_s: positive,
        masked_attention_tflops: positive,
        masked_attention_bandwidth_gb_s: positive,
        copy_bandwidth_gb_s: positive,
        kernel_floor_us: nonNegative,
      },
    },
    power: {
      type: 'object',
      additionalProperties: false,
      required: ['idle_w', 'warm_idle_w', 'gemm_active_w', 'gemm_compute_active_w', 'attention_active_w', 'copy_active_w', 'power_cap_w'],
      properties: {
        idle_w: nonNegative,
        warm_idle_w: nonNegative,
        gemm_active_w: nonNegative,
        gemm_compute_active_w: nonNegative,
        attention_active_w: nonNegative,
        copy_active_w: nonNegative,
        power_cap_w: positive,
      },
    },
    software: {
      type: 'object',
      additionalProperties: false,
      required: ['attention', 'kv_cache', 'activation_passes_per_layer', 'kernels_per_step', 'host_overlapped_s', 'host_per_sequence_s', 'host_serial_s'],
      properties: {
        attention: { enum: ['fused', 'fused-or-masked-materialized', 'packed-masked-materialized'] },
        kv_cache: { enum: ['in-place', 'concat', 'gather'] },
        activation_passes_per_layer: nonNegative,
        kernels_per_step: nonNegative,
        host_overlapped_s: nonNegative,
        host_per_sequence_s: nonNegative,
        host_serial_s: nonNegative,
        cold_shape_s: nonNegative,
      },
    },
    identification: { type: 'object', additionalProperties: { type: 'string' } },
    fitted_range: {
      type: 'object',
      required: ['batch_size', 'step_tokens', 'context_tokens'],
      properties: { batch_size: range, step_tokens: range, context_tokens: range },
    },
    fit: { type: 'object' },
    predicts: { type: 'string' },
    does_not_predict: { type: 'string' },
    provenance: { type: 'object' },
  },
} as const;

export type KernelProfile = FromSchema<typeof kernelProfileSchema>;
