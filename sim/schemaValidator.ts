/**
 * One place that turns a JSON Schema into a validate function. The build (tools/precompileValidators.ts) writes
 * ajv's standalone code for every schema the project ships, keyed by the ajv settings and a hash of the schema's
 * JSON; at run time a schema whose key is in that file uses the precompiled function, and any other schema (a
 * plug-in's, or ours when running from the TypeScript sources) is compiled by ajv on first use. So the one JSON
 * Schema stays the source of types and validation, a stale precompiled file can never be used (its key would not
 * match), and a CLI run neither loads ajv nor compiles anything: that was most of its start-up time.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Ajv, Options, ValidateFunction } from 'ajv';
import { packageRoot } from './paths.js';

/** The ajv settings the project uses, by name (the precompiled file is one module per setting). */
export const AJV_SETTINGS = {
  /** models/ data files: default strictness, first error only. */
  data: {},
  /** calibration profiles. */
  profile: { strict: false },
  /**
   * scenarios: defaults filled in; strictRequired off because discriminated oneOf branches declare `kind`; verbose,
   * so errors carry the offending value and its schema (a message can say what was found and give an example).
   */
  scenario: { useDefaults: true, discriminator: true, allErrors: false, strict: true, strictRequired: false, verbose: true },
  /** the options of registry entries. */
  policyOptions: { useDefaults: true, strict: false },
  /** plug-in modules' own options schemas (never precompiled: they are the user's). */
  plugin: { useDefaults: true, allErrors: false, strict: false },
  /** sweep files (reproduce). */
  sweep: { useDefaults: true, strict: true, strictRequired: false, allowUnionTypes: true },
  /** `joulesim sweep` files (sim/sweep/). */
  sweepFile: { allErrors: false, strict: true, allowUnionTypes: true, strictRequired: false },
} as const satisfies Record<string, Options>;

export type AjvSetting = keyof typeof AJV_SETTINGS;

/** The key of a schema under a setting: the precompiled file's export name. */
export function schemaKey(setting: AjvSetting, schema: object): string {
  return `${setting}_${createHash('sha256').update(JSON.stringify(schema)).digest('hex').slice(0, 24)}`;
}

/**
 * Where the build writes the precompiled module for a setting. Found from the package root, not from this file, so
 * the bundled CLI (dist/bundle/) and the TypeScript sources find it too; its keys keep a stale one from being used.
 */
export function precompiledPath(setting: AjvSetting): string {
  return join(packageRoot, 'dist', 'sim', 'precompiledValidators', `${setting}.cjs`);
}

const require = createRequire(import.meta.url);
const precompiledModules = new Map<AjvSetting, Record<string, ValidateFunction> | null>();
const ajvs = new Map<AjvSetting, Ajv>();
const bySchema = new Map<object, ValidateFunction>();

function precompiled(setting: AjvSetting): Record<string, ValidateFunction> | null {
  let mod = precompiledModules.get(setting);
  if (mod === undefined) {
    const path = precompiledPath(setting);
    mod = existsSync(path) ? (require(path) as Record<string, ValidateFunction>) : null;
    precompiledModules.set(setting, mod);
  }
  return mod;
}

/** ajv itself, loaded only when a schema has no precompiled function (ajv is CommonJS, so require is synchronous). */
export function ajvFor(setting: AjvSetting): Ajv {
  let ajv = ajvs.get(setting);
  if (!ajv) {
    const { Ajv: AjvClass } = require('ajv') as typeof import('ajv');
    ajv = new AjvClass(AJV_SETTINGS[setting]);
    ajvs.set(setting, ajv);
  }
  return ajv;
}

/** The validate function of a schema, cached by the schema object. Throws ajv's error for an invalid schema. */
export function schemaValidator(setting: AjvSetting, schema: object): ValidateFunction {
  if (setting === 'plugin') return ajvFor(setting).compile(schema);
  let validate = bySchema.get(schema);
  if (!validate) {
    validate = precompiled(setting)?.[schemaKey(setting, schema)] ?? ajvFor(setting).compile(schema);
    bySchema.set(schema, validate);
  }
  return validate;
}
