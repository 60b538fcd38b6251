/**
 * Request length distributions for synthetic workloads.
 * - trace: (input, output) pairs resampled jointly, uniformly with replacement, from a trace file. This is the
 *   one place a trace is held in memory: only its two length columns, as Int32Arrays (8 bytes per usable
 *   row: 19k rows of the Azure conversation trace take ~150 kB; a 10M-row trace would take 80 MB).
 * - lognormal: parameterised by the mean and std of the lognormal itself (σ² = ln(1 + std²/mean²),
 *   μ = ln(mean) − σ²/2), rounded to an integer and clamped to [min, max] (min defaults to 1, max to none).
 * - uniform: integers in [min, max], inclusive.
 * - fixed: always the same pair.
 */
import { InputError } from '../errors.js';
import type { LengthsConfig, TraceFormat } from './workloadSchema.js';
import { openTrace } from './openTrace.js';
import type { Random } from './random.js';
import { resolveTracePath } from './resolveTracePath.js';
import type { WorkloadReport } from './request.js';
import { displayPath } from '../io/displayPath.js';
import { isAbsolute } from 'node:path';

export interface Lengths {
  inputTokens: number;
  outputTokens: number;
}

export interface LengthSampler {
  readonly description: string;
  /** Writes one (input, output) draw into `out`. */
  sample(rng: Random, out: Lengths): void;
}

export interface TraceLengths {
  readonly input: Int32Array;
  readonly output: Int32Array;
  readonly count: number;
  /** The report of the pass that read them (rows read, rows skipped). */
  readonly report: WorkloadReport;
}

/** Reads a trace's usable (input, output) pairs into compact arrays; time order is not checked. */
export function loadTraceLengths(path: string, format: TraceFormat = 'auto'): TraceLengths {
  const src = openTrace(path, format, { offline: true });
  let input = new Int32Array(1024);
  let output = new Int32Array(1024);
  let n = 0;
  for (const r of src) {
    if (n === input.length) {
      const i2 = new Int32Array(2 * n);
      const o2 = new Int32Array(2 * n);
      i2.set(input);
      o2.set(output);
      input = i2;
      output = o2;
    }
    input[n] = r.inputTokens;
    output[n] = r.outputTokens;
    n++;
  }
  if (n === 0) throw new InputError(path, '', 'the trace has no usable requests to resample lengths from');
  return { input: input.slice(0, n), output: output.slice(0, n), count: n, report: { ...src.report, skipped: { ...src.report.skipped } } };
}

export function traceLengthSampler(lengths: TraceLengths, description: string): LengthSampler {
  const { input, output, count } = lengths;
  return {
    description,
    sample(rng, out) {
      const i = rng.index(count);
      out.inputTokens = input[i];
      out.outputTokens = output[i];
    },
  };
}

interface LognormalConfig {
  readonly mean: number;
  readonly std: number;
  readonly min?: number;
  readonly max?: number;
}

interface RangeConfig {
  readonly min: number;
  readonly max: number;
}

type Draw = (rng: Random) => number;

function lognormal(c: LognormalConfig, file: string, pointer: string): { draw: Draw; text: string } {
  const min = c.min ?? 1;
  const max = c.max ?? Infinity;
  if (!(Number.isFinite(c.mean) && c.mean > 0)) throw new InputError(file, `${pointer}/mean`, `expected a positive mean, found ${c.mean}`);
  if (!(Number.isFinite(c.std) && c.std >= 0)) throw new InputError(file, `${pointer}/std`, `expected a non-negative std, found ${c.std}`);
  if (!(Number.isInteger(min) && min >= 1)) throw new InputError(file, `${pointer}/min`, `expected an integer ≥ 1, found ${min}`);
  if (max !== Infinity && !(Number.isInteger(max) && max >= min)) {
    throw new InputError(file, `${pointer}/max`, `expected an integer ≥ min (${min}), found ${max}`);
  }
  const sigma2 = Math.log(1 + (c.std * c.std) / (c.mean * c.mean));
  const sigma = Math.sqrt(sigma2);
  const mu = Math.log(c.mean) - sigma2 / 2;
  const text = `lognormal ${c.mean}±${c.std}` + (c.min !== undefined || c.max !== undefined ? ` in [${min}, ${max === Infinity ? '∞' : max}]` : '');
  return {
    text,
    draw(rng) {
      const v = Math.round(rng.lognormal(mu, sigma));
      return v < min ? min : v > max ? max : v;
    },
  };
}

function uniform(c: RangeConfig, file: string, pointer: string): { draw: Draw; text: string } {
  const { min, max } = c;
  if (!(Number.isInteger(min) && min >= 1)) throw new InputError(file, `${pointer}/min`, `expected an integer ≥ 1, found ${min}`);
  if (!(Number.isInteger(max) && max >= min)) throw new InputError(file, `${pointer}/max`, `expected an integer ≥ min (${min}), found ${max}`);
  return { text: `uniform [${min}, ${max}]`, draw: (rng) => rng.integer(min, max) };
}

/**
 * Builds the sampler for a scenario's `lengths`. Trace paths resolve against `baseDir`; `file` and `pointer`
 * (default `/workload/lengths`) place InputErrors.
 */
export function createLengthSampler(
  config: LengthsConfig,
  ctx: { readonly baseDir: string; readonly file: string; readonly pointer?: string },
): LengthSampler {
  const pointer = ctx.pointer ?? '/workload/lengths';
  const { file } = ctx;
  switch (config.kind) {
    case 'trace': {
      const path = resolveTracePath(config.path, ctx.baseDir, file, `${pointer}/path`);
      const lengths = loadTraceLengths(path, config.format ?? 'auto');
      return traceLengthSampler(lengths, `resampled from ${isAbsolute(config.path) ? displayPath(config.path) : config.path} (${lengths.count} pairs)`);
    }
    case 'lognormal': {
      const i = lognormal(config.input, file, `${pointer}/input`);
      const o = lognormal(config.output, file, `${pointer}/output`);
      return twoDraws(`input ${i.text}, output ${o.text}`, i.draw, o.draw);
    }
    case 'uniform': {
      const i = uniform(config.input, file, `${pointer}/input`);
      const o = uniform(config.output, file, `${pointer}/output`);
      return twoDraws(`input ${i.text}, output ${o.text}`, i.draw, o.draw);
    }
    case 'fixed': {
      const input = config.input_tokens;
      const output = config.output_tokens;
      for (const [k, v] of [['input_tokens', input], ['output_tokens', output]] as const) {
        if (!(Number.isInteger(v) && v >= 1)) throw new InputError(file, `${pointer}/${k}`, `expected an integer ≥ 1, found ${v}`);
      }
      return {
        description: `fixed ${input} in, ${output} out`,
        sample(_rng, out) {
          out.inputTokens = input;
          out.outputTokens = output;
        },
      };
    }
    default: {
      const kind = (config as { kind?: unknown }).kind;
      throw new InputError(file, `${pointer}/kind`, `expected trace, lognormal, uniform or fixed, found ${JSON.stringify(kind)}`);
    }
  }
}

function twoDraws(description: string, input: Draw, output: Draw): LengthSampler {
  return {
    description,
    sample(rng, out) {
      out.inputTokens = input(rng);
      out.outputTokens = output(rng);
    },
  };
}
