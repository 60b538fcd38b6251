/**
 * Runs one loaded scenario end to end: build, simulate, summarise, and (with an output folder) write
 * summary.json, requests.csv, timeseries.csv and report.html; optionally a Chrome trace-event file. Every output
 * keeps a temporary name until the run is complete, then all are renamed together (sim/io/outputFile.ts).
 */
import { join } from 'node:path';
import { simulate, simulateInSlices, type SimulationResult, type SimulationSetup } from './simulation.js';
import { ensureOutputDir, type OutputFile, writeOutputFiles } from '../io/outputFile.js';
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
import { scenarioLabel } from '../io/displayPath.js';
import { buildFacility, type BuiltFacility } from '../facility/buildFacility.js';
import type { ReplicaSite } from '../serving/replicaView.js';
import { buildFacilitySummary } from './buildFacilitySummary.js';

export interface RunOptions {
  readonly outDir?: string;
  /** What to call outDir in an error about it (default `--out`). */
  readonly outDirFlag?: string;
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

interface PreparedRun {
  readonly setup: SimulationSetup;
  complete(result: SimulationResult): RunOutput;
  /** Removes every output written so far (a failed or interrupted run leaves nothing that looks complete). */
  abandon(): void;
}

function prepareRun(loaded: LoadedScenario, opts: RunOptions): PreparedRun {
  if (opts.outDir !== undefined) ensureOutputDir(opts.outDir, opts.outDirFlag ?? '--out');
  const streamed: OutputFile[] = [];
  let csvWriter: RequestCsvWriter | null = null;
  let trace: TraceEventWriter | null = null;
  const abandon = () => {
    for (const f of streamed) f.discard();
  };
  try {
    csvWriter = opts.outDir ? new RequestCsvWriter(join(opts.outDir, 'requests.csv'), loaded.scenario.facility !== undefined, loaded.scenario.cluster.disaggregation !== undefined) : null;
    if (csvWriter) streamed.push(csvWriter.file);
    trace = opts.traceEventsFile !== undefined ? new TraceEventWriter(opts.traceEventsFile) : null;
    if (trace) streamed.push(trace.file);
  } catch (e) {
    abandon();
    throw e;
  }
  const collector = (opts.report ?? !!opts.outDir) ? new ReportCollector() : null;
  const rowWriter = teeRowWriters([csvWriter, collector, opts.requestSink ?? null]);
  let built: ReturnType<typeof buildSimulation>;
  let facility: BuiltFacility | undefined;
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
    abandon();
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
  // The grid's signals reach the policies as pure lookups: each replica's region on its view (ReplicaView.grid),
  // and the one region's on the power controller's (PowerView.grid) when the cluster sits in one.
  const power = built.setup.power;
  const grid = facility && facility.sites.length === 1 ? facility.grid : undefined;
  const withGrid = grid && power?.control ? { ...power, control: { ...power.control, grid: (t: number) => grid.at(t) } } : power;
  const sites = facility ? replicaSites(facility) : null;
  const setup = { ...built.setup, power: withGrid, observer: rangeCheck ?? observer, accounting: facility?.accountant ?? null, sites };

  const complete = (result: SimulationResult): RunOutput => {
    try {
      csvWriter?.end();
      trace?.finish(result.makespanSeconds);
      if (result.requestsArrived === 0) {
        // Zero requests would print 0 J per token as if it were a result.
        const skipped = Object.entries(result.workload.skipped).map(([why, n]) => `${n} × ${why}`);
        throw inputErrorAt(loaded.file, loaded.flagPlaces, '/workload', `nothing to simulate: ${result.workload.description} gave no requests${skipped.length ? ` (rows skipped: ${skipped.join(', ')})` : ''}`);
      }
      const warnings = rangeCheck ? rangeCheck.warnings() : [];
      const rangeExtrapolation = rangeCheck?.mostlyOutside();
      const extrapolations = [...resolved.extrapolations, ...(rangeExtrapolation ? [rangeExtrapolation] : [])];
      // The file as typed would differ by working directory; outputs name it the same way from anywhere.
      const name = (loaded.scenario.name ?? scenarioLabel(loaded.file)) + (loaded.changedBy ? ` (with ${loaded.changedBy})` : '');
      const facilitySummary = facility ? buildFacilitySummary(facility, result, resolved.cost.provenance.kind) : undefined;
      const summary = buildSummary(name, result, resolved, warnings, extrapolations, facilitySummary);
      const intervals = facility ? facilityIntervals(facility, result.makespanSeconds, result.intervalSeconds) : undefined;
      const collected = collector?.build(result.timeSeries, resolved.replicas, {
        powerCapWatts: resolved.cost.powerCapWatts,
        gpusPerReplica: resolved.tp,
        idleWattsPerReplica: built.setup.idleWattsPerReplica,
      }, result.metrics);
      const report = collected && intervals ? { ...collected, facility: facilitySeriesData(result.timeSeries, intervals) } : collected;
      const whole: { path: string; content: string }[] = [];
      if (opts.outDir) {
        whole.push({ path: join(opts.outDir, 'summary.json'), content: summaryJson(summary) + '\n' });
        whole.push({ path: join(opts.outDir, 'timeseries.csv'), content: timeSeriesCsv(result.timeSeries, resolved.replicas, intervals) });
        if (report) whole.push({ path: join(opts.outDir, 'report.html'), content: renderRunReport(summary, report) });
      }
      writeOutputFiles(whole, streamed);
      return { summary, result, resolved, report, ...(facility ? { facility } : {}) };
    } catch (e) {
      abandon();
      throw e;
    }
  };
  return { setup, complete, abandon };
}

function replicaSites(f: BuiltFacility): ReplicaSite[] {
  const bySite = f.sites.map((site) => ({ region: site.label, gridAt: (t: number) => site.grid.at(t) }));
  return f.siteOf.map((s) => bySite[s]);
}

export function runScenario(loaded: LoadedScenario, opts: RunOptions = {}): RunOutput {
  const run = prepareRun(loaded, opts);
  let result: SimulationResult;
  try {
    result = simulate(run.setup);
  } catch (e) {
    run.abandon();
    throw e;
  }
  return run.complete(result);
}

/**
 * The same run, returning to the event loop every so many events so that an interrupt (Ctrl-C) is handled while it
 * runs instead of after it: the CLI's handler then removes the unfinished outputs.
 */
export async function runScenarioInSlices(loaded: LoadedScenario, opts: RunOptions = {}): Promise<RunOutput> {
  const run = prepareRun(loaded, opts);
  let result: SimulationResult;
  try {
    result = await simulateInSlices(run.setup);
  } catch (e) {
    run.abandon();
    throw e;
  }
  return run.complete(result);
}
