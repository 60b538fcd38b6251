/**
 * Paths as outputs record them: relative to the package when inside it (a bundled scenario, trace or profile),
 * else relative to the working directory when under it, so the same run from another folder, or another machine, gives the same bytes
 * without leaking where anything is installed.
 */
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
import { packageRoot } from '../paths.js';

function inside(base: string, path: string): string | null {
  const r = relative(base, path);
  return r !== '' && !r.startsWith('..') && !isAbsolute(r) ? r : null;
}

export function displayPath(path: string, cwd: string = process.cwd()): string {
  if (!isAbsolute(path)) return path;
  const abs = resolve(path);
  const rel = inside(packageRoot, abs) ?? inside(resolve(cwd), abs);
  return (rel ?? abs).split(sep).join('/');
}

/**
 * A scenario file as outputs name it (when it has no `name`): relative to the package for a bundled scenario, else
 * its file name. Paths inside a scenario are relative to its folder, so this keeps a run's outputs the same bytes
 * from any working directory.
 */
export function scenarioLabel(path: string): string {
  return inside(packageRoot, resolve(path))?.split(sep).join('/') ?? basename(path);
}
