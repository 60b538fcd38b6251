/** Model architectures: `models/architectures/<id>.json`, Hugging Face config numbers plus their source. */
import { join } from 'node:path';
import { modelsDir } from '../paths.js';
import { architectureSchema, type Architecture } from './architectureSchema.js';
import { listIds, loadDataFile } from './dataFiles.js';

export type { Architecture, MoeConfig } from './architectureSchema.js';

export const architecturesDir = join(modelsDir, 'architectures');

/** Loads and validates one architecture; `source` is what named the id (`--model`, a scenario file). */
export function loadArchitecture(id: string, source = '--model', dir = architecturesDir): Architecture {
  return loadDataFile<Architecture>({ noun: 'model architecture', schema: architectureSchema }, id, source, dir);
}

export function knownArchitectureIds(dir = architecturesDir): string[] {
  return listIds(dir);
}
