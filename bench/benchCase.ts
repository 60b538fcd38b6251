/**
 * One benchmark case, run in its own process so its peak memory is its own. Prints one JSON line.
 * Usage: node dist/bench/benchCase.js CASE_JSON
 *
 * Kinds:
 * - `read`: the trace-read baseline: open the trace and pull every request from it, nothing else. This is the floor
 *   any run over that trace pays, so the bench reports simulation time as a multiple of it.
 * - `simulate`: one scenario through runScenario (optionally with --out and --trace-events outputs).
 * - `compare`: the compare API over the given axes with a worker count.
 * - `queued`: the heap a waiting request costs in a replica's queue (see queuedFootprint.ts).
 * - `many`: many small simulations one after another (what the paper reproduction's sweeps do, where
 *   per-simulation set-up costs dominate); `reproduce`: the whole paper reproduction.
 */
import { performance } from 'node:perf_hooks';
import { runScenario } from '../sim/run/runScenario.js';
import { parseScenario } from '../sim/scenario/loadScenario.js';
import { createRequestSource } from '../sim/workload/createRequestSource.js';
import { scenariosDir } from '../sim/paths.js';
import { compare } from '../sim/index.js';
import type { VaryAxes } from '../sim/compare/vary.js';
import { queuedBytesPerRequest } from './queuedFootprint.js';
import { reproduce } from '../sim/reproduce/reproduce.js';

export type BenchCase =
  | { kind: 'read'; name: string; scenario: Record<string, unknown> }
  | { kind: 'simulate'; name: string; scenario: Record<string, unknown>; outDir?: string; traceEvents?: string }
  | { kind: 'compare'; name: string; scenario: Record<string, unknown>; vary: VaryAxes; workers: number }
  | { kind: 'queued'; name: string; count: number }
  | { kind: 'many'; name: string; count: number; scenario: Record<string, unknown> }
  | { kind: 'reproduce'; name: string };

export interface CaseResult {
  name: string;
  requests: number;
  wall_s: number;
  events: number;
  peak_rss_mb: number;
  rejected: number;
  /** `queued` only. */
  bytes_per_request?: number;
  /** Simulations the case ran (`many`, `reproduce`). */
  simulations?: number;
}

function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

async function runCase(spec: BenchCase): Promise<CaseResult> {
  const base = { name: spec.name, events: 0, rejected: 0 };
  if (spec.kind === 'queued') {
    const bytes = queuedBytesPerRequest(spec.count);
    return { ...base, requests: spec.count, wall_s: 0, peak_rss_mb: peakRssMb(), bytes_per_request: bytes };
  }
  if (spec.kind === 'reproduce') {
    const t0 = performance.now();
    const out = reproduce({ command: 'bench' });
    const wall = (performance.now() - t0) / 1000;
    return { ...base, requests: 0, wall_s: wall, peak_rss_mb: peakRssMb(), simulations: out.meta.sweeps.reduce((n, s) => n + s.simulated, 0) };
  }
  if (spec.kind === 'many') {
    const t0 = performance.now();
    let requests = 0;
    let events = 0;
    for (let i = 0; i < spec.count; i++) {
      const loaded = parseScenario({ ...spec.scenario, seed: i + 1 }, `bench:${spec.name}`, scenariosDir);
      const { summary, result } = runScenario(loaded);
      requests += summary.requests_completed + summary.requests_rejected;
      events += result.eventsFired;
    }
    const wall = (performance.now() - t0) / 1000;
    return { ...base, requests, events, wall_s: wall, peak_rss_mb: peakRssMb(), simulations: spec.count };
  }
  const loaded = parseScenario(spec.scenario, `bench:${spec.name}`, scenariosDir);
  if (spec.kind === 'read') {
    const t0 = performance.now();
    const source = createRequestSource(loaded.scenario.workload, { baseDir: loaded.baseDir, seed: loaded.scenario.seed, file: loaded.file });
    let requests = 0;
    let tokens = 0;
    // Touch every field so the read cannot be optimised into nothing.
    for (const r of source) {
      requests++;
      tokens += r.inputTokens + r.outputTokens + r.arrivalSeconds;
    }
    const wall = (performance.now() - t0) / 1000;
    if (!Number.isFinite(tokens)) throw new Error('unreachable');
    return { ...base, requests, wall_s: wall, peak_rss_mb: peakRssMb() };
  }
  if (spec.kind === 'compare') {
    const t0 = performance.now();
    const result = await compare(spec.scenario as never, spec.vary, { baseDir: scenariosDir, workers: spec.workers });
    const wall = (performance.now() - t0) / 1000;
    let requests = 0;
    for (const v of result.variants) requests += v.summary.requests_completed + v.summary.requests_rejected;
    return { ...base, requests, wall_s: wall, peak_rss_mb: peakRssMb() };
  }
  const t0 = performance.now();
  const { summary, result } = runScenario(loaded, { outDir: spec.outDir, traceEventsFile: spec.traceEvents });
  const wall = (performance.now() - t0) / 1000;
  return {
    ...base,
    requests: summary.requests_completed + summary.requests_rejected,
    wall_s: wall,
    events: result.eventsFired,
    rejected: summary.requests_rejected,
    peak_rss_mb: peakRssMb(),
  };
}

const spec = JSON.parse(process.argv[2]) as BenchCase;
process.stdout.write(JSON.stringify(await runCase(spec)) + '\n');
