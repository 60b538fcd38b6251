/**
 * Arrival processes for synthetic workloads, as inter-arrival gap samplers. The first request arrives at t = 0
 * (as a trace's first row does); each later one a sampled gap after the previous.
 * - poisson: exponential gaps, mean 1 / rate_per_s.
 * - gamma: Gamma(k, θ) gaps with k = 1/cv², θ = 1/(rate·k): the same mean rate, gaps with coefficient of
 *   variation cv (cv = 1 is Poisson, cv > 1 burstier, cv < 1 more regular).
 * - offline: every request at t = 0.
 * - diurnal (poisson only): a day-periodic rate, rate_per_s × (1 + amplitude × cos(2π (t − peak_s) / 86400)),
 *   drawn by thinning (Lewis & Shedler 1979): candidates at the peak rate, each kept with probability rate(t) /
 *   peak rate. rate_per_s is then the day's mean rate. A modelled shape, not a measured one.
 */
import { InputError } from '../errors.js';
import type { Random } from './random.js';

export interface ArrivalConfig {
  readonly process: 'poisson' | 'gamma' | 'offline';
  readonly rate_per_s?: number;
  readonly cv?: number;
  readonly diurnal?: { readonly amplitude: number; readonly peak_s?: number };
}

export interface ArrivalProcess {
  readonly description: string;
  /** True when every arrival is at t = 0 (a duration cannot end the workload). */
  readonly allAtZero: boolean;
  /** Seconds from one arrival (at `nowSeconds`) to the next. */
  nextGap(rng: Random, nowSeconds: number): number;
}

/** Builds the process; `file` and `pointer` (e.g. `/workload/arrival`) place InputErrors. */
export function createArrivalProcess(config: ArrivalConfig, file: string, pointer = '/workload/arrival'): ArrivalProcess {
  const { process, rate_per_s: rate, cv, diurnal } = config;
  if (process !== 'poisson' && diurnal !== undefined) {
    throw new InputError(file, `${pointer}/diurnal`, `a diurnal rate applies to poisson arrivals only, not ${process}`);
  }
  if (process !== 'gamma' && cv !== undefined) {
    throw new InputError(file, `${pointer}/cv`, `cv applies to gamma arrivals only, not ${process}`);
  }
  if (process === 'offline') {
    if (rate !== undefined) {
      throw new InputError(
        file,
        `${pointer}/rate_per_s`,
        'offline arrivals have no rate (to draw arrivals from a rate but start them all at t = 0, use a poisson or gamma process with "offline": true)',
      );
    }
    return { description: 'offline', allAtZero: true, nextGap: () => 0 };
  }
  if (process !== 'poisson' && process !== 'gamma') {
    throw new InputError(file, `${pointer}/process`, `expected poisson, gamma or offline, found ${JSON.stringify(process)}`);
  }
  if (rate === undefined || !(Number.isFinite(rate) && rate > 0)) {
    throw new InputError(file, `${pointer}/rate_per_s`, `${process} arrivals need a positive rate_per_s, found ${rate ?? 'none'}`);
  }
  if (process === 'poisson' && diurnal) return diurnalPoisson(rate, diurnal.amplitude, diurnal.peak_s ?? 0);
  if (process === 'poisson') {
    return { description: `poisson ${rate}/s`, allAtZero: false, nextGap: (rng) => rng.exponential(rate) };
  }
  if (cv === undefined || !(Number.isFinite(cv) && cv > 0)) {
    throw new InputError(file, `${pointer}/cv`, `gamma arrivals need a positive cv (coefficient of variation of the gaps; 1 = Poisson), found ${cv ?? 'none'}`);
  }
  const shape = 1 / (cv * cv);
  const scale = 1 / (rate * shape);
  return {
    description: `gamma ${rate}/s cv ${cv}`,
    allAtZero: false,
    nextGap: (rng) => rng.gamma(shape) * scale,
  };
}

const DAY_SECONDS = 86400;

function diurnalPoisson(meanRate: number, amplitude: number, peakSeconds: number): ArrivalProcess {
  const peakRate = meanRate * (1 + amplitude);
  return {
    description: `poisson ${meanRate}/s mean, diurnal ±${amplitude * 100}% peaking at t = ${peakSeconds} s (mod 1 day)`,
    allAtZero: false,
    nextGap: (rng, now) => {
      let t = now;
      for (;;) {
        t += rng.exponential(peakRate);
        const rate = meanRate * (1 + amplitude * Math.cos((2 * Math.PI * (t - peakSeconds)) / DAY_SECONDS));
        if (rng.uniform() * peakRate < rate) return t - now;
      }
    },
  };
}
