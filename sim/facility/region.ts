/** Grid regions: `models/grid/<id>.json`, a shipped carbon-intensity (and optionally price) series with its source. */
import { join } from 'node:path';
import { listIds, loadDataFile } from '../model/dataFiles.js';
import { modelsDir } from '../paths.js';
import { regionSchema, type Region } from './facilitySchema.js';

export const gridDir = join(modelsDir, 'grid');

export function loadRegion(id: string, source = '--region', dir = gridDir): Region {
  return loadDataFile<Region>({ noun: 'grid region', schema: regionSchema }, id, source, dir);
}

export function knownRegionIds(dir = gridDir): string[] {
  return listIds(dir);
}
