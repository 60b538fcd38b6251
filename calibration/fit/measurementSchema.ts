/**
 * The harness output (`joulesim-measurements/1`, docs/ARCHITECTURE.md): records of executed steps with measured
 * seconds and joules. Only what the fitter reads is required; the harness may add fields.
 */
import type { FromSchema } from 'json-schema-to-ts';

const stepEntry = {
  type: 'object',
  required: ['kind'],
  properties: {
    kind: { enum: ['prefill', 'decode'] },
    count: { type: 'integer', minimum: 1 },
    new_tokens: { type: 'integer', minimum: 1 },
    cached_tokens: { type: 'integer', minimum: 0 },
    same_step: { type: 'boolean' },
    decode_n: { type: 'integer', minimum: 0 },
    decode_context_sum: { type: 'number', minimum: 0 },
    n: { type: 'integer', minimum: 1 },
    context_sum: { type: 'number', minimum: 0 },
    repeat: { type: 'integer', minimum: 1 },
  },
} as const;

export const measurementFileSchema = {
  type: 'object',
  required: ['format', 'model', 'stack', 'environment', 'records'],
  properties: {
    format: { const: 'joulesim-measurements/1' },
    model: { type: 'string' },
    stack: { type: 'string' },
    gpu: { type: 'string' },
    environment: { type: 'object' },
    stack_config: { type: 'object' },
    context_convention: {
      type: 'string',
      description: "How decode context sums count: absent or 'cached' = tokens already in the KV cache; a text containing '+ 1' = cached + the token being decoded.",
    },
    idle: {
      type: 'object',
      required: ['watts_median'],
      properties: { watts_median: { type: 'number', exclusiveMinimum: 0 } },
    },
    records: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['label', 'steps', 'seconds_median', 'joules_median'],
        properties: {
          label: { type: 'string' },
          steps: { type: 'array', minItems: 1, items: stepEntry },
          seconds_median: { type: 'number', exclusiveMinimum: 0 },
          joules_median: { type: 'number', exclusiveMinimum: 0 },
          padded: { type: 'boolean', description: 'Prompts of unequal length, left-padded: attention ran with a mask.' },
          attention_mask: { type: 'boolean' },
          true_input_tokens: { type: 'array', items: { type: 'integer' } },
          shape_cache: {
            enum: ['cold', 'warm'],
            description: "hf-paged: cold = every step's attention shape new to the process (cuDNN plans built), warm = seen before.",
          },
          seconds: { type: 'array', items: { type: 'number' } },
          joules: { type: 'array', items: { type: 'number' } },
        },
      },
    },
  },
} as const;

export type MeasurementFile = FromSchema<typeof measurementFileSchema>;
export type MeasurementRecord = MeasurementFile['records'][number];
export type StepEntry = MeasurementRecord['steps'][number];
