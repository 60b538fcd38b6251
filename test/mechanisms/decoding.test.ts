/**
 * Decoding strategies: greedy costs nothing extra; sampling adds vocabulary-sized traffic per sampled token and its
 * ops per step; beam search multiplies sequences and KV cache by its width (memory too) and, on a contiguous
 * cache, reorders the whole KV cache every step.
 */
import { describe, expect, it } from 'vitest';
import { BeamStepCostModel } from '../../sim/cost/beamSearchCost.js';
import { applyDecoding, decodingOverheads } from '../../sim/cost/decodingStrategy.js';
import { modelWorkFor } from '../../sim/cost/modelWorkFor.js';
import { decodeOnlyStep } from '../../sim/cost/step.js';
import { StepCostModel } from '../../sim/cost/stepCostModel.js';
import { loadArchitecture } from '../../sim/model/architecture.js';
import { loadStack } from '../../sim/model/stack.js';
import { buildSimulation } from '../../sim/run/buildSimulation.js';
import { parseScenario } from '../../sim/scenario/loadScenario.js';
import { expectClose, tinyParams, tinyWork } from '../core/helpers.js';
import { runFixed } from './scenarioRuns.js';

const llama = loadArchitecture('llama-3.1-8b');
const hfEager = loadStack('hf-eager');
const vllm = loadStack('vllm');
const V = 128256;

describe('greedy', () => {
  it('changes nothing', () => {
    const work = modelWorkFor(llama);
    const params = tinyParams();
    const d = applyDecoding(work, params, llama, hfEager, { kind: 'greedy' });
    expect(d.work).toBe(work);
    expect(d.params).toBe(params);
    expect(d.beamWidth).toBe(1);
  });
});

describe('sampling', () => {
  it('temperature + top-p: (8 + 155 + 20) B per vocabulary entry per sampled token, 1 + 8 + 2 ops per step', () => {
    const o = decodingOverheads({ kind: 'sampling', temperature: 0.7, top_p: 0.9 }, llama, true);
    expect(o.bytesPerToken).toBe(183 * V);
    expect(o.opsPerStep).toBe(11);
    // Plain sampling (temperature 1, top_p 1): softmax + multinomial instead of argmax only.
    expect(decodingOverheads({ kind: 'sampling' }, llama, true)).toEqual({ bytesPerToken: 20 * V, opsPerStep: 2 });
  });

  it('adds its traffic to every sampled token and its ops × 20 µs to every step: a decode step by hand', () => {
    const d = applyDecoding(tinyWork(), tinyParams(), llama, hfEager, { kind: 'sampling', temperature: 0.7, top_p: 0.9 });
    expect(d.work.sampledTokenBytes).toBe(183 * V);
    expectClose(d.params.stepOverheadSeconds, 0.01 + 11 * 2e-5, 1e-12);
    const model = new StepCostModel(d.work, d.params);
    // 4 sequences: 1 GB of weights + 4 × 183 × 128256 B (memory leg), 4 GFLOP (compute leg 0.004 s).
    const bytes = 1e9 + 4 * 183 * V;
    const seconds = 0.01 + 11 * 2e-5 + bytes / 1e11;
    const c = model.stepCost(decodeOnlyStep(4, 0));
    expectClose(c.seconds, seconds, 1e-12);
    expectClose(c.joules, 200 * seconds + 0.1 * 4 + bytes / 1e9, 1e-12);
    // The same through a decode run (the closed form).
    expectClose(model.decodeRunCost(4, 0, 0, 1).joules, c.joules, 1e-12);
  });
});

describe('beam search', () => {
  it('width w: a decode run of n requests is the run of n·w sequences, with the reorder’s KV traffic (contiguous cache)', () => {
    const base = tinyWork({ kvBytesPerToken: 1e6 });
    const d = applyDecoding(base, tinyParams(), llama, hfEager, { kind: 'beam', width: 4 });
    expect(d.beamWidth).toBe(4);
    expect(d.prefillWidth).toBe(4);
    // Attention reads the cache and writes the new token's KV; the reorder reads and writes every cached byte again.
    expect(d.work.kvBytesPerToken).toBe(1e6);
    expect(d.work.kvReorderBytesPerToken).toBe(2e6);
    // 20 B per vocabulary entry of beam scoring per row; 30 bookkeeping ops + 2 index_selects per layer.
    expect(d.work.sampledTokenBytes).toBe(20 * V);
    expectClose(d.params.stepOverheadSeconds, 0.01 + (30 + 2 * 32) * 2e-5, 1e-12);
    const beam = new BeamStepCostModel(d.work, d.params, 4, 4);
    const flat = new StepCostModel(d.work, d.params);
    // 2 requests at context sum 1000 = 8 sequences at context sum 4000, growing by 8 per step.
    for (const [k0, k1] of [[0, 1], [0, 37], [5, 20]]) {
      expectClose(beam.decodeRunCost(2, 1000, k0, k1).joules, flat.decodeRunCost(8, 4000, k0, k1).joules, 1e-12);
      expectClose(beam.decodeRunCost(2, 1000, k0, k1).seconds, flat.decodeRunCost(8, 4000, k0, k1).seconds, 1e-12);
    }
    // By hand, one step: 8 sequences: 1 GB weights + 1 MB × (4000 + 8) of attention KV + 2 MB × (4000 + 8) of
    // reorder + 8 × 20 × V B of beam scoring.
    const bytes = 1e9 + 1e6 * 4008 + 2e6 * 4008 + 8 * 20 * V;
    const seconds = 0.01 + 94 * 2e-5 + bytes / 1e11;
    expectClose(beam.stepCost(decodeOnlyStep(2, 1000)).seconds, seconds, 1e-12);
    // A prompt step: every chunk runs w times (HF expands the prompt to w rows before the prefill).
    const prompt = { chunkNewTokens: [100, 50], chunkCachedTokens: [0, 0], chunksProducingToken: 2, decodeCount: 0, decodeContextSum: 0 };
    const expanded = { chunkNewTokens: [100, 100, 100, 100, 50, 50, 50, 50], chunkCachedTokens: new Array(8).fill(0), chunksProducingToken: 8, decodeCount: 0, decodeContextSum: 0 };
    expectClose(beam.stepCost(prompt).joules, flat.stepCost(expanded).joules, 1e-12);
  });

  it('a paged cache (vllm) prefills once, forks the beams and pays no reorder', () => {
    const d = applyDecoding(tinyWork({ kvBytesPerToken: 1e6 }), tinyParams(), llama, vllm, { kind: 'beam', width: 4 });
    expect(d.prefillWidth).toBe(1);
    expect(d.work.kvReorderBytesPerToken ?? 0).toBe(0);
    expectClose(d.params.stepOverheadSeconds, 0.01 + 30 * 2e-5, 1e-12);
  });

  it('multiplies the KV cache a request needs by w in the memory budget (static and paged)', () => {
    const scenario = (decoding: object, stack: string) =>
      buildSimulation(
        parseScenario(
          { workload: { kind: 'synthetic', arrival: { process: 'offline' }, count: 1, lengths: { kind: 'fixed', input_tokens: 8, output_tokens: 8 } }, cluster: { stack, decoding } },
          'beam.json',
          process.cwd(),
        ),
      ).resolved;
    const greedy = scenario({ kind: 'greedy' }, 'hf-eager').scheduler;
    const beam = scenario({ kind: 'beam', width: 4 }, 'hf-eager').scheduler;
    if (greedy.kind !== 'static' || beam.kind !== 'static') throw new Error('expected static batching');
    expectClose((beam.config as any).kvBytesPerToken, 4 * (greedy.config as any).kvBytesPerToken, 1e-12);
    expectClose((beam.config as any).activationBytesPerPromptToken, 4 * (greedy.config as any).activationBytesPerPromptToken, 1e-12);
    const pagedGreedy = scenario({ kind: 'greedy' }, 'vllm').scheduler;
    const pagedBeam = scenario({ kind: 'beam', width: 4 }, 'vllm').scheduler;
    if (pagedGreedy.kind !== 'continuous' || pagedBeam.kind !== 'continuous') throw new Error('expected continuous batching');
    // A quarter of the blocks (activation reserve aside): each request's block holds 4 beams' KV.
    expect((pagedBeam.config as any).totalBlocks / (pagedGreedy.config as any).totalBlocks).toBeCloseTo(0.25, 2);
  });
});

describe('scenario runs (H100, Llama-3.1-8B, hf-eager static batch 8, input 512, output 64)', () => {
  const energy = (decoding: object, stack = 'hf-eager') =>
    runFixed({ stack, decoding, scheduler: { kind: stack === 'hf-eager' ? 'static' : 'continuous', batch_size: 8 } }, { count: 16 });

  it('greedy < sampling (top-p) < beam search of width 4', () => {
    const g = energy({ kind: 'greedy' });
    const s = energy({ kind: 'sampling', temperature: 0.7, top_p: 0.9 });
    const b = energy({ kind: 'beam', width: 4 });
    expect(s.energy_j).toBeGreaterThan(g.energy_j);
    expect(b.energy_j).toBeGreaterThan(s.energy_j);
    expect((b.scheduler as { decoding: { kind: string } }).decoding.kind).toBe('beam');
    expect(b.cost_model.description).toMatch(/beam search width 4 with the contiguous-cache reorder/);
  });

  it('continuous batching (vllm) takes the strategies too', () => {
    const g = energy({ kind: 'greedy' }, 'vllm');
    const b = energy({ kind: 'beam', width: 4 }, 'vllm');
    expect(b.energy_j).toBeGreaterThan(g.energy_j);
    expect(b.requests_completed).toBe(16);
  });
});
