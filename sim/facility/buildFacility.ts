/**
 * From a scenario's `facility` section to the run's accounting: the node type and placement, the PUE, carbon and
 * price signals on the run's clock, and the wall-clock start (the scenario's, else the trace's own dates).
 */
import { resolve } from 'node:path';
import type { CostParameters } from '../cost/costParameters.js';
import { InputError } from '../errors.js';
import type { RequestSource } from '../workload/request.js';
import { FacilityAccountant } from './facilityAccountant.js';
import type { FacilityConfig, RegionGroupConfig, SeriesConfig } from './facilitySchema.js';
import { GridSignals } from './gridSignals.js';
import { loadNodeType, type NodeType } from './nodeType.js';
import { placeGroups, placeReplicas, type Placement } from './placement.js';
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

/** Replicas in one grid region: their signals, and which replicas they are. */
export interface Site {
  /** The group's name, else its region id, else "group N". */
  readonly label: string;
  readonly regionId?: string;
  readonly grid: GridSignals;
  readonly firstReplica: number;
  readonly replicas: number;
  /** Nodes the group's replicas occupy. */
  readonly nodes: number;
}

export interface BuiltFacility {
  readonly accountant: FacilityAccountant;
  readonly node: NodeType;
  readonly placement: Placement;
  /** The first site's signals (the only site's, unless the scenario declares facility.regions). */
  readonly grid: GridSignals;
  readonly regionId?: string;
  /** One site per facility.regions group; one site for the whole cluster otherwise. */
  readonly sites: readonly Site[];
  /** Site of each replica. */
  readonly siteOf: readonly number[];
  /** Whether the scenario declared facility.regions (outputs then break totals down by region). */
  readonly multiRegion: boolean;
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

/** One site's signal settings, before they are read. */
interface SiteSpec {
  readonly label: string;
  readonly replicas: number;
  readonly region?: string;
  readonly carbon?: number | SeriesConfig;
  readonly price?: number | SeriesConfig;
  readonly pue?: number | SeriesConfig;
  /** Places errors about this site's settings. */
  readonly at: (place: string) => string;
}

function groupSpec(g: RegionGroupConfig, i: number, f: FacilityConfig, outer: (place: string) => string): SiteSpec {
  const at = (place: string) => outer(`regions/${i}/${place}`);
  if (g.region !== undefined && g.carbon_g_per_kwh !== undefined) throw new InputError(outer(`regions/${i}`), '', 'give region or carbon_g_per_kwh, not both');
  if (g.region === undefined && g.carbon_g_per_kwh === undefined) throw new InputError(outer(`regions/${i}`), '', 'give the group a region (models/grid/) or a carbon_g_per_kwh');
  return {
    label: g.name ?? g.region ?? `group ${i + 1}`,
    replicas: g.replicas,
    region: g.region,
    carbon: g.carbon_g_per_kwh,
    // A group's own price or PUE wins over the facility's, which wins over the region file's price.
    price: g.price_usd_per_kwh ?? f.price_usd_per_kwh,
    pue: g.pue ?? f.pue,
    at: (place) => (place === 'price_usd_per_kwh' && g.price_usd_per_kwh === undefined) || (place === 'pue' && g.pue === undefined) ? outer(place) : at(place),
  };
}

/** A site's PUE, carbon and price signals on the series' own clocks (rebased once the start is known). */
function rawSignals(spec: SiteSpec, baseDir: string): { signals: Signal[]; regionId?: string } {
  const region = spec.region !== undefined ? loadRegion(spec.region, spec.at('region')) : undefined;
  const pue = signalOf(spec.pue, 1, baseDir, spec.at('pue'));
  const carbon = region ? seriesSignal(region.carbon_g_per_kwh, gridDir, spec.at('region'), 'models/grid/') : signalOf(spec.carbon, 0, baseDir, spec.at('carbon_g_per_kwh'));
  const priceSpec = spec.price ?? region?.price_usd_per_kwh;
  const price = spec.price === undefined && region?.price_usd_per_kwh
    ? seriesSignal(region.price_usd_per_kwh, gridDir, spec.at('region'), 'models/grid/')
    : signalOf(priceSpec, 0, baseDir, spec.at('price_usd_per_kwh'));
  return { signals: [pue, carbon, price], ...(region ? { regionId: region.id } : {}) };
}

export function buildFacility(input: FacilityBuildInput): BuiltFacility {
  const { config: f, file, baseDir } = input;
  const at = (place: string) => `${file}:/facility/${place}`;
  const node = loadNodeType(f.node ?? DEFAULT_NODE, at('node'));
  if (f.region !== undefined && f.carbon_g_per_kwh !== undefined) {
    throw new InputError(file, '/facility', 'give region or carbon_g_per_kwh, not both');
  }
  const groups = f.regions;
  if (groups !== undefined && (f.region !== undefined || f.carbon_g_per_kwh !== undefined)) {
    throw new InputError(file, '/facility', `give regions (per replica group) or ${f.region !== undefined ? 'region' : 'carbon_g_per_kwh'} (one for the cluster), not both`);
  }
  const specs: SiteSpec[] = groups
    ? groups.map((g, i) => groupSpec(g, i, f, at))
    : [{ label: f.region ?? 'all', replicas: input.replicas, region: f.region, carbon: f.carbon_g_per_kwh, price: f.price_usd_per_kwh, pue: f.pue, at }];
  if (groups) {
    const held = groups.reduce((n, g) => n + g.replicas, 0);
    if (held !== input.replicas) {
      throw new InputError(file, '/facility/regions', `the groups hold ${held} replicas (${groups.map((g) => g.replicas).join(' + ')}); cluster.replicas is ${input.replicas}`);
    }
  }
  const placement = groups
    ? placeGroups(groups.map((g) => g.replicas), input.tp, node.gpus_per_node, node.id, at('node'))
    : placeReplicas(input.replicas, input.tp, node.gpus_per_node, node.id, at('node'));
  const raw = specs.map((s) => rawSignals(s, baseDir));
  const timeVarying = raw.some((r) => r.signals.some((x) => x instanceof StepSeries));
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
  const siteOf: number[] = [];
  const sites: Site[] = specs.map((spec, i) => {
    const [pue, carbon, price] = raw[i].signals.map(rebase);
    const grid = new GridSignals(pue, carbon, price, start);
    // The run starts at t = 0: a series that misses its start fails now, before anything is simulated or written.
    grid.requireCoverage(0, 0);
    const firstReplica = siteOf.length;
    for (let r = 0; r < spec.replicas; r++) siteOf.push(i);
    const nodes = new Set(placement.nodeOf.slice(firstReplica, firstReplica + spec.replicas)).size;
    return { label: spec.label, ...(raw[i].regionId ? { regionId: raw[i].regionId } : {}), grid, firstReplica, replicas: spec.replicas, nodes };
  });
  const grid = sites[0].grid;
  const accountant = new FacilityAccountant({
    node,
    placement,
    cost: input.cost,
    grid,
    ...(sites.length > 1 ? { gridOf: siteOf.map((s) => sites[s].grid) } : {}),
    intervalSeconds: input.intervalSeconds,
    maxIntervals: input.maxIntervals,
  });
  return {
    accountant,
    node,
    placement,
    grid,
    ...(sites[0].regionId && !groups ? { regionId: sites[0].regionId } : {}),
    sites,
    siteOf,
    multiRegion: groups !== undefined,
    timeVarying,
    startSource,
    config: f,
    gpu: input.gpu,
    gpusPerReplica: input.tp,
  };
}

