/**
 * Reads a scenario file, applies command-line overrides, fills defaults and validates it against the schema.
 * Every problem is an InputError naming the file and the JSON path.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describeAjvError } from '../ajvError.js';
import { InputError } from '../errors.js';
import { schemaValidator } from '../schemaValidator.js';

export { describeAjvError } from '../ajvError.js';
import { type FlagPlaces, sourceOf } from '../inputSource.js';
import { type Scenario, scenarioSchema } from './scenarioSchema.js';

function validator() {
  return schemaValidator('scenario', scenarioSchema);
}

export interface LoadedScenario {
  readonly scenario: Scenario;
  /** Relative paths inside the scenario resolve against this folder. */
  readonly baseDir: string;
  /** The file, for messages. */
  readonly file: string;
  /** Values set by command-line flags, so that errors about them name the flag (sim/inputSource.ts). */
  readonly flagPlaces?: FlagPlaces;
  /** The flags that changed the scenario as given (`--stack hf-eager`), for titles; empty when none did. */
  readonly changedBy?: string;
}

/** Deep-merges plain objects (overrides win); arrays and scalars replace; null deletes (as a JSON merge patch). */
function merge(base: unknown, over: unknown): unknown {
  if (typeof over !== 'object' || over === null || Array.isArray(over)) return over;
  const out: Record<string, unknown> = typeof base === 'object' && base !== null && !Array.isArray(base) ? { ...(base as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(over as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = merge(out[k], v);
  }
  return out;
}

export interface FlagOrigin {
  readonly flagPlaces?: FlagPlaces;
  readonly changedBy?: string;
}

export function parseScenario(raw: unknown, file: string, baseDir: string, overrides: object = {}, origin: FlagOrigin = {}): LoadedScenario {
  const merged = merge(raw, overrides);
  const validate = validator();
  if (!validate(merged)) {
    const { place, detail } = describeAjvError(validate.errors![0]);
    const src = sourceOf(file, origin.flagPlaces, place);
    throw new InputError(src.file, src.place, detail);
  }
  return { scenario: merged as Scenario, baseDir, file, ...origin };
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
