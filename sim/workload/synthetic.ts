/**
 * Seeded synthetic workloads: an arrival process (arrivals.ts) and a length distribution (lengths.ts), ended
 * by a request count or a duration, whichever comes first. Two independent seedrandom streams are derived from
 * the one seed — `String(seed)` for arrival gaps and `${seed}/lengths` for lengths — so changing the length
 * distribution does not move the arrival times. Each iteration restarts both streams: the same requests again.
 */
import { InputError } from '../errors.js';
import type { ArrivalConfig, ArrivalProcess } from './arrivals.js';
import { createArrivalProcess } from './arrivals.js';
import type { LengthSampler, Lengths } from './lengths.js';
import { Random } from './random.js';
import type { RequestSource, RequestSpec, WorkloadReport } from './request.js';

export interface SyntheticOptions {
  readonly arrival: ArrivalConfig | ArrivalProcess;
  readonly lengths: LengthSampler;
  readonly seed: number;
  /** Stop after this many requests. */
  readonly count?: number;
  /** Stop before the first arrival at or after this many seconds (arrivals fall in [0, duration_s)). */
  readonly durationSeconds?: number;
  /** Draw arrival times as usual (so a duration still decides the count) but yield every request at t = 0. */
  readonly offline?: boolean;
  /** For InputErrors: the scenario file, and the JSON pointer of the workload section. */
  readonly file?: string;
  readonly pointer?: string;
}

function isProcess(a: ArrivalConfig | ArrivalProcess): a is ArrivalProcess {
  return typeof (a as ArrivalProcess).nextGap === 'function';
}

export function syntheticSource(options: SyntheticOptions): RequestSource {
  const file = options.file ?? 'scenario';
  const pointer = options.pointer ?? '/workload';
  const { count, durationSeconds, lengths, seed } = options;
  const offline = options.offline === true;
  const process = isProcess(options.arrival) ? options.arrival : createArrivalProcess(options.arrival, file, `${pointer}/arrival`);
  if (count === undefined && durationSeconds === undefined) {
    throw new InputError(file, pointer, 'a synthetic workload needs count, duration_s, or both (it ends at whichever comes first)');
  }
  if (count !== undefined && !(Number.isInteger(count) && count >= 1)) {
    throw new InputError(file, `${pointer}/count`, `expected a positive integer, found ${count}`);
  }
  if (durationSeconds !== undefined && !(Number.isFinite(durationSeconds) && durationSeconds > 0)) {
    throw new InputError(file, `${pointer}/duration_s`, `expected a positive number of seconds, found ${durationSeconds}`);
  }
  if (count === undefined && process.allAtZero) {
    throw new InputError(file, `${pointer}/count`, 'offline arrivals all come at t = 0, so duration_s cannot end them: give count');
  }
  if (!Number.isFinite(seed)) throw new InputError(file, `${pointer}/seed`, `expected a number, found ${seed}`);

  const parts = [`synthetic ${process.description}`];
  if (count !== undefined) parts.push(`${count} requests`);
  if (durationSeconds !== undefined) parts.push(`${durationSeconds} s`);
  if (offline && !process.allAtZero) parts.push('arrivals forced to t = 0');
  parts.push(`lengths ${lengths.description}`, `seed ${seed}`);
  const report: WorkloadReport = { description: parts.join(', '), rowsRead: 0, requestsYielded: 0, skipped: {} };
  const maxCount = count ?? Infinity;
  const maxTime = durationSeconds ?? Infinity;

  function* iterate(): Generator<RequestSpec, void, undefined> {
    report.rowsRead = 0;
    report.requestsYielded = 0;
    const arrivalRng = new Random(String(seed));
    const lengthRng = new Random(`${seed}/lengths`);
    const drawn: Lengths = { inputTokens: 0, outputTokens: 0 };
    let t = 0;
    for (let id = 0; id < maxCount; id++) {
      if (id > 0) t += process.nextGap(arrivalRng, t);
      if (t >= maxTime) return;
      lengths.sample(lengthRng, drawn);
      report.rowsRead++;
      report.requestsYielded++;
      yield { id, arrivalSeconds: offline ? 0 : t, inputTokens: drawn.inputTokens, outputTokens: drawn.outputTokens };
    }
  }

  return { report, [Symbol.iterator]: iterate };
}
