/**
 * Loading of the `models/` data files (architectures, GPUs, stacks): one JSON file per id, validated against
 * its JSON Schema on first load and cached. Every failure is an InputError the CLI prints as one line.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ErrorObject } from 'ajv';
import { InputError } from '../errors.js';
import { schemaValidator } from '../schemaValidator.js';

const cache = new Map<string, unknown>();

/** Ids are file names, so only plain names are looked up (no `../`, no separators). */
const idPattern = /^[a-z0-9][a-z0-9._-]*$/;

export interface DataKind {
  /** Used in messages: `unknown GPU 'x'`. */
  readonly noun: string;
  readonly schema: object;
}

/** The ids present in a folder: its `*.json` file names, sorted. An absent folder has none. */
export function listIds(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/**
 * Reads `<dir>/<id>.json`, validates it and caches it by path. `source` names where the id came from (a flag
 * like `--gpu`, or a scenario file) so an unknown id is reported against what the user typed.
 */
export function loadDataFile<T>(kind: DataKind, id: string, source: string, dir: string): T {
  const known = listIds(dir);
  if (!idPattern.test(id) || !known.includes(id)) {
    throw new InputError(source, '', `unknown ${kind.noun} '${id}'; known: ${known.join(', ') || '(none)'}`);
  }
  const file = join(dir, `${id}.json`);
  const cached = cache.get(file);
  if (cached !== undefined) return cached as T;

  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(file, '', `invalid JSON: ${(e as Error).message}`);
  }
  // Default strictness: unknown keywords in our own schemas are errors; only the first error is reported.
  const validate = schemaValidator('data', kind.schema);
  if (!validate(data)) {
    const error = validate.errors![0]!;
    throw new InputError(file, error.instancePath || '/', readableError(error));
  }
  const fileId = (data as { id: string }).id;
  if (fileId !== id) throw new InputError(file, '/id', `id '${fileId}' does not match the file name '${id}.json'`);
  cache.set(file, data);
  return data as T;
}

/** ajv's message, reworded where it is cryptic, on one line. */
function readableError(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperty':
    case 'additionalProperties':
      return `unexpected property '${String(p.additionalProperty)}'`;
    case 'required':
      return `missing required property '${String(p.missingProperty)}'`;
    case 'enum':
      return `must be one of: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return e.message ?? `fails ${e.keyword}`;
  }
}
