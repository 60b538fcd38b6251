/**
 * transformers' continuous batching (sim/serving/hfPagedScheduler.ts): hand-traced steps (shared token budget with
 * the last prompt split, the 15% free-block margin, 256-token blocks, recompute preemption of the newest starved
 * request with admission blocked until a finish), packed attention priced by hand, and the closed-form decode runs
 * against the step-by-step path on seeded scenarios.
 */
import { describe, expect, it } from 'vitest';
import type { Step } from '../../sim/cost/step.js';
import { StepCostModel } from '../../sim/cost/stepCostModel.js';
import { type HfPagedConfig, HfPagedScheduler } from '../../sim/serving/hfPagedScheduler.js';
import { LiveRequest } from '../../sim/serving/liveRequest.js';
import type { Work } from '../../sim/serving/work.js';
import { expectClose, randInt, randomWorkload, rng, runWith, spec, tinyParams, tinyWork } from '../core/helpers.js';
import { propertyWork } from '../core/scenarios.js';

function config(over: Partial<HfPagedConfig> = {}): HfPagedConfig {
  return {
    maxBatchTokens: 8192,
    maxRequestsPerBatch: 1024,
    blockTokens: 256,
    totalBlocks: 1505,
    safetyMargin: 0.15,
    maxContextTokens: 1_000_000,
    maxRunSteps: Number.MAX_SAFE_INTEGER,
    ...over,
  };
}

function harness(cfg: HfPagedConfig) {
  const finished: number[] = [];
  const s = new HfPagedScheduler(cfg, (r) => finished.push(r.spec.id));
  let t = 0;
  const run = (): Work => {
    const w = s.plan(t)!;
    t += 1;
    s.complete(w, { endSeconds: t, stepsDone: w.kind === 'decodeRun' ? w.steps : 1, joules: 1 });
    return w;
  };
  const add = (id: number, input: number, output: number) => {
    const r = new LiveRequest(spec(id, 0, input, output));
    expect(s.enqueue(r)).toBeNull();
    return r;
  };
  return { s, run, add, finished };
}

const chunks = (w: Work): number[] => (w.kind === 'step' ? Array.from(w.step.chunkNewTokens) : []);

describe('hf-paged scheduler, traced by hand', () => {
  it('shares one 8192-token budget: decodes first, the split prompt next, then new prompts (as measured)', () => {
    // hf-paged.json "paged b64 i192": step 1 = 42 prompts + 128 tokens of the 43rd; step 2 = 42 decodes + the
    // 64-token rest + 21 prompts (4138 tokens, q_tokens in the log).
    const h = harness(config());
    for (let i = 0; i < 64; i++) h.add(i, 192, 64);
    const w1 = h.s.plan(0)!;
    expect(w1.kind).toBe('step');
    const c1 = chunks(w1);
    expect(c1.length).toBe(43);
    expect(c1.slice(0, 42).every((x) => x === 192)).toBe(true);
    expect(c1[42]).toBe(128);
    h.s.complete(w1, { endSeconds: 1, stepsDone: 1, joules: 1 });
    const w2 = h.s.plan(1)!;
    if (w2.kind !== 'step') throw new Error('expected a step');
    expect(w2.step.decodeCount).toBe(42);
    expect(Array.from(w2.step.chunkCachedTokens).slice(0, 1)).toEqual([128]);
    const c2 = chunks(w2);
    expect(c2[0]).toBe(64);
    expect(c2.length).toBe(22);
    expect(42 + c2.reduce((a, b) => a + b, 0)).toBe(4138);
    h.s.complete(w2, { endSeconds: 2, stepsDone: 1, joules: 1 });
    // Then all 64 decode together in one closed-form run until the first finish (63 more tokens for the first 42).
    const w3 = h.s.plan(2)!;
    expect(w3.kind).toBe('decodeRun');
    if (w3.kind === 'decodeRun') {
      expect(w3.sequences).toBe(64);
      expect(w3.steps).toBe(62);
    }
  });

  it('takes 256-token blocks when a step needs them: 4 for a 1000-token prompt, one more at token 1025', () => {
    const h = harness(config({ totalBlocks: 100 }));
    h.add(0, 1000, 40);
    h.run(); // prefill: 4 blocks, first token
    expect(h.s.freeBlocks()).toBe(96);
    // Decode steps write tokens 1000..; the one writing token index 1024 opens block 5.
    const w = h.s.plan(1)!;
    if (w.kind !== 'decodeRun') throw new Error('expected a decode run');
    expect(w.steps).toBe(39);
    h.s.complete(w, { endSeconds: 2, stepsDone: 24, joules: 1 }); // writes indices 1000..1023
    expect(h.s.freeBlocks()).toBe(96);
    const w2 = h.s.plan(2)!;
    h.s.complete(w2, { endSeconds: 3, stepsDone: 1, joules: 1 }); // writes index 1024
    expect(h.s.freeBlocks()).toBe(95);
  });

  it('starts no new or continued prefill while fewer than 15% of the blocks are free, unless nothing else runs', () => {
    // 20 blocks: the margin is 3 blocks. Request 0 holds 18 blocks and decodes; request 1 waits.
    const h = harness(config({ totalBlocks: 20 }));
    h.add(0, 18 * 256 - 10, 5);
    h.run();
    expect(h.s.freeBlocks()).toBe(2);
    h.add(1, 100, 2);
    const w = h.s.plan(1)!;
    expect(w.kind).toBe('decodeRun'); // 2 free < 3: the waiting prompt stays out; the decodes run alone
    h.s.complete(w, { endSeconds: 2, stepsDone: (w as { steps: number }).steps, joules: 1 });
    expect(h.finished).toEqual([0]);
    // With nothing scheduled the margin does not apply: request 1 is admitted.
    const w2 = h.s.plan(2)!;
    expect(chunks(w2)).toEqual([100]);
  });

  it('margin: a prompt is admitted while free blocks ≥ 15%, with decodes running', () => {
    const h = harness(config({ totalBlocks: 20 }));
    h.add(0, 16 * 256 - 10, 5); // 16 blocks, 4 free ≥ 3
    h.run();
    h.add(1, 100, 2);
    const w = h.s.plan(1)!;
    if (w.kind !== 'step') throw new Error('expected a mixed step');
    expect(w.step.decodeCount).toBe(1);
    expect(chunks(w)).toEqual([100]);
  });

  it('preempts the newest starved decoding request (never the last), re-queues it at the back, admits nobody until a finish', () => {
    // 4 blocks of 256. Requests 0 and 1 (256 tokens each) hold a block each and decode; their next token opens a
    // block each. Request 2 (300 tokens) is admitted beside them and holds 2 blocks: no block left for the decodes.
    const h = harness(config({ totalBlocks: 4, safetyMargin: 0 }));
    const r0 = h.add(0, 256, 10);
    const r1 = h.add(1, 256, 10);
    const r2 = h.add(2, 300, 10);
    const w1 = h.s.plan(0)!;
    expect(chunks(w1)).toEqual([256, 256, 300]);
    h.s.complete(w1, { endSeconds: 1, stepsDone: 1, joules: 1 });
    expect(h.s.freeBlocks()).toBe(0);
    const r3 = h.add(3, 10, 1);
    // Next decode step: 0 and 1 write token index 256 and open a block each (starved: no block free); 2 writes
    // index 300 inside its second block. The newest starved, 1, is reset; its freed block serves 0.
    const w2 = h.s.plan(1)!;
    expect(r1.preemptions).toBe(1);
    expect(r1.promptTokens).toBe(257);
    expect(r0.preemptions).toBe(0); // 1's block is enough for 0
    expect(w2.kind).toBe('decodeRun');
    if (w2.kind === 'decodeRun') {
      expect(w2.sequences).toBe(2); // 0 and 2
      expect(w2.interruptible).toBe(false);
    }
    // Request 3 arrived before the preemption but admission is blocked until a finish; 1 waits behind it.
    expect(h.s.queuedCount()).toBe(2);
    expect(r2.preemptions).toBe(0);
    h.s.complete(w2, { endSeconds: 2, stepsDone: (w2 as { steps: number }).steps, joules: 1 });
    expect(h.finished.length).toBeGreaterThan(0);
    const w3 = h.s.plan(2)!;
    // After the finish: FIFO, request 3 (queued first) then the recomputed request 1 (prompt 256 + 1 generated).
    expect(w3.kind).toBe('step');
    expect(chunks(w3).slice(0, 2)).toEqual([10, 257]);
    expect(r3.preemptions).toBe(0);
  });
});

describe('packed attention cost', () => {
  const work = tinyWork({ attentionFlopsPerPair: 1e6 });
  const packed = new StepCostModel(work, tinyParams({ packedAttentionFlopsFactor: 2 }));
  const plain = new StepCostModel(work, tinyParams());

  it('prices Q_total × K_total pairs (times the factor) instead of Σ per sequence', () => {
    // Two chunks: 100 new on 50 cached, 30 new on 0; 4 decodes with context sum 400.
    const step: Step = { chunkNewTokens: [100, 30], chunkCachedTokens: [50, 0], chunksProducingToken: 2, decodeCount: 4, decodeContextSum: 400 };
    const q = 100 + 30 + 4;
    const k = 50 + 0 + 400 + q;
    const perSequence = 400 + 4 + (100 * 50 + (100 * 101) / 2) + (30 * 31) / 2;
    const a = packed.stepWork(step);
    const b = plain.stepWork(step);
    expect(a.flops - b.flops).toBeCloseTo(1e6 * (2 * q * k - perSequence), -2);
    // By hand: 134 tokens compute-bound: 0.01 + flops / 1e12 s.
    const flops = 1e9 * q + 1e6 * 2 * q * k;
    expectClose(packed.stepCost(step).seconds, 0.01 + flops / 1e12, 1e-12);
  });

  it('keeps decode runs exact: n decodes with context sum S cost n · (S + n) pairs, linear in S', () => {
    const n = 8;
    const s0 = 5000;
    const run = packed.decodeRunCost(n, s0, 0, 50);
    let seconds = 0;
    let joules = 0;
    for (let k = 0; k < 50; k++) {
      const s = s0 + n * k;
      const flops = 1e9 * n + 1e6 * 2 * n * (s + n);
      const stepSeconds = Math.max(0.01 + flops / 1e12, 0.01 + 1e9 / 1e11);
      seconds += stepSeconds;
      joules += 200 * stepSeconds + 1e-10 * flops + 1e-9 * 1e9;
    }
    expectClose(run.seconds, seconds, 1e-9);
    expectClose(run.joules, joules, 1e-9);
  });

  it('a cold shape adds its seconds per step at idle power, in steps and in runs alike', () => {
    const cold = new StepCostModel(work, tinyParams({ packedAttentionFlopsFactor: 2, coldShapeSeconds: 0.05 }));
    const step: Step = { chunkNewTokens: [100], chunkCachedTokens: [0], chunksProducingToken: 1, decodeCount: 2, decodeContextSum: 300 };
    const w = packed.stepCost(step);
    const c = cold.stepCost(step);
    expectClose(c.seconds, w.seconds + 0.05, 1e-12);
    expectClose(c.joules, w.joules + 100 * 0.05, 1e-12);
    const rw = packed.decodeRunCost(4, 1000, 0, 30);
    const rc = cold.decodeRunCost(4, 1000, 0, 30);
    expectClose(rc.seconds, rw.seconds + 30 * 0.05, 1e-12);
    expectClose(rc.joules, rw.joules + 30 * 0.05 * 100, 1e-12);
  });
});

describe('hf-paged fast path = step-by-step path', () => {
  const params = tinyParams({ packedAttentionFlopsFactor: 1.5, coldShapeSeconds: 0.003, perSequenceOverheadSeconds: 2e-4 });
  let preemptions = 0;
  for (let i = 0; i < 10; i++) {
    const r = rng(`hf-paged-${i}`);
    const rate = [0, 4, 20, 60][randInt(r, 0, 3)];
    const specs = randomWorkload(r, randInt(r, 15, 45), rate, [1, 60], [1, 40]);
    const blockTokens = [1, 4, 8, 16][randInt(r, 0, 3)];
    const cfg = config({
      maxBatchTokens: randInt(r, 4, 64),
      maxRequestsPerBatch: randInt(r, 2, 10),
      blockTokens,
      totalBlocks: Math.max(2, Math.floor(randInt(r, 100, 300) / blockTokens)),
      safetyMargin: [0, 0.15, 0.3][randInt(r, 0, 2)],
    });
    const label = `hf-paged-${i}: ${specs.length} requests at ${rate}/s, ${cfg.totalBlocks} × ${blockTokens}-token blocks`;
    it(label, () => {
      const opts = { work: propertyWork, params, intervalSeconds: 0.1, maxIntervals: 64 };
      const fast = runWith(specs, (f) => new HfPagedScheduler(cfg, f), opts);
      const ref = runWith(specs, (f) => new HfPagedScheduler({ ...cfg, maxRunSteps: 1 }, f), opts);
      expectClose(fast.result.ledger.totals().total, ref.result.ledger.totals().total, 1e-9);
      expectClose(fast.result.makespanSeconds, ref.result.makespanSeconds, 1e-9);
      expect(fast.result.metrics.completed).toBe(ref.result.metrics.completed);
      expect(fast.result.metrics.preemptions).toBe(ref.result.metrics.preemptions);
      expect(fast.rec.rejectedRows).toEqual(ref.rec.rejectedRows);
      const refRows = ref.rec.byId();
      for (const f of fast.rec.finishedRows) {
        const x = refRows.get(f.id)!;
        expect(f.preemptions).toBe(x.preemptions);
        expectClose(f.firstToken, x.firstToken, 1e-9);
        expectClose(f.finish, x.finish, 1e-9);
        expectClose(f.energy, x.energy, 1e-9);
      }
      expect(fast.result.metrics.completed + fast.rec.rejectedRows.length).toBe(specs.length);
      preemptions += ref.result.metrics.preemptions;
    });
  }
  it('the seeded cases include preemptions', () => {
    expect(preemptions).toBeGreaterThan(0);
  });
});

describe("transformers' KV cache size and max_memory_percent (sim/serving/hfPagedMemory.ts)", () => {
  it('sizes the H200 cache within 2% of the block counts transformers resolved at 0.9 and at 0.5', async () => {
    const { hfPagedBlockCount } = await import('../../sim/serving/hfPagedMemory.js');
    const { loadGpu } = await import('../../sim/model/gpu.js');
    const { loadArchitecture } = await import('../../sim/model/architecture.js');
    const gpu = loadGpu('h200', 'test');
    const arch = loadArchitecture('llama-3.1-8b', 'test');
    // resolved by the running manager (calibration/measurements/h200/llama-3.1-8b/hf-paged.json: 3057 blocks at the
    // default; hf-paged-cuda-graphs.json: 1646 blocks with max_memory_percent 0.5)
    const atDefault = hfPagedBlockCount(gpu, arch, 1, 256, 8192);
    const atHalf = hfPagedBlockCount(gpu, arch, 1, 256, 8192, undefined, 0.5);
    expect(Math.abs(atDefault / 3057 - 1)).toBeLessThan(0.02);
    expect(Math.abs(atHalf / 1646 - 1)).toBeLessThan(0.02);
    expect(atHalf).toBeLessThan(atDefault);
  });

  it('a scenario sets it for the transformers-cb scheduler, and the summary reports it', async () => {
    const { parseScenario } = await import('../../sim/scenario/loadScenario.js');
    const { runScenario } = await import('../../sim/run/runScenario.js');
    const { scenariosDir } = await import('../../sim/paths.js');
    const scenario = (over: Record<string, unknown>) => ({
      seed: 1,
      workload: { kind: 'synthetic', arrival: { process: 'poisson', rate_per_s: 5 }, duration_s: 4, lengths: { kind: 'fixed', input_tokens: 256, output_tokens: 32 } },
      cluster: { gpu: 'h200', model: 'llama-3.1-8b', stack: 'hf-paged', scheduler: { kind: 'transformers-cb', ...over } },
    });
    const half = runScenario(parseScenario(scenario({ max_memory_percent: 0.5 }), 'test', scenariosDir)).summary as unknown as { scheduler: { kv_blocks: number; max_memory_percent?: number } };
    const full = runScenario(parseScenario(scenario({}), 'test', scenariosDir)).summary as unknown as { scheduler: { kv_blocks: number; max_memory_percent?: number } };
    expect(half.scheduler.max_memory_percent).toBe(0.5);
    expect(full.scheduler.max_memory_percent).toBeUndefined();
    expect(half.scheduler.kv_blocks).toBeLessThan(full.scheduler.kv_blocks);
  });
});
