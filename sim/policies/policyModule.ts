/**
 * Plug-in policy modules: a JS module (or TS compiled to JS) named in a scenario — `{"module": "./x.js",
 * "options": {...}}`, the path relative to the scenario file — or handed to `simulate(scenario, { policies })`.
 * Loading is asynchronous (dynamic import), so it happens before a run is built; building is then synchronous.
 * A module exports the JSON Schema of its options (`optionsSchema`) and a factory per slot it fills.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { schemaValidator } from '../schemaValidator.js';
import { InputError } from '../errors.js';
import { PolicyError } from '../policyError.js';
import type { PolicyModuleExports } from '../serving/policyApi.js';

/** The slots a plug-in can fill, with the factory each needs. */
export const POLICY_SLOTS = {
  scheduler: 'createBatchingPolicy',
  router: 'createRouter',
  admission: 'createAdmissionPolicy',
  power: 'createPowerController',
} as const;
export type PolicySlot = keyof typeof POLICY_SLOTS;

export interface LoadedPolicyModule {
  /** As the scenario named it, for messages. */
  readonly name: string;
  readonly exports: PolicyModuleExports;
  /** Validated options (defaults from the module's schema filled in). */
  readonly options: Record<string, unknown>;
}

/** Loaded modules by slot, for one scenario. */
export type LoadedPolicies = { readonly [S in PolicySlot]?: LoadedPolicyModule };

/** A module's exports given directly (simulate's `policies`), by slot. */
export type PolicyObjects = { readonly [S in PolicySlot]?: PolicyModuleExports };

/** Checks a module's exports for a slot and validates its options against the schema it exports. */
export function acceptPolicyModule(slot: PolicySlot, name: string, exports: unknown, options: unknown): LoadedPolicyModule {
  const factory = POLICY_SLOTS[slot];
  if (typeof exports !== 'object' || exports === null || typeof (exports as Record<string, unknown>)[factory] !== 'function') {
    throw new PolicyError(name, `does not export ${factory}(), which a ${slot} plug-in needs (docs/POLICIES.md)`);
  }
  const ex = exports as PolicyModuleExports;
  const schema = ex.optionsSchema ?? { type: 'object', additionalProperties: false };
  let validate;
  try {
    validate = schemaValidator('plugin', schema);
  } catch (e) {
    throw new PolicyError(name, `optionsSchema is not a valid JSON Schema (${(e as Error).message})`);
  }
  const copy = structuredClone(options ?? {});
  if (!validate(copy)) {
    const err = validate.errors![0];
    throw new PolicyError(name, `options${err.instancePath || ''} ${err.message ?? 'invalid'}${err.keyword === 'additionalProperties' ? ` ('${(err.params as { additionalProperty: string }).additionalProperty}')` : ''}`);
  }
  return { name, exports: ex, options: copy as Record<string, unknown> };
}

/** Imports a module named in a scenario (relative to the scenario's folder). */
export async function importPolicyModule(slot: PolicySlot, file: string, place: string, spec: string, baseDir: string, options: unknown): Promise<LoadedPolicyModule> {
  const path = isAbsolute(spec) ? spec : resolve(baseDir, spec);
  let exports: unknown;
  try {
    exports = await import(pathToFileURL(path).href);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes(path)) throw new InputError(file, place, `cannot find the policy module ${spec}`);
    throw new PolicyError(spec, `failed to load: ${String((e as Error).message).split(/\r?\n/)[0]}`);
  }
  return acceptPolicyModule(slot, spec, exports, options);
}
