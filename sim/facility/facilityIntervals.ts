/**
 * The facility's per-interval rows, on the same intervals as the run's time series: node, facility energy, carbon
 * and cost summed over the interval, and the signals (PUE, carbon intensity, price) time-averaged over it. With
 * replicas in several regions the signals are also averaged over replicas (each region weighted by its replica
 * count): what the cluster's replicas saw on average, not an energy-weighted intensity (that is carbon / facility
 * energy of the row).
 */
import type { BuiltFacility } from './buildFacility.js';
import { forEachPiece } from './stepSeries.js';

export interface FacilityIntervalRow {
  readonly nodeJoules: number;
  readonly facilityJoules: number;
  readonly carbonGrams: number;
  readonly costUsd: number;
  readonly pue: number;
  readonly carbonGPerKwh: number;
  readonly priceUsdPerKwh: number;
  /** With facility.regions: each region's carbon intensity, time-averaged over the interval (sites' order). */
  readonly carbonBySite?: readonly number[];
}

export function facilityIntervals(f: BuiltFacility, endSeconds: number, intervalSeconds: number): FacilityIntervalRow[] {
  const { intervalSeconds: width, values } = f.accountant.channels.rows(endSeconds);
  if (width !== intervalSeconds) throw new Error(`internal: facility intervals of ${width} s against the time series' ${intervalSeconds} s`);
  const replicas = f.siteOf.length;
  return values.map(([node, facility, carbon, cost], b) => {
    const t0 = b * width;
    const t1 = Math.min((b + 1) * width, Math.max(endSeconds, t0));
    const mean = [0, 0, 0];
    const bySite: number[] = [];
    for (const site of f.sites) {
      const g = site.grid;
      const signals = [g.pue, g.carbon, g.price];
      const weight = site.replicas / replicas;
      let carbon = 0;
      if (t1 > t0) {
        forEachPiece(signals, t0, t1, (a, z, v) => {
          for (let k = 0; k < 3; k++) mean[k] += (weight * v[k] * (z - a)) / (t1 - t0);
          carbon += (v[1] * (z - a)) / (t1 - t0);
        });
      } else {
        for (let k = 0; k < 3; k++) mean[k] += weight * signals[k].valueAt(t0);
        carbon = signals[1].valueAt(t0);
      }
      bySite.push(carbon);
    }
    return { nodeJoules: node, facilityJoules: facility, carbonGrams: carbon, costUsd: cost, pue: mean[0], carbonGPerKwh: mean[1], priceUsdPerKwh: mean[2], ...(f.multiRegion ? { carbonBySite: bySite } : {}) };
  });
}
