/**
 * Speculative rounds without per-row work (each row's draws taken when it joins, per-round totals, energy
 * accumulators, O(1) round prices) against the per-row reference: the schedulers as they were before, which visit
 * every row in every round, draw its tokens then and price the round from the list of contexts
 * (referenceSpeculative*.ts). Same draws, so every request's admission, first token, finish, energy and
 * preemptions must agree to 1e-9, on random configurations: γ, acceptance kinds, prompt and output lengths,
 * arrival rates, batch sizes, and KV pools small enough to preempt.
 */
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { SpeculativeRoundCost } from '../../sim/cost/speculativeRoundCost.js';
import { StepCostModel } from '../../sim/cost/stepCostModel.js';
import { AcceptanceSampler, type AcceptanceConfig } from '../../sim/serving/speculativeAcceptance.js';
import { SpeculativeContinuousScheduler } from '../../sim/serving/speculativeContinuousScheduler.js';
import { SpeculativeStaticScheduler } from '../../sim/serving/speculativeStaticScheduler.js';
import type { RequestSpec } from '../../sim/workload/request.js';
import { continuousConfig, expectClose, runWith, spec, staticConfig, tinyParams, tinyWork } from '../core/helpers.js';
import { ReferenceSpeculativeContinuousScheduler } from './referenceSpeculativeContinuous.js';
import { ReferenceSpeculativeStaticScheduler } from './referenceSpeculativeStatic.js';

const REL = 1e-9;
// KV traffic and attention FLOPs, so a round's price depends on its context sum.
const targetWork = tinyWork({ lmHeadFlopsPerToken: 1e8, kvBytesPerToken: 1e6, attentionFlopsPerPair: 1e6 });
const draftWork = tinyWork({ matmulFlopsPerToken: 1e8, weightBytesPerStep: () => 1e8, kvBytesPerToken: 1e5, attentionFlopsPerPair: 1e5 });
const params = tinyParams();

function randomAcceptance(rng: () => number): AcceptanceConfig {
  const pick = rng();
  if (pick < 0.1) return { kind: 'constant', rate: rng() < 0.5 ? 0 : 1 };
  if (pick < 0.6) return { kind: 'per_token', rate: 0.3 + 0.65 * rng() };
  if (pick < 0.8) return { kind: 'per_request', distribution: { kind: 'beta', a: 1 + 8 * rng(), b: 1 + 4 * rng() } };
  return { kind: 'per_request', distribution: { kind: 'uniform', lo: 0.2, hi: 0.2 + 0.75 * rng() } };
}

function randomSpecs(rng: () => number, count: number, maxInput: number, maxOutput: number): RequestSpec[] {
  const rate = 5 + 200 * rng();
  let t = 0;
  return Array.from({ length: count }, (_, i) => {
    t += -Math.log(1 - rng()) / rate;
    return spec(i, t, 1 + Math.floor(rng() * maxInput), 1 + Math.floor(rng() * maxOutput));
  });
}

function compare(label: string, fast: ReturnType<typeof runWith>, ref: ReturnType<typeof runWith>, sameEvents = true): number {
  expectClose(fast.result.ledger.totals().total, ref.result.ledger.totals().total, REL);
  expectClose(fast.result.ledger.totals().prefill, ref.result.ledger.totals().prefill, REL, 1e-9);
  expectClose(fast.result.makespanSeconds, ref.result.makespanSeconds, REL);
  expect(fast.rec.rejectedRows, label).toEqual(ref.rec.rejectedRows);
  if (sameEvents) expect(fast.rec.works.length, label).toBe(ref.rec.works.length);
  expect(fast.rec.finishedRows.map((r) => r.id), label).toEqual(ref.rec.finishedRows.map((r) => r.id));
  let preemptions = 0;
  for (let i = 0; i < ref.rec.finishedRows.length; i++) {
    const f = fast.rec.finishedRows[i];
    const r = ref.rec.finishedRows[i];
    expect(f.replica, `${label}: request ${r.id}`).toBe(r.replica);
    expect(f.preemptions, `${label}: request ${r.id}`).toBe(r.preemptions);
    expectClose(f.admitted, r.admitted, REL);
    expectClose(f.firstToken, r.firstToken, REL);
    expectClose(f.finish, r.finish, REL);
    expectClose(f.energy, r.energy, REL);
    preemptions += r.preemptions;
  }
  // Conservation on the fast side: attributed + idle = total.
  const t = fast.result.ledger.totals();
  expectClose(fast.rec.finishedRows.reduce((a, r) => a + r.energy, 0) + t.idle, t.total, REL);
  return preemptions;
}

describe('speculative rounds without per-row work = the per-row reference', () => {
  let preempted = 0;
  let continuousCases = 0;
  let fewerEvents = 0;
  let fewerEventsSeen = 0;
  let contextWarnings = 0;
  for (let i = 0; i < 24; i++) {
    const rng = seedrandom(`speculative-fast-${i}`);
    const gamma = 1 + Math.floor(rng() * 6);
    const acceptance = randomAcceptance(rng);
    const round = new SpeculativeRoundCost(new StepCostModel(targetWork, params), new StepCostModel(draftWork, tinyParams({ stepOverheadSeconds: 0.005 })), gamma);
    const replicas = 1 + Math.floor(rng() * 2);
    const seed = Math.floor(rng() * 1000);
    const sampler = () => new AcceptanceSampler(acceptance, gamma, seed);
    if (i % 3 === 0) {
      const cfg = staticConfig({ batchSize: 1 + Math.floor(rng() * 8) });
      const specs = randomSpecs(rng, 20 + Math.floor(rng() * 30), 40, 60);
      const label = `static #${i}: γ ${gamma}, ${JSON.stringify(acceptance)}, batch ${cfg.batchSize}, ${specs.length} requests on ${replicas}`;
      it(label, () => {
        // Extrapolation warnings count rounds outside a fitted range, each at its own mean context, on both paths.
        const opts = { work: targetWork, params, replicas, fittedRange: { batchSize: [1, 64], stepTokens: [1, 64], contextTokens: [20, 60] } as const };
        // Fast: a batch's rounds after the first in one event (or a few, when max_run_steps caps them).
        const cap = rng() < 0.5 ? Number.MAX_SAFE_INTEGER : 2 + Math.floor(rng() * 5);
        const fast = runWith(specs, (f) => new SpeculativeStaticScheduler({ ...cfg, maxRunSteps: cap }, round, sampler(), f), opts);
        const stepByStep = runWith(specs, (f) => new SpeculativeStaticScheduler({ ...cfg, maxRunSteps: 1 }, round, sampler(), f), opts);
        const ref = runWith(specs, (f) => new ReferenceSpeculativeStaticScheduler(cfg, round, sampler(), f), opts);
        compare(label, stepByStep, ref);
        compare(`${label} (stretches of ≤ ${cap} rounds)`, fast, ref, false);
        expect(fast.rangeWarnings, label).toEqual(stepByStep.rangeWarnings);
        if (stepByStep.rangeWarnings.some((w) => w.includes('context'))) contextWarnings++;
        expect(fast.rec.works.length).toBeLessThanOrEqual(ref.rec.works.length);
        if (specs.some((s) => s.outputTokens > 8)) fewerEvents++;
        if (fast.rec.works.length < ref.rec.works.length) fewerEventsSeen++;
      });
      continue;
    }
    const blockTokens = [1, 2, 4, 8, 16][Math.floor(rng() * 5)];
    const maxInput = 10 + Math.floor(rng() * 60);
    // Some long outputs: a row then reaches hundreds of rounds ahead, beyond the round totals' first ring.
    const maxOutput = i % 4 === 1 ? 300 + Math.floor(rng() * 900) : 5 + Math.floor(rng() * 120);
    // From a pool that barely holds the longest request (preempting often) to one that never runs out.
    const longest = Math.ceil((maxInput + maxOutput + gamma) / blockTokens);
    const totalBlocks = longest + Math.floor(rng() * rng() * 40 * longest);
    const cfg = continuousConfig({
      maxRunningSequences: 1 + Math.floor(rng() * 24),
      maxBatchedTokens: maxInput + Math.floor(rng() * 200),
      chunkedPrefill: false,
      blockTokens,
      totalBlocks,
      admissionWatermarkBlocks: Math.floor(rng() * 3),
    });
    const specs = randomSpecs(rng, (i % 4 === 1 ? 8 : 20) + Math.floor(rng() * 50), maxInput, maxOutput);
    const label = `continuous #${i}: γ ${gamma}, ${JSON.stringify(acceptance)}, ${cfg.maxRunningSequences} seqs, ${totalBlocks} blocks of ${blockTokens}, ${specs.length} requests on ${replicas}`;
    it(label, () => {
      const opts = { work: targetWork, params, replicas };
      const fast = runWith(specs, (f) => new SpeculativeContinuousScheduler(cfg, round, sampler(), f), opts);
      const ref = runWith(specs, (f) => new ReferenceSpeculativeContinuousScheduler(cfg, round, sampler(), f), opts);
      preempted += compare(label, fast, ref);
      continuousCases++;
    });
  }
  it('the continuous cases preempt; the static fast path takes fewer events', () => {
    expect(continuousCases).toBe(16);
    expect(preempted).toBeGreaterThan(10);
    expect(fewerEvents).toBe(8);
    expect(fewerEventsSeen).toBe(8);
    expect(contextWarnings).toBeGreaterThan(3);
  });
});
