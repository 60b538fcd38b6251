/**
 * The build's precompiled validators (tools/precompileValidators.ts) must judge every input exactly as ajv compiling
 * the same schema at run time does: same verdict, same first error, same defaults filled in. Checked on every
 * shipped scenario, data file and profile, and on broken copies of them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { AJV_SETTINGS, ajvFor, type AjvSetting, schemaKey } from '../../sim/schemaValidator.js';
import { shippedSchemas, standaloneModule } from '../../tools/precompileValidators.js';

const root = resolve(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);

/** Loads generated CommonJS from a string, resolving its ajv runtime imports from the project. */
function loadModule(code: string): Record<string, ValidateFunction> {
  const module = { exports: {} as Record<string, ValidateFunction> };
  new Function('require', 'module', 'exports', code)(require, module, module.exports);
  return module.exports;
}

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return jsonFiles(p);
    return p.endsWith('.json') ? [p] : [];
  });
}

/** Copies of a document with one thing broken: a property removed, a wrong type, an unknown property. */
function brokenCopies(doc: unknown): unknown[] {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return [];
  const out: unknown[] = [{ ...doc, unexpected_property_x: 1 }];
  for (const key of Object.keys(doc)) {
    const without = { ...(doc as Record<string, unknown>) };
    delete without[key];
    out.push(without);
    out.push({ ...doc, [key]: typeof (doc as Record<string, unknown>)[key] === 'number' ? 'text' : -1 });
  }
  return out;
}

function verdict(validate: ValidateFunction, doc: unknown): { valid: boolean; error: unknown; filled: unknown } {
  const copy = structuredClone(doc);
  const valid = validate(copy) as boolean;
  const e = validate.errors?.[0];
  return { valid, error: valid ? null : { keyword: e?.keyword, instancePath: e?.instancePath, params: e?.params, message: e?.message }, filled: copy };
}

const inputs: Record<Exclude<AjvSetting, 'plugin'>, () => unknown[]> = {
  scenario: () => [...jsonFiles(join(root, 'scenarios')).filter((f) => !f.includes('sweeps')), ...jsonFiles(join(root, 'examples'))].map((f) => JSON.parse(readFileSync(f, 'utf8'))),
  data: () => ['architectures', 'gpus', 'stacks', 'power-states', 'grid', 'nodes'].flatMap((d) => jsonFiles(join(root, 'models', d))).map((f) => JSON.parse(readFileSync(f, 'utf8'))),
  profile: () => jsonFiles(join(root, 'calibration', 'profiles')).map((f) => JSON.parse(readFileSync(f, 'utf8'))),
  policyOptions: () => [{}, { max_queued: 4 }, { max_queued: -1 }, { unknown: true }, { batch_size: 8 }],
  sweep: () => jsonFiles(join(root, 'scenarios')).filter((f) => f.includes('sweep')).map((f) => JSON.parse(readFileSync(f, 'utf8'))),
  sweepFile: () => jsonFiles(join(root, 'examples', 'sweeps')).map((f) => JSON.parse(readFileSync(f, 'utf8'))),
};

describe('precompiled validators', () => {
  for (const [setting, schemas] of Object.entries(shippedSchemas()) as [Exclude<AjvSetting, 'plugin'>, object[]][]) {
    it(`${setting}: the standalone code judges like ajv at run time`, { timeout: 120_000 }, () => {
      const mod = loadModule(standaloneModule(setting, schemas));
      const docs = inputs[setting]();
      expect(docs.length).toBeGreaterThan(0);
      let checked = 0;
      for (const schema of schemas) {
        const pre = mod[schemaKey(setting, schema)];
        expect(pre, `a precompiled export for every ${setting} schema`).toBeTypeOf('function');
        const runtime = ajvFor(setting).compile(schema);
        for (const doc of docs.flatMap((d) => [d, ...brokenCopies(d)])) {
          expect(verdict(pre, doc)).toEqual(verdict(runtime, doc));
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(schemas.length);
    });
  }

  it('a schema changed after the build gets a different key, so its stale precompiled code is never used', () => {
    const schema = { type: 'object', properties: { a: { type: 'integer', minimum: 1 } } };
    const changed = { type: 'object', properties: { a: { type: 'integer', minimum: 2 } } };
    expect(schemaKey('data', schema)).not.toBe(schemaKey('data', changed));
    expect(schemaKey('data', schema)).toBe(schemaKey('data', structuredClone(schema)));
    expect(schemaKey('data', schema)).not.toBe(schemaKey('profile', schema));
    expect(Object.keys(AJV_SETTINGS)).toContain('plugin');
  });
});
