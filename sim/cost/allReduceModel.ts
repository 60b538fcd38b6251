/**
 * What one tensor-parallel all-reduce costs. Two models fill the same interface:
 *
 *   analytic — ring all-reduce on the GPU file's interconnect: latency + 2(N−1)/N · bytes / bandwidth;
 *   measured — a table of measured NCCL all-reduce times (Vidur's, `models/interconnect/vidur-*.json`) for this
 *              GPU and this TP degree, interpolated log-log in the message size.
 *
 * `auto` takes the measured table when one exists for the GPU and the degree, else the analytic model; the cost
 * provenance says which. Both depend only on the message size, which for a decode run of fixed batch is constant,
 * so decode runs stay exact.
 *
 * Seam for pipeline parallelism (outside this model today): a pipeline stage boundary is a point-to-point send of the
 * activations (tokens × hidden × 2 bytes) once per micro-batch. It would be a second model of this same shape
 * (`seconds(messageBytes)`), fitted from Vidur's `send_recv.csv` tables beside the all-reduce ones, added by the
 * step cost model once per stage boundary; the replica would become `tp × pp` GPUs with work split tp ways within
 * a stage and a scheduler that keeps pp micro-batches in flight. Nothing here assumes pp = 1 beyond the fact that
 * `CostParameters.gpusPerReplica` is the TP degree today.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import type { Gpu } from '../model/gpu.js';
import { modelsDir } from '../paths.js';

export const interconnectDir = join(modelsDir, 'interconnect');

export type AllReduceMode = 'auto' | 'measured' | 'analytic';

/** Seconds of one all-reduce over the replica's GPUs, by message size (bytes each GPU contributes). */
export interface CollectiveModel {
  readonly kind: 'analytic' | 'measured';
  readonly description: string;
  seconds(messageBytes: number): number;
}

export function analyticAllReduce(gpus: number, bytesPerSecond: number, latencySeconds: number, description = ''): CollectiveModel {
  return {
    kind: 'analytic',
    description:
      description ||
      `analytic ring all-reduce: ${(latencySeconds * 1e6).toFixed(0)} µs + 2(N−1)/N · bytes / ${(bytesPerSecond / 1e9).toFixed(0)} GB/s`,
    seconds: (messageBytes) => (gpus <= 1 ? 0 : latencySeconds + ((2 * (gpus - 1)) / gpus) * (messageBytes / bytesPerSecond)),
  };
}

/**
 * Piecewise log-log interpolation of measured (bytes, seconds) points. Below the smallest size the time is held at
 * the smallest size's (a collective that small is latency-bound); above the largest it grows in proportion to the
 * size from the largest point (bandwidth-bound).
 */
export class MeasuredAllReduce implements CollectiveModel {
  readonly kind = 'measured';
  private readonly logBytes: Float64Array;
  private readonly logSeconds: Float64Array;
  private readonly bytes: Float64Array;
  private readonly secs: Float64Array;

  constructor(
    points: readonly (readonly [number, number])[],
    readonly description: string,
  ) {
    if (points.length === 0) throw new Error('an all-reduce table needs at least one point');
    const sorted = [...points].sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < sorted.length; i++) {
      if (!(sorted[i][0] > sorted[i - 1][0])) throw new Error(`all-reduce table: message size ${sorted[i][0]} appears twice`);
    }
    this.bytes = Float64Array.from(sorted, (p) => p[0]);
    this.secs = Float64Array.from(sorted, (p) => p[1]);
    this.logBytes = this.bytes.map(Math.log);
    this.logSeconds = this.secs.map(Math.log);
  }

  seconds(messageBytes: number): number {
    const n = this.bytes.length;
    if (messageBytes <= this.bytes[0]) return this.secs[0];
    if (messageBytes >= this.bytes[n - 1]) return this.secs[n - 1] * (messageBytes / this.bytes[n - 1]);
    // Largest i with bytes[i] <= messageBytes.
    let lo = 0;
    let hi = n - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (this.bytes[mid] <= messageBytes) lo = mid;
      else hi = mid;
    }
    const t = (Math.log(messageBytes) - this.logBytes[lo]) / (this.logBytes[hi] - this.logBytes[lo]);
    return Math.exp(this.logSeconds[lo] + t * (this.logSeconds[hi] - this.logSeconds[lo]));
  }
}

export interface InterconnectTable {
  readonly id: string;
  readonly description: string;
  readonly gpus: readonly string[];
  readonly source: string;
  readonly licence: string;
  /** TP degree → [message bytes, median milliseconds] points. */
  readonly all_reduce_median_ms: Readonly<Record<string, readonly (readonly [number, number])[]>>;
}

const tableCache = new Map<string, InterconnectTable[]>();

export function loadInterconnectTables(dir = interconnectDir): InterconnectTable[] {
  const cached = tableCache.get(dir);
  if (cached) return cached;
  const tables: InterconnectTable[] = [];
  if (existsSync(dir)) {
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
      const path = join(dir, f);
      let t: InterconnectTable;
      try {
        t = JSON.parse(readFileSync(path, 'utf8')) as InterconnectTable;
      } catch (e) {
        throw new InputError(path, '', `invalid JSON: ${(e as Error).message}`);
      }
      if (!Array.isArray(t.gpus) || typeof t.all_reduce_median_ms !== 'object' || t.all_reduce_median_ms === null) {
        throw new InputError(path, '', 'an interconnect table needs "gpus" and "all_reduce_median_ms"');
      }
      tables.push(t);
    }
  }
  tableCache.set(dir, tables);
  return tables;
}

/** The measured all-reduce of this GPU at this TP degree, or null when no table covers them. */
export function measuredAllReduceFor(gpuId: string, tp: number, dir = interconnectDir): MeasuredAllReduce | null {
  for (const t of loadInterconnectTables(dir)) {
    if (!t.gpus.includes(gpuId)) continue;
    const pts = t.all_reduce_median_ms[String(tp)];
    if (!pts || pts.length === 0) continue;
    const lo = pts[0][0];
    const hi = pts[pts.length - 1][0];
    return new MeasuredAllReduce(
      pts.map(([b, ms]) => [b, ms / 1e3] as const),
      `measured all-reduce: ${t.id} (${t.source.split(',')[0]}, ${t.licence}), TP ${tp}, log-log interpolation in message size over ${lo} B – ${(hi / 2 ** 20).toFixed(0)} MiB (flat below, linear in size above)`,
    );
  }
  return null;
}

/**
 * The all-reduce model a replica uses. `auto`: the measured table where one exists for this GPU and degree, else
 * analytic. `measured` insists on a table (an error names what is missing); `analytic` ignores tables.
 */
export function selectAllReduce(gpu: Gpu, tp: number, mode: AllReduceMode, source = '/cluster/all_reduce'): CollectiveModel {
  const analytic = analyticAllReduce(tp, gpu.interconnect.bandwidth_gb_s * 1e9, gpu.interconnect.latency_us * 1e-6,
    `analytic ring all-reduce on ${gpu.id}'s ${gpu.interconnect.kind} (${gpu.interconnect.latency_us} µs + 2(N−1)/N · bytes / ${gpu.interconnect.bandwidth_gb_s} GB/s)`);
  if (mode === 'analytic' || tp <= 1) return analytic;
  const measured = measuredAllReduceFor(gpu.id, tp);
  if (measured) return measured;
  if (mode === 'measured') {
    const have = loadInterconnectTables()
      .flatMap((t) => t.gpus.map((g) => `${g} (TP ${Object.keys(t.all_reduce_median_ms).join(', ')})`))
      .join('; ');
    throw new InputError(source, '', `no measured all-reduce table for ${gpu.id} at TP ${tp}; tables exist for ${have || 'no GPU'}; use "auto" or "analytic"`);
  }
  return { ...analytic, description: `${analytic.description}; no measured table for ${gpu.id} at TP ${tp}` };
}
