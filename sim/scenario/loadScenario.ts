/**
 * Reads a scenario file, applies command-line overrides, fills defaults and validates it against the schema.
 * Every problem is an InputError naming the file and the JSON path.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { describeAjvError } from '../ajvError.js';
import { InputError } from '../errors.js';

export { describeAjvError } from '../ajvError.js';
import { type Scenario, scenarioSchema } from './scenarioSchema.js';

// strictRequired is off because discriminated oneOf branches declare `kind`, not the parent.
const ajv = new Ajv({ useDefaults: true, discriminator: true, allErrors: false, strict: true, strictRequired: false });
let compiled: ValidateFunction | undefined;
function validator(): ValidateFunction {
  compiled ??= ajv.compile(scenarioSchema);
  return compiled;
}

export interface LoadedScenario {
  readonly scenario: Scenario;
  /** Relative paths inside the scenario resolve against this folder. */
  readonly baseDir: string;
  /** The file, for messages. */
  readonly file: string;
}

/** Deep-merges plain objects (overrides win); arrays and scalars replace. */
function merge(base: unknown, over: unknown): unknown {
  if (typeof base !== 'object' || base === null || Array.isArray(base)) return over;
  if (typeof over !== 'object' || over === null || Array.isArray(over)) return over;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over as Record<string, unknown>)) out[k] = k in out ? merge(out[k], v) : v;
  return out;
}

export function parseScenario(raw: unknown, file: string, baseDir: string, overrides: object = {}): LoadedScenario {
  const merged = merge(raw, overrides);
  const validate = validator();
  if (!validate(merged)) {
    const { place, detail } = describeAjvError(validate.errors![0]);
    throw new InputError(file, place, detail);
  }
  return { scenario: merged as Scenario, baseDir, file };
}

export function loadScenario(path: string, overrides: object = {}): LoadedScenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError(path, '', 'cannot read the scenario file');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError(path, '', `not valid JSON (${(e as Error).message})`);
  }
  return parseScenario(raw, path, dirname(resolve(path)), overrides);
}
