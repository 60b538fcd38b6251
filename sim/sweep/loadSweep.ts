/**
 * Reads and validates a sweep file and its base scenario. Relative paths (the base, traces) resolve against the
 * sweep file's folder; messages name the files as the user wrote them.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { InputError } from '../errors.js';
import { schemaValidator } from '../schemaValidator.js';
import { packageRoot } from '../paths.js';
import { describeAjvError } from '../scenario/loadScenario.js';
import { type SweepFile, sweepSchema } from './sweepSchema.js';

let compiled: ValidateFunction | undefined;

export interface LoadedSweep {
  readonly sweep: SweepFile;
  /** The sweep file as named on the command line. */
  readonly file: string;
  /** The base scenario before any patch. */
  readonly baseRaw: unknown;
  /** Names the base in messages and in summaries without a scenario name: its path as the sweep file wrote it. */
  readonly baseFile: string;
  /** Relative paths in the base scenario resolve against this folder. */
  readonly baseDir: string;
}

export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(path, '', `cannot read the ${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(path, '', `not valid JSON (${(e as Error).message.replace(/\r?\n/g, ' ')})`);
  }
}

export function validateSweep(raw: unknown, file: string): SweepFile {
  // Precompiled at build time like every shipped schema: loading ajv here made every CLI run load it.
  compiled ??= schemaValidator('sweepFile', sweepSchema);
  if (!compiled(raw)) {
    const { place, detail } = describeAjvError(compiled.errors![0]);
    throw new InputError(file, place, detail);
  }
  return raw as SweepFile;
}

export function loadSweep(file: string): LoadedSweep {
  const sweep = validateSweep(readJsonFile(file, 'sweep file'), file);
  const dir = dirname(resolve(file));
  if (typeof sweep.base === 'string') {
    const basePath = resolve(dir, sweep.base);
    return { sweep, file, baseRaw: readJsonFile(basePath, 'base scenario'), baseFile: sweep.base, baseDir: dirname(basePath) };
  }
  return { sweep, file, baseRaw: sweep.base, baseFile: `${basename(file)}:/base`, baseDir: dir };
}

export function joulesimVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
}
