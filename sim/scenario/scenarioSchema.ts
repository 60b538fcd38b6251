/**
 * The scenario file: one JSON Schema is both the TypeScript type (json-schema-to-ts) and the validation (ajv).
 * Defaults written here are filled in by ajv, so the type sees them as always present.
 */
import type { FromSchema } from 'json-schema-to-ts';
import { workloadSchema } from './workloadSchema.js';

const acceptanceRate = { type: 'number', minimum: 0, maximum: 1 } as const;

/** Speculative decoding: how often the target accepts a draft token. */
export const acceptanceSchema = {
  type: 'object',
  discriminator: { propertyName: 'kind' },
  required: ['kind'],
  description:
    'constant / per_token: every draft token is accepted with probability rate (independent draws; the two names are the same mechanism). per_request: each request draws its own rate once from the distribution, then its tokens draw against it.',
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'rate'],
      properties: { kind: { const: 'constant' }, rate: acceptanceRate },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'rate'],
      properties: { kind: { const: 'per_token' }, rate: acceptanceRate },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'distribution'],
      properties: {
        kind: { const: 'per_request' },
        distribution: {
          type: 'object',
          discriminator: { propertyName: 'kind' },
          required: ['kind'],
          oneOf: [
            {
              type: 'object',
              additionalProperties: false,
              required: ['kind', 'a', 'b'],
              properties: { kind: { const: 'beta' }, a: { type: 'number', exclusiveMinimum: 0 }, b: { type: 'number', exclusiveMinimum: 0 } },
            },
            {
              type: 'object',
              additionalProperties: false,
              required: ['kind', 'lo', 'hi'],
              properties: { kind: { const: 'uniform' }, lo: acceptanceRate, hi: acceptanceRate },
            },
          ],
        },
      },
    },
  ],
} as const;

/** How each sequence picks its next token. */
export const decodingSchema = {
  type: 'object',
  discriminator: { propertyName: 'kind' },
  required: ['kind'],
  description:
    'greedy: no extra cost. sampling: logits processing over the vocabulary each step (temperature, top-p sort). beam: width sequences and KV caches per request, plus the beam bookkeeping and (contiguous cache) the KV reorder each step.',
  oneOf: [
    { type: 'object', additionalProperties: false, required: ['kind'], properties: { kind: { const: 'greedy' } } },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind'],
      properties: {
        kind: { const: 'sampling' },
        temperature: { type: 'number', exclusiveMinimum: 0, description: 'Default 1 (no temperature warper).' },
        top_p: { type: 'number', exclusiveMinimum: 0, maximum: 1, description: 'Default 1 (no top-p sort).' },
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'width'],
      properties: { kind: { const: 'beam' }, width: { type: 'integer', minimum: 1 } },
    },
  ],
} as const;

export const schedulerSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    kind: {
      enum: ['static', 'continuous', 'speculative'],
      description:
        "Defaults to the stack's own batching (hf-eager: static; vllm, hf-paged: continuous). speculative: a draft model proposes gamma tokens per round, the target verifies them; it rides on speculative_base batching.",
    },
    speculative_base: {
      enum: ['static', 'continuous'],
      description: "Speculative only: the batching the rounds ride on (default: the stack's batching).",
    },
    draft_model: { type: 'string', description: 'Speculative only: the draft model id (models/architectures/), same vocabulary as the target.' },
    gamma: { type: 'integer', minimum: 1, description: 'Speculative only: draft tokens per round (default 4, the seed paper’s).' },
    acceptance: acceptanceSchema,
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
    all_reduce: {
      enum: ['auto', 'measured', 'analytic'],
      default: 'auto',
      description:
        'Tensor-parallel all-reduce cost. auto: the measured table of this GPU and TP degree (models/interconnect/, from Vidur) when there is one, else analytic (the GPU file’s interconnect bandwidth and latency). measured: the table or an error.',
    },
    decoding: { ...decodingSchema, default: { kind: 'greedy' } },
    shape_cache: {
      enum: ['cold', 'warm'],
      description:
        "For profiles with a per-shape plan cost (cold_shape_s: hf-paged's cuDNN attention plans): cold (default, real serving, where almost every step's attention shape is new) or warm (every shape seen before, e.g. a workload replayed in the same process).",
    },
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
