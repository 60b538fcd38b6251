import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { InputError } from '../../sim/errors.js';
import type { RequestSource, RequestSpec } from '../../sim/workload/request.js';

export const here = dirname(fileURLToPath(import.meta.url));
export const fixtures = join(here, '..', 'fixtures', 'workload');
export const shippedTraces = join(here, '..', '..', 'scenarios', 'traces');

/** A temp folder for this test file, removed after its tests. */
export function tempDir(): { write(name: string, content: string | Buffer): string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'joulesim-workload-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    write(name, content) {
      const p = join(dir, name);
      writeFileSync(p, content);
      return p;
    },
  };
}

export function all(src: Iterable<RequestSpec>): RequestSpec[] {
  return [...src];
}

export function arrivals(src: RequestSource): number[] {
  return [...src].map((r) => r.arrivalSeconds);
}

/** Runs fn, expects an InputError, and returns it. */
export function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError, none was thrown');
}
