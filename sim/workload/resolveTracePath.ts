import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { InputError } from '../errors.js';

/**
 * Resolves a scenario's trace path against `baseDir` (the scenario file's folder) and checks that it is a
 * readable file; otherwise InputError(file, pointer, 'no such file ...').
 */
export function resolveTracePath(path: string, baseDir: string, file: string, pointer: string): string {
  const full = isAbsolute(path) ? path : resolve(baseDir, path);
  let isFile = false;
  try {
    isFile = statSync(full).isFile();
  } catch {
    throw new InputError(file, pointer, `no such file ${JSON.stringify(full)}` + (isAbsolute(path) ? '' : ` (${JSON.stringify(path)} resolved against ${baseDir})`));
  }
  if (!isFile) throw new InputError(file, pointer, `${JSON.stringify(full)} is not a file`);
  return full;
}
