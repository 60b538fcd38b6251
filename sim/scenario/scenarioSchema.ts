/**
 * The scenario file: one JSON Schema is both the TypeScript type (json-schema-to-ts) and the validation (ajv).
 * Defaults written here are filled in by ajv, so the type sees them as always present.
 */
import type { FromSchema } from 'json-schema-to-ts';
import { workloadSchema } from './workloadSchema.js';

export const schedulerSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    kind: {
      enum: ['static', 'continuous'],
      description: "Defaults to the stack's own batching (hf-eager: static; vllm, hf-paged: continuous).",
    },
    batch_size: {
      type: 'integer',
      minimum: 1,
      description: 'Static: requests per batch (default 8). Continuous: max running sequences (default 256).',
    },
    max_batched_tokens: {
      type: 'integer',
      minimum: 1,
      description: 'Continuous: token budget of one step (default 8192 with chunked prefill, else 16384).',
    },
    chunked_prefill: { type: 'boolean', description: 'Continuous: mix prompt chunks into decode steps (default true).' },
    group_by_length_bins: {
      type: 'boolean',
      description: "Static: batch requests from the same (input, output) length bin of the paper's estimator.",
    },
    kv_block_tokens: { type: 'integer', minimum: 1, description: 'Continuous: tokens per KV block (default: the stack).' },
    kv_blocks: {
      type: 'integer',
      minimum: 1,
      description: 'Continuous: number of KV blocks, instead of sizing the cache from GPU memory (e.g. what a measured stack resolved to).',
    },
    max_run_steps: {
      type: 'integer',
      minimum: 1,
      description: 'Longest decode run priced as one event. 1 = step-by-step reference path (slow, same results).',
    },
  },
} as const;

export const clusterSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    gpu: { type: 'string', default: 'h100-sxm' },
    model: { type: 'string', default: 'llama-3.1-8b' },
    stack: { type: 'string', default: 'vllm' },
    replicas: { type: 'integer', minimum: 1, default: 1 },
    router: { enum: ['round_robin', 'least_outstanding'], default: 'round_robin' },
    tp: { type: 'integer', minimum: 1, default: 1, description: 'Tensor-parallel GPUs per replica.' },
    power_cap_w: { type: 'number', exclusiveMinimum: 0, description: 'Per-GPU power limit (default: the TDP).' },
    cost_model: {
      enum: ['auto', 'calibrated', 'roofline'],
      default: 'auto',
      description:
        'auto: the calibrated profile of this gpu/model/stack if there is one, else another GPU’s profile transferred to this datasheet, else the datasheet roofline.',
    },
    profile: { type: 'string', description: 'Use this profile file instead of calibration/profiles/<gpu>/<model>/<stack>.json.' },
    scheduler: { ...schedulerSchema, default: {} },
  },
} as const;

export const scenarioSchema = {
  $id: 'https://joulesim.dev/schema/scenario.json',
  type: 'object',
  additionalProperties: false,
  required: ['workload'],
  properties: {
    $schema: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    seed: { type: 'integer', default: 1 },
    workload: workloadSchema,
    cluster: { ...clusterSchema, default: {} },
    output: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        interval_s: { type: 'number', exclusiveMinimum: 0, default: 1, description: 'Time-series interval (doubles past max_intervals).' },
        max_intervals: { type: 'integer', minimum: 2, default: 10000 },
      },
    },
  },
} as const;

export type Scenario = FromSchema<typeof scenarioSchema>;
export type ClusterConfig = Scenario['cluster'];
export type SchedulerConfig = ClusterConfig['scheduler'];
