/** GPUs: `models/gpus/<id>.json`, datasheet numbers with their sources and confidence. */
import { join } from 'node:path';
import { modelsDir } from '../paths.js';
import { listIds, loadDataFile } from './dataFiles.js';
import { gpuSchema, type Gpu } from './gpuSchema.js';

export type { Confidence, Gpu } from './gpuSchema.js';

export const gpusDir = join(modelsDir, 'gpus');

/** Loads and validates one GPU; `source` is what named the id (`--gpu`, a scenario file). */
export function loadGpu(id: string, source = '--gpu', dir = gpusDir): Gpu {
  return loadDataFile<Gpu>({ noun: 'GPU', schema: gpuSchema }, id, source, dir);
}

export function knownGpuIds(dir = gpusDir): string[] {
  return listIds(dir);
}
