/**
 * A what-if comparison: the cross product of `--vary` axes over one base scenario, every variant on the same
 * workload and seed. Variants are checked up front (a bad one fails before anything runs), then run in parallel on
 * worker threads, each a whole independent simulation, so the results are the same bytes as running them one by
 * one. Results come back in variant order whatever order the workers finish in.
 */
import { ensureOutputDir, writeOutputFiles } from '../io/outputFile.js';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { InputError, isInputError } from '../errors.js';
import { renderCompareReport } from '../report/html/reportPage.js';
import type { RunReportData } from '../report/reportData.js';
import type { Summary } from '../report/summary.js';
import { buildSimulation } from '../run/buildSimulation.js';
import { parseScenario } from '../scenario/loadScenario.js';
import { loadScenarioPolicies } from '../scenario/loadPolicies.js';
import type { CompareResult, CompareVariant, DeltaPct } from '../report/compareResult.js';
import { type Axis, checkAxes, crossProduct, type VariantSpec, type VaryAxes, variantDirName } from './vary.js';
import { describeFailure, runVariantJob, type VariantFailure, type VariantJob, type VariantOutcome } from './runVariant.js';

/** More variants than this is almost surely a typo in a cross product. */
export const MAX_VARIANTS = 256;

export interface CompareBase {
  /** The base scenario (parsed JSON), before overrides. */
  readonly raw: unknown;
  /** Its file (for messages) — or a label such as `scenario` for an object given to the API. */
  readonly file: string;
  readonly baseDir: string;
  /** Partial scenario applied to every variant before its own settings (the command line's other flags). */
  readonly overrides?: Record<string, unknown>;
}

export interface CompareRunOptions {
  /** Per-variant folders, compare.json and report.html go here. */
  readonly outDir?: string;
  /** Worker threads; default min(variants, os.availableParallelism()). 1 runs every variant in this thread. */
  readonly workers?: number;
  /** Called as each variant finishes (in completion order; for progress lines only). */
  readonly onVariantDone?: (done: number, total: number, label: string) => void;
}

export interface CompareOutput {
  readonly result: CompareResult;
  /** What each variant's report draws, in variant order. */
  readonly reports: readonly RunReportData[];
  /** Worker threads actually used (1 = in this thread). */
  readonly workers: number;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Deep merge of plain objects (later wins), as the scenario loader merges overrides. */
export function mergeOverrides(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = isPlainObject(out[k]) && isPlainObject(v) ? mergeOverrides(out[k] as Record<string, unknown>, v) : v;
  return out;
}

function withVariant(e: unknown, label: string): unknown {
  return isInputError(e) ? new InputError(e.file, e.place, `${e.detail} (variant ${label})`) : e;
}

/** Parses and builds a variant without running it, so bad ids, schema violations and impossible caps fail early. */
async function check(base: CompareBase, overrides: Record<string, unknown>, label?: string): Promise<void> {
  try {
    const loaded = parseScenario(structuredClone(base.raw), base.file, base.baseDir, overrides);
    buildSimulation(loaded, { plugins: await loadScenarioPolicies(loaded) });
  } catch (e) {
    throw label === undefined ? e : withVariant(e, label);
  }
}

function delta(v: number, b: number): number | null {
  if (!Number.isFinite(v) || !Number.isFinite(b) || b === 0) return null;
  return Number(((100 * (v - b)) / b).toFixed(2));
}

export function deltaPct(s: Summary, b: Summary): DeltaPct {
  return {
    energy_j: delta(s.energy_j, b.energy_j),
    energy_per_output_token_j: delta(s.energy_per_output_token_j, b.energy_per_output_token_j),
    energy_per_request_j: delta(s.energy_per_request_j, b.energy_per_request_j),
    avg_power_w: delta(s.avg_power_w, b.avg_power_w),
    makespan_s: delta(s.makespan_s, b.makespan_s),
    ttft_p50_s: delta(s.ttft_s.p50, b.ttft_s.p50),
    ttft_p99_s: delta(s.ttft_s.p99, b.ttft_s.p99),
    tpot_p50_s: delta(s.tpot_s.p50, b.tpot_s.p50),
    e2e_p50_s: delta(s.e2e_s.p50, b.e2e_s.p50),
    e2e_p99_s: delta(s.e2e_s.p99, b.e2e_s.p99),
    throughput_output_tokens_per_s: delta(s.throughput_output_tokens_per_s, b.throughput_output_tokens_per_s),
    ...(s.slo && b.slo ? { slo_attainment_pts: Number((100 * (s.slo.attainment - b.slo.attainment)).toFixed(2)) } : {}),
    ...(s.facility && b.facility
      ? {
          facility_energy_j: delta(s.facility.energy_j.facility, b.facility.energy_j.facility),
          total_kgco2e: delta(s.facility.total_kgco2e, b.facility.total_kgco2e),
          cost_usd: delta(s.facility.cost_usd, b.facility.cost_usd),
        }
      : {}),
  };
}

/** compare.json / `--json`: two-space indent, NaN (an empty quantile) as null. */
export function compareJson(c: CompareResult): string {
  return JSON.stringify(c, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
}

function failureError(f: VariantFailure, label: string): Error {
  if ('input' in f) return new InputError(f.input.file, f.input.place, `${f.input.detail} (variant ${label})`);
  return new Error(`variant ${label}: ${f.internal}`);
}

/** Where the worker code is: the compiled file next to this one, or (from TypeScript sources) a transpiling bootstrap. */
function workerEntry(): { file: URL; workerData?: unknown } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    return { file: new URL('./devWorkerBoot.mjs', here), workerData: { entry: new URL('./compareWorker.ts', here).href } };
  }
  // The library build (dist/sim/) starts its workers from the CLI's one-file bundle when the build made it: a worker
  // then reads one file instead of resolving and loading each module (the bundle is written by the same build).
  const bundled = new URL('../../bundle/compareWorker.js', here);
  if (here.endsWith('/dist/sim/compare/compare.js') && existsSync(fileURLToPath(bundled))) return { file: bundled };
  return { file: new URL('./compareWorker.js', here) };
}

/**
 * Runs variant jobs over `lanes` lanes: worker threads, each taking the next job as it finishes one, and (by default)
 * this thread as one of the lanes. This thread runs its jobs in slices (runScenarioInSlices), so the workers' results
 * and their next jobs pass between slices; it already has every module loaded, so a pool of N lanes starts only N − 1
 * threads, each of which must load and compile the simulator afresh (a share of a short comparison's time). Workers
 * are started before the variants are checked, so their module loading overlaps that work.
 */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly local: boolean;

  constructor(lanes: number, opts: { readonly localLane?: boolean } = {}) {
    this.local = (opts.localLane ?? true) && lanes > 1;
    const { file, workerData } = workerEntry();
    for (let i = this.local ? 1 : 0; i < lanes; i++) this.workers.push(new Worker(file, { workerData }));
  }

  get size(): number {
    return this.workers.length + (this.local ? 1 : 0);
  }

  close(): void {
    for (const w of this.workers) void w.terminate();
  }

  /**
   * Runs every job; `onOutcome` sees each result as it arrives (a sweep writes it to disk at once). With
   * `keepResults` false the resolved array stays empty, so a long shard does not hold every run's report.
   */
  run(
    jobs: readonly VariantJob[],
    labels: readonly string[],
    onDone?: CompareRunOptions['onVariantDone'],
    onOutcome?: (outcome: VariantOutcome) => void,
    keepResults = true,
  ): Promise<VariantOutcome[]> {
    return new Promise((resolve, reject) => {
      const results: VariantOutcome[] = new Array(jobs.length);
      const failures: VariantFailure[] = [];
      let next = 0;
      let done = 0;
      let inFlight = 0;
      let settled = false;
      const fail = (e: unknown) => {
        if (settled) return;
        settled = true;
        this.close();
        reject(e);
      };
      const settle = () => {
        if (settled || inFlight > 0) return;
        settled = true;
        this.close();
        if (failures.length) {
          // The failure of the earliest variant, whichever lane met it first.
          failures.sort((a, b) => a.index - b.index);
          reject(failureError(failures[0], labels[failures[0].index]));
        } else resolve(results);
      };
      /** Takes a finished job's message; false when the run is over (settled or failed). */
      const receive = (m: { ok?: VariantOutcome; failed?: VariantFailure }): boolean => {
        inFlight--;
        if (m.failed) failures.push(m.failed);
        else if (m.ok) {
          if (keepResults) results[m.ok.index] = m.ok;
          try {
            onOutcome?.(m.ok);
          } catch (e) {
            fail(e);
            return false;
          }
          done++;
          onDone?.(done, jobs.length, labels[m.ok.index]);
        }
        if (done === jobs.length) {
          settle();
          return false;
        }
        return !settled;
      };
      const feed = (w: Worker) => {
        if (failures.length === 0 && next < jobs.length) {
          inFlight++;
          w.postMessage(jobs[next++]);
        } else settle();
      };
      for (const w of this.workers) {
        w.on('message', (m: { ok?: VariantOutcome; failed?: VariantFailure }) => {
          if (receive(m)) feed(w);
        });
        w.on('error', fail);
        w.on('exit', (code) => {
          if (code !== 0) fail(new Error(`a compare worker stopped with exit code ${code}`));
        });
      }
      for (const w of this.workers) feed(w);
      if (this.local) {
        const runLocal = async () => {
          while (!settled && failures.length === 0 && next < jobs.length) {
            const job = jobs[next++];
            inFlight++;
            let m: { ok?: VariantOutcome; failed?: VariantFailure };
            try {
              m = { ok: await runVariantJob(job, { sliced: true }) };
            } catch (e) {
              m = { failed: describeFailure(job.index, e) };
            }
            if (!receive(m)) return;
          }
          settle();
        };
        // After the workers have their first jobs.
        setImmediate(() => void runLocal().catch(fail));
      }
    });
  }
}

/** Runs every variant of `axes` over `base`. Bad input throws InputError before any variant runs. */
export async function runCompare(base: CompareBase, axes: VaryAxes | readonly Axis[], opts: CompareRunOptions = {}): Promise<CompareOutput> {
  const checked = checkAxes(axes);
  const variants: VariantSpec[] = crossProduct(checked);
  if (variants.length > MAX_VARIANTS) throw new InputError('--vary', '', `${variants.length} variants in the cross product; at most ${MAX_VARIANTS}`);
  const wanted = opts.workers ?? Math.min(variants.length, availableParallelism());
  if (!(Number.isInteger(wanted) && wanted >= 1)) throw new InputError('--workers', '', `expected a positive integer, got ${wanted}`);
  const workerCount = Math.min(wanted, variants.length);
  const pool = workerCount > 1 ? new WorkerPool(workerCount) : null;
  try {
    const baseOverrides = base.overrides ?? {};
    await check(base, baseOverrides);
    const overrides = variants.map((v) => mergeOverrides(baseOverrides, v.overrides));
    for (let i = 0; i < variants.length; i++) await check(base, overrides[i], variants[i].label);

    const dirs = variants.map((v, i) => variantDirName(i, variants.length, v.label));
    if (opts.outDir !== undefined) ensureOutputDir(opts.outDir, '--out');
    const jobs: VariantJob[] = variants.map((_, i) => ({
      index: i,
      raw: base.raw,
      file: base.file,
      baseDir: base.baseDir,
      overrides: overrides[i],
      ...(opts.outDir ? { outDir: join(opts.outDir, dirs[i]) } : {}),
    }));
    const labels = variants.map((v) => v.label);
    let outcomes: VariantOutcome[];
    if (pool === null) {
      outcomes = [];
      for (const job of jobs) {
        try {
          outcomes.push(await runVariantJob(job));
        } catch (e) {
          throw withVariant(e, labels[job.index]);
        }
        opts.onVariantDone?.(outcomes.length, jobs.length, labels[job.index]);
        // Let an interrupt (Ctrl-C) be handled between variants.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } else {
      outcomes = await pool.run(jobs, labels, opts.onVariantDone);
    }
    return finish(outcomes, variants, checked, opts.outDir ? dirs : null, opts.outDir, workerCount);
  } finally {
    pool?.close();
  }
}

function finish(outcomes: VariantOutcome[], variants: VariantSpec[], checked: Axis[], dirs: string[] | null, outDir: string | undefined, workers: number): CompareOutput {
  const first = outcomes[0].summary;
  const result: CompareResult = {
    format: 'joulesim-compare/1',
    base: first.scenario,
    seed: first.seed,
    axes: checked.map((a) => ({ key: a.key, values: [...a.values] })),
    variants: outcomes.map(
      (o, i): CompareVariant => ({
        label: variants[i].label,
        settings: variants[i].settings,
        dir: dirs ? dirs[i] : null,
        power_cap_w: o.powerCapWatts,
        summary: o.summary,
        delta_pct: deltaPct(o.summary, first),
      }),
    ),
  };
  const reports = outcomes.map((o) => o.report!);
  if (outDir) {
    writeOutputFiles([
      { path: join(outDir, 'compare.json'), content: compareJson(result) + '\n' },
      { path: join(outDir, 'report.html'), content: renderCompareReport(result, reports, { linkDirs: true }) },
    ]);
  }
  return { result, reports, workers };
}
