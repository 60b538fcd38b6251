/**
 * Scenario patches, the unit every sweep axis is made of: a JSON merge patch (RFC 7396: objects merge, null
 * deletes, anything else replaces) and/or JSON Patch operations (RFC 6902 add / replace / remove on JSON
 * pointers). A `--vary` setting, a policy with its options, or a hand-written change are all patches, so the sweep
 * needs no knowledge of what a setting means.
 */
import { InputError } from '../errors.js';

export interface PatchOperation {
  readonly op: 'add' | 'replace' | 'remove';
  readonly path: string;
  readonly value?: unknown;
}

export interface ScenarioPatch {
  readonly merge?: Record<string, unknown>;
  readonly json_patch?: readonly PatchOperation[];
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** RFC 7396 merge patch; returns a new value, the target is not modified. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

/** `/cluster/scheduler/batch_size` → ['cluster', 'scheduler', 'batch_size'] (with ~1 and ~0 unescaped). */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`a JSON pointer starts with "/", got "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** One RFC 6902 operation applied in place to `doc` (which must be a container). Errors are plain messages. */
function applyOperation(doc: unknown, op: PatchOperation): void {
  const tokens = parsePointer(op.path);
  if (tokens.length === 0) throw new Error('cannot patch the whole scenario with a pointer; use merge');
  let parent: unknown = doc;
  for (const t of tokens.slice(0, -1)) {
    const next = Array.isArray(parent) ? parent[Number(t)] : isPlainObject(parent) ? parent[t] : undefined;
    if (typeof next !== 'object' || next === null) throw new Error(`${op.path}: no object at "${t}" to patch into`);
    parent = next;
  }
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(i) || i < 0 || i > parent.length || (op.op !== 'add' && i >= parent.length)) throw new Error(`${op.path}: no array index ${last}`);
    if (op.op === 'add') parent.splice(i, 0, structuredClone(op.value));
    else if (op.op === 'replace') parent[i] = structuredClone(op.value);
    else parent.splice(i, 1);
    return;
  }
  const obj = parent as Record<string, unknown>;
  if (op.op !== 'add' && !(last in obj)) throw new Error(`${op.path}: nothing to ${op.op}`);
  if (op.op === 'remove') delete obj[last];
  else obj[last] = structuredClone(op.value);
}

/**
 * The scenario with `patches` applied in order (each: merge first, then its pointer operations). `where(i)` names
 * the i-th patch in error messages.
 */
export function applyPatches(scenario: unknown, patches: readonly ScenarioPatch[], where: (i: number) => { file: string; place: string }): unknown {
  let doc = structuredClone(scenario);
  patches.forEach((p, i) => {
    if (p.merge !== undefined) doc = applyMergePatch(doc, p.merge);
    for (const op of p.json_patch ?? []) {
      try {
        applyOperation(doc, op);
      } catch (e) {
        const { file, place } = where(i);
        throw new InputError(file, place, `json_patch ${op.op} ${(e as Error).message}`);
      }
    }
  });
  return doc;
}
