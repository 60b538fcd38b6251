/**
 * Runs one loaded scenario end to end: build, simulate, summarise, and (with an output folder) write
 * summary.json, requests.csv, timeseries.csv and report.html; optionally a Chrome trace-event file.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simulate, type SimulationResult, type SimulationSetup } from './simulation.js';
import { RequestCsvWriter, timeSeriesCsv } from '../report/csvFiles.js';
import { FittedRangeCheck } from '../report/fittedRangeCheck.js';
import { renderRunReport } from '../report/html/reportPage.js';
import { facilitySeriesData, ReportCollector, type RunReportData } from '../report/reportData.js';
import { facilityIntervals } from '../facility/facilityIntervals.js';
import type { RequestRowWriter } from '../accounting/requestMetrics.js';
import { type Summary, summaryJson } from '../report/summary.js';
import { buildSummary } from './buildSummary.js';
import { buildSimulation, type ResolvedConfig } from './buildSimulation.js';
import type { LoadedScenario } from '../scenario/loadScenario.js';
import { inputErrorAt } from '../inputSource.js';
import type { LoadedPolicies } from '../policies/policyModule.js';
import type { WorkObserver } from '../serving/replica.js';
import { TraceEventWriter } from '../report/traceEvents.js';
import { combineObservers, teeRowWriters } from '../report/sinks.js';
import { buildFacility, type BuiltFacility } from '../facility/buildFacility.js';
import { buildFacilitySummary } from './buildFacilitySummary.js';

export interface RunOptions {
  readonly outDir?: string;
  readonly observer?: WorkObserver | null;
  readonly onProgress?: SimulationSetup['onProgress'];
  /** Also sees every finished and rejected request (after the CSV writer). */
  readonly requestSink?: RequestRowWriter | null;
  /** Write Chrome trace-event JSON of the run here. */
  readonly traceEventsFile?: string;
  /** Collect the report's data (default: whenever outDir is set, which also writes report.html). */
  readonly report?: boolean;
  /** Plug-in policy modules the scenario names, loaded ahead (loadScenarioPolicies). */
  readonly plugins?: LoadedPolicies;
}

export interface RunOutput {
  readonly summary: Summary;
  readonly result: SimulationResult;
  readonly resolved: ResolvedConfig;
  /** What report.html draws; present when the report was collected. */
  readonly report?: RunReportData;
  /** The node, facility and grid accounting, when the scenario has a facility section. */
  readonly facility?: BuiltFacility;
}

export function runScenario(loaded: LoadedScenario, opts: RunOptions = {}): RunOutput {
  if (opts.outDir) mkdirSync(opts.outDir, { recursive: true });
  const csvWriter = opts.outDir ? new RequestCsvWriter(join(opts.outDir, 'requests.csv'), loaded.scenario.facility !== undefined) : null;
  const collector = (opts.report ?? !!opts.outDir) ? new ReportCollector() : null;
  const trace = opts.traceEventsFile ? new TraceEventWriter(opts.traceEventsFile) : null;
  const rowWriter = teeRowWriters([csvWriter, collector, trace?.requests ?? null, opts.requestSink ?? null]);
  let built: ReturnType<typeof buildSimulation>;
  let facility: BuiltFacility | undefined;
  // A run that fails leaves no requests.csv behind that could pass for a whole one.
  const discardRequests = () => {
    csvWriter?.close();
    if (opts.outDir) rmSync(join(opts.outDir, 'requests.csv'), { force: true });
  };
  try {
    built = buildSimulation(loaded, { rowWriter, onProgress: opts.onProgress, plugins: opts.plugins });
    const f = loaded.scenario.facility;
    if (f) {
      facility = buildFacility({
        config: f,
        gpu: built.resolved.gpu,
        tp: built.resolved.tp,
        replicas: built.resolved.replicas,
        cost: built.resolved.cost,
        source: built.setup.source,
        baseDir: loaded.baseDir,
        file: loaded.file,
        intervalSeconds: built.setup.intervalSeconds,
        maxIntervals: built.setup.maxIntervals,
      });
    }
  } catch (e) {
    discardRequests();
    trace?.close();
    throw e;
  }
  const resolved = built.resolved;
  trace?.describe(resolved.replicas, {
    description: `${resolved.gpu}${resolved.tp > 1 ? ` × ${resolved.tp} (tensor parallel)` : ''}, ${resolved.model}, ${resolved.stack}`,
    idleWatts: built.setup.idleWattsPerReplica,
  });
  const observer = combineObservers([opts.observer ?? null, trace]);
  const range = resolved.cost.fittedRange;
  const rangeCheck = range ? new FittedRangeCheck(range, observer) : null;
  // The grid's signals reach the power controller as a pure lookup (PowerView.grid).
  const power = built.setup.power;
  const grid = facility?.grid;
  const withGrid = grid && power?.control ? { ...power, control: { ...power.control, grid: (t: number) => grid.at(t) } } : power;
  const setup = { ...built.setup, power: withGrid, observer: rangeCheck ?? observer, accounting: facility?.accountant ?? null };
  let result: SimulationResult;
  try {
    result = simulate(setup);
  } catch (e) {
    trace?.close();
    discardRequests();
    throw e;
  }
  csvWriter?.close();
  trace?.finish(result.makespanSeconds);
  if (result.requestsArrived === 0) {
    // Zero requests would print 0 J per token as if it were a result.
    const skipped = Object.entries(result.workload.skipped).map(([why, n]) => `${n} × ${why}`);
    throw inputErrorAt(loaded.file, loaded.flagPlaces, '/workload', `nothing to simulate: ${result.workload.description} gave no requests${skipped.length ? ` (rows skipped: ${skipped.join(', ')})` : ''}`);
  }
  const warnings = rangeCheck ? rangeCheck.warnings() : [];
  const rangeExtrapolation = rangeCheck?.mostlyOutside();
  const extrapolations = [...resolved.extrapolations, ...(rangeExtrapolation ? [rangeExtrapolation] : [])];
  const name = (loaded.scenario.name ?? loaded.file) + (loaded.changedBy ? ` (with ${loaded.changedBy})` : '');
  const facilitySummary = facility ? buildFacilitySummary(facility, result, resolved.cost.provenance.kind) : undefined;
  const summary = buildSummary(name, result, resolved, warnings, extrapolations, facilitySummary);
  const intervals = facility ? facilityIntervals(facility, result.makespanSeconds, result.intervalSeconds) : undefined;
  const collected = collector?.build(result.timeSeries, resolved.replicas, {
    powerCapWatts: resolved.cost.powerCapWatts,
    gpusPerReplica: resolved.tp,
    idleWattsPerReplica: built.setup.idleWattsPerReplica,
  });
  const report = collected && intervals ? { ...collected, facility: facilitySeriesData(result.timeSeries, intervals) } : collected;
  if (opts.outDir) {
    writeFileSync(join(opts.outDir, 'summary.json'), summaryJson(summary) + '\n');
    writeFileSync(join(opts.outDir, 'timeseries.csv'), timeSeriesCsv(result.timeSeries, resolved.replicas, intervals));
    if (report) writeFileSync(join(opts.outDir, 'report.html'), renderRunReport(summary, report));
  }
  return { summary, result, resolved, report, ...(facility ? { facility } : {}) };
}
