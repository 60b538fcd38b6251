/**
 * What the grid and the building add to IT energy at each instant of a run: PUE (facility energy per IT joule),
 * carbon intensity (gCO2e/kWh) and price ($/kWh), each a constant or a time series on the run's clock (seconds
 * since its wall-clock start). `at` is the small pure lookup a policy can consume; `charge` prices a span of IT
 * energy drawn at constant power, splitting it wherever any signal changes.
 */
import { InputError } from '../errors.js';
import { covers, forEachPiece, type Signal } from './stepSeries.js';
import { formatUtc } from './wallClock.js';

export interface GridSample {
  readonly pue: number;
  readonly carbonGPerKwh: number;
  readonly priceUsdPerKwh: number;
}

export interface Charge {
  facilityJoules: number;
  carbonGrams: number;
  costUsd: number;
}

const JOULES_PER_KWH = 3.6e6;

export class GridSignals {
  private readonly signals: readonly Signal[];

  constructor(
    readonly pue: Signal,
    readonly carbon: Signal,
    readonly price: Signal,
    /** Wall-clock time of the run's t = 0, for messages. */
    readonly startEpochSeconds: number,
  ) {
    this.signals = [pue, carbon, price];
  }

  at(runSeconds: number): GridSample {
    return { pue: this.pue.valueAt(runSeconds), carbonGPerKwh: this.carbon.valueAt(runSeconds), priceUsdPerKwh: this.price.valueAt(runSeconds) };
  }

  /** Throws an InputError naming the first signal that does not cover [t0, t1] of the run. */
  requireCoverage(t0: number, t1: number): void {
    for (const s of this.signals) {
      if (covers(s, t0, t1)) continue;
      const w = (t: number) => formatUtc(this.startEpochSeconds + t);
      throw new InputError(
        s.label,
        '',
        `covers ${w(s.fromEpochSeconds)} to ${w(s.toEpochSeconds)}, but the run ${t1 > t0 ? `needs ${w(t0)} to ${w(t1)}` : `starts at ${w(t0)}`} ` +
          `(its wall-clock start is ${w(0)}: set facility.start / --start to move it, or give a series that covers it)`,
      );
    }
  }

  /**
   * Adds to `out` the facility energy, carbon and cost of `itJoules` drawn over [t0, t1]: at constant power, or
   * as `itJoulesUpTo(t)` (cumulative from t0) says. `piece` (optional) sees each piece on which every signal is
   * constant, with its IT energy and its share of the three quantities; `edges` cuts pieces at more places
   * (the report's interval edges).
   */
  charge(
    itJoules: number,
    t0: number,
    t1: number,
    out: Charge,
    piece?: (from: number, to: number, it: number, c: Charge) => void,
    itJoulesUpTo?: (t: number) => number,
    edges?: Signal,
  ): void {
    if (!(t1 > t0)) {
      const g = this.at(t0);
      const facility = itJoules * g.pue;
      out.facilityJoules += facility;
      out.carbonGrams += (facility * g.carbonGPerKwh) / JOULES_PER_KWH;
      out.costUsd += (facility * g.priceUsdPerKwh) / JOULES_PER_KWH;
      piece?.(t0, t0, itJoules, { facilityJoules: facility, carbonGrams: (facility * g.carbonGPerKwh) / JOULES_PER_KWH, costUsd: (facility * g.priceUsdPerKwh) / JOULES_PER_KWH });
      return;
    }
    const span = t1 - t0;
    let done = 0;
    forEachPiece(edges ? [...this.signals, edges] : this.signals, t0, t1, (a, b, v) => {
      let it: number;
      if (b === t1) it = itJoules - done;
      else {
        const upTo = itJoulesUpTo ? Math.min(itJoules, itJoulesUpTo(b)) : (itJoules * (b - t0)) / span;
        it = upTo - done;
        done = upTo;
      }
      const facility = it * v[0];
      const carbon = (facility * v[1]) / JOULES_PER_KWH;
      const cost = (facility * v[2]) / JOULES_PER_KWH;
      out.facilityJoules += facility;
      out.carbonGrams += carbon;
      out.costUsd += cost;
      piece?.(a, b, it, { facilityJoules: facility, carbonGrams: carbon, costUsd: cost });
    });
  }
}
