/**
 * The scenario file: one JSON Schema is both the TypeScript type (json-schema-to-ts) and the validation (ajv).
 * Defaults written here are filled in by ajv, so the type sees them as always present.
 */
import type { FromSchema } from 'json-schema-to-ts';
import { ADMISSION_NAMES } from '../policies/admission/admissionRegistry.js';
import { policyReferenceSchema } from '../policies/policyEntry.js';
import { POWER_CONTROLLER_NAMES } from '../policies/power/powerRegistry.js';
import { ROUTER_NAMES } from '../policies/router/routerRegistry.js';
import { SCHEDULER_NAMES, schedulerOptionProperties } from '../policies/scheduler/schedulerRegistry.js';
import { KV_CACHE_DTYPES, WEIGHT_DTYPES } from '../model/precision.js';
import { workloadSchema } from '../workload/workloadSchema.js';
import { facilitySchema } from '../facility/facilitySchema.js';
import { LINK_KINDS } from '../model/kvTransfer.js';

export { acceptanceSchema } from '../policies/scheduler/speculativePolicy.js';

/** How each sequence picks its next token. */
export const decodingSchema = {
  type: 'object',
  discriminator: { propertyName: 'kind' },
  required: ['kind'],
  examples: [{ kind: 'sampling', top_p: 0.9 }],
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
      properties: { kind: { const: 'beam' }, width: { type: 'integer', minimum: 1, maximum: 64, description: 'Beams per request (at most 64).' } },
    },
  ],
} as const;

/**
 * The scheduler block: a registered batching policy (`kind`) with the options the registered policies read, or a
 * plug-in (`module` + `options`). Derived from the scheduler registry (sim/policies/scheduler/schedulerRegistry.ts).
 */
export const schedulerSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    kind: {
      enum: SCHEDULER_NAMES,
      description:
        "Defaults to the stack's own batching (hf-eager: static; vllm: continuous; hf-paged: continuous, which is its transformers-cb policy). speculative: a draft model proposes gamma tokens per round, the target verifies them; it rides on speculative_base batching.",
    },
    module: { type: 'string', minLength: 1, description: 'A plug-in batching policy (JS module path, relative to the scenario file); see docs/POLICIES.md. Excludes kind.' },
    options: { type: 'object', description: "The plug-in's options, validated against the optionsSchema it exports." },
    ...schedulerOptionProperties,
  },
} as const;

/** One pool of a disaggregated cluster; what it leaves out it takes from the cluster block. */
function poolSchema(role: 'prefill' | 'decode') {
  return {
    type: 'object',
    additionalProperties: false,
    default: {},
    description: `The ${role} pool: its own GPU type, count, TP degree and stack (defaults: the cluster's gpu, tp and stack, one replica).`,
    properties: {
      gpu: { type: 'string', description: "GPU id (default: the cluster's)." },
      stack: { type: 'string', description: "Serving stack id (default: the cluster's); its batching must be vLLM's continuous policy." },
      tp: { type: 'integer', minimum: 1, description: "Tensor-parallel GPUs per replica (default: the cluster's)." },
      replicas: { type: 'integer', minimum: 1, maximum: 4096, default: 1 },
      power_cap_w: { type: 'number', exclusiveMinimum: 0, description: "Per-GPU power limit (default: the cluster's, else the TDP)." },
      node: { type: 'string', description: 'Node type whose InfiniBand / Ethernet adapters this pool uses (default: the node type in models/nodes/ built around its GPU).' },
      batch_size: { type: 'integer', minimum: 1, description: "Cap on running sequences per replica (default: the cluster scheduler's)." },
      router: {
        description: `How the ${role} pool picks a replica: a router of the registry (${ROUTER_NAMES.join(', ')}), or {"kind": name, "options": {...}}.`,
        default: 'least_outstanding',
        anyOf: [
          { enum: ROUTER_NAMES },
          { type: 'object', additionalProperties: false, required: ['kind'], properties: { kind: { enum: ROUTER_NAMES }, options: { type: 'object' } } },
        ],
      },
    },
  } as const;
}

/** Prefill and decode on separate pools, the KV cache moving between them over a link (docs/MECHANISMS.md). */
export const disaggregationSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['link'],
  description:
    "Disaggregated serving (Splitwise, DistServe): prompts run on the prefill pool, each request's KV cache then crosses the link to a replica of the decode pool, which produces the rest of its tokens. Replaces the cluster's gpu / tp / replicas / router for serving; the model, precision, scheduler options and cost-model choice are shared.",
  properties: {
    prefill: poolSchema('prefill'),
    decode: poolSchema('decode'),
    link: {
      enum: LINK_KINDS,
      description:
        'nvlink: both pools inside one node (same GPU; the GPU file’s NVLink). infiniband / ethernet: between nodes (each pool’s node file’s adapters; the slower end sets the rate).',
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
    replicas: { type: 'integer', minimum: 1, maximum: 4096, default: 1, description: 'Replicas behind the router (at most 4096: each keeps its own scheduler and time series).' },
    router: policyReferenceSchema(ROUTER_NAMES, 'How arrivals are spread over replicas', 'round_robin'),
    admission: policyReferenceSchema(ADMISSION_NAMES, 'Which arrivals are let in', 'accept_all'),
    power_controller: policyReferenceSchema(POWER_CONTROLLER_NAMES, 'What changes GPU settings and replica sleep states during the run', 'none'),
    tp: {
      type: 'integer',
      minimum: 1,
      default: 1,
      description: 'Tensor-parallel GPUs per replica: at most 8 (one node), dividing the attention heads (sim/model/tensorParallel.ts).',
    },
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
    weight_dtype: {
      enum: WEIGHT_DTYPES,
      default: 'bf16',
      description:
        'Precision of the linear layers’ weights (embedding, LM head and norms stay bf16). fp8: W8A8 at the fp8 tensor-core rate where the GPU has one (Hopper, Ada, Blackwell), weight-only elsewhere; int4: weight-only, group 128. Every calibration is bf16: the run’s provenance lists what is carried over.',
    },
    kv_cache_dtype: { enum: KV_CACHE_DTYPES, default: 'bf16', description: 'Precision of the KV cache (fp8 halves its bytes and doubles its capacity).' },
    scheduler: { ...schedulerSchema, default: {} },
    disaggregation: disaggregationSchema,
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
    slo: {
      type: 'object',
      additionalProperties: false,
      description: 'Latency targets: a completed request attains the SLO when its TTFT and its TPOT are both within them (goodput).',
      properties: {
        ttft_s: { type: 'number', exclusiveMinimum: 0, description: 'Time to first token target (seconds).' },
        tpot_s: { type: 'number', exclusiveMinimum: 0, description: 'Time per output token target (seconds, mean over the request after its first token).' },
      },
    },
    facility: facilitySchema,
    output: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        interval_s: { type: 'number', exclusiveMinimum: 0, default: 1, description: 'Time-series interval (doubles past max_intervals).' },
        max_intervals: { type: 'integer', minimum: 2, maximum: 1000000, default: 10000 },
      },
    },
  },
} as const;

export type Scenario = FromSchema<typeof scenarioSchema, { parseIfThenElseKeywords: true }>;
export type ClusterConfig = Scenario['cluster'];
export type SchedulerConfig = ClusterConfig['scheduler'];
