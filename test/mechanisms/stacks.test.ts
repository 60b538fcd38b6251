/**
 * Stacks as cost-model parameters, and the mechanism flags on the command line: `--stack` switches batching, KV
 * cache and launch overhead (scaled with the layers for stacks that launch every kernel from Python); `--scheduler
 * speculative`, `--decoding`, `--tp` and `--all-reduce` reach the run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAcceptance } from '../../sim/cli/main.js';
import { buildCostModel } from '../../sim/cost/buildCostModel.js';
import { loadArchitecture } from '../../sim/model/architecture.js';
import { loadGpu } from '../../sim/model/gpu.js';
import { loadStack } from '../../sim/model/stack.js';
import { pct, runFixed } from './scenarioRuns.js';
import { cli } from '../cliHarness.js';

const h100 = loadGpu('h100-sxm');
const overhead = (stack: string, model: string) =>
  buildCostModel({ gpu: h100, arch: loadArchitecture(model), stack: loadStack(stack), tp: 1, mode: 'roofline' }).params.stepOverheadSeconds;

describe('the stack’s launch overhead', () => {
  it('eager stacks (no CUDA graphs) scale their per-step overhead with the layers it was derived on (32)', () => {
    expect(overhead('hf-eager', 'llama-3.1-8b')).toBeCloseTo(0.032, 12);
    expect(overhead('hf-eager', 'llama-3.2-1b')).toBeCloseTo(0.016, 12); // 16 layers
    expect(overhead('hf-compile', 'llama-3.2-1b')).toBeCloseTo(0.011, 12);
    expect(overhead('vllm-eager', 'olmo-1b')).toBeCloseTo(0.0025, 12);
    expect(overhead('hf-eager', 'qwen1.5-32b')).toBeCloseTo(0.064, 12); // 64 layers
  });

  it('a stack with CUDA graphs replays the whole step: its overhead is per step whatever the model', () => {
    expect(overhead('vllm', 'llama-3.2-1b')).toBe(loadStack('vllm').step_overhead_s);
    expect(overhead('vllm', 'qwen1.5-32b')).toBe(loadStack('vllm').step_overhead_s);
  });

  it('the provenance says which', () => {
    const d = buildCostModel({ gpu: h100, arch: loadArchitecture('llama-3.2-1b'), stack: loadStack('hf-eager'), tp: 1, mode: 'roofline' }).params.provenance.description;
    expect(d).toMatch(/step overhead 16\.00 ms = hf-eager's 32\.0 ms × 16\/32 layers/);
  });

  it('torch.compile and CUDA graphs raise throughput at no extra energy, most at small batch (finding 5)', () => {
    const run = (stack: string, b: number) =>
      runFixed({ stack, scheduler: { kind: stack.startsWith('hf') ? 'static' : 'continuous', batch_size: b } }, { count: Math.max(16, 2 * b) });
    const gain = (fast: string, slow: string, b: number) => {
      const f = run(fast, b);
      const s = run(slow, b);
      expect(f.energy_j, `${fast} vs ${slow} at batch ${b}`).toBeLessThanOrEqual(s.energy_j);
      return pct(f.throughput_output_tokens_per_s, s.throughput_output_tokens_per_s);
    };
    const compileSmall = gain('hf-compile', 'hf-eager', 1);
    const compileLarge = gain('hf-compile', 'hf-eager', 64);
    expect(compileSmall).toBeGreaterThan(0);
    expect(compileSmall).toBeGreaterThan(compileLarge);
    const graphsSmall = gain('vllm', 'vllm-eager', 1);
    expect(graphsSmall).toBeGreaterThan(0);
  });
});

const dir = mkdtempSync(join(tmpdir(), 'joulesim-mech-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


const scenario = join(dir, 'fixed.json');
writeFileSync(
  scenario,
  JSON.stringify({
    seed: 3,
    workload: { kind: 'synthetic', arrival: { process: 'offline' }, count: 8, lengths: { kind: 'fixed', input_tokens: 256, output_tokens: 32 } },
    cluster: { gpu: 'h100-sxm', model: 'llama-3.1-8b', stack: 'hf-eager', decoding: { kind: 'sampling', top_p: 0.9 }, scheduler: { batch_size: 4 } },
  }),
);

describe('mechanism flags on the command line', () => {
  it('--scheduler speculative --draft-model --gamma --acceptance', async () => {
    const r = await cli('run', scenario, '--json', '--no-progress', '--scheduler', 'speculative', '--draft-model', 'llama-3.2-1b', '--gamma', '3', '--acceptance', '0.6');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.scheduler.kind).toBe('static');
    expect(s.scheduler.speculative).toMatchObject({ draft_model: 'llama-3.2-1b', gamma: 3, acceptance: { kind: 'constant', rate: 0.6 } });
    expect(s.requests_completed).toBe(8);
  });

  it('--acceptance beta:A,B and uniform:LO,HI draw a rate per request; --speculative-base continuous', async () => {
    expect(parseAcceptance('beta:7,3')).toEqual({ kind: 'per_request', distribution: { kind: 'beta', a: 7, b: 3 } });
    expect(parseAcceptance('uniform:0.5,0.9')).toEqual({ kind: 'per_request', distribution: { kind: 'uniform', lo: 0.5, hi: 0.9 } });
    const r = await cli('run', scenario, '--json', '--no-progress', '--scheduler', 'speculative', '--draft-model', 'llama-3.2-1b', '--acceptance', 'beta:7,3', '--speculative-base', 'continuous');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.scheduler.kind).toBe('continuous');
    expect(s.scheduler.chunked_prefill).toBe(false);
    expect(s.scheduler.speculative.acceptance.distribution).toEqual({ kind: 'beta', a: 7, b: 3 });
  });

  it('bad speculative input is one line and exit 2', async () => {
    const bad = await cli('run', scenario, '--acceptance', '1.5');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^joulesim: --acceptance: expected a rate in \[0, 1\]/);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    const noDraft = await cli('run', scenario, '--scheduler', 'speculative', '--no-progress');
    expect(noDraft.code).toBe(2);
    expect(noDraft.stderr).toMatch(/\/cluster\/scheduler\/draft_model: a speculative scheduler needs a draft_model/);
    const unknown = await cli('run', scenario, '--scheduler', 'speculative', '--draft-model', 'llama-9b');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^joulesim: --draft-model: unknown model architecture 'llama-9b'/);
  });

  it('--decoding beam --beam-width replaces the scenario’s sampling; --tp with --all-reduce analytic', async () => {
    const r = await cli('run', scenario, '--json', '--no-progress', '--decoding', 'beam', '--beam-width', '2', '--tp', '2', '--all-reduce', 'analytic');
    expect(r.stderr).toBe('');
    const s = JSON.parse(r.stdout);
    expect(s.scheduler.decoding).toEqual({ kind: 'beam', width: 2 });
    expect(s.tp).toBe(2);
    expect(s.cost_model.description).toMatch(/TP 2 all-reduce: analytic ring all-reduce/);
  });

  it('--stack switches batching and the cost model’s overheads', async () => {
    const eager = JSON.parse((await cli('run', scenario, '--json', '--no-progress')).stdout);
    const vllmRun = JSON.parse((await cli('run', scenario, '--json', '--no-progress', '--stack', 'vllm')).stdout);
    expect(eager.scheduler.kind).toBe('static');
    expect(vllmRun.scheduler.kind).toBe('continuous');
    expect(vllmRun.makespan_s).toBeLessThan(eager.makespan_s);
  });
});
