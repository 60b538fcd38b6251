/**
 * Measured fp8 GEMM behaviour of a GPU (`models/quantization/fp8-gemm-<gpu>.json`, made by
 * calibration/harness/fp8_gemm.py): the fp8/bf16 speed-up where the matrix units bound a GEMM, the speed-up where
 * streaming the (halved) weights bounds it, and the streaming power relative to bf16. Where a GPU has this file, an
 * fp8-weight run uses it instead of the datasheet's fp8/bf16 peak ratio (sim/cost/quantizedRates.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { modelsDir } from '../paths.js';

export interface Fp8GemmMeasurement {
  readonly gpu: string;
  readonly source: string;
  readonly computeSpeedupVsBf16: number;
  readonly streamingSpeedupVsBf16: number;
  readonly streamingPowerRatioVsBf16: number;
  /** The file, relative to the package (for provenance). */
  readonly file: string;
}

export const fp8GemmDir = join(modelsDir, 'quantization');

const cache = new Map<string, Fp8GemmMeasurement | null>();

/** The measurement for `gpuId`, or null where none was made. A malformed file is an InputError naming it. */
export function fp8GemmMeasurement(gpuId: string, dir: string = fp8GemmDir): Fp8GemmMeasurement | null {
  const file = join(dir, `fp8-gemm-${gpuId}.json`);
  if (cache.has(file)) return cache.get(file)!;
  let out: Fp8GemmMeasurement | null = null;
  if (existsSync(file)) {
    const shown = `models/quantization/fp8-gemm-${gpuId}.json`;
    let raw: { gpu?: unknown; source?: unknown; compute_bound?: { speedup_vs_bf16?: unknown }; weight_streaming?: { speedup_vs_bf16?: unknown; power_above_warm_idle_ratio_vs_bf16?: unknown } };
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new InputError(shown, '', `not valid JSON (${(e as Error).message})`);
    }
    const num = (v: unknown, place: string, max: number): number => {
      if (typeof v !== 'number' || !(v > 0) || v > max) throw new InputError(shown, place, `expected a number in (0, ${max}]`);
      return v;
    };
    if (raw.gpu !== gpuId) throw new InputError(shown, '/gpu', `names '${String(raw.gpu)}', expected '${gpuId}'`);
    out = {
      gpu: gpuId,
      source: typeof raw.source === 'string' ? raw.source : '',
      computeSpeedupVsBf16: num(raw.compute_bound?.speedup_vs_bf16, '/compute_bound/speedup_vs_bf16', 4),
      streamingSpeedupVsBf16: num(raw.weight_streaming?.speedup_vs_bf16, '/weight_streaming/speedup_vs_bf16', 4),
      streamingPowerRatioVsBf16: num(raw.weight_streaming?.power_above_warm_idle_ratio_vs_bf16, '/weight_streaming/power_above_warm_idle_ratio_vs_bf16', 4),
      file: shown,
    };
  }
  cache.set(file, out);
  return out;
}
