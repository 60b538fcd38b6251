/**
 * joulesim as a library:
 *
 *   import { simulate, compare } from 'joulesim';
 *   const run = await simulate({ workload: { ... }, cluster: { gpu: 'h100-sxm' } });
 *   const whatIf = await compare('scenarios/default.json', { gpu: ['a100-sxm', 'h100-sxm'] });
 *
 * Scenarios are validated by the same JSON Schema as scenario files (the types below are generated from it), and
 * bad input throws InputError with the same one-line message the CLI prints.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { FromSchema } from 'json-schema-to-ts';
import { runCompare } from './compare/compare.js';
import type { CompareResult } from './report/compareResult.js';
import type { VaryAxes } from './compare/vary.js';
import { InputError } from './errors.js';
import type { RunReportData } from './report/reportData.js';
import type { Summary } from './report/summary.js';
import { runScenario } from './run/runScenario.js';
import { parseScenario } from './scenario/loadScenario.js';
import { loadScenarioPolicies } from './scenario/loadPolicies.js';
import type { PolicyObjects } from './policies/policyModule.js';
import type { Scenario, scenarioSchema } from './scenario/scenarioSchema.js';

export { compareJson } from './compare/compare.js';
export { compareTable } from './compare/compareTable.js';
export { VARY_KEYS } from './compare/vary.js';
export type { CompareResult, CompareVariant, DeltaPct } from './report/compareResult.js';
export type { VaryAxes, VaryKey, VaryValue } from './compare/vary.js';
export { InputError, isInputError } from './errors.js';
export { PolicyError } from './policyError.js';
export type {
  AdmissionPolicy,
  BatchDecision,
  BatchingPolicy,
  BatchingView,
  GpuSetting,
  PolicyContext,
  PolicyModuleExports,
  PowerController,
  PowerDecision,
  PowerView,
  ReplicaView,
  RequestView,
  Router,
} from './serving/policyApi.js';
export type { PolicyObjects, PolicySlot } from './policies/policyModule.js';
export { SCHEDULER_NAMES } from './policies/scheduler/schedulerRegistry.js';
export { ROUTER_NAMES } from './policies/router/routerRegistry.js';
export { ADMISSION_NAMES } from './policies/admission/admissionRegistry.js';
export { POWER_CONTROLLER_NAMES } from './policies/power/powerRegistry.js';
export { renderCompareReport, renderRunReport } from './report/html/reportPage.js';
export type { Quantiles } from './accounting/quantiles.js';
export type { Cdf, ReplicaSeries, RunReportData, ScatterData, SeriesData } from './report/reportData.js';
export { summaryJson, summaryTable, type Summary } from './report/summary.js';
export type { EnergySplit, FacilitySummary, PerUnit } from './report/facilitySummary.js';
export type { FacilityConfig } from './facility/facilitySchema.js';
export { GridSignals, type GridSample } from './facility/gridSignals.js';
export type { ClusterConfig, Scenario, SchedulerConfig } from './scenario/scenarioSchema.js';
export type { WorkloadConfig } from './workload/workloadSchema.js';

/** A scenario as written (defaults may be left out); the same JSON Schema gives this type and `Scenario`. */
export type ScenarioInput = FromSchema<typeof scenarioSchema, { keepDefaultedPropertiesOptional: true; parseIfThenElseKeywords: true }>;

/** A scenario object, or the path of a scenario JSON file. */
export type ScenarioSource = ScenarioInput | Scenario | string;

export interface SimulateOptions {
  /** Folder that relative paths inside the scenario resolve against (default: the file's folder, else the working directory). */
  readonly baseDir?: string;
  /** Write summary.json, requests.csv, timeseries.csv and report.html to this folder. */
  readonly outDir?: string;
  /** Write Chrome trace-event JSON (Perfetto, chrome://tracing) of the run to this file. */
  readonly traceEvents?: string;
  /**
   * Plug-in policies as module objects, by slot (scheduler, router, admission, power): each is what a policy module
   * exports (`optionsSchema` and its factory). The scenario's block for that slot supplies `options`.
   */
  readonly policies?: PolicyObjects;
}

/** The run summary (as `joulesim run --json` prints it) plus the data its report draws. */
export type SimulateResult = Summary & { readonly report: RunReportData };

export interface CompareOptions {
  /** As for simulate. */
  readonly baseDir?: string;
  /** A folder per variant, plus compare.json and report.html. */
  readonly outDir?: string;
  /** Worker threads (default min(variants, available CPUs); 1 runs the variants one by one in this thread). */
  readonly workers?: number;
}

function readSource(source: ScenarioSource, baseDir: string | undefined): { raw: unknown; file: string; baseDir: string } {
  if (typeof source === 'string') {
    const path = resolve(source);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      throw new InputError(source, '', 'cannot read the scenario file');
    }
    try {
      return { raw: JSON.parse(text), file: source, baseDir: baseDir ?? dirname(path) };
    } catch (e) {
      throw new InputError(source, '', `not valid JSON (${(e as Error).message.replace(/\r?\n/g, ' ')})`);
    }
  }
  if (typeof source !== 'object' || source === null || Array.isArray(source)) throw new InputError('scenario', '', 'expected a scenario object or a file path');
  // A copy: validation fills defaults in, and the caller's object stays as it was.
  return { raw: structuredClone(source), file: 'scenario', baseDir: baseDir ?? process.cwd() };
}

/** Runs one scenario. */
export async function simulate(scenario: ScenarioSource, opts: SimulateOptions = {}): Promise<SimulateResult> {
  const { raw, file, baseDir } = readSource(scenario, opts.baseDir);
  const loaded = parseScenario(raw, file, baseDir);
  const plugins = await loadScenarioPolicies(loaded, opts.policies);
  const out = runScenario(loaded, { outDir: opts.outDir, traceEventsFile: opts.traceEvents, report: true, plugins });
  return { ...out.summary, report: out.report! };
}

/**
 * Runs the cross product of `vary` over `base` (same workload and seed), in parallel on worker threads. Keys are
 * the CLI's `--vary` keys: gpu, model, stack, scheduler, batch-size, power-cap-w, tp, replicas, router,
 * chunked-prefill, cost-model. Δ% is relative to the first variant (the first value of every axis).
 */
export async function compare(base: ScenarioSource, vary: VaryAxes, opts: CompareOptions = {}): Promise<CompareResult> {
  const { raw, file, baseDir } = readSource(base, opts.baseDir);
  const { result } = await runCompare({ raw, file, baseDir }, vary, { outDir: opts.outDir, workers: opts.workers });
  return result;
}
