/**
 * Runs one loaded scenario end to end: build, simulate, summarise, and (with an output folder) write
 * summary.json, requests.csv and timeseries.csv.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simulate, type SimulationResult, type SimulationSetup } from './engine/simulation.js';
import { RequestCsvWriter, timeSeriesCsv } from './report/csvFiles.js';
import { FittedRangeCheck } from './report/fittedRangeCheck.js';
import { buildSummary, type Summary, summaryJson } from './report/summary.js';
import { buildSimulation, type ResolvedConfig } from './scenario/buildSimulation.js';
import type { LoadedScenario } from './scenario/loadScenario.js';
import type { WorkObserver } from './serving/replica.js';

export interface RunOptions {
  readonly outDir?: string;
  readonly observer?: WorkObserver | null;
  readonly onProgress?: SimulationSetup['onProgress'];
}

export interface RunOutput {
  readonly summary: Summary;
  readonly result: SimulationResult;
  readonly resolved: ResolvedConfig;
}

export function runScenario(loaded: LoadedScenario, opts: RunOptions = {}): RunOutput {
  if (opts.outDir) mkdirSync(opts.outDir, { recursive: true });
  const rowWriter = opts.outDir ? new RequestCsvWriter(join(opts.outDir, 'requests.csv')) : null;
  const built = buildSimulation(loaded, { rowWriter, onProgress: opts.onProgress });
  const resolved = built.resolved;
  const range = resolved.cost.fittedRange;
  const rangeCheck = range ? new FittedRangeCheck(range, opts.observer ?? null) : null;
  const setup = { ...built.setup, observer: rangeCheck ?? opts.observer ?? null };
  let result: SimulationResult;
  try {
    result = simulate(setup);
  } finally {
    rowWriter?.close();
  }
  const warnings = rangeCheck ? rangeCheck.warnings() : [];
  const name = loaded.scenario.name ?? loaded.file;
  const summary = buildSummary(name, result, resolved, warnings);
  if (opts.outDir) {
    writeFileSync(join(opts.outDir, 'summary.json'), summaryJson(summary) + '\n');
    writeFileSync(join(opts.outDir, 'timeseries.csv'), timeSeriesCsv(result.timeSeries, resolved.replicas));
  }
  return { summary, result, resolved };
}
