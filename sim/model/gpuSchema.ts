/**
 * JSON Schema of a GPU file (`models/gpus/<id>.json`): datasheet numbers, each with where it came from and how
 * far to trust it. One object gives both the TypeScript type (`FromSchema`) and the runtime check (ajv).
 */
import type { FromSchema } from 'json-schema-to-ts';

/** How far to trust a number: from a measurement here, down to a reasoned guess. The middle values are the
 *  confidence column of the shared gpu_specs.csv, kept verbatim so a file can be traced back to its row. */
export const confidenceLevels = [
  'measured',
  'vendor-datasheet',
  'vendor-doc(partial)',
  'vendor-table-reproduced',
  'secondary-citing-datasheet',
  'secondary',
  'partly-unverified',
  'estimate',
] as const;

const confidence = { enum: confidenceLevels } as const;
const positiveNumber = { type: 'number', exclusiveMinimum: 0 } as const;

export const gpuSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id', 'name', 'bf16_dense_tflops', 'memory_gb', 'memory_usable_gib', 'memory_usable_source',
    'memory_bandwidth_gb_s', 'tdp_w', 'idle_w', 'idle_w_source', 'interconnect', 'source', 'confidence',
    'tensor_datatypes',
  ],
  // A GPU with fp8 tensor cores must say how fast they are.
  if: { properties: { tensor_datatypes: { type: 'array', contains: { const: 'fp8' } } } },
  then: { required: ['fp8_dense_tflops', 'fp8_source'] },
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]*$' },
    name: { type: 'string', minLength: 1 },
    bf16_dense_tflops: { ...positiveNumber, description: 'Dense (not 2:4 sparse) bf16 tensor-core peak.' },
    bf16_sparse_tflops: positiveNumber,
    tensor_datatypes: {
      type: 'array',
      items: { enum: ['bf16', 'fp8'] },
      uniqueItems: true,
      contains: { const: 'bf16' },
      description: 'Datatypes the tensor cores run natively among those joulesim models (fp8: Hopper, Ada, Blackwell; not Ampere).',
    },
    fp8_dense_tflops: { ...positiveNumber, description: 'Dense (not 2:4 sparse) fp8 tensor-core peak.' },
    fp8_source: {
      type: 'object',
      additionalProperties: false,
      required: ['source', 'confidence'],
      properties: { source: { type: 'string', minLength: 1 }, confidence },
    },
    memory_gb: { ...positiveNumber, description: 'Marketed memory, decimal GB.' },
    memory_type: { type: 'string' },
    memory_usable_gib: { ...positiveNumber, description: 'What the driver exposes (nvidia-smi memory.total), GiB.' },
    memory_usable_source: { type: 'string', minLength: 1 },
    memory_bandwidth_gb_s: { ...positiveNumber, description: 'Datasheet peak, decimal GB/s.' },
    tdp_w: { ...positiveNumber, description: 'Board power limit (the default cap).' },
    idle_w: { ...positiveNumber, description: 'Power with a model loaded and nothing running.' },
    idle_w_source: {
      type: 'object',
      additionalProperties: false,
      required: ['source', 'confidence'],
      properties: { source: { type: 'string', minLength: 1 }, confidence },
    },
    interconnect: {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'bandwidth_gb_s', 'latency_us', 'source', 'confidence'],
      description: 'The GPU-to-GPU link tensor parallelism would use inside one node.',
      properties: {
        kind: { enum: ['nvlink', 'pcie'] },
        bandwidth_gb_s: { ...positiveNumber, description: 'Per GPU, one direction, decimal GB/s.' },
        latency_us: { ...positiveNumber, description: 'Fixed cost of one small collective, microseconds.' },
        source: { type: 'string', minLength: 1 },
        confidence,
        energy_pj_per_bit: {
          ...positiveNumber,
          description: 'Energy of moving one bit GPU to GPU over this link (both ends and any switch hop), picojoules: what a KV-cache transfer between disaggregated pools costs on it. Absent: this link cannot carry such transfers.',
        },
        energy_source: { type: 'string', minLength: 1, description: 'Where energy_pj_per_bit comes from, and its basis (measured, vendor or modelled).' },
      },
      dependencies: { energy_pj_per_bit: ['energy_source'] },
    },
    streaming_multiprocessors: {
      type: 'object',
      additionalProperties: false,
      required: ['count', 'boost_mhz', 'source', 'confidence'],
      description:
        'The SMs and their top clock: what bounds kernels that reach only a small share of the memory bandwidth (elementwise copies, attention over small heads), so a profile carried to another GPU scales those by SM throughput (sim/cost/kernelRateCarry.ts). Absent: such kernels are carried by the memory bandwidth ratio.',
      properties: {
        count: { type: 'integer', minimum: 1 },
        boost_mhz: positiveNumber,
        source: { type: 'string', minLength: 1 },
        confidence,
      },
    },
    sm_clocks: {
      type: 'object',
      additionalProperties: false,
      required: ['min_mhz', 'max_mhz', 'relative_voltage', 'range_source', 'voltage_source', 'confidence'],
      description: 'The SM clock a controller may lock (nvidia-smi -lgc) and the voltage-frequency curve the cost model scales dynamic power with (sim/cost/clockScaling.ts). Absent: clock locking is refused on this GPU.',
      properties: {
        min_mhz: positiveNumber,
        max_mhz: { ...positiveNumber, description: 'The top (boost) clock: the clock of every calibrated profile.' },
        relative_voltage: {
          type: 'array',
          minItems: 2,
          description: '[MHz, V(f) / V(max_mhz)] points, ascending in MHz; linear in between.',
          items: { type: 'array', minItems: 2, maxItems: 2, items: positiveNumber },
        },
        range_source: { type: 'string', minLength: 1 },
        voltage_source: { type: 'string', minLength: 1 },
        confidence,
      },
    },
    source: { type: 'string', minLength: 1 },
    confidence,
    notes: { type: 'string' },
  },
} as const;

export type Gpu = FromSchema<typeof gpuSchema>;
export type Confidence = (typeof confidenceLevels)[number];
