/**
 * What report.html draws, in a compact plain-data form (it crosses worker threads by structured clone and is
 * returned by the library API): the interval time series (merged down to at most MAX_SERIES_POINTS intervals,
 * energy-exactly), latency CDFs at fixed quantiles, and a deterministic subsample of per-request energy against
 * input and output tokens.
 */
import type { FacilityIntervalRow } from '../facility/facilityIntervals.js';
import type { LiveRequest } from '../serving/liveRequest.js';
import type { RequestSpec } from '../workload/request.js';
import { quantileSorted, SampleList } from '../accounting/quantiles.js';
import type { RequestRowWriter } from '../accounting/requestMetrics.js';
import type { TimeSeriesRow } from '../accounting/timeSeries.js';

/** Most intervals a chart draws; longer series merge neighbours (energy sums, counts time-average). */
export const MAX_SERIES_POINTS = 1000;
/** Most requests kept for the energy scatter of one run. */
export const MAX_SCATTER_POINTS = 5000;
/** CDFs of more samples than this are kept at this many + 1 evenly spaced quantiles. */
const CDF_POINTS = 1000;

export interface ReplicaSeries {
  /** Average power in each interval, split by what the replica was doing (W, whole replica). */
  readonly prefillWatts: number[];
  readonly decodeWatts: number[];
  readonly idleWatts: number[];
  /** Time-averaged running and queued requests. */
  readonly running: number[];
  readonly queued: number[];
}

export interface SeriesData {
  readonly startSeconds: number[];
  readonly endSeconds: number[];
  readonly replicas: ReplicaSeries[];
  /** Energy of the whole cluster from t = 0 to each interval's end (J). */
  readonly cumulativeJoules: number[];
}

export interface Cdf {
  /** Sorted sample values (s) and the fraction of requests at or below each. */
  readonly values: number[];
  readonly fractions: number[];
  readonly count: number;
}

export interface ScatterData {
  readonly inputTokens: number[];
  readonly outputTokens: number[];
  readonly energyJoules: number[];
  /** Completed requests, of which every `stride`-th (in finish order) is kept. */
  readonly total: number;
  readonly stride: number;
}

/** The facility's series on the same merged intervals as SeriesData: power by level and the grid's signals. */
export interface FacilitySeriesData {
  readonly gpuWatts: number[];
  readonly itWatts: number[];
  readonly facilityWatts: number[];
  readonly pue: number[];
  readonly carbonGPerKwh: number[];
  readonly priceUsdPerKwh: number[];
  /** Operational carbon since t = 0 to each interval's end (g). */
  readonly cumulativeGrams: number[];
  /** With facility.regions: each region's carbon intensity per point (regions in summary.facility.by_region order). */
  readonly carbonByRegion?: number[][];
}

export interface RunReportData {
  readonly series: SeriesData;
  /** Present when the run has a facility model. */
  readonly facility?: FacilitySeriesData;
  readonly ttft: Cdf;
  readonly tpot: Cdf;
  readonly e2e: Cdf;
  readonly scatter: ScatterData;
  /** Per-GPU power cap the run used (the TDP unless capped), and idle power of one replica. */
  readonly powerCapWatts: number;
  readonly gpusPerReplica: number;
  readonly idleWattsPerReplica: number;
}

/** A latency CDF with at most CDF_POINTS + 1 points, from the shared sample store. */
function cdfOf(samples: SampleList): Cdf {
  const n = samples.length;
  const values: number[] = [];
  const fractions: number[] = [];
  if (!samples.copies) {
    // Too long to copy: the same quantiles, read in place.
    const qs = Array.from({ length: CDF_POINTS + 1 }, (_, i) => i / CDF_POINTS);
    return { values: samples.quantiles(qs), fractions: qs, count: n };
  }
  const sorted = samples.sorted();
  if (n <= CDF_POINTS) {
    for (let i = 0; i < n; i++) {
      values.push(sorted[i]);
      fractions.push((i + 1) / n);
    }
  } else {
    for (let i = 0; i <= CDF_POINTS; i++) {
      const q = i / CDF_POINTS;
      values.push(quantileSorted(sorted, q));
      fractions.push(q);
    }
  }
  return { values, fractions, count: n };
}

/** The run's latency samples (RequestMetrics keeps them; the report reads the same lists, never a copy). */
export interface LatencySamples {
  readonly ttftSeconds: SampleList;
  readonly tpotSeconds: SampleList;
  readonly e2eSeconds: SampleList;
}

/**
 * A request-row sink that keeps what the report needs beyond the run's latency samples: every stride-th request's
 * energy and tokens, the stride doubling whenever more than MAX_SCATTER_POINTS would be kept. Deterministic: the
 * sample depends only on finish order.
 */
export class ReportCollector implements RequestRowWriter {
  private input: number[] = [];
  private output: number[] = [];
  private energy: number[] = [];
  private stride = 1;
  private seen = 0;

  constructor(private readonly maxPoints = MAX_SCATTER_POINTS) {}

  finished(r: LiveRequest): void {
    const s = r.spec;
    if (this.seen % this.stride === 0) {
      this.input.push(s.inputTokens);
      this.output.push(s.outputTokens);
      this.energy.push(r.energyJoules);
      if (this.input.length > this.maxPoints) {
        // Keep every other kept point: exactly the requests whose finish index is a multiple of the new stride.
        const keep = (a: number[]) => a.filter((_, i) => i % 2 === 0);
        this.input = keep(this.input);
        this.output = keep(this.output);
        this.energy = keep(this.energy);
        this.stride *= 2;
      }
    }
    this.seen++;
  }

  rejected(_spec: RequestSpec, _reason: string, _replica: number): void {}

  build(
    rows: readonly TimeSeriesRow[],
    replicas: number,
    meta: Pick<RunReportData, 'powerCapWatts' | 'gpusPerReplica' | 'idleWattsPerReplica'>,
    latencies: LatencySamples,
  ): RunReportData {
    return {
      series: seriesData(rows, replicas),
      // One sorted copy at a time, dropped once its CDF is read.
      ttft: cdfOf(latencies.ttftSeconds),
      tpot: cdfOf(latencies.tpotSeconds),
      e2e: cdfOf(latencies.e2eSeconds),
      scatter: { inputTokens: this.input, outputTokens: this.output, energyJoules: this.energy, total: this.seen, stride: this.stride },
      ...meta,
    };
  }
}

/** The facility rows merged exactly as seriesData merges the interval rows (energies summed, signals time-averaged). */
export function facilitySeriesData(rows: readonly TimeSeriesRow[], facility: readonly FacilityIntervalRow[], maxPoints = MAX_SERIES_POINTS): FacilitySeriesData {
  const group = Math.max(1, Math.ceil(rows.length / maxPoints));
  const out: FacilitySeriesData = { gpuWatts: [], itWatts: [], facilityWatts: [], pue: [], carbonGPerKwh: [], priceUsdPerKwh: [], cumulativeGrams: [] };
  let grams = 0;
  const sites = facility[0]?.carbonBySite?.length ?? 0;
  const byRegion: number[][] = Array.from({ length: sites }, () => []);
  for (let g = 0; g < rows.length; g += group) {
    const last = Math.min(rows.length, g + group) - 1;
    const span = rows[last].endSeconds - rows[g].startSeconds;
    let gpu = 0;
    let node = 0;
    let fac = 0;
    const mean = [0, 0, 0];
    const regionMean: number[] = new Array(sites).fill(0);
    for (let i = g; i <= last; i++) {
      const row = rows[i];
      const f = facility[i];
      const w = row.endSeconds - row.startSeconds;
      for (let r = 0; r < row.prefillJoules.length; r++) gpu += row.prefillJoules[r] + row.decodeJoules[r] + row.idleJoules[r];
      node += f.nodeJoules;
      fac += f.facilityJoules;
      grams += f.carbonGrams;
      const weight = span > 0 ? w / span : 1 / (last - g + 1);
      mean[0] += f.pue * weight;
      mean[1] += f.carbonGPerKwh * weight;
      mean[2] += f.priceUsdPerKwh * weight;
      for (let k = 0; k < sites; k++) regionMean[k] += f.carbonBySite![k] * weight;
    }
    for (let k = 0; k < sites; k++) byRegion[k].push(regionMean[k]);
    const watts = (j: number) => (span > 0 ? j / span : 0);
    out.gpuWatts.push(watts(gpu));
    out.itWatts.push(watts(gpu + node));
    out.facilityWatts.push(watts(fac));
    out.pue.push(mean[0]);
    out.carbonGPerKwh.push(mean[1]);
    out.priceUsdPerKwh.push(mean[2]);
    out.cumulativeGrams.push(grams);
  }
  return sites > 0 ? { ...out, carbonByRegion: byRegion } : out;
}

/** Interval rows to per-replica power and counts, merging neighbours so at most MAX_SERIES_POINTS remain. */
export function seriesData(rows: readonly TimeSeriesRow[], replicas: number, maxPoints = MAX_SERIES_POINTS): SeriesData {
  const group = Math.max(1, Math.ceil(rows.length / maxPoints));
  const startSeconds: number[] = [];
  const endSeconds: number[] = [];
  const cumulativeJoules: number[] = [];
  const per: ReplicaSeries[] = Array.from({ length: replicas }, () => ({
    prefillWatts: [],
    decodeWatts: [],
    idleWatts: [],
    running: [],
    queued: [],
  }));
  let cumulative = 0;
  for (let g = 0; g < rows.length; g += group) {
    const last = Math.min(rows.length, g + group) - 1;
    const t0 = rows[g].startSeconds;
    const t1 = rows[last].endSeconds;
    const span = t1 - t0;
    startSeconds.push(t0);
    endSeconds.push(t1);
    for (let r = 0; r < replicas; r++) {
      let prefill = 0;
      let decode = 0;
      let idle = 0;
      let running = 0;
      let queued = 0;
      for (let i = g; i <= last; i++) {
        const row = rows[i];
        const w = row.endSeconds - row.startSeconds;
        prefill += row.prefillJoules[r];
        decode += row.decodeJoules[r];
        idle += row.idleJoules[r];
        running += row.running[r] * w;
        queued += row.queued[r] * w;
      }
      cumulative += prefill + decode + idle;
      const s = per[r];
      s.prefillWatts.push(span > 0 ? prefill / span : 0);
      s.decodeWatts.push(span > 0 ? decode / span : 0);
      s.idleWatts.push(span > 0 ? idle / span : 0);
      s.running.push(span > 0 ? running / span : 0);
      s.queued.push(span > 0 ? queued / span : 0);
    }
    // KV transfers between disaggregated pools belong to no replica, but to the run's energy.
    for (let i = g; i <= last; i++) cumulative += rows[i].transferJoules ?? 0;
    cumulativeJoules.push(cumulative);
  }
  return { startSeconds, endSeconds, replicas: per, cumulativeJoules };
}
