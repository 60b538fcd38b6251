/** Embodied carbon per GPU board: `models/embodied/gpus.json`, one sourced number per GPU id. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { modelsDir } from '../paths.js';
import type { SourcedNumber } from './nodeSchema.js';

export const embodiedGpusFile = join(modelsDir, 'embodied', 'gpus.json');

let cached: Record<string, SourcedNumber> | null = null;

export function gpuEmbodiedKgco2e(gpuId: string, source: string): SourcedNumber {
  cached ??= (JSON.parse(readFileSync(embodiedGpusFile, 'utf8')) as { gpus: Record<string, SourcedNumber> }).gpus;
  const n = cached[gpuId];
  if (!n) throw new InputError(source, '', `no embodied carbon for GPU '${gpuId}' in models/embodied/gpus.json; set facility.embodied to false or add it`);
  return n;
}
