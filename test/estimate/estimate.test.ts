/**
 * The §2.1 estimator: the paper's bins, B(I*, O*) from the memory model, the two sums on a hand case, FLOPs(I, O)
 * by hand and against the step cost model, and the whole estimate against independent simulations.
 */
import { describe, expect, it } from 'vitest';
import { pagedBlocksPerSequence, pagedMaxBatch, staticMaxBatch } from '../../sim/serving/batchCapacity.js';
import { binFor, binRequests, INPUT_BINS_TOKENS, OUTPUT_BINS_TOKENS } from '../../sim/estimate/bins.js';
import { combineCells, estimate } from '../../sim/estimate/estimate.js';
import { requestFlops } from '../../sim/estimate/requestFlops.js';
import { StepCostModel } from '../../sim/cost/stepCostModel.js';
import { loadArchitecture } from '../../sim/model/architecture.js';
import { loadGpu } from '../../sim/model/gpu.js';
import { loadStack } from '../../sim/model/stack.js';
import { runScenario } from '../../sim/run/runScenario.js';
import { buildSimulation } from '../../sim/run/buildSimulation.js';
import { parseScenario } from '../../sim/scenario/loadScenario.js';
import { LiveRequest } from '../../sim/serving/liveRequest.js';
import { memoryBudget, pagedBlockCount } from '../../sim/serving/memoryBudget.js';
import { StaticScheduler } from '../../sim/serving/staticScheduler.js';
import { tinyParams, tinyWork } from '../core/helpers.js';

/** A fixed-lengths offline scenario (the workload is replaced by the estimator's `requests` option where used). */
function scenario(cluster: Record<string, unknown>, workload?: Record<string, unknown>) {
  return parseScenario(
    {
      workload: workload ?? { kind: 'synthetic', arrival: { process: 'offline' }, count: 1, lengths: { kind: 'fixed', input_tokens: 8, output_tokens: 8 } },
      cluster: { gpu: 'a6000', model: 'llama-3.1-8b', cost_model: 'roofline', ...cluster },
    },
    'test.json',
    '.',
  );
}

describe('bins: I* = min{I ∈ I_bins : I ≥ i}, O* likewise; beyond the last bin is excluded', () => {
  it('are the paper’s bins', () => {
    expect([...INPUT_BINS_TOKENS]).toEqual([32, 128, 256, 512, 1024, 2048, 4096, 8192]);
    expect([...OUTPUT_BINS_TOKENS]).toEqual([8, 16, 32, 64, 128, 256, 512]);
  });

  it('map lengths to the smallest bin at least as long', () => {
    const cases: [number, number | null][] = [[1, 32], [31, 32], [32, 32], [33, 128], [128, 128], [129, 256], [600, 1024], [4097, 8192], [8192, 8192], [8193, null]];
    for (const [i, bin] of cases) expect(binFor(INPUT_BINS_TOKENS, i)).toBe(bin);
    const out: [number, number | null][] = [[1, 8], [8, 8], [9, 16], [64, 64], [65, 128], [512, 512], [513, null]];
    for (const [o, bin] of out) expect(binFor(OUTPUT_BINS_TOKENS, o)).toBe(bin);
  });

  it('group requests into cells and count the excluded ones by reason', () => {
    const b = binRequests([
      { inputTokens: 20, outputTokens: 5 },
      { inputTokens: 32, outputTokens: 8 },
      { inputTokens: 600, outputTokens: 100 },
      { inputTokens: 9000, outputTokens: 10 },
      { inputTokens: 100, outputTokens: 600 },
      { inputTokens: 9000, outputTokens: 600 },
      { inputTokens: 1000, outputTokens: 128 },
    ]);
    expect(b.total).toBe(7);
    expect(b.included).toBe(4);
    expect(b.excluded).toEqual({ input_over_max_bin: 1, output_over_max_bin: 1, both_over_max_bin: 1 });
    expect(b.cells.map((c) => [c.inputBin, c.outputBin, c.count, c.members])).toEqual([
      [32, 8, 2, [0, 1]],
      [1024, 128, 2, [2, 6]],
    ]);
  });
});

describe('the two sums on a hand case', () => {
  it('Ê_total = Σ N/B · E_batch and Ê_optimal = TDP / FLOPS_HW · Σ N · FLOPs', () => {
    // Cell 1: 300 requests in batches of 100 at 50 J a batch, 2 TFLOP each. Cell 2: 50 requests in batches of 20
    // (2.5 batches, kept fractional) at 80 J a batch, 10 TFLOP each.
    const r = combineCells(
      [
        { requests: 300, batchSize: 100, batchJoules: 50, flopsPerRequest: 2e12 },
        { requests: 50, batchSize: 20, batchJoules: 80, flopsPerRequest: 1e13 },
      ],
      300,
      150,
    );
    // Ê_total = 3 · 50 + 2.5 · 80 = 350 J.
    expect(r.eTotal).toBeCloseTo(350, 9);
    // Ê_optimal = 300 W / 150e12 FLOP/s · (300 · 2e12 + 50 · 1e13) = 2e-12 J/FLOP · 1.1e15 FLOP = 2200 J.
    expect(r.eOptimal).toBeCloseTo(2200, 9);
    expect(r.pctAboveOptimal).toBeCloseTo(((350 - 2200) / 2200) * 100, 9);
  });
});

describe('FLOPs(I, O)', () => {
  it('by hand on a tiny model: prefill + O − 1 decode steps', () => {
    // matmul 10 FLOP/token, LM head 100 per sampled token, attention 1 per (query, key) pair.
    const w = tinyWork({ matmulFlopsPerToken: 10, lmHeadFlopsPerToken: 100, attentionFlopsPerPair: 1 });
    // Prefill of 4 tokens: 4·10 + 100 + (1+2+3+4) = 150. Decode steps at context 4 and 5: 2·(10+100) + 5 + 6 = 231.
    expect(requestFlops(w, 4, 3)).toEqual({ prefill: 150, decode: 231, total: 381 });
    expect(requestFlops(w, 4, 1)).toEqual({ prefill: 150, decode: 0, total: 150 });
  });

  it('equal the step cost model’s FLOPs of the same steps (Llama-3.1-8B)', () => {
    const { setup } = buildSimulation(scenario({ stack: 'hf-eager' }));
    const model = new StepCostModel(setup.costModel.work, tinyParams());
    const I = 300;
    const O = 20;
    const prefill = model.stepWork({ chunkNewTokens: [I], chunkCachedTokens: [0], chunksProducingToken: 1, decodeCount: 0, decodeContextSum: 0 }).flops;
    let decode = 0;
    for (let k = 0; k < O - 1; k++) decode += model.stepWork({ chunkNewTokens: [], chunkCachedTokens: [], chunksProducingToken: 0, decodeCount: 1, decodeContextSum: I + k }).flops;
    const f = requestFlops(setup.costModel.work, I, O);
    expect(f.prefill).toBeCloseTo(prefill, -3);
    expect(f.decode / decode).toBeCloseTo(1, 12);
  });
});

describe('B(I*, O*) from the memory model', () => {
  const gpu = loadGpu('a6000');
  const arch = loadArchitecture('llama-3.1-8b');
  const budget = memoryBudget(gpu, loadStack('hf-eager'), arch, 1);

  it('is smaller for longer bins (static and paged)', () => {
    const vllm = loadStack('vllm');
    const paged = { totalBlocks: pagedBlockCount(memoryBudget(gpu, vllm, arch, 1), 16, 8192, 'test'), blockTokens: 16, watermarkBlocks: 0 };
    for (const cap of [(I: number, O: number) => staticMaxBatch(budget, I, O, 1e9), (I: number, O: number) => pagedMaxBatch(paged, I, O, 1e9)]) {
      for (const I of INPUT_BINS_TOKENS) {
        for (let j = 1; j < OUTPUT_BINS_TOKENS.length; j++) expect(cap(I, OUTPUT_BINS_TOKENS[j])).toBeLessThanOrEqual(cap(I, OUTPUT_BINS_TOKENS[j - 1]));
      }
      for (const O of OUTPUT_BINS_TOKENS) {
        for (let i = 1; i < INPUT_BINS_TOKENS.length; i++) expect(cap(INPUT_BINS_TOKENS[i], O)).toBeLessThan(cap(INPUT_BINS_TOKENS[i - 1], O));
      }
    }
    expect(staticMaxBatch(budget, 32, 8, 1024)).toBe(1024);
  });

  it('static: exactly the batch the static scheduler admits before memory would overflow', () => {
    const { resolved } = buildSimulation(scenario({ stack: 'hf-eager', scheduler: { kind: 'static', batch_size: 100000 } }));
    if (resolved.scheduler.kind !== 'static') throw new Error('expected static');
    const config = (resolved.scheduler.config as any);
    for (const [I, O] of [[512, 64], [2048, 256], [8192, 512], [128, 16]] as const) {
      const B = staticMaxBatch(budget, I, O, 1e9);
      expect(B).toBeGreaterThan(1);
      const s = new StaticScheduler(config, () => {});
      for (let id = 0; id <= B; id++) expect(s.enqueue(new LiveRequest({ id, arrivalSeconds: 0, inputTokens: I, outputTokens: O }))).toBeNull();
      const work = s.plan(0);
      if (work?.kind !== 'step') throw new Error('expected a prefill step');
      expect(work.step.chunkNewTokens.length).toBe(B);
    }
  });

  it('paged: every sequence’s whole KV cache fits in the blocks left after the watermark, one more does not', () => {
    const { resolved } = buildSimulation(scenario({ stack: 'vllm', scheduler: { kind: 'continuous' } }));
    if (resolved.scheduler.kind !== 'continuous') throw new Error('expected continuous');
    const c = (resolved.scheduler.config as any);
    const cache = { totalBlocks: c.totalBlocks, blockTokens: c.blockTokens, watermarkBlocks: c.admissionWatermarkBlocks };
    for (const [I, O] of [[512, 64], [2048, 256], [8192, 512]] as const) {
      const B = pagedMaxBatch(cache, I, O, 1e9);
      const per = pagedBlocksPerSequence(cache, I, O);
      expect(per).toBe(Math.ceil((I + O - 1) / c.blockTokens));
      expect(B * per).toBeLessThanOrEqual(c.totalBlocks - c.admissionWatermarkBlocks);
      expect((B + 1) * per).toBeGreaterThan(c.totalBlocks - c.admissionWatermarkBlocks);
    }
  });
});

describe('estimate() end to end', () => {
  const requests = [
    { inputTokens: 20, outputTokens: 5 },
    { inputTokens: 30, outputTokens: 8 },
    { inputTokens: 25, outputTokens: 2 },
    { inputTokens: 600, outputTokens: 100 },
    { inputTokens: 1000, outputTokens: 120 },
    { inputTokens: 9000, outputTokens: 10 },
    { inputTokens: 100, outputTokens: 600 },
  ];

  it('static stack: cells, B, E_batch from an independent run, both sums, excluded counts', () => {
    const loaded = scenario({ stack: 'hf-eager' });
    const e = estimate(loaded, { requests, flopsHw: 'dense' });
    expect(e.batching).toBe('static');
    expect(e.cost_model.kind).toBe('datasheet');
    expect(e.requests).toMatchObject({ total: 7, included: 5, excluded: { input_over_max_bin: 1, output_over_max_bin: 1, both_over_max_bin: 0, total: 2 }, unservable: 0 });
    expect(e.cells.map((c) => [c.input_bin, c.output_bin, c.requests])).toEqual([
      [32, 8, 3],
      [1024, 128, 2],
    ]);
    const budget = memoryBudget(loadGpu('a6000'), loadStack('hf-eager'), loadArchitecture('llama-3.1-8b'), 1);
    let total = 0;
    let flops = 0;
    for (const c of e.cells) {
      expect(c.batch_size).toBe(staticMaxBatch(budget, c.input_bin, c.output_bin, 1024));
      // E_batch: one full batch of B identical requests, run independently through runScenario.
      const run = runScenario(
        scenario(
          { stack: 'hf-eager', scheduler: { kind: 'static', batch_size: c.batch_size } },
          { kind: 'synthetic', arrival: { process: 'offline' }, count: c.batch_size, lengths: { kind: 'fixed', input_tokens: c.input_bin, output_tokens: c.output_bin } },
        ),
      );
      expect(run.summary.requests_completed).toBe(c.batch_size);
      expect(c.e_batch_j).toBeCloseTo(run.summary.energy_j, 6);
      total += (c.requests / c.batch_size) * run.summary.energy_j;
      flops += c.requests * c.flops_per_request;
    }
    expect(e.e_total_j).toBeCloseTo(total, 6);
    // A6000: 300 W TDP, 154.8 TFLOP/s dense bf16.
    expect(e.tdp_w).toBe(300);
    expect(e.flops_hw.tflops).toBe(154.8);
    expect(e.e_optimal_j).toBeCloseTo((300 / 154.8e12) * flops, 9);
    expect(e.pct_above_optimal).toBeCloseTo(((e.e_total_j - e.e_optimal_j) / e.e_optimal_j) * 100, 9);
    // Un-binned: the same five requests, static batches of each cell's B, padded to their own lengths only.
    expect(e.unbinned?.requests_completed).toBe(5);
    expect(e.unbinned?.energy_j).toBeLessThan(e.cells.reduce((a, c) => a + c.e_batch_j, 0));
    expect(e.binning_error_pct).toBeCloseTo(((e.e_total_j - e.unbinned!.energy_j) / e.unbinned!.energy_j) * 100, 9);
  });

  it('--flops-hw sparse uses the sparse figure (the paper’s 309.7 TFLOPS for the A6000), a number is TFLOP/s', () => {
    const loaded = scenario({ stack: 'hf-eager' });
    const dense = estimate(loaded, { requests, unbinned: false });
    const sparse = estimate(loaded, { requests, flopsHw: 'sparse', unbinned: false });
    const custom = estimate(loaded, { requests, flopsHw: 100, unbinned: false });
    expect(sparse.flops_hw.tflops).toBe(309.7);
    expect(sparse.e_optimal_j).toBeCloseTo((dense.e_optimal_j * 154.8) / 309.7, 9);
    expect(custom.e_optimal_j).toBeCloseTo((dense.e_optimal_j * 154.8) / 100, 9);
    expect(sparse.e_total_j).toBe(dense.e_total_j);
    expect(dense.unbinned).toBeUndefined();
  });

  it('paged stack: B from the KV blocks, un-binned run by continuous batching', () => {
    const e = estimate(scenario({ stack: 'vllm' }), { requests });
    expect(e.batching).toBe('continuous');
    expect(e.unbinned?.mode).toMatch(/continuous batching/);
    expect(e.unbinned?.requests_completed).toBe(5);
    const hf = estimate(scenario({ stack: 'hf-eager' }), { requests, unbinned: false });
    // PagedAttention fits at least as many long sequences as a contiguous cache with padded activations.
    expect(e.cells[1].batch_size).toBeGreaterThanOrEqual(hf.cells[1].batch_size);
  });
});
