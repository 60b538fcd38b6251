/**
 * Runs one shard of a sweep into a folder: plan.json, then `variants/<id>.json` as each variant finishes. Variants
 * whose result is already there are skipped, so a preempted or failed task is simply run again; several shards may
 * share the folder (a shared volume), since each writes only its own variants and plan.json is the same bytes for all.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { WorkerPool } from '../compare/compare.js';
import { runVariantJob, type VariantJob, type VariantOutcome } from '../compare/runVariant.js';
import { InputError, isInputError } from '../errors.js';
import { writeFileAtomic } from './atomicWrite.js';
import type { LoadedSweep } from './loadSweep.js';
import { mergeSweep } from './sweepMerge.js';
import { planJson, planSweep, type RunnableVariant, type SweepPlan } from './sweepPlan.js';
import { type Shard, shardPositions } from './shard.js';
import { PLAN_FILE, readResult, resultJson, resultPath, type VariantResult } from './variantResult.js';
import { readJsonFile } from './loadSweep.js';

/** Sweeps up to this many variants keep each run's series for the merged report's overlaid charts. */
export const OVERLAY_LIMIT = 16;

export interface SweepRunOptions {
  readonly outDir: string;
  readonly shard: Shard;
  /** Worker threads; default min(variants of the shard left to run, available CPUs). */
  readonly workers?: number;
  /** Progress lines (for stderr). */
  readonly onProgress?: (line: string) => void;
}

export interface SweepRunOutcome {
  readonly plan: SweepPlan;
  readonly assigned: number;
  readonly skipped: number;
  readonly ran: number;
  readonly workers: number;
}

/** Writes plan.json, or checks that the folder's plan.json is this sweep's. */
function claimFolder(outDir: string, plan: SweepPlan): void {
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (e) {
    throw new InputError('--out', '', `cannot create ${outDir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const path = join(outDir, PLAN_FILE);
  if (existsSync(path)) {
    const theirs = readJsonFile(path, 'plan') as Partial<SweepPlan>;
    if (theirs.joulesim !== plan.joulesim) throw new InputError(path, '', `written by joulesim ${String(theirs.joulesim)}, this is joulesim ${plan.joulesim}; use a fresh --out folder`);
    if (theirs.fingerprint !== plan.fingerprint) {
      throw new InputError(path, '', `holds a different sweep (fingerprint ${String(theirs.fingerprint).slice(0, 12)}…, this sweep ${plan.fingerprint.slice(0, 12)}…); use a fresh --out folder`);
    }
    return;
  }
  writeFileAtomic(path, planJson(plan));
}

export async function runSweepShard(loaded: LoadedSweep, opts: SweepRunOptions): Promise<SweepRunOutcome> {
  const { plan, runnable } = await planSweep(loaded);
  const { outDir, shard } = opts;
  claimFolder(outDir, plan);
  const mine = shardPositions(runnable.length, shard).map((i) => runnable[i]);
  // A result on disk is complete (written atomically) and checked to be this sweep's before it is trusted.
  const todo: RunnableVariant[] = mine.filter((v) => {
    const path = resultPath(outDir, v.id);
    if (!existsSync(path)) return true;
    readResult(path, plan.fingerprint, v.id);
    return false;
  });
  const skipped = mine.length - todo.length;
  const say = opts.onProgress ?? (() => undefined);
  const tag = `sweep shard ${shard.index}/${shard.count}`;
  say(`${tag} (${shard.source}): ${mine.length} of ${runnable.length} variants, ${skipped} already complete, ${todo.length} to run`);
  const withReport = runnable.length <= OVERLAY_LIMIT;
  const jobs: VariantJob[] = todo.map((v, i) => ({ index: i, raw: v.raw, file: loaded.baseFile, baseDir: loaded.baseDir, overrides: {}, report: withReport }));
  const write = (o: VariantOutcome) => {
    const v = todo[o.index];
    const result: VariantResult = {
      format: 'joulesim-sweep-result/1',
      sweep: plan.fingerprint,
      joulesim: plan.joulesim,
      id: v.id,
      label: v.label,
      power_cap_w: o.powerCapWatts,
      summary: o.summary,
      report: o.report,
    };
    writeFileAtomic(resultPath(outDir, v.id), resultJson(result));
  };
  let done = 0;
  const progress = (label: string, id: string) => say(`${tag}: ${++done}/${todo.length} done (${label}, ${id})`);
  const wanted = opts.workers ?? Math.min(todo.length, availableParallelism());
  const workers = Math.max(1, Math.min(wanted, todo.length));
  if (workers === 1) {
    for (const job of jobs) {
      const v = todo[job.index];
      let outcome: VariantOutcome;
      try {
        outcome = await runVariantJob(job);
      } catch (e) {
        throw isInputError(e) ? new InputError(e.file, e.place, `${e.detail} (variant ${v.label}, ${v.id})`) : e;
      }
      write(outcome);
      progress(v.label, v.id);
    }
  } else {
    const pool = new WorkerPool(workers);
    try {
      const labels = todo.map((v) => v.label);
      await pool.run(jobs, labels, undefined, (o) => {
        write(o);
        progress(todo[o.index].label, todo[o.index].id);
      }, false);
    } finally {
      pool.close();
    }
  }
  if (shard.count === 1) mergeSweep([outDir], outDir, {});
  return { plan, assigned: mine.length, skipped, ran: todo.length, workers };
}
