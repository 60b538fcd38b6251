/**
 * JSON Schema of a node type (`models/nodes/<id>.json`): the server around a replica's GPUs, as power states and
 * embodied carbon. Every number carries its basis (measured, vendor figure or modelled) and its source, because
 * most of them are modelled from vendor specifications: no public study measures these parts under LLM serving.
 */
import type { FromSchema } from 'json-schema-to-ts';

/** measured: a public measurement; vendor: a manufacturer's figure; modelled: derived here from other figures. */
export const numberBases = ['measured', 'vendor', 'modelled'] as const;

const sourcedNumber = {
  type: 'object',
  additionalProperties: false,
  required: ['value', 'basis', 'source'],
  properties: {
    value: { type: 'number', minimum: 0 },
    basis: { enum: numberBases },
    source: { type: 'string', minLength: 1 },
  },
} as const;

/** One inter-node fabric as one GPU of this node sees it (its share of the node's adapters). */
const fabricSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['gbit_s_per_gpu', 'latency_us', 'energy_pj_per_bit_per_end'],
  properties: {
    gbit_s_per_gpu: { ...sourcedNumber, description: 'Line rate available to one GPU, one direction, Gb/s.' },
    latency_us: { ...sourcedNumber, description: 'Fixed cost of one transfer (setup, one switch hop), microseconds.' },
    energy_pj_per_bit_per_end: { ...sourcedNumber, description: 'Energy per bit at one end (one adapter), picojoules.' },
  },
} as const;

export const nodeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'gpus_per_node', 'power_w', 'embodied_kgco2e', 'lifetime_years', 'source'],
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]*$' },
    name: { type: 'string', minLength: 1 },
    gpus_per_node: { type: 'integer', minimum: 1 },
    gpu_ids: { type: 'array', items: { type: 'string' }, description: 'GPUs this node is built around (informative).' },
    power_w: {
      type: 'object',
      additionalProperties: false,
      required: ['cpu_idle', 'cpu_busy_per_replica', 'dram', 'nic', 'rest', 'gpu_proportional_fraction'],
      properties: {
        cpu_idle: { ...sourcedNumber, description: 'Both CPU packages with the serving processes idle.' },
        cpu_busy_per_replica: {
          ...sourcedNumber,
          description: "Added while one replica's serving process runs host work (scheduling, launches, sampling).",
        },
        dram: { ...sourcedNumber, description: 'System memory (not GPU memory), constant.' },
        nic: { ...sourcedNumber, description: 'Network adapters and DPUs, constant.' },
        rest: { ...sourcedNumber, description: 'NVSwitches, storage, BMC, fans at their floor: constant.' },
        gpu_proportional_fraction: {
          ...sourcedNumber,
          description: 'Fans and power-supply losses that follow the load: this fraction of the GPUs’ power is added.',
        },
      },
    },
    network: {
      type: 'object',
      additionalProperties: false,
      description: 'The inter-node fabrics a KV-cache transfer between disaggregated prefill and decode pools can take (absent: none on file).',
      properties: { infiniband: fabricSchema, ethernet: fabricSchema },
    },
    max_system_w: { ...sourcedNumber, description: 'Rated maximum of the whole node (a sanity bound, not used).' },
    embodied_kgco2e: { ...sourcedNumber, description: 'Manufacture of the node without its GPUs.' },
    lifetime_years: { ...sourcedNumber, description: 'Years the embodied carbon is spread over (node and GPUs).' },
    source: { type: 'string', minLength: 1 },
    notes: { type: 'string' },
  },
} as const;

export type NodeType = FromSchema<typeof nodeSchema>;
export type SourcedNumber = FromSchema<typeof sourcedNumber>;
export type Fabric = FromSchema<typeof fabricSchema>;
export type NumberBasis = (typeof numberBases)[number];
