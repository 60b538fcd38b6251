/**
 * A calibrated profile (`calibration/profiles/<gpu>/<model>/<stack>.json`): the step cost model's coefficients
 * fitted to measurements of one GPU × model × stack, with the ranges they were fitted on, the fit residuals, and
 * where the measurements came from.
 */
import type { FromSchema } from 'json-schema-to-ts';

const positive = { type: 'number', exclusiveMinimum: 0 } as const;
const nonNegative = { type: 'number', minimum: 0 } as const;
const range = { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 } as const;
const errorStats = {
  type: 'object',
  required: ['median', 'p90', 'max'],
  properties: { median: { type: 'number' }, p90: { type: 'number' }, max: { type: 'number' } },
} as const;

export const profileSchema = {
  type: 'object',
  required: ['format', 'gpu', 'model', 'stack', 'coefficients', 'fitted_range', 'fit', 'provenance'],
  properties: {
    format: { const: 'joulesim-profile/1' },
    gpu: { type: 'string' },
    model: { type: 'string' },
    stack: { type: 'string' },
    coefficients: {
      type: 'object',
      additionalProperties: false,
      required: [
        'step_overhead_s', 'per_sequence_overhead_s', 'compute_tflops', 'memory_bandwidth_gb_s', 'idle_w',
        'busy_base_w', 'joules_per_tflop', 'joules_per_gb', 'power_cap_w',
      ],
      properties: {
        step_overhead_s: nonNegative,
        per_sequence_overhead_s: nonNegative,
        compute_tflops: positive,
        memory_bandwidth_gb_s: positive,
        idle_w: nonNegative,
        busy_base_w: nonNegative,
        joules_per_tflop: nonNegative,
        joules_per_gb: nonNegative,
        power_cap_w: positive,
        kv_traffic_factor: { type: 'number', minimum: 1, description: 'Bytes moved per cached KV byte read; absent = 1.' },
        overlapped_overhead_s: { type: 'number', minimum: 0, description: 'Host time that overlaps GPU work; absent = 0.' },
        masked_kv_traffic_factor: { type: 'number', minimum: 1, description: 'KV traffic factor of padded batches; absent = kv_traffic_factor.' },
        packed_attention_flops_factor: {
          type: 'number',
          exclusiveMinimum: 0,
          description: 'Packed attention (Q_total × K_total pairs per step) with this FLOP multiplier; absent = attention per sequence.',
        },
        cold_shape_s: {
          type: 'number',
          minimum: 0,
          description: 'Seconds per step for a first-seen attention shape (cuDNN plan build), at idle power; absent = 0.',
        },
      },
    },
    fitted_range: {
      type: 'object',
      required: ['batch_size', 'step_tokens', 'context_tokens'],
      properties: { batch_size: range, step_tokens: range, context_tokens: range },
    },
    fit: {
      type: 'object',
      required: ['records', 'time_error_pct', 'energy_error_pct'],
      properties: {
        records: { type: 'integer' },
        time_error_pct: errorStats,
        energy_error_pct: errorStats,
        residuals: { type: 'array' },
        held_out: { type: 'object' },
      },
    },
    predicts: { type: 'string' },
    does_not_predict: { type: 'string' },
    provenance: { type: 'object' },
  },
} as const;

export type Profile = FromSchema<typeof profileSchema>;
