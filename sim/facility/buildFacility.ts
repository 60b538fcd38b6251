/**
 * From a scenario's `facility` section to the run's accounting: the node type and placement, the PUE, carbon and
 * price signals on the run's clock, and the wall-clock start (the scenario's, else the trace's own dates).
 */
import { resolve } from 'node:path';
import type { CostParameters } from '../cost/costParameters.js';
import { InputError } from '../errors.js';
import type { RequestSource } from '../workload/request.js';
import { FacilityAccountant } from './facilityAccountant.js';
import type { FacilityConfig, SeriesConfig } from './facilitySchema.js';
import { GridSignals } from './gridSignals.js';
import { loadNodeType, type NodeType } from './nodeType.js';
import { placeReplicas, type Placement } from './placement.js';
import { gridDir, loadRegion } from './region.js';
import { readSeriesCsv } from './seriesCsv.js';
import { ConstantSignal, type Signal, StepSeries } from './stepSeries.js';
import { hasOffset, parseWallClock } from './wallClock.js';

export const DEFAULT_NODE = 'dgx-h100';

export interface FacilityBuildInput {
  readonly config: FacilityConfig;
  readonly gpu: string;
  readonly tp: number;
  readonly replicas: number;
  readonly cost: CostParameters;
  readonly source: RequestSource;
  readonly baseDir: string;
  /** The scenario file, for messages. */
  readonly file: string;
  readonly intervalSeconds: number;
  readonly maxIntervals: number;
}

export interface BuiltFacility {
  readonly accountant: FacilityAccountant;
  readonly node: NodeType;
  readonly placement: Placement;
  readonly grid: GridSignals;
  readonly regionId?: string;
  /** Whether any signal is a time series (the start then matters). */
  readonly timeVarying: boolean;
  readonly startSource: 'scenario' | 'trace' | 'none';
  readonly config: FacilityConfig;
  readonly gpu: string;
  readonly gpusPerReplica: number;
}

function seriesSignal(spec: SeriesConfig, baseDir: string, source: string, labelPrefix = ''): StepSeries {
  return readSeriesCsv(resolve(baseDir, spec.file), {
    label: labelPrefix + spec.file,
    timeColumn: spec.time_column ?? 'timestamp',
    valueColumn: spec.column,
    timezone: spec.timezone,
    maxGapSeconds: spec.max_gap_s,
    scale: spec.scale,
    source,
  });
}

function signalOf(value: number | SeriesConfig | undefined, fallback: number, baseDir: string, source: string): Signal {
  if (value === undefined) return new ConstantSignal(fallback);
  if (typeof value === 'number') return new ConstantSignal(value);
  return seriesSignal(value, baseDir, source);
}

/** The trace's wall-clock start: reading its first row is enough (sources re-read from the start when iterated). */
function traceStartEpochSeconds(source: RequestSource): number | undefined {
  const it = source[Symbol.iterator]();
  it.next();
  it.return?.();
  return source.report.wallClockStartEpochSeconds;
}

export function buildFacility(input: FacilityBuildInput): BuiltFacility {
  const { config: f, file, baseDir } = input;
  const at = (place: string) => `${file}:/facility/${place}`;
  const node = loadNodeType(f.node ?? DEFAULT_NODE, at('node'));
  const placement = placeReplicas(input.replicas, input.tp, node.gpus_per_node, node.id, at('node'));
  if (f.region !== undefined && f.carbon_g_per_kwh !== undefined) {
    throw new InputError(file, '/facility', 'give region or carbon_g_per_kwh, not both');
  }
  const region = f.region !== undefined ? loadRegion(f.region, at('region')) : undefined;
  const pue = signalOf(f.pue, 1, baseDir, at('pue'));
  const carbon = region
    ? seriesSignal(region.carbon_g_per_kwh, gridDir, at('region'), 'models/grid/')
    : signalOf(f.carbon_g_per_kwh, 0, baseDir, at('carbon_g_per_kwh'));
  const priceSpec = f.price_usd_per_kwh ?? region?.price_usd_per_kwh;
  const price = signalOf(priceSpec, 0, f.price_usd_per_kwh === undefined && region ? gridDir : baseDir, at('price_usd_per_kwh'));
  const timeVarying = [pue, carbon, price].some((s) => s instanceof StepSeries);
  let start = 0;
  let startSource: BuiltFacility['startSource'] = 'none';
  if (f.start !== undefined) {
    if (!hasOffset(f.start) || Number.isNaN((start = parseWallClock(f.start, undefined)))) {
      throw new InputError(at('start'), '', `expected a date-time with an offset, like 2022-11-16T18:00:00Z, found '${f.start}'`);
    }
    startSource = 'scenario';
  } else if (timeVarying) {
    const fromTrace = traceStartEpochSeconds(input.source);
    if (fromTrace === undefined) {
      throw new InputError(
        file,
        '/facility/start',
        'this workload has no wall-clock dates (only Azure traces carry them), so a time-series signal cannot be aligned: give facility.start (--start), e.g. 2022-11-16T18:00:00Z',
      );
    }
    start = fromTrace;
    startSource = 'trace';
  }
  const rebase = (s: Signal) => (s instanceof StepSeries ? s.rebase(start) : s);
  const grid = new GridSignals(rebase(pue), rebase(carbon), rebase(price), start);
  // The run starts at t = 0: a series that misses its start fails now, before anything is simulated or written.
  grid.requireCoverage(0, 0);
  const accountant = new FacilityAccountant({
    node,
    placement,
    cost: input.cost,
    grid,
    intervalSeconds: input.intervalSeconds,
    maxIntervals: input.maxIntervals,
  });
  return {
    accountant,
    node,
    placement,
    grid,
    ...(region ? { regionId: region.id } : {}),
    timeVarying,
    startSource,
    config: f,
    gpu: input.gpu,
    gpusPerReplica: input.tp,
  };
}

