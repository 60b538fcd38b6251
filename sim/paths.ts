import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root (the folder holding package.json). Data files (models/, calibration/profiles/, scenarios/)
 * are found from here, so the same code works from sim/*.ts under vitest and from dist/sim/*.js.
 */
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'models'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('joulesim: cannot find the package root from ' + import.meta.url);
    dir = parent;
  }
}

export const packageRoot = findPackageRoot();
export const modelsDir = join(packageRoot, 'models');
export const profilesDir = join(packageRoot, 'calibration', 'profiles');
export const scenariosDir = join(packageRoot, 'scenarios');
