/**
 * What a comparison varies: `--vary KEY=V1,V2,...` axes, checked value by value, and their cross product. Each value
 * becomes a partial scenario merged over the base, so it is validated by the same JSON Schema as a run's flags.
 */
import { InputError } from '../errors.js';
import { loadArchitecture } from '../model/architecture.js';
import { loadGpu } from '../model/gpu.js';
import { KV_CACHE_DTYPES, WEIGHT_DTYPES } from '../model/precision.js';
import { LINK_KINDS } from '../model/kvTransfer.js';
import { loadStack } from '../model/stack.js';
import { ADMISSION_NAMES } from '../policies/admission/admissionRegistry.js';
import { POWER_CONTROLLER_NAMES } from '../policies/power/powerRegistry.js';
import { ROUTER_NAMES } from '../policies/router/routerRegistry.js';
import { SCHEDULER_NAMES } from '../policies/scheduler/schedulerRegistry.js';
import { loadNodeType } from '../facility/nodeType.js';
import { loadRegion } from '../facility/region.js';
import { formatRegionGroups, parseRegionGroups, regionGroupsOverride } from '../facility/regionGroupsFlag.js';

/** Keys `--vary` accepts, in the order the help text lists them. */
export const VARY_KEYS = [
  'gpu',
  'model',
  'stack',
  'scheduler',
  'batch-size',
  'power-cap-w',
  'tp',
  'replicas',
  'router',
  'chunked-prefill',
  'cost-model',
  'power-controller',
  'admission',
  'region',
  'regions',
  'pue',
  'node-type',
  'weight-dtype',
  'kv-cache-dtype',
  'prefix-caching',
  'link',
  'prefill-gpu',
  'prefill-tp',
  'prefill-replicas',
  'decode-gpu',
  'decode-tp',
  'decode-replicas',
] as const;

export type VaryKey = (typeof VARY_KEYS)[number];
export type VaryValue = string | number | boolean;
/** Axes of a comparison: key → values, in the order given (the first value of every axis is the baseline). */
export type VaryAxes = { readonly [K in VaryKey]?: readonly VaryValue[] };

export interface Axis {
  readonly key: VaryKey;
  readonly values: readonly VaryValue[];
}

export interface VariantSpec {
  /** `gpu=h100-sxm batch-size=32`; the base scenario itself when nothing varies. */
  readonly label: string;
  readonly settings: { readonly [K in VaryKey]?: VaryValue };
  /** Partial scenario (cluster and facility sections) merged over the base. */
  readonly overrides: Record<string, unknown>;
}

function isVaryKey(k: string): k is VaryKey {
  return (VARY_KEYS as readonly string[]).includes(k);
}

const where = (key: string) => `--vary ${key}`;

function positiveInteger(key: string, v: VaryValue): number {
  const s = String(v).trim();
  if (!/^\d+$/.test(s) || Number(s) < 1) throw new InputError(where(key), '', `expected a positive integer, got "${String(v)}"`);
  return Number(s);
}

function choice(key: string, v: VaryValue, allowed: readonly string[]): string {
  const s = String(v).trim();
  if (!allowed.includes(s)) throw new InputError(where(key), '', `unknown value "${s}"; expected one of ${allowed.join(', ')}`);
  return s;
}

/** Checks one value and returns it in canonical form (numbers as numbers, switches as booleans). */
export function normalizeVaryValue(key: VaryKey, v: VaryValue): VaryValue {
  switch (key) {
    case 'gpu':
    case 'prefill-gpu':
    case 'decode-gpu':
      return loadGpu(String(v).trim(), where(key)).id;
    case 'link':
      return choice(key, v, LINK_KINDS);
    case 'model':
      return loadArchitecture(String(v).trim(), where(key)).id;
    case 'stack':
      return loadStack(String(v).trim(), where(key)).id;
    case 'scheduler':
      return choice(key, v, SCHEDULER_NAMES);
    case 'router':
      return choice(key, v, ROUTER_NAMES);
    case 'power-controller':
      return choice(key, v, POWER_CONTROLLER_NAMES);
    case 'admission':
      return choice(key, v, ADMISSION_NAMES);
    case 'cost-model':
      return choice(key, v, ['auto', 'calibrated', 'roofline']);
    case 'weight-dtype':
      return choice(key, v, WEIGHT_DTYPES);
    case 'kv-cache-dtype':
      return choice(key, v, KV_CACHE_DTYPES);
    case 'batch-size':
    case 'tp':
    case 'replicas':
    case 'prefill-tp':
    case 'prefill-replicas':
    case 'decode-tp':
    case 'decode-replicas':
      return positiveInteger(key, v);
    case 'power-cap-w': {
      const s = String(v).trim();
      const x = Number(s);
      if (s === '' || !Number.isFinite(x) || x <= 0) throw new InputError(where(key), '', `expected a positive number of watts, got "${String(v)}"`);
      return x;
    }
    case 'region':
      return loadRegion(String(v).trim(), where(key)).id;
    case 'regions':
      return formatRegionGroups(parseRegionGroups(String(v).trim(), where(key)));
    case 'node-type':
      return loadNodeType(String(v).trim(), where(key)).id;
    case 'pue': {
      const s = String(v).trim();
      const x = Number(s);
      if (s === '' || !Number.isFinite(x) || x < 1) throw new InputError(where(key), '', `expected a PUE of at least 1, got "${String(v)}"`);
      return x;
    }
    case 'chunked-prefill':
    case 'prefix-caching': {
      if (typeof v === 'boolean') return v;
      const s = String(v).trim();
      if (s === 'true' || s === 'on') return true;
      if (s === 'false' || s === 'off') return false;
      throw new InputError(where(key), '', `expected true, false, on or off, got "${s}"`);
    }
  }
}

/** The partial scenario that sets `key` to `value` (merged into `into`). */
function applySetting(into: Record<string, unknown>, key: VaryKey, value: VaryValue): void {
  const cluster = (into.cluster ??= {}) as Record<string, unknown>;
  const scheduler = () => (cluster.scheduler ??= {}) as Record<string, unknown>;
  switch (key) {
    case 'gpu':
    case 'model':
    case 'stack':
    case 'tp':
    case 'replicas':
    case 'router':
      cluster[key] = value;
      break;
    case 'power-cap-w':
      cluster.power_cap_w = value;
      break;
    case 'cost-model':
      cluster.cost_model = value;
      break;
    case 'weight-dtype':
      cluster.weight_dtype = value;
      break;
    case 'kv-cache-dtype':
      cluster.kv_cache_dtype = value;
      break;
    case 'prefix-caching':
      scheduler().prefix_caching = value;
      break;
    case 'power-controller':
      cluster.power_controller = value;
      break;
    case 'admission':
      cluster.admission = value;
      break;
    case 'scheduler':
      scheduler().kind = value;
      break;
    case 'batch-size':
      scheduler().batch_size = value;
      break;
    case 'chunked-prefill':
      scheduler().chunked_prefill = value;
      break;
    case 'regions': {
      const o = regionGroupsOverride(parseRegionGroups(String(value), where(key)));
      Object.assign((into.facility ??= {}) as Record<string, unknown>, o.facility);
      cluster.replicas = o.replicas;
      break;
    }
    case 'link':
      ((cluster.disaggregation ??= {}) as Record<string, unknown>).link = value;
      break;
    case 'prefill-gpu':
    case 'prefill-tp':
    case 'prefill-replicas':
    case 'decode-gpu':
    case 'decode-tp':
    case 'decode-replicas': {
      // A pool setting alone leaves the link to the base scenario (which must disaggregate).
      const [role, field] = key.split('-') as ['prefill' | 'decode', string];
      const d = (cluster.disaggregation ??= {}) as Record<string, unknown>;
      ((d[role] ??= {}) as Record<string, unknown>)[field] = value;
      break;
    }
    case 'region':
      // One region for the whole cluster replaces the base's per-group regions.
      Object.assign((into.facility ??= {}) as Record<string, unknown>, { region: value, regions: null });
      break;
    case 'pue':
    case 'node-type': {
      const facility = (into.facility ??= {}) as Record<string, unknown>;
      facility[key === 'node-type' ? 'node' : key] = value;
      break;
    }
  }
}

/** `gpu=a100-sxm,h100-sxm` → one axis; every problem is one InputError naming `--vary`. */
export function parseVaryFlag(text: string): { key: VaryKey; values: string[] } {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InputError('--vary', '', `expected KEY=V1,V2,..., got "${text}"; keys: ${VARY_KEYS.join(', ')}`);
  const key = text.slice(0, eq).trim();
  if (!isVaryKey(key)) throw new InputError('--vary', '', `unknown key '${key}'; known: ${VARY_KEYS.join(', ')}`);
  const values = text.slice(eq + 1).split(',').map((s) => s.trim());
  if (values.some((v) => v === '')) throw new InputError(where(key), '', `empty value in "${text}"`);
  return { key, values };
}

/** Validates axes (known keys, non-empty, no repeats) and puts values in canonical form. */
export function checkAxes(axes: VaryAxes | readonly Axis[]): Axis[] {
  const list: readonly { key: string; values: readonly VaryValue[] }[] = Array.isArray(axes)
    ? (axes as readonly Axis[])
    : Object.entries(axes as Record<string, readonly VaryValue[]>).map(([key, values]) => ({ key, values }));
  const seen = new Set<string>();
  const out: Axis[] = [];
  for (const { key, values } of list) {
    if (!isVaryKey(key)) throw new InputError('--vary', '', `unknown key '${key}'; known: ${VARY_KEYS.join(', ')}`);
    if (seen.has(key)) throw new InputError(where(key), '', 'given twice; list every value in one --vary');
    seen.add(key);
    if (!Array.isArray(values) || values.length === 0) throw new InputError(where(key), '', 'expected at least one value');
    const normalized = values.map((v) => normalizeVaryValue(key, v));
    const distinct = new Set(normalized.map((v) => String(v)));
    if (distinct.size !== normalized.length) throw new InputError(where(key), '', 'a value is listed twice');
    out.push({ key, values: normalized });
  }
  return out;
}

/** Cross product, first axis outermost: the first variant takes the first value of every axis. */
export function crossProduct(axes: readonly Axis[]): VariantSpec[] {
  let combos: { key: VaryKey; value: VaryValue }[][] = [[]];
  for (const axis of axes) {
    const next: { key: VaryKey; value: VaryValue }[][] = [];
    for (const combo of combos) for (const value of axis.values) next.push([...combo, { key: axis.key, value }]);
    combos = next;
  }
  return combos.map((combo) => {
    const overrides: Record<string, unknown> = {};
    const settings: { [K in VaryKey]?: VaryValue } = {};
    for (const { key, value } of combo) {
      applySetting(overrides, key, value);
      settings[key] = value;
    }
    const label = combo.length ? combo.map(({ key, value }) => `${key}=${String(value)}`).join(' ') : 'base';
    return { label, settings, overrides };
  });
}

/** A folder name for a variant: `01-gpu-h100-sxm-batch-size-32` (sortable, portable characters only). */
export function variantDirName(index: number, count: number, label: string): string {
  const width = Math.max(2, String(count).length);
  const slug = label
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return `${String(index + 1).padStart(width, '0')}-${slug || 'variant'}`;
}
