/**
 * Joins shard folders into one comparison: compare.json, table.txt and report.html, plus plan.json and every
 * variant's result, in plan order. The merged folder is the same bytes as a one-machine run's, because a
 * one-machine run ends with this same merge over its own folder. Results from another sweep or joulesim version,
 * a variant found twice, and missing variants are refused (missing ones only listed with allowMissing).
 */
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compareJson, deltaPct } from '../compare/compare.js';
import { compareTable } from '../compare/compareTable.js';
import type { CompareResult, CompareVariant } from '../report/compareResult.js';
import { InputError } from '../errors.js';
import { renderCompareReport } from '../report/html/reportPage.js';
import type { RunReportData } from '../report/reportData.js';
import { writeFileAtomic } from './atomicWrite.js';
import { joulesimVersion, readJsonFile } from './loadSweep.js';
import { PLAN_FORMAT, planJson, type PlannedVariant, type SweepPlan } from './sweepPlan.js';
import { PLAN_FILE, readResult, RESULT_NAME, resultPath, VARIANTS_DIR, type VariantResult } from './variantResult.js';

export interface MergeOptions {
  /** Merge what is there and list the missing variants instead of refusing. */
  readonly allowMissing?: boolean;
}

export interface MergeOutcome {
  readonly result: CompareResult;
  readonly table: string;
  readonly missing: readonly PlannedVariant[];
}

const MAX_NAMED = 10;

function namedList(vs: readonly { id: string; label: string }[]): string {
  const shown = vs.slice(0, MAX_NAMED).map((v) => `${v.id} (${v.label})`);
  return shown.join(', ') + (vs.length > MAX_NAMED ? ` and ${vs.length - MAX_NAMED} more` : '');
}

function readPlan(dir: string): SweepPlan {
  const path = join(dir, PLAN_FILE);
  let plan: Partial<SweepPlan>;
  try {
    plan = readJsonFile(path, 'plan') as Partial<SweepPlan>;
  } catch (e) {
    throw new InputError(dir, '', `not a sweep output folder (no readable ${PLAN_FILE})`);
  }
  if (plan?.format !== PLAN_FORMAT) throw new InputError(path, '', `not a joulesim sweep plan (format ${JSON.stringify(plan?.format)})`);
  return plan as SweepPlan;
}

function realDir(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    throw new InputError(dir, '', 'no such folder');
  }
}

export function mergeSweep(dirs: readonly string[], outDir: string, opts: MergeOptions): MergeOutcome {
  if (dirs.length === 0) throw new InputError('sweep merge', '', 'give at least one shard folder');
  const real = new Map<string, string>();
  for (const d of dirs) {
    const r = realDir(d);
    const twin = real.get(r);
    if (twin !== undefined) throw new InputError(d, '', `given twice (same folder as ${twin}); each shard folder once`);
    real.set(r, d);
  }
  const version = joulesimVersion();
  const plans = dirs.map(readPlan);
  const plan = plans[0];
  plans.forEach((p, i) => {
    if (p.joulesim !== version) throw new InputError(join(dirs[i], PLAN_FILE), '', `written by joulesim ${p.joulesim}; this is joulesim ${version}: merge with the version that ran the sweep`);
    if (p.fingerprint !== plan.fingerprint) {
      throw new InputError(join(dirs[i], PLAN_FILE), '', `a different sweep from ${dirs[0]} (fingerprint ${p.fingerprint.slice(0, 12)}… vs ${plan.fingerprint.slice(0, 12)}…)`);
    }
  });

  const planned = new Map(plan.variants.map((v) => [v.id, v]));
  const foundIn = new Map<string, string>();
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(join(dir, VARIANTS_DIR));
    } catch {
      names = [];
    }
    for (const name of names.sort()) {
      const m = RESULT_NAME.exec(name);
      if (!m) continue;
      const id = m[1];
      if (!planned.has(id)) throw new InputError(join(dir, VARIANTS_DIR, name), '', `variant ${id} is not in the sweep's plan`);
      const other = foundIn.get(id);
      if (other !== undefined) throw new InputError(join(dir, VARIANTS_DIR, name), '', `variant ${id} (${planned.get(id)!.label}) is also in ${other}; merge each variant from one folder`);
      foundIn.set(id, dir);
    }
  }
  const missing = plan.variants.filter((v) => !foundIn.has(v.id));
  if (missing.length > 0 && !opts.allowMissing) {
    throw new InputError(dirs.join(' '), '', `${missing.length} of ${plan.variants.length} variants missing: ${namedList(missing)}; rerun their shards, or merge with --allow-missing`);
  }
  if (missing.length === plan.variants.length) throw new InputError(dirs.join(' '), '', 'no variant results to merge');

  const present = plan.variants.filter((v) => foundIn.has(v.id));
  const sources = present.map((v) => resultPath(foundIn.get(v.id)!, v.id));
  const results: VariantResult[] = present.map((v, i) => readResult(sources[i], plan.fingerprint, v.id));
  const first = results[0].summary;
  const result: CompareResult = {
    format: 'joulesim-compare/1',
    base: first.scenario,
    seed: first.seed,
    axes: plan.axes,
    variants: results.map(
      (r, i): CompareVariant => ({
        label: present[i].label,
        id: r.id,
        settings: present[i].settings,
        dir: null,
        power_cap_w: r.power_cap_w,
        summary: r.summary,
        delta_pct: deltaPct(r.summary, first),
      }),
    ),
    sweep: {
      name: plan.name,
      fingerprint: plan.fingerprint,
      joulesim: plan.joulesim,
      variants_planned: plan.variants.length + plan.dropped.length,
      dropped: plan.dropped.map(({ id, label, filter, reason }) => ({ id, label, filter, reason })),
      missing: missing.map(({ id, label }) => ({ id, label })),
    },
  };
  const reports = results.every((r) => r.report !== null) ? results.map((r) => r.report as RunReportData) : null;
  const table = compareTable(result);

  // The merged folder holds everything a one-machine run's does: the plan, every result, and the joined outputs.
  const outPlan = join(outDir, PLAN_FILE);
  if (existsSync(outPlan)) {
    const theirs = readJsonFile(outPlan, 'plan') as Partial<SweepPlan>;
    if (theirs.fingerprint !== plan.fingerprint) throw new InputError('--out', '', `${outDir} holds another sweep (${outPlan}); merge into a fresh folder`);
  }
  const outReal = resolve(outDir);
  writeFileAtomic(join(outDir, PLAN_FILE), planJson(plan));
  present.forEach((v, i) => {
    const target = resultPath(outDir, v.id);
    if (resolve(sources[i]) !== resolve(target) && realDir(foundIn.get(v.id)!) !== safeReal(outReal)) writeFileAtomic(target, readFileSync(sources[i]));
  });
  writeFileAtomic(join(outDir, 'compare.json'), compareJson(result) + '\n');
  writeFileAtomic(join(outDir, 'table.txt'), table);
  writeFileAtomic(join(outDir, 'report.html'), renderCompareReport(result, reports));
  return { result, table, missing };
}

function safeReal(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}
