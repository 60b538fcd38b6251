/**
 * Loading and expanding sweep files (see sweepSchema.ts): every point is a base scenario file plus a partial
 * scenario of overrides, labelled by its axis values.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { schemaValidator } from '../schemaValidator.js';
import { describeAjvError } from '../ajvError.js';
import { type Sweep, sweepSchema } from './sweepSchema.js';

function validator() {
  return schemaValidator('sweep', sweepSchema);
}

export type AxisValue = string | number | boolean;

export interface SweepPoint {
  /** Axis name → the value (or variant / base label) this point takes, in axis order. */
  readonly labels: Readonly<Record<string, AxisValue>>;
  /** `batch=8 input=512`. */
  readonly key: string;
  /** Absolute path of the base scenario. */
  readonly baseFile: string;
  /** Partial scenario merged over the base. */
  readonly overrides: Record<string, unknown>;
}

export interface LoadedSweep {
  readonly sweep: Sweep;
  readonly file: string;
  readonly points: SweepPoint[];
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Deep merge of plain objects (later wins; arrays and scalars replace), as the scenario loader merges. */
export function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = isPlainObject(out[k]) && isPlainObject(v) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
  return out;
}

/** `cluster.scheduler.batch_size`, 8 → { cluster: { scheduler: { batch_size: 8 } } }. */
export function atPath(path: string, value: unknown): Record<string, unknown> {
  const keys = path.split('.');
  let out: unknown = value;
  for (let i = keys.length - 1; i >= 0; i--) out = { [keys[i]]: out };
  return out as Record<string, unknown>;
}

export function parseSweep(raw: unknown, file: string): LoadedSweep {
  const validate = validator();
  if (!validate(raw)) {
    const { place, detail } = describeAjvError(validate.errors![0]);
    throw new InputError(file, place, detail);
  }
  const sweep = raw as Sweep;
  const dir = dirname(resolve(file));
  const baseAxes = sweep.axes.filter((a) => 'bases' in a);
  if (baseAxes.length > 1) throw new InputError(file, '/axes', 'at most one axis may give bases');
  if (baseAxes.length === 0 && sweep.base === undefined) throw new InputError(file, '', "missing 'base' (or an axis with bases)");
  if (baseAxes.length === 1 && sweep.base !== undefined) throw new InputError(file, '/base', "give either 'base' or an axis with bases, not both");
  const names = new Set<string>();
  for (const a of sweep.axes) {
    if (names.has(a.name)) throw new InputError(file, '/axes', `two axes are named '${a.name}'`);
    names.add(a.name);
  }
  let points: { labels: Record<string, AxisValue>; base?: string; overrides: Record<string, unknown> }[] = [{ labels: {}, overrides: {} }];
  for (const axis of sweep.axes) {
    const next: typeof points = [];
    for (const p of points) {
      if ('values' in axis) {
        for (const v of axis.values) next.push({ ...p, labels: { ...p.labels, [axis.name]: v }, overrides: deepMerge(p.overrides, atPath(axis.path, v)) });
      } else if ('variants' in axis) {
        for (const [label, over] of Object.entries(axis.variants)) {
          next.push({ ...p, labels: { ...p.labels, [axis.name]: label }, overrides: deepMerge(p.overrides, over as Record<string, unknown>) });
        }
      } else {
        for (const [label, base] of Object.entries(axis.bases)) next.push({ ...p, labels: { ...p.labels, [axis.name]: label }, base });
      }
    }
    points = next;
  }
  return {
    sweep,
    file,
    points: points.map((p) => ({
      labels: p.labels,
      key: Object.entries(p.labels).map(([k, v]) => `${k}=${String(v)}`).join(' '),
      baseFile: resolve(dir, (p.base ?? sweep.base)!),
      overrides: p.overrides,
    })),
  };
}

export function loadSweep(path: string): LoadedSweep {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new InputError(path, '', `cannot read the sweep file (${(e as Error).message})`);
  }
  return parseSweep(raw, path);
}

/** Every `*.sweep.json` in a folder, sorted by file name. */
export function loadSweeps(dir: string): LoadedSweep[] {
  if (!existsSync(dir)) throw new InputError(dir, '', 'no such folder of sweep files');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sweep.json'))
    .sort()
    .map((f) => loadSweep(join(dir, f)));
}
