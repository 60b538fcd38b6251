/**
 * The sweep file (`format: "joulesim-sweep/1"`): a base scenario, its axes and the filters that drop combinations.
 * One JSON Schema is both the type (json-schema-to-ts) and the validation (ajv).
 */
import type { FromSchema } from 'json-schema-to-ts';
import { VARY_KEYS } from '../compare/vary.js';

const patchOperationSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['op', 'path'],
  properties: {
    op: { enum: ['add', 'replace', 'remove'] },
    path: { type: 'string', description: 'JSON pointer into the scenario, e.g. /cluster/scheduler/batch_size' },
    value: {},
  },
} as const;

const patchProperties = {
  merge: { type: 'object', description: 'JSON merge patch (RFC 7396) over the scenario: objects merge, null deletes' },
  json_patch: { type: 'array', items: patchOperationSchema, description: 'JSON Patch operations (RFC 6902 add, replace, remove)' },
} as const;

const axisValueSchema = { type: ['string', 'number', 'boolean'] } as const;

export const sweepSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['format', 'base', 'axes'],
  properties: {
    format: { const: 'joulesim-sweep/1' },
    name: { type: 'string' },
    base: {
      description: 'the base scenario: a path relative to the sweep file, or the scenario itself',
      oneOf: [{ type: 'string', minLength: 1 }, { type: 'object' }],
    },
    base_patch: { type: 'object', additionalProperties: false, properties: patchProperties, description: 'applied to the base before any axis' },
    axes: {
      type: 'array',
      minItems: 1,
      items: {
        oneOf: [
          {
            type: 'object',
            additionalProperties: false,
            required: ['vary', 'values'],
            properties: { vary: { enum: VARY_KEYS }, values: { type: 'array', minItems: 1, items: axisValueSchema } },
          },
          {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'patches'],
            properties: {
              name: { type: 'string', pattern: '^[a-z0-9][a-z0-9_.-]*$' },
              patches: {
                type: 'array',
                minItems: 1,
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['label'],
                  properties: { label: { type: 'string', minLength: 1, pattern: '^[^\\s,]+$' }, ...patchProperties },
                },
              },
            },
          },
        ],
      },
    },
    filters: {
      type: 'array',
      items: {
        oneOf: [
          {
            type: 'object',
            additionalProperties: false,
            required: ['drop'],
            properties: { drop: { enum: ['model_does_not_fit', 'cap_below_busy_floor', 'cannot_build'] } },
          },
          {
            type: 'object',
            additionalProperties: false,
            required: ['drop', 'match', 'reason'],
            properties: {
              drop: { const: 'where' },
              match: { type: 'object', minProperties: 1, additionalProperties: { oneOf: [axisValueSchema, { type: 'array', minItems: 1, items: axisValueSchema }] } },
              reason: { type: 'string', minLength: 1 },
            },
          },
        ],
      },
    },
  },
} as const;

export type SweepFile = FromSchema<typeof sweepSchema>;
