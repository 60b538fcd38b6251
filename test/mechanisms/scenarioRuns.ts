/**
 * Scenario runs for the direction tests: the seed paper's controlled setting on one H100 SXM — offline (every
 * request at t = 0), fixed lengths (input 512, output 64), Llama-3.1-8B, hf-eager static batches, datasheet
 * roofline, unless a test says otherwise — through the same path as `joulesim run`.
 */
import { runScenario } from '../../sim/run/runScenario.js';
import type { Summary } from '../../sim/report/summary.js';
import { parseScenario } from '../../sim/scenario/loadScenario.js';

export interface FixedRun {
  readonly count?: number;
  readonly input?: number;
  readonly output?: number;
  readonly seed?: number;
}

export function runFixed(cluster: Record<string, unknown>, opts: FixedRun = {}): Summary {
  const scenario = {
    name: 'mechanism direction test',
    seed: opts.seed ?? 1,
    workload: {
      kind: 'synthetic',
      arrival: { process: 'offline' },
      count: opts.count ?? 16,
      lengths: { kind: 'fixed', input_tokens: opts.input ?? 512, output_tokens: opts.output ?? 64 },
    },
    // The datasheet roofline unless a test asks otherwise: target and draft (speculative decoding), dense and MoE
    // models are then priced from the same kind of source even after calibrated profiles land for some of them.
    cluster: { gpu: 'h100-sxm', model: 'llama-3.1-8b', stack: 'hf-eager', cost_model: 'roofline', ...cluster },
  };
  return runScenario(parseScenario(scenario, 'mechanisms.json', process.cwd())).summary;
}

/** 100 · (x / base − 1), the paper's way of quoting a change. */
export function pct(x: number, base: number): number {
  return 100 * (x / base - 1);
}
