/**
 * JSON Schema of a scenario's `workload` section. It is the single source of both the TypeScript type
 * (json-schema-to-ts `FromSchema`) and the runtime validation (ajv), so the two cannot drift.
 */
import type { FromSchema } from 'json-schema-to-ts';

const tokenRange = {
  type: 'object',
  additionalProperties: false,
  required: ['min', 'max'],
  properties: {
    min: { type: 'integer', minimum: 1 },
    max: { type: 'integer', minimum: 1 },
  },
} as const;

const lognormalTokens = {
  type: 'object',
  additionalProperties: false,
  required: ['mean', 'std'],
  description: 'Lognormal with this mean and standard deviation (tokens), rounded, clamped to [min, max].',
  properties: {
    mean: { type: 'number', exclusiveMinimum: 0 },
    std: { type: 'number', minimum: 0 },
    min: { type: 'integer', minimum: 1 },
    max: { type: 'integer', minimum: 1 },
  },
} as const;

export const traceFormats = ['auto', 'csv', 'azure', 'burstgpt', 'mooncake'] as const;

export const lengthsSchema = {
  description: 'How request lengths are drawn for synthetic arrivals.',
  type: 'object',
  discriminator: { propertyName: 'kind' },
  required: ['kind'],
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'path'],
      description: 'Resample (input, output) pairs jointly, uniformly with replacement, from a trace.',
      properties: {
        kind: { const: 'trace' },
        path: { type: 'string', minLength: 1 },
        format: { enum: traceFormats },
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'input', 'output'],
      properties: { kind: { const: 'lognormal' }, input: lognormalTokens, output: lognormalTokens },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'input', 'output'],
      properties: { kind: { const: 'uniform' }, input: tokenRange, output: tokenRange },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'input_tokens', 'output_tokens'],
      properties: {
        kind: { const: 'fixed' },
        input_tokens: { type: 'integer', minimum: 1 },
        output_tokens: { type: 'integer', minimum: 1 },
      },
    },
  ],
} as const;

export const workloadSchema = {
  type: 'object',
  discriminator: { propertyName: 'kind' },
  required: ['kind'],
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'path'],
      description: 'Replay a trace file. Relative paths resolve against the scenario file.',
      properties: {
        kind: { const: 'trace' },
        path: { type: 'string', minLength: 1 },
        format: { enum: traceFormats, default: 'auto' },
        offline: { type: 'boolean', description: 'Every request arrives at t = 0 (the paper setting).' },
        limit: { type: 'integer', minimum: 1, description: 'Use only the first N requests.' },
        time_scale: {
          type: 'number',
          exclusiveMinimum: 0,
          description: 'Multiply inter-arrival times by this (0.5 = twice the request rate).',
        },
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'arrival', 'lengths'],
      description: 'Seeded synthetic arrivals. Give count, duration_s, or both (whichever ends first).',
      properties: {
        kind: { const: 'synthetic' },
        arrival: {
          type: 'object',
          additionalProperties: false,
          required: ['process'],
          properties: {
            process: { enum: ['poisson', 'gamma', 'offline'] },
            rate_per_s: { type: 'number', exclusiveMinimum: 0 },
            cv: {
              type: 'number',
              exclusiveMinimum: 0,
              description: 'Gamma only: coefficient of variation of inter-arrival times (1 = Poisson, >1 = bursty).',
            },
            diurnal: {
              type: 'object',
              additionalProperties: false,
              required: ['amplitude'],
              description: 'Poisson only: a day-periodic rate, rate_per_s × (1 + amplitude × cos(2π (t − peak_s) / 86400 s)); rate_per_s is the mean.',
              properties: {
                amplitude: { type: 'number', minimum: 0, maximum: 1, description: 'Relative swing around the mean rate (0.5: from half to one and a half times it).' },
                peak_s: { type: 'number', description: 'Run time of the daily peak, seconds (default 0).' },
              },
            },
          },
        },
        count: { type: 'integer', minimum: 1 },
        duration_s: { type: 'number', exclusiveMinimum: 0 },
        lengths: lengthsSchema,
        seed: { type: 'integer', description: 'Defaults to the scenario seed.' },
        offline: { type: 'boolean' },
      },
    },
  ],
} as const;

export type WorkloadConfig = FromSchema<typeof workloadSchema>;
export type LengthsConfig = FromSchema<typeof lengthsSchema>;
export type TraceFormat = (typeof traceFormats)[number];
