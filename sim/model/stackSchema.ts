/**
 * JSON Schema of a serving-stack file (`models/stacks/<id>.json`): how a framework batches and caches, and the
 * roofline priors (overheads and efficiencies) that stand in for it until a calibrated profile exists.
 */
import type { FromSchema } from 'json-schema-to-ts';

const fraction = { type: 'number', exclusiveMinimum: 0, maximum: 1 } as const;
const seconds = { type: 'number', minimum: 0 } as const;

export const stackSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id', 'description', 'batching', 'schedulers', 'schedulers_source', 'kv_cache', 'cuda_graphs', 'compiled', 'step_overhead_s',
    'per_sequence_overhead_s', 'compute_efficiency', 'memory_efficiency', 'gpu_memory_utilization', 'source',
  ],
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]*$' },
    description: { type: 'string', minLength: 1 },
    batching: {
      enum: ['static', 'continuous'],
      description: 'static: a batch runs until its last sequence ends; continuous: sequences join and leave each step.',
    },
    schedulers: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { enum: ['static', 'continuous', 'speculative'] },
      description:
        'The schedulers the real framework has (its own batching first). Any other pairing still runs, labelled an extrapolation (sim/scenario/schedulerPairing.ts).',
    },
    schedulers_source: { type: 'string', minLength: 1, description: 'Where the list of schedulers comes from.' },
    kv_cache: { enum: ['contiguous', 'paged'] },
    cuda_graphs: { type: 'boolean' },
    compiled: { type: 'boolean', description: 'torch.compile (or equivalent) fuses kernels.' },
    step_overhead_s: { ...seconds, description: 'CPU and launch time of every step (the roofline τ).' },
    step_overhead_reference_layers: {
      type: 'integer',
      minimum: 1,
      description:
        'Layers of the model step_overhead_s was derived on. Set for stacks that launch every kernel from Python (no CUDA graphs): their per-step overhead grows with the kernels launched, i.e. with the layers, so a datasheet roofline scales it by layers / this for other models. Absent: the overhead is per step whatever the model (CUDA graphs replay a whole step).',
    },
    per_sequence_overhead_s: { ...seconds, description: 'Extra CPU time per sequence in a step.' },
    compute_efficiency: { ...fraction, description: 'Achieved fraction of datasheet bf16 dense peak.' },
    memory_efficiency: { ...fraction, description: 'Achieved fraction of datasheet memory bandwidth.' },
    kv_block_tokens: { type: 'integer', minimum: 1, description: 'Tokens per KV-cache block (paged only).' },
    gpu_memory_utilization: { ...fraction, description: 'Fraction of usable GPU memory for weights + KV cache.' },
    scheduler_policy: {
      enum: ['vllm', 'transformers-cb'],
      description:
        "Continuous batching policy: vllm (default: running cap, watermark admission, newest-first preemption) or transformers-cb (transformers' FIFOScheduler: one token budget shared by decodes and prompt chunks, a free-block safety margin, lazily allocated blocks; sim/serving/hfPagedScheduler.ts).",
    },
    safety_margin: {
      ...fraction,
      description: 'transformers-cb: no new or continued prefill while fewer than this fraction of KV blocks is free (FIFOScheduler default 0.15).',
    },
    max_batch_tokens: { type: 'integer', minimum: 1, description: 'Token budget of a step (decodes and prompt chunks together), when the stack fixes one.' },
    max_requests_per_batch: { type: 'integer', minimum: 1, description: 'Requests per step, when the stack fixes it.' },
    attention: {
      enum: ['per-sequence', 'packed-dense-mask'],
      description:
        "per-sequence (default): attention costs Σ new × keys per sequence; packed-dense-mask: all of a step's tokens in one call with a block-diagonal mask, Q_total × K_total pairs (transformers' paged|sdpa).",
    },
    source: { type: 'string', minLength: 1 },
  },
  // A paged cache is allocated in blocks, so its block size must be known (the loader rejects the converse).
  if: { type: 'object', required: ['kv_cache'], properties: { kv_cache: { const: 'paged' } } },
  then: { required: ['kv_block_tokens'] },
} as const;

export type Stack = FromSchema<typeof stackSchema>;
