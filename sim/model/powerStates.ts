/**
 * GPU power states beyond busy and idle (`models/power-states/<gpu>.json`): what a GPU draws asleep and how long it
 * takes to wake, each with its source and confidence. Only GPUs with such a file can sleep in a simulation.
 */
import { join } from 'node:path';
import type { FromSchema } from 'json-schema-to-ts';
import { modelsDir } from '../paths.js';
import { listIds, loadDataFile } from './dataFiles.js';

const sourced = {
  type: 'object',
  additionalProperties: false,
  required: ['source', 'confidence'],
  properties: { source: { type: 'string', minLength: 1 }, confidence: { enum: ['measured', 'secondary', 'modelled'] } },
} as const;

export const powerStatesSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'sleep_w', 'sleep_w_source', 'wake_s', 'wake_s_source'],
  properties: {
    id: { type: 'string' },
    sleep_w: { type: 'number', exclusiveMinimum: 0, description: 'Watts per GPU while its replica sleeps.' },
    sleep_w_source: sourced,
    wake_s: { type: 'number', minimum: 0, description: 'Seconds from a wake-up call to serving again.' },
    wake_s_source: sourced,
  },
} as const;

export type PowerStates = FromSchema<typeof powerStatesSchema>;

export const powerStatesDir = join(modelsDir, 'power-states');

export function loadPowerStates(gpuId: string, source: string, dir = powerStatesDir): PowerStates {
  return loadDataFile<PowerStates>({ noun: 'GPU power-state file (models/power-states/) for', schema: powerStatesSchema }, gpuId, source, dir);
}

/** Whether a GPU has a power-state file (so its replicas can sleep). */
export function hasPowerStates(gpuId: string, dir = powerStatesDir): boolean {
  return listIds(dir).includes(gpuId);
}

/** GPUs with a power-state file. */
export function knownPowerStateIds(dir = powerStatesDir): string[] {
  return listIds(dir);
}
