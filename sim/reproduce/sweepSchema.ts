/**
 * A sweep file (`scenarios/paper/sweeps/<id>.sweep.json`): a base scenario plus axes whose cross product are the
 * points to simulate. One JSON Schema is both the type (json-schema-to-ts) and the validation (ajv).
 *
 * An axis is one of:
 *   { "name": "batch", "path": "cluster.scheduler.batch_size", "values": [1, 8, 64] }   a value at a dotted path
 *   { "name": "stack", "variants": { "vllm": { "cluster": { "stack": "vllm" } }, ... } } named partial scenarios
 *   { "name": "task",  "bases": { "translation": "../nlp-translation.json", ... } }      a different base file
 * Every point is the base merged with each axis's override (later axes win) and validated as a scenario.
 */
import type { FromSchema } from 'json-schema-to-ts';

const scalar = { type: ['number', 'string', 'boolean'] } as const;
const axisName = { type: 'string', pattern: '^[a-z][a-z0-9_-]*$' } as const;

export const sweepSchema = {
  $id: 'https://joulesim.dev/schema/sweep.json',
  type: 'object',
  additionalProperties: false,
  required: ['format', 'id', 'title', 'axes'],
  properties: {
    $schema: { type: 'string' },
    format: { const: 'joulesim-sweep/1' },
    id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$' },
    title: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    findings: { type: 'array', items: { type: 'string' }, description: 'Which of the paper’s findings (1-9, T4) use this sweep.' },
    base: { type: 'string', minLength: 1, description: 'Base scenario, relative to this file (unless an axis gives bases).' },
    mode: {
      enum: ['run', 'estimate'],
      default: 'run',
      description: 'run: simulate every point; estimate: run the §2.1 estimator on every point’s workload.',
    },
    estimate: {
      type: 'object',
      additionalProperties: false,
      properties: {
        flops_hw: { anyOf: [{ enum: ['dense', 'sparse'] }, { type: 'number', exclusiveMinimum: 0 }] },
        max_batch: { type: 'integer', minimum: 1 },
      },
    },
    cost: {
      enum: ['auto', 'like-for-like'],
      default: 'auto',
      description:
        'auto: every point takes the best cost source there is for it. like-for-like: when the points would mix sources (e.g. a transferred profile for one stack, datasheet priors for another), the sweep is ALSO run with every point on the datasheet roofline, so comparisons between points can use one source.',
    },
    drop_unfit: {
      type: 'boolean',
      description: 'Fixed-length workloads: skip points whose batch of that many requests does not fit in GPU memory (the paper could not run them either).',
    },
    separate_batches_when: {
      type: 'object',
      additionalProperties: scalar,
      description:
        "Points whose axis labels match all of these run their workload as consecutive separate simulations of batch_size requests each (every request of a batch starts together and the next batch starts when the last one ends): vLLM's offline LLM.generate() called once per batch.",
    },
    requires: {
      type: 'array',
      items: { enum: ['speculative'] },
      description: 'Mechanisms the points need; a sweep whose mechanism the tree lacks is reported as not yet simulated.',
    },
    axes: {
      type: 'array',
      minItems: 1,
      items: {
        oneOf: [
          {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'path', 'values'],
            properties: { name: axisName, path: { type: 'string', pattern: '^[a-z_]+(\\.[a-z_0-9]+)*$' }, values: { type: 'array', minItems: 1, items: scalar } },
          },
          {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'variants'],
            properties: { name: axisName, variants: { type: 'object', minProperties: 1, additionalProperties: { type: 'object' } } },
          },
          {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'bases'],
            properties: { name: axisName, bases: { type: 'object', minProperties: 1, additionalProperties: { type: 'string', minLength: 1 } } },
          },
        ],
      },
    },
  },
} as const;

export type Sweep = FromSchema<typeof sweepSchema>;
export type SweepAxis = Sweep['axes'][number];
