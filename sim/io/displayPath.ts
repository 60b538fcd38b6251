/**
 * Paths as outputs record them: relative to the package when inside it (a bundled scenario, trace or profile),
 * else relative to the working directory when under it, so the same run from another folder, or another machine, gives the same bytes
 * without leaking where anything is installed.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
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
