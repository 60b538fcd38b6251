/**
 * Tensor parallelism: all-reduces from Vidur's measured tables (log-log interpolation by hand), the analytic
 * fallback and how the choice is reported, every GPU busy while it communicates, and the paper's direction
 * (finding 7: TP 2 and 4 cut latency and raise energy, Llama-3.1-8B, batch 1).
 */
import { describe, expect, it } from 'vitest';
import { analyticAllReduce, MeasuredAllReduce, measuredAllReduceFor, selectAllReduce } from '../../sim/cost/allReduceModel.js';
import { modelWorkFor } from '../../sim/cost/modelWorkFor.js';
import { StepCostModel } from '../../sim/cost/stepCostModel.js';
import { loadArchitecture } from '../../sim/model/architecture.js';
import { loadGpu } from '../../sim/model/gpu.js';
import { expectClose, tinyParams, tinyWork } from '../core/helpers.js';
import { pct, runFixed } from './scenarioRuns.js';

describe('measured all-reduce (Vidur, DGX H100)', () => {
  const tp2 = measuredAllReduceFor('h100-sxm', 2)!;

  it('is chosen for the H100 SXM at TP 2, 4 and 8; other GPUs and degrees fall back to the analytic model', () => {
    expect(tp2).not.toBeNull();
    expect(measuredAllReduceFor('h100-sxm', 4)).not.toBeNull();
    expect(measuredAllReduceFor('h100-sxm', 8)).not.toBeNull();
    expect(measuredAllReduceFor('h100-sxm', 3)).toBeNull();
    expect(measuredAllReduceFor('a100-pcie', 2)).toBeNull();
    const h100 = loadGpu('h100-sxm');
    expect(selectAllReduce(h100, 2, 'auto').kind).toBe('measured');
    expect(selectAllReduce(h100, 2, 'auto').description).toMatch(/vidur-h100-dgx.*MIT/);
    expect(selectAllReduce(h100, 2, 'analytic').kind).toBe('analytic');
    const pcie = selectAllReduce(loadGpu('a100-pcie'), 2, 'auto');
    expect(pcie.kind).toBe('analytic');
    expect(pcie.description).toMatch(/no measured table for a100-pcie at TP 2/);
    expect(() => selectAllReduce(loadGpu('a100-pcie'), 2, 'measured', 'x.json:/cluster/all_reduce')).toThrow(/no measured all-reduce table for a100-pcie/);
  });

  it('interpolates log-log between the table’s points: 130 tokens of Llama-3.1-8B hidden states by hand', () => {
    // The TP 2 table has (1,048,576 B, 0.043 ms) and (1,081,344 B, 0.047 ms) next to each other. 130 tokens ×
    // 4096 × 2 B = 1,064,960 B lies between them.
    const x = 130 * 4096 * 2;
    const f = (Math.log(x) - Math.log(1048576)) / (Math.log(1081344) - Math.log(1048576));
    const ms = Math.exp(Math.log(0.043) + f * (Math.log(0.047) - Math.log(0.043)));
    expectClose(tp2.seconds(x), ms / 1e3, 1e-12);
    // A table point is returned as measured.
    expectClose(tp2.seconds(128 * 4096 * 2), 0.043e-3, 1e-12);
  });

  it('holds the smallest size’s time below the table and grows in proportion to size above it', () => {
    expectClose(tp2.seconds(100), 0.007e-3, 1e-12); // smallest measured: 2048 B, 0.007 ms
    expectClose(tp2.seconds(2 * 67108864), 2 * 0.245e-3, 1e-12); // largest: 64 MiB, 0.245 ms
  });

  it('prices a step’s 2 all-reduces per layer from the table (Llama-3.1-8B: 64 per step)', () => {
    const work = modelWorkFor(loadArchitecture('llama-3.1-8b'));
    const model = new StepCostModel(work, tinyParams({ gpusPerReplica: 2, allReduce: tp2 }));
    expect(work.allReducesPerStep).toBe(64);
    expectClose(model.allReduceSeconds(130), 64 * tp2.seconds(130 * 8192), 1e-12);
    expectClose(model.allReduceSeconds(1), 64 * 0.007e-3, 1e-12);
  });

  it('rejects a table with a size twice', () => {
    expect(() => new MeasuredAllReduce([[1, 1], [1, 2]], 'x')).toThrow(/appears twice/);
  });
});

describe('analytic all-reduce and busy GPUs', () => {
  it('ring all-reduce: latency + 2(N − 1)/N · bytes / bandwidth, the same as the cost model’s built-in formula', () => {
    const a = analyticAllReduce(4, 1e10, 1e-5);
    expectClose(a.seconds(1e6), 1e-5 + (6 / 4) * (1e6 / 1e10), 1e-12);
    const work = tinyWork();
    const built = new StepCostModel(work, tinyParams({ gpusPerReplica: 4 }));
    const explicit = new StepCostModel(work, tinyParams({ gpusPerReplica: 4, allReduce: a }));
    expectClose(explicit.allReduceSeconds(37), built.allReduceSeconds(37), 1e-12);
  });

  it('every GPU of the replica draws its busy floor while it computes or communicates', () => {
    // TP 2, a decode step of 4 sequences: 4 all-reduces of 4 × 1e4 B, each 10 µs + 1 · 4e4 / 1e10 s.
    const model = new StepCostModel(tinyWork(), tinyParams({ gpusPerReplica: 2 }));
    const allReduce = 4 * (1e-5 + 4e4 / 1e10);
    // Per GPU: 2 GFLOP (compute leg 0.002 s), 0.5 GB (memory leg 0.005 s) → seconds = 0.01 + all-reduce + 0.005.
    const seconds = 0.01 + allReduce + 0.005;
    const c = model.stepCost({ chunkNewTokens: [], chunkCachedTokens: [], chunksProducingToken: 0, decodeCount: 4, decodeContextSum: 0 });
    expectClose(c.seconds, seconds, 1e-12);
    expectClose(c.joules, 2 * (200 * seconds + 0.1 * 2 + 1 * 0.5), 1e-12);
  });
});

describe('direction on an H100: tensor parallelism cuts latency and raises energy (Llama-3.1-8B, batch 1)', () => {
  const run = (stack: string, tp: number, allReduce = 'auto') =>
    runFixed({ stack, tp, all_reduce: allReduce, scheduler: { kind: stack === 'hf-eager' ? 'static' : 'continuous', batch_size: 1 } }, { count: 8 });

  it('hf-eager, static batch 1: TP 2 and TP 4 are faster and use more energy than one GPU', () => {
    const one = run('hf-eager', 1);
    for (const tp of [2, 4]) {
      const r = run('hf-eager', tp);
      expect(r.e2e_s.p50, `TP ${tp} latency`).toBeLessThan(one.e2e_s.p50);
      expect(r.energy_j, `TP ${tp} energy`).toBeGreaterThan(one.energy_j);
      expect(r.cost_model.description).toMatch(new RegExp(`TP ${tp} all-reduce: measured all-reduce: vidur-h100-dgx`));
    }
    // Energy grows with the GPUs: TP 4 above TP 2.
    expect(run('hf-eager', 4).energy_j).toBeGreaterThan(run('hf-eager', 2).energy_j);
  });

  it('vllm (CUDA graphs, little host time per step; its calibrated H100 profile): TP 2 cuts latency by about as much as the paper (−40%)', () => {
    const calibrated = (tp: number) => runFixed({ stack: 'vllm', tp, cost_model: 'auto', scheduler: { kind: 'continuous', batch_size: 1 } }, { count: 8 });
    const one = calibrated(1);
    const two = calibrated(2);
    expect(one.cost_model.kind).toBe('calibrated');
    expect(pct(two.e2e_s.p50, one.e2e_s.p50)).toBeLessThan(-30);
    expect(two.energy_j).toBeGreaterThan(one.energy_j);
  });

  it('the analytic model gives the same directions', () => {
    const one = run('hf-eager', 1, 'analytic');
    for (const tp of [2, 4]) {
      const r = run('hf-eager', tp, 'analytic');
      expect(r.e2e_s.p50).toBeLessThan(one.e2e_s.p50);
      expect(r.energy_j).toBeGreaterThan(one.energy_j);
      expect(r.cost_model.description).toMatch(/analytic ring all-reduce on h100-sxm/);
    }
  });
});
