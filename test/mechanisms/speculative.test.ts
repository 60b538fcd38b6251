/**
 * Speculative decoding: the round's cost by hand (γ draft decode steps + one verification step), tokens per round,
 * seeded draws, both batching bases end to end, and the seed paper's direction on an H100 (finding 2).
 */
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { SpeculativeRoundCost } from '../../sim/cost/speculativeRoundCost.js';
import { StepCostModel } from '../../sim/cost/stepCostModel.js';
import { AcceptanceSampler, acceptanceTable, expectedTokensPerRound } from '../../sim/serving/speculativeAcceptance.js';
import { SpeculativeContinuousScheduler } from '../../sim/serving/speculativeContinuousScheduler.js';
import { SpeculativeStaticScheduler } from '../../sim/serving/speculativeStaticScheduler.js';
import type { AnyWork } from '../../sim/serving/work.js';
import { continuousConfig, expectClose, runWith, spec, staticConfig, tinyParams, tinyWork } from '../core/helpers.js';
import { pct, runFixed } from './scenarioRuns.js';

// Target: 1 GFLOP/token, 1 GB of weights per step, 0.1 GFLOP of LM head per sampled token, 1 MB of KV per token.
// Draft: a tenth of it (0.1 GFLOP/token, 0.1 GB of weights, 0.1 MB of KV per token), 5 ms overhead per step.
// Both on tinyParams: 1 TFLOP/s, 100 GB/s, busy floor 200 W, 0.1 J/GFLOP, 1 J/GB, cap 1000 W.
const targetWork = tinyWork({ lmHeadFlopsPerToken: 1e8, kvBytesPerToken: 1e6 });
const draftWork = tinyWork({ matmulFlopsPerToken: 1e8, weightBytesPerStep: () => 1e8, kvBytesPerToken: 1e5 });
const target = new StepCostModel(targetWork, tinyParams());
const draft = new StepCostModel(draftWork, tinyParams({ stepOverheadSeconds: 0.005 }));

describe('speculative round cost', () => {
  it('is γ draft decode steps plus one target step verifying γ + 1 tokens per sequence', () => {
    const round = new SpeculativeRoundCost(target, draft, 4).round([100, 200, 300]);
    // Draft: 4 decode steps of 3 sequences, context sum 600 + 3k before step k. Per step 0.3 GFLOP (compute leg
    // 0.005 + 0.0003 s) and 0.1 GB + 0.1 MB × (600 + 3k + 3) of bytes (memory leg 0.005 + bytes / 100 GB/s,
    // on top in every step). Σ_k (600 + 3k + 3) = 4·603 + 3·6 = 2430.
    const draftBytes = 4 * 1e8 + 1e5 * 2430;
    const draftSeconds = 4 * 0.005 + draftBytes / 1e11;
    const draftJoules = 200 * draftSeconds + (0.1 * 4 * 0.3 + draftBytes / 1e9);
    // Verify: 3 chunks of 5 new tokens on 100, 200, 300 cached: 15 tokens × 1 GFLOP + 15 LM-head rows × 0.1 GFLOP
    // = 16.5 GFLOP (compute leg 0.01 + 0.0165 s); bytes 1 GB + 1 MB × (600 + 15) = 1.615 GB (memory leg 0.02615 s).
    const verifySeconds = 0.01 + 16.5e9 / 1e12;
    const verifyJoules = 200 * verifySeconds + (0.1 * 16.5 + 1.615);
    expectClose(round.draftSeconds, draftSeconds, 1e-12);
    expectClose(round.draftJoules, draftJoules, 1e-12);
    expectClose(round.verifySeconds, verifySeconds, 1e-12);
    expectClose(round.verifyJoules, verifyJoules, 1e-12);
    expectClose(round.seconds, draftSeconds + verifySeconds, 1e-12);
    expectClose(round.joules, draftJoules + verifyJoules, 1e-12);
    expect(round.tokens).toBe(3 * 9);
  });

  it('the verification step is a chunk of γ + 1 tokens on each cached context, with γ + 1 logits rows each', () => {
    const step = new SpeculativeRoundCost(target, draft, 3).verifyStep([7, 9]);
    expect(Array.from(step.chunkNewTokens)).toEqual([4, 4]);
    expect(Array.from(step.chunkCachedTokens)).toEqual([7, 9]);
    expect(step.chunksProducingToken).toBe(8);
    expect(step.decodeCount).toBe(0);
  });

  it('HF assisted generation’s first round: draft prefill + γ − 1 draft decodes + one target forward of prompt + γ', () => {
    const c = new SpeculativeRoundCost(target, draft, 4).firstRound([10, 10]);
    const draftPrefill = draft.stepCost({ chunkNewTokens: [10, 10], chunkCachedTokens: [0, 0], chunksProducingToken: 2, decodeCount: 0, decodeContextSum: 0 });
    const draftRun = draft.decodeRunCost(2, 20, 0, 3);
    const verify = target.stepCost({ chunkNewTokens: [14, 14], chunkCachedTokens: [0, 0], chunksProducingToken: 10, decodeCount: 0, decodeContextSum: 0 });
    expectClose(c.seconds, draftPrefill.seconds + draftRun.seconds + verify.seconds, 1e-12);
    expectClose(c.joules, draftPrefill.joules + draftRun.joules + verify.joules, 1e-12);
    // The prompt's share of the target forward (20 of 28 tokens) and the draft prefill are prefill energy.
    expectClose(c.prefillJoules, draftPrefill.joules + (verify.joules * 20) / 28, 1e-12);
  });
});

describe('tokens per round', () => {
  it('E = (1 − α^(γ+1)) / (1 − α): 1 + α + … + α^γ', () => {
    expectClose(expectedTokensPerRound(0.7, 4), 1 + 0.7 + 0.49 + 0.343 + 0.2401, 1e-12);
    expectClose(expectedTokensPerRound(0.7, 4), 2.7731, 1e-12);
    expect(expectedTokensPerRound(1, 4)).toBe(5);
    expect(expectedTokensPerRound(0, 4)).toBe(1);
  });

  it('the draws give 1 … γ + 1 tokens with that mean (per-token draws at a constant α)', () => {
    const s = new AcceptanceSampler({ kind: 'constant', rate: 0.7 }, 4, 42);
    let sum = 0;
    const seen = new Set<number>();
    const rounds = 40000;
    for (let i = 0; i < rounds; i++) {
      const t = s.tokensThisRound(i % 50);
      seen.add(t);
      sum += t;
    }
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5]);
    // Standard deviation of one round ≈ 1.4; of the mean over 40,000 ≈ 0.007.
    expect(Math.abs(sum / rounds - 2.7731)).toBeLessThan(0.03);
  });

  it('one uniform per round by inverse CDF: P(tokens = k) is α^(k−1)(1 − α) for k ≤ γ and α^γ for γ + 1, rounds independent', () => {
    // Per round and across requests: 200 requests × 500 rounds, γ = 4, α = 0.7.
    const gamma = 4;
    const alpha = 0.7;
    const s = new AcceptanceSampler({ kind: 'per_token', rate: alpha }, gamma, 11);
    const counts = new Array<number>(gamma + 2).fill(0);
    const pairs = new Map<string, number>();
    let n = 0;
    for (let id = 0; id < 200; id++) {
      const stream = s.stream(id);
      let previous = 0;
      for (let k = 0; k < 500; k++) {
        const t = stream.tokensThisRound();
        counts[t]++;
        if (previous > 0) pairs.set(`${previous},${t}`, (pairs.get(`${previous},${t}`) ?? 0) + 1);
        previous = t;
        n++;
      }
    }
    const p = (k: number) => (k <= gamma ? alpha ** (k - 1) * (1 - alpha) : alpha ** gamma);
    // χ² with 4 degrees of freedom: 18.5 is its 0.999 quantile.
    let chi = 0;
    for (let k = 1; k <= gamma + 1; k++) chi += (counts[k] - n * p(k)) ** 2 / (n * p(k));
    expect(chi).toBeLessThan(18.5);
    // Consecutive rounds of a request: the pair frequencies factor (χ² with 16 degrees of freedom, 0.999 quantile 39.3).
    const m = 200 * 499;
    let chiPairs = 0;
    for (let a = 1; a <= gamma + 1; a++) for (let b = 1; b <= gamma + 1; b++) chiPairs += ((pairs.get(`${a},${b}`) ?? 0) - m * p(a) * p(b)) ** 2 / (m * p(a) * p(b));
    expect(chiPairs).toBeLessThan(39.3);
  });

  it('the top-byte table answers exactly as comparing with every threshold, at bucket edges too', () => {
    const rng = seedrandom('acceptance-table');
    for (const [alpha, gamma] of [[0, 4], [1, 4], [0.5, 8], [0.7, 4], [0.999, 64], [0.25, 3], [rng(), 1 + Math.floor(rng() * 20)]] as const) {
      const { thresholds, byTopByte } = acceptanceTable(alpha, gamma);
      const loop = (h: number) => {
        let a = 0;
        while (a < gamma && h < thresholds[a]) a++;
        return a;
      };
      let answered = 0;
      for (let c = 0; c < 256; c++) {
        const lo = c < 128 ? c * 2 ** 24 : c * 2 ** 24 - 2 ** 32;
        if (byTopByte[c] < 0) continue;
        answered++;
        for (const h of [lo, lo + 1, lo + 2 ** 23, lo + 2 ** 24 - 2, lo + 2 ** 24 - 1, lo + Math.floor(rng() * 2 ** 24)]) expect(loop(h), `α ${alpha}, h ${h}`).toBe(byTopByte[c]);
      }
      expect(answered).toBeGreaterThanOrEqual(256 - gamma);
    }
  });

  it('a round can be drawn by its number: tokensOfRound(k) is the k-th tokensThisRound', () => {
    const a = new AcceptanceSampler({ kind: 'per_token', rate: 0.6 }, 3, 5).stream(42);
    const b = new AcceptanceSampler({ kind: 'per_token', rate: 0.6 }, 3, 5).stream(42);
    const inOrder = Array.from({ length: 50 }, () => a.tokensThisRound());
    expect(Array.from({ length: 50 }, (_, k) => b.tokensOfRound(49 - k)).reverse()).toEqual(inOrder);
  });

  it('α = 1 always yields γ + 1 tokens, α = 0 always 1', () => {
    const all = new AcceptanceSampler({ kind: 'per_token', rate: 1 }, 3, 1);
    const none = new AcceptanceSampler({ kind: 'constant', rate: 0 }, 3, 1);
    for (let i = 0; i < 20; i++) {
      expect(all.tokensThisRound(i)).toBe(4);
      expect(none.tokensThisRound(i)).toBe(1);
    }
  });

  it('per request: each request draws its α once, from beta(a, b) (mean a / (a + b)) or uniform(lo, hi)', () => {
    const beta = new AcceptanceSampler({ kind: 'per_request', distribution: { kind: 'beta', a: 7, b: 3 } }, 4, 3);
    const alphas = Array.from({ length: 4000 }, (_, i) => beta.alphaOf(i));
    const mean = alphas.reduce((a, b) => a + b, 0) / alphas.length;
    expect(Math.abs(mean - 0.7)).toBeLessThan(0.01);
    expect(beta.alphaOf(17)).toBe(alphas[17]); // drawn once, kept
    const uni = new AcceptanceSampler({ kind: 'per_request', distribution: { kind: 'uniform', lo: 0.5, hi: 0.9 } }, 4, 3);
    for (let i = 0; i < 200; i++) {
      const a = uni.alphaOf(i);
      expect(a).toBeGreaterThanOrEqual(0.5);
      expect(a).toBeLessThan(0.9);
    }
  });
});

describe('speculative draws are seeded and deterministic', () => {
  const draws = (seed: number, order: number[]) => {
    const s = new AcceptanceSampler({ kind: 'per_request', distribution: { kind: 'beta', a: 2, b: 1 } }, 4, seed);
    const out = new Map<number, number[]>();
    for (let round = 0; round < 30; round++) for (const id of order) out.set(id, [...(out.get(id) ?? []), s.tokensThisRound(id)]);
    return out;
  };

  it('the same seed gives the same draws; another seed other draws', () => {
    expect(draws(5, [0, 1, 2])).toEqual(draws(5, [0, 1, 2]));
    expect(draws(5, [0, 1, 2])).not.toEqual(draws(6, [0, 1, 2]));
  });

  it('a request’s draws do not depend on which other requests draw, or in what order', () => {
    const a = draws(5, [0, 1, 2]);
    const b = draws(5, [2, 7, 1, 9, 0]);
    for (const id of [0, 1, 2]) expect(b.get(id)).toEqual(a.get(id));
  });

  it('a whole speculative scenario run twice gives identical summaries', () => {
    const cluster = { scheduler: { kind: 'speculative', batch_size: 4, draft_model: 'llama-3.2-1b', acceptance: { kind: 'per_request', distribution: { kind: 'beta', a: 7, b: 3 } } } };
    const a = runFixed(cluster, { count: 12 });
    const b = runFixed(cluster, { count: 12 });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(runFixed(cluster, { count: 12, seed: 2 }).energy_j).not.toBe(a.energy_j);
  });
});

describe('speculative scheduling end to end (hand-made models)', () => {
  const round = new SpeculativeRoundCost(target, draft, 2);
  const params = tinyParams();

  it('static: the first round includes the prompts; every row then gains γ + 1 tokens a round at α = 1', () => {
    const sampler = new AcceptanceSampler({ kind: 'constant', rate: 1 }, 2, 1);
    const specs = [spec(0, 0, 8, 10), spec(1, 0, 6, 4), spec(2, 0, 8, 7)];
    const { result, rec } = runWith(
      specs,
      (onFinished) => new SpeculativeStaticScheduler(staticConfig({ batchSize: 3, maxRunSteps: 1 }), round, sampler, onFinished),
      { work: targetWork, params },
    );
    // Longest output 10: 3 tokens after the first round, then 6, 9, 12 → 4 events for the batch (one round each:
    // the step-by-step path).
    expect(rec.works.map((w) => w.work.kind)).toEqual(['priced', 'priced', 'priced', 'priced']);
    const first = round.firstRound([8, 8, 8]);
    expectClose(rec.works[0].end - rec.works[0].start, first.seconds, 1e-12);
    // Round k: rows at 3k tokens hold 8 + 3k − 1 tokens (padded prompt 8); rows already done stay where they are.
    expectClose(rec.works[1].joules, round.round([10, 10, 10]).joules, 1e-12);
    expectClose(rec.works[2].joules, round.round([13, 13, 13]).joules, 1e-12);
    expectClose(rec.works[3].joules, round.round([16, 16, 16]).joules, 1e-12);
    const rows = rec.finishedRows;
    expect(rows.map((r) => r.finish)).toEqual([rec.works[3].end, rec.works[3].end, rec.works[3].end]);
    expect(rows.every((r) => r.firstToken === rec.works[0].end)).toBe(true);
    // Conservation: energy attributed to requests + idle = total.
    const t = result.ledger.totals();
    expectClose(rows.reduce((a, r) => a + r.energy, 0) + t.idle, t.total, 1e-9);
    expectClose(t.prefill, first.prefillJoules, 1e-12);
    // The fast path: the first round, then the three others as one stretch, priced round by round.
    const fast = runWith(specs, (f) => new SpeculativeStaticScheduler(staticConfig({ batchSize: 3 }), round, new AcceptanceSampler({ kind: 'constant', rate: 1 }, 2, 1), f), { work: targetWork, params });
    expect(fast.rec.works.map((w) => w.stepsDone)).toEqual([1, 3]);
    expectClose(fast.rec.works[1].joules, rec.works[1].joules + rec.works[2].joules + rec.works[3].joules, 1e-12);
    expectClose(fast.rec.works[1].end, rec.works[3].end, 1e-12);
  });

  it('static at α = 0: one token a round, output − 1 rounds after the first', () => {
    const sampler = new AcceptanceSampler({ kind: 'constant', rate: 0 }, 2, 1);
    const { rec } = runWith([spec(0, 0, 5, 6)], (f) => new SpeculativeStaticScheduler(staticConfig({ batchSize: 1, maxRunSteps: 1 }), round, sampler, f), { work: targetWork, params });
    expect(rec.works.length).toBe(6);
  });

  it('continuous: prompts on both models, then rounds; sequences leave when done and others join', () => {
    const sampler = new AcceptanceSampler({ kind: 'constant', rate: 1 }, 2, 1);
    const cfg = continuousConfig({ maxRunningSequences: 4, maxBatchedTokens: 64, chunkedPrefill: false, blockTokens: 4, totalBlocks: 100 });
    const specs = [spec(0, 0, 8, 10), spec(1, 0, 6, 4), spec(2, 0.0001, 5, 2)];
    const { result, rec } = runWith(specs, (f) => new SpeculativeContinuousScheduler(cfg, round, sampler, f), { work: targetWork, params });
    // Prompts of requests 0 and 1; request 2 arrives meanwhile and prompts go first: its prompt; then a round for
    // all three (each 1 → 4 tokens: 1 (output 4) and 2 (output 2, the extra tokens discarded) are done), then
    // request 0 alone: 4 → 7 → 10.
    const shapes = rec.works.map((w) => {
      const work = w.work as AnyWork; // the recorder types what it keeps as the replica-priced kinds
      return work.kind === 'priced' ? `${work.phase}×${work.sequences}` : work.kind;
    });
    expect(shapes).toEqual(['prefill×2', 'prefill×1', 'decode×3', 'decode×1', 'decode×1']);
    const byId = new Map(rec.finishedRows.map((r) => [r.id, r]));
    expect([...byId.keys()].sort()).toEqual([0, 1, 2]);
    expect(byId.get(1)!.finish).toBe(rec.works[2].end);
    expect(byId.get(2)!.finish).toBe(rec.works[2].end);
    expect(byId.get(0)!.finish).toBe(rec.works[4].end);
    // The round prices each sequence at its own context: 8, 6 and 5 cached tokens (prompt + first token − 1).
    expectClose(rec.works[2].joules, round.round([8, 6, 5]).joules, 1e-12);
    expectClose(rec.works[3].joules, round.round([11]).joules, 1e-12);
    const t = result.ledger.totals();
    expectClose(rec.finishedRows.reduce((a, r) => a + r.energy, 0) + t.idle, t.total, 1e-9);
  });

  it('continuous: a small KV pool preempts the newest by recompute, and everything still finishes', () => {
    const cfg = continuousConfig({ maxRunningSequences: 8, maxBatchedTokens: 64, chunkedPrefill: false, blockTokens: 4, totalBlocks: 12 });
    const specs = Array.from({ length: 10 }, (_, i) => spec(i, i * 0.001, 6 + (i % 4), 8 + (i % 5)));
    const once = () =>
      runWith(specs, (f) => new SpeculativeContinuousScheduler(cfg, round, new AcceptanceSampler({ kind: 'constant', rate: 0.6 }, 2, 9), f), { work: targetWork, params });
    const { result, rec } = once();
    expect(rec.finishedRows.length).toBe(10);
    expect(rec.finishedRows.some((r) => r.preemptions > 0)).toBe(true);
    const t = result.ledger.totals();
    expectClose(rec.finishedRows.reduce((a, r) => a + r.energy, 0) + t.idle, t.total, 1e-9);
    expect(once().rec.finishedRows).toEqual(rec.finishedRows);
  });
});

/**
 * Finding 2 of the seed paper: speculative decoding (γ = 4) saves up to 29.14% energy at batch ≤ 16 and costs
 * 25.65% more at batch 128. Here: H100 SXM, Llama-3.1-8B with a Llama-3.2-1B draft, hf-eager static batches,
 * offline, input 512, output 64, α = 0.7 (docs/MECHANISMS.md says why 0.7 and what the numbers are).
 */
describe('direction on an H100: speculative decoding helps at small batch and hurts at batch 128', () => {
  // 4 × max(16, 2b) requests (bench/speculativeTable.ts's sample): at a quarter of that, the draws' noise alone moves
  // a point by ±3, enough to reorder neighbouring batch sizes, and the directions are about the mechanism, not one sample.
  const count = (b: number) => 4 * Math.max(16, 2 * b);
  const speculative = (b: number, alpha: number, gpu = 'h100-sxm') =>
    runFixed({ gpu, scheduler: { kind: 'speculative', batch_size: b, draft_model: 'llama-3.2-1b', gamma: 4, acceptance: { kind: 'constant', rate: alpha } } }, { count: count(b) });
  const change = (b: number, alpha: number, gpu = 'h100-sxm') => {
    const ar = runFixed({ gpu, scheduler: { kind: 'static', batch_size: b } }, { count: count(b) });
    return pct(speculative(b, alpha, gpu).energy_j, ar.energy_j);
  };

  it('α = 0.7: less energy at batch 1, more at batch 128 (+20 to +35%; the paper: +25.65%)', () => {
    const b1 = change(1, 0.7);
    const b128 = change(128, 0.7);
    expect(b1).toBeLessThan(0);
    expect(b128).toBeGreaterThan(20);
    expect(b128).toBeLessThan(35);
  });

  it('α = 0.7: the saving is gone by batch 4 on the H100 (disagrees with the paper at 2-16; see docs/MECHANISMS.md)', () => {
    const changes = [2, 4, 8, 16].map((b) => change(b, 0.7));
    expect(changes[1]).toBeGreaterThan(0);
    // The penalty grows with batch: compute-bound verification and a static batch that waits for its unluckiest row.
    for (let i = 1; i < changes.length; i++) expect(changes[i]).toBeGreaterThan(changes[i - 1]);
  });

  it('α = 0.8 (a more predictable text): saves at every batch ≤ 16 and still costs more at 128', () => {
    for (const b of [1, 2, 4, 8, 16]) expect(change(b, 0.8), `batch ${b}`).toBeLessThan(0);
    expect(change(128, 0.8)).toBeGreaterThan(0);
  });

  it('on the paper’s RTX A6000 (slower memory, so the 1B draft is relatively cheaper) α = 0.7 saves up to batch 4', () => {
    for (const b of [1, 2, 4]) expect(change(b, 0.7, 'a6000'), `batch ${b}`).toBeLessThan(0);
    expect(change(128, 0.7, 'a6000')).toBeGreaterThan(20);
  });

  it('the summary names the draft, γ, α, the expected tokens per round and the draft’s cost source', () => {
    const s = speculative(1, 0.7);
    const sp = (s.scheduler as { speculative: Record<string, unknown> }).speculative;
    expect(sp.draft_model).toBe('llama-3.2-1b');
    expect(sp.gamma).toBe(4);
    expect(sp.expected_tokens_per_round).toBeCloseTo(2.7731, 4);
    expect((sp.draft_cost_model as { kind: string }).kind).toBe('datasheet');
    expect(s.cost_model.description).toMatch(/draft llama-3\.2-1b/);
    expect(s.cost_model.description).toMatch(/× 16\/32 layers/);
  });
});
