/**
 * A sweep's plan: every combination of its axes as a variant with a stable id, the variants its filters drop (with
 * the reason), and a fingerprint of everything the results depend on. Every shard of an array computes the same
 * plan from the same file, so no coordinator is needed; the fingerprint lets a merge refuse foreign results.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { type Axis, checkAxes, crossProduct, type VaryValue } from '../compare/vary.js';
import { InputError, isInputError } from '../errors.js';
import { buildSimulation } from '../run/buildSimulation.js';
import { loadScenarioPolicies } from '../scenario/loadPolicies.js';
import { parseScenario } from '../scenario/loadScenario.js';
import type { Scenario } from '../scenario/scenarioSchema.js';
import { canonicalJson, sha256Hex, shortHash } from './canonicalJson.js';
import { joulesimVersion, type LoadedSweep } from './loadSweep.js';
import { applyPatches, type ScenarioPatch } from './scenarioPatch.js';
import type { SweepFile } from './sweepSchema.js';

export const PLAN_FORMAT = 'joulesim-sweep-plan/1';

export interface PlannedVariant {
  /** 12 hex digits of the SHA-256 of the variant's canonical settings (axis name → value or whole patch). */
  readonly id: string;
  /** `gpu=h100-sxm policy=fcfs` */
  readonly label: string;
  /** Axis name → the value (`--vary` axes) or the patch's label (patch axes). */
  readonly settings: Readonly<Record<string, VaryValue>>;
}

export interface DroppedVariant extends PlannedVariant {
  readonly filter: string;
  readonly reason: string;
}

export interface SweepPlan {
  readonly format: typeof PLAN_FORMAT;
  readonly name: string;
  readonly joulesim: string;
  /** SHA-256 of the sweep file, the base scenario, the bytes of the files it reads, and the joulesim version. */
  readonly fingerprint: string;
  readonly axes: readonly { readonly key: string; readonly values: readonly VaryValue[] }[];
  /** Variants to run, in cross-product order (first axis outermost). */
  readonly variants: readonly PlannedVariant[];
  readonly dropped: readonly DroppedVariant[];
}

interface AxisValue {
  readonly value: VaryValue;
  readonly patch: ScenarioPatch;
  /** What the id hashes for this axis: the value, or the whole patch (editing a patch gives new ids). */
  readonly identity: unknown;
  /** Where the patch was written, for messages. */
  readonly place: string;
}

interface ExpandedAxis {
  readonly key: string;
  readonly values: readonly AxisValue[];
}

/** A variant with what is needed to run it (not written to plan.json). */
export interface RunnableVariant extends PlannedVariant {
  /** The scenario with the base patch and every axis patch applied. */
  readonly raw: unknown;
}

function expandAxes(sweep: SweepFile, file: string): ExpandedAxis[] {
  const seen = new Set<string>();
  return sweep.axes.map((axis, a) => {
    const key = 'vary' in axis ? axis.vary : axis.name;
    if (seen.has(key)) throw new InputError(file, `/axes/${a}`, `axis '${key}' appears twice; list all its values in one axis`);
    seen.add(key);
    if ('vary' in axis) {
      let checked: Axis[];
      try {
        checked = checkAxes([{ key: axis.vary, values: axis.values }]);
      } catch (e) {
        throw isInputError(e) ? new InputError(file, `/axes/${a}/values`, e.detail) : e;
      }
      return {
        key,
        values: checked[0].values.map((value, v) => ({
          value,
          patch: { merge: crossProduct([{ key: axis.vary, values: [value] }])[0].overrides },
          identity: value,
          place: `/axes/${a}/values/${v}`,
        })),
      };
    }
    const labels = new Set<string>();
    return {
      key,
      values: axis.patches.map((p, v) => {
        if (labels.has(p.label)) throw new InputError(file, `/axes/${a}/patches/${v}/label`, `label '${p.label}' is used twice in axis '${key}'`);
        labels.add(p.label);
        const patch: ScenarioPatch = { merge: p.merge as Record<string, unknown> | undefined, json_patch: p.json_patch };
        return { value: p.label, patch, identity: { label: p.label, merge: p.merge, json_patch: p.json_patch }, place: `/axes/${a}/patches/${v}` };
      }),
    };
  });
}

function combinations(axes: readonly ExpandedAxis[]): { key: string; v: AxisValue }[][] {
  let combos: { key: string; v: AxisValue }[][] = [[]];
  for (const axis of axes) combos = combos.flatMap((c) => axis.values.map((v) => [...c, { key: axis.key, v }]));
  return combos;
}

/**
 * Files the scenarios read (traces, length samples, plug-in policy modules), from the base and every variant:
 * their bytes are part of what results depend on. Each distinct path is hashed once.
 */
function inputFiles(scenarios: readonly unknown[], baseDir: string): { path: string; sha256: string }[] {
  const seen = new Map<string, string>();
  const visit = (x: unknown) => {
    if (Array.isArray(x)) x.forEach(visit);
    else if (typeof x === 'object' && x !== null) {
      for (const [k, v] of Object.entries(x)) {
        if ((k === 'path' || k === 'module') && typeof v === 'string') {
          if (seen.has(v)) continue;
          const full = isAbsolute(v) ? v : resolve(baseDir, v);
          // The path as written (not where it resolved), so the fingerprint is the same from any folder.
          seen.set(v, existsSync(full) ? sha256Hex(readFileSync(full)) : 'absent');
        } else visit(v);
      }
    }
  };
  scenarios.forEach(visit);
  return [...seen].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([path, sha256]) => ({ path, sha256 }));
}

/** What a variant is built with once its own workload has been built for an earlier variant: one fixed request. */
let standIn: Scenario['workload'] | undefined;
function standInWorkload(): Scenario['workload'] {
  standIn ??= parseScenario(
    {
      workload: { kind: 'synthetic', arrival: { process: 'offline' }, count: 1, lengths: { kind: 'fixed', input_tokens: 1, output_tokens: 1 } },
      cluster: { gpu: 'h100-sxm', model: 'llama-3.1-8b', stack: 'vllm' },
    },
    'stand-in workload',
    '.',
  ).scenario.workload;
  return standIn;
}

type FeasibilityFilter = 'model_does_not_fit' | 'cap_below_busy_floor' | 'cannot_build';

/** Which feasibility filters an error from building a variant falls under. */
function feasibilityClasses(e: InputError): FeasibilityFilter[] {
  const classes: FeasibilityFilter[] = ['cannot_build'];
  // Raised by the memory budget (sim/serving/memoryBudget.ts, speculativeMemory.ts), naming the model (as a flag or
  // a scenario place), and by the paged block count.
  const where = `${e.file}:${e.place}`;
  if (/(--model|--draft-model|\/cluster\/model|\/draft_model)\b/.test(where) && /weights need/.test(e.detail)) classes.push('model_does_not_fit');
  else if (/no memory left/.test(e.detail)) classes.push('model_does_not_fit');
  if (e.place === '/cluster/power_cap_w' && /busy/.test(e.detail)) classes.push('cap_below_busy_floor');
  return classes;
}

function matches(settings: Readonly<Record<string, VaryValue>>, match: Record<string, unknown>): boolean {
  return Object.entries(match).every(([k, want]) => (Array.isArray(want) ? want : [want]).some((w) => String(w) === String(settings[k])));
}

export interface Planned {
  readonly plan: SweepPlan;
  readonly runnable: readonly RunnableVariant[];
}

/** Expands, filters and checks every variant; a variant that cannot run and no filter drops fails with one line. */
export async function planSweep(loaded: LoadedSweep): Promise<Planned> {
  const { sweep, file } = loaded;
  const axes = expandAxes(sweep, file);
  const filters = sweep.filters ?? [];
  filters.forEach((f, i) => {
    if (f.drop === 'where') {
      for (const k of Object.keys(f.match)) {
        if (!axes.some((a) => a.key === k)) throw new InputError(file, `/filters/${i}/match`, `no axis named '${k}'; axes: ${axes.map((a) => a.key).join(', ')}`);
      }
    }
  });
  const base = sweep.base_patch ? applyPatches(loaded.baseRaw, [sweep.base_patch as ScenarioPatch], () => ({ file, place: '/base_patch' })) : loaded.baseRaw;

  const runnable: RunnableVariant[] = [];
  const dropped: DroppedVariant[] = [];
  const ids = new Map<string, string>();
  const checkedWorkloads = new Set<string>();
  for (const combo of combinations(axes)) {
    const settings: Record<string, VaryValue> = {};
    const identity: Record<string, unknown> = {};
    for (const { key, v } of combo) {
      settings[key] = v.value;
      identity[key] = v.identity;
    }
    const id = shortHash(identity);
    const label = combo.map(({ key, v }) => `${key}=${String(v.value)}`).join(' ');
    const twin = ids.get(id);
    if (twin !== undefined) throw new InputError(file, '/axes', `variants '${twin}' and '${label}' have the same settings (id ${id})`);
    ids.set(id, label);
    const planned: PlannedVariant = { id, label, settings };

    const where = filters.find((f) => f.drop === 'where' && matches(settings, f.match as Record<string, unknown>));
    if (where && where.drop === 'where') {
      dropped.push({ ...planned, filter: 'where', reason: where.reason });
      continue;
    }
    const raw = applyPatches(
      base,
      combo.map(({ v }) => v.patch),
      (i) => ({ file, place: combo[i].v.place }),
    );
    try {
      // Building (not running) catches bad ids, schema violations, models that do not fit and impossible caps.
      const parsed = parseScenario(structuredClone(raw), loaded.baseFile, loaded.baseDir);
      // Opening a trace reads its first megabyte; once per distinct workload is enough (the workload is the last
      // thing a build makes and nothing else depends on it), which keeps planning 1,000 variants to seconds.
      const workloadKey = canonicalJson([parsed.scenario.workload, parsed.scenario.seed]);
      const first = !checkedWorkloads.has(workloadKey);
      const plugins = await loadScenarioPolicies(parsed);
      buildSimulation(first ? parsed : { ...parsed, scenario: { ...parsed.scenario, workload: standInWorkload() } }, { plugins });
      checkedWorkloads.add(workloadKey);
    } catch (e) {
      if (!isInputError(e)) throw e;
      const classes = feasibilityClasses(e);
      const filter = filters.find((f) => f.drop !== 'where' && classes.includes(f.drop));
      if (!filter) throw new InputError(e.file, e.place, `${e.detail} (variant ${label}; drop such variants with a filter in ${file})`);
      dropped.push({ ...planned, filter: filter.drop, reason: e.detail });
      continue;
    }
    runnable.push({ ...planned, raw });
  }
  if (runnable.length === 0) throw new InputError(file, '/filters', `every one of the ${dropped.length} variants is dropped; nothing to run`);

  const version = joulesimVersion();
  const fingerprint = sha256Hex(
    canonicalJson({ sweep, base: loaded.baseRaw, files: inputFiles([base, ...runnable.map((v) => v.raw)], loaded.baseDir), joulesim: version }),
  );
  const plan: SweepPlan = {
    format: PLAN_FORMAT,
    name: sweep.name ?? loaded.baseFile,
    joulesim: version,
    fingerprint,
    axes: axes.map((a) => ({ key: a.key, values: a.values.map((v) => v.value) })),
    variants: runnable.map(({ id, label, settings }) => ({ id, label, settings })),
    dropped,
  };
  return { plan, runnable };
}

/** plan.json: two-space indent, stable key order (as built above). */
export function planJson(plan: SweepPlan): string {
  return JSON.stringify(plan, null, 2) + '\n';
}
