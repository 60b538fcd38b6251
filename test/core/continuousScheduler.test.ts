/**
 * Continuous batching against small hand traces. Costs (tinyWork / tinyParams, no KV traffic, no attention): a step
 * of t ≤ 10 tokens (prompt chunk tokens + decodes) takes 0.02 s and 5 + 0.1·t J; a step of t > 10 tokens takes
 * 0.01 + t/1000 s and 200·seconds + 0.1·t + 1 J. A step's energy is shared per token among its requests.
 * KV pool in these traces: blocks of 4 tokens. A decoding request holding T tokens in its cache opens a new block
 * in the step where T is a multiple of 4.
 */
import { describe, expect, it } from 'vitest';
import { KvBlockPool } from '../../sim/serving/kvBlockPool.js';
import { expectClose, randInt, rng, runContinuous, spec, type WorkRecord } from './helpers.js';

function shape(w: WorkRecord): string {
  if (w.work.kind === 'decodeRun') return `run n=${w.work.sequences} ctx0=${w.work.contextSum0} steps=${w.stepsDone}`;
  const s = w.work.step;
  const chunks = w.chunks!.map((c, i) => `${c}@${w.cached![i]}`).join('+');
  return `step ${chunks}${s.decodeCount ? ` +${s.decodeCount}d ctx=${s.decodeContextSum}` : ''}`;
}

/** The step-by-step path runs the same schedule with every decode run split into runs of one step. */
function stepwise(shapes: string[]): string[] {
  return shapes.flatMap((s) => {
    const m = /^run n=(\d+) ctx0=(\d+) steps=(\d+)$/.exec(s);
    if (!m) return [s];
    const [n, ctx0, steps] = [Number(m[1]), Number(m[2]), Number(m[3])];
    return Array.from({ length: steps }, (_, k) => `run n=${n} ctx0=${ctx0 + n * k} steps=1`);
  });
}

describe('continuous batching, chunked prefill: hand trace with preemption', () => {
  // Pool: 6 blocks of 4 tokens (24 tokens); 2 running at most; 8 tokens per step; no watermark.
  // A (id 0): 10 in, 6 out (needs ⌈15/4⌉ = 4 blocks at most); B (id 1): 6 in, 8 out (⌈13/4⌉ = 4). 8 > 6: preemption.
  const specs = [spec(0, 0, 10, 6), spec(1, 0, 6, 8)];

  for (const maxRunSteps of [Number.MAX_SAFE_INTEGER, 1]) {
    const label = maxRunSteps === 1 ? 'step by step' : 'fast path';
    const { result, rec } = runContinuous(specs, { maxRunSteps });

    it(`${label}: admission, chunk splitting, preemption of the newest, recompute`, () => {
      const expected = [
        // t 0: A admitted with 8 of its 10 tokens (2 blocks; 4 free).
        'step 8@0',
        // t 0.02: A's last 2 tokens (+1 block → 3 free), then B admitted with its 6 (2 blocks → 1 free).
        // Both finish their prompts: A holds 10 tokens, B 6; both open a block when they write token 12 / 8,
        // i.e. 2 decode steps from now.
        'step 2@8+6@0',
        // t 0.04: 2 decode steps fit in the 1 free block (the third step needs 2). Context 10 + 6 = 16.
        'run n=2 ctx0=16 steps=2',
        // t 0.08: the next step needs 2 blocks, 1 free → preempt the newest (B, holding 6 + 3 − 1 = 8 tokens,
        // 2 blocks → 3 free). B re-queues at the front with 6 + 3 = 9 prompt tokens; A's next step needs 1 block,
        // reserved; B's first chunk takes the 7 tokens left in the budget (2 blocks → 0 free; the reserved block
        // goes to A). A decodes on context 12.
        'step 7@0 +1d ctx=12',
        // t 0.10: B's last 2 tokens need a third block; only 1 more token fits its second block.
        'step 1@7 +1d ctx=13',
        // t 0.12: B cannot grow (no free block): a decode run for A until it finishes (1 step).
        'run n=1 ctx0=14 steps=1',
        // t 0.14: A done (4 blocks back → 4 free). B's last prompt token (+1 block); B has generated 4 tokens now.
        'step 1@8',
        // t 0.16: B decodes its last 4 tokens on context 9.
        'run n=1 ctx0=9 steps=4',
      ];
      expect(rec.works.map(shape)).toEqual(maxRunSteps === 1 ? stepwise(expected) : expected);
    });

    it(`${label}: first-token time kept across preemption, preemption counted, times and energy by hand`, () => {
      const a = rec.byId().get(0)!;
      const b = rec.byId().get(1)!;
      // Every step has ≤ 8 tokens: 0.02 s each. A: first token at the end of step 2 (0.04), done after 7 steps.
      expectClose(a.firstToken, 0.04, 1e-12);
      expectClose(a.finish, 0.14, 1e-12);
      expect(a.preemptions).toBe(0);
      // B's first token also at 0.04, kept although it is recomputed; it finishes after 12 steps.
      expectClose(b.firstToken, 0.04, 1e-12);
      expectClose(b.finish, 0.24, 1e-12);
      expect(b.preemptions).toBe(1);
      // Admitted once, in the second step; recompute does not move it.
      expectClose(b.admitted, 0.02, 1e-12);
      expect(result.metrics.preemptions).toBe(1);
      // Energy per step 5 + 0.1·tokens, shared per token:
      // A: step 1 5.8 (8/8) + step 2 5.8·2/8 = 1.45 + run 5.2 (half of 10.4) + step 4 5.8/8 = 0.725
      //    + step 5 5.2/2 = 2.6 + run 5.1 → 20.875.
      // B: step 2 5.8·6/8 = 4.35 + run 5.2 + step 4 5.8·7/8 = 5.075 + step 5 2.6 + step 7 5.1 + 4 × 5.1 → 42.725.
      expectClose(a.energy, 20.875, 1e-12);
      expectClose(b.energy, 42.725, 1e-12);
      expectClose(result.ledger.totals().total, 63.6, 1e-12);
      expectClose(result.makespanSeconds, 0.24, 1e-12);
      expect(result.metrics.completed).toBe(2);
    });
  }
});

describe('continuous batching without chunked prefill: hand trace with preemption', () => {
  // Same pool and requests, 16 tokens per step: prompts run whole, in prompt-only steps.
  const specs = [spec(0, 0, 10, 6), spec(1, 0, 6, 8)];
  const { result, rec } = runContinuous(specs, { chunkedPrefill: false, maxBatchedTokens: 16 });

  it('prompt-only steps, decode runs, preemption, recompute', () => {
    expect(rec.works.map(shape)).toEqual([
      // t 0: both prompts (3 + 2 blocks → 1 free); 16 tokens: 0.01 + 0.016 = 0.026 s.
      'step 10@0+6@0',
      // Both open a block at their third decode step (A at token 12, B at token 8): 2 steps fit.
      'run n=2 ctx0=16 steps=2',
      // t 0.066: 2 blocks needed, 1 free → preempt B (2 blocks → 3 free), which waits with a 9-token prompt that
      // needs 3 blocks. A runs its last 3 steps (opening 1 block) without it: B could not be admitted in between.
      'run n=1 ctx0=12 steps=3',
      // t 0.126: A done; B recomputes its 9 tokens (3 blocks) and produces its 4th token.
      'step 9@0',
      'run n=1 ctx0=9 steps=4',
    ]);
    const a = rec.byId().get(0)!;
    const b = rec.byId().get(1)!;
    expectClose(a.firstToken, 0.026, 1e-12);
    expectClose(a.finish, 0.026 + 0.04 + 0.06, 1e-12);
    expectClose(b.firstToken, 0.026, 1e-12);
    expectClose(b.finish, 0.126 + 0.02 + 0.08, 1e-12);
    expect(b.preemptions).toBe(1);
    // Step 1: 200·0.026 + 1.6 + 1 = 7.8 J (0.4875 per token: A 4.875, B 2.925). Run of 2: 10.4 (5.2 each).
    // A's run of 3: 15.3. B's recompute 5 + 0.9 = 5.9, its run of 4: 20.4.
    expectClose(a.energy, 4.875 + 5.2 + 15.3, 1e-12);
    expectClose(b.energy, 2.925 + 5.2 + 5.9 + 20.4, 1e-12);
    expectClose(result.ledger.totals().total, 59.8, 1e-12);
  });

  it('a recomputed prompt longer than the token budget still runs (alone) instead of waiting forever', () => {
    // Budget 8, 4 blocks of 4. B (id 0): 4 in, 10 out; A (id 1): 8 in, 6 out. Both open a block at their first
    // decode step; 1 block is free → A (newest) is preempted with 8 + 1 = 9 prompt tokens > 8.
    const { result: r, rec: log } = runContinuous([spec(0, 0, 4, 10), spec(1, 0, 8, 6)], {
      chunkedPrefill: false,
      maxBatchedTokens: 8,
      totalBlocks: 4,
    });
    expect(r.metrics.completed).toBe(2);
    expect(log.byId().get(1)!.preemptions).toBe(1);
    expect(log.works.map(shape)).toContain('step 9@0');
  });
});

describe('continuous batching: admission and chunking', () => {
  it('a long prompt is split by the token budget', () => {
    // 8 tokens per step: 20 → chunks of 8, 8, 4; the first token comes with the last chunk (3 × 0.02 s).
    const { rec } = runContinuous([spec(0, 0, 20, 1)], { totalBlocks: 100 });
    expect(rec.works.map(shape)).toEqual(['step 8@0', 'step 8@8', 'step 4@16']);
    expectClose(rec.byId().get(0)!.firstToken, 0.06, 1e-12);
    expectClose(rec.byId().get(0)!.finish, 0.06, 1e-12);
  });

  it('admits in arrival order up to the running limit; a freed seat admits the next at the next step', () => {
    // A (4 in, 2 out), B (4, 5), C (4, 2) at t = 0; 2 seats. Step 1: A, B prompts. A finishes after 1 decode step
    // (t 0.04); C is admitted then, its prompt mixed with B's decode.
    const { rec } = runContinuous([spec(0, 0, 4, 2), spec(1, 0, 4, 5), spec(2, 0, 4, 2)], { totalBlocks: 100, maxBatchedTokens: 100 });
    expect(rec.works.map(shape).slice(0, 3)).toEqual(['step 4@0+4@0', 'run n=2 ctx0=8 steps=1', 'step 4@0 +1d ctx=5']);
    const rows = rec.byId();
    expect(rows.get(0)!.admitted).toBe(0);
    expect(rows.get(1)!.admitted).toBe(0);
    expectClose(rows.get(2)!.admitted, 0.04, 1e-12);
    expectClose(rows.get(2)!.firstToken, 0.06, 1e-12);
  });

  it('prompt chunks never take the block a decode in the same step needs', () => {
    // 6 blocks, 10 tokens per step. A (16 in, 2 out) is prefilled 10 + 6; B (16, 2) gets 4 tokens in the second
    // step. In the third, A's decode opens a block (the last free one): B's chunk must wait for it, not take it.
    const { result } = runContinuous([spec(0, 0, 16, 2), spec(1, 0, 16, 2)], { maxBatchedTokens: 10 });
    expect(result.metrics.completed).toBe(2);
  });
});

describe('continuous batching: rejection', () => {
  it('a request larger than the whole KV cache is rejected, not left hanging', () => {
    // 6 blocks × 4 = 24 tokens. The last output token is never cached: 20 in + 6 out caches 25 tokens → 7 blocks
    // > 6: rejected. 20 + 5 caches 24 → 6 blocks: runs, alone, to the end.
    const { result, rec } = runContinuous([spec(0, 0, 20, 6), spec(1, 0, 20, 5)]);
    expect(rec.rejectedRows).toEqual([{ id: 0, reason: 'needs 7 KV blocks of 4 tokens; the whole cache holds 6', replica: 0 }]);
    expect(result.metrics.completed).toBe(1);
    expect(result.metrics.rejected).toBe(1);
  });

  it('context limit, and prompts over the budget without chunked prefill', () => {
    const { rec } = runContinuous([spec(0, 0, 90, 20), spec(1, 0, 17, 2), spec(2, 0, 16, 2)], {
      maxContextTokens: 100,
      chunkedPrefill: false,
      maxBatchedTokens: 16,
      totalBlocks: 100,
    });
    expect(rec.rejectedRows.map((r) => [r.id, r.reason])).toEqual([
      [0, 'input + output = 110 tokens exceeds the model context of 100'],
      [1, 'prompt of 17 tokens exceeds max batched tokens 16 without chunked prefill'],
    ]);
    expect(rec.finishedRows.map((r) => r.id)).toEqual([2]);
  });
});

describe('KvBlockPool', () => {
  it('blocksFor rounds up', () => {
    const pool = new KvBlockPool(10, 4);
    expect([0, 1, 4, 5, 8, 9].map((t) => pool.blocksFor(t))).toEqual([0, 1, 1, 2, 2, 3]);
  });

  it('blocksNeeded and maxStepsWithin against brute force over random phases', () => {
    const r = rng('kvBlockPool');
    for (let trial = 0; trial < 300; trial++) {
      const bs = randInt(r, 1, 8);
      const pool = new KvBlockPool(1_000_000, bs);
      const seqs: { tokens: number; counter: number }[] = [];
      const count = randInt(r, 0, 6);
      const counter = randInt(r, 0, 50);
      for (let i = 0; i < count; i++) {
        // Each joined at some earlier counter with some tokens cached; some leave again.
        const joined = randInt(r, 0, counter);
        const s = { tokens: randInt(r, 1, 40), counter: joined };
        pool.addDecoding(s.tokens, s.counter);
        seqs.push(s);
      }
      if (seqs.length > 0 && r() < 0.3) {
        const s = seqs.pop()!;
        // It leaves at `counter` holding tokens + (counter − joined) tokens.
        pool.removeDecoding(s.tokens + (counter - s.counter), counter);
      }
      // Brute force: at decode counter c a sequence holds tokens + (c − joined) tokens and opens a block when
      // that count is a multiple of bs.
      const needAt = (c: number) => seqs.filter((s) => (s.tokens + (c - s.counter)) % bs === 0).length;
      const steps = randInt(r, 0, 30);
      let brute = 0;
      for (let i = 0; i < steps; i++) brute += needAt(counter + i);
      expect(pool.blocksNeeded(counter, steps)).toBe(brute);
      const available = randInt(r, 0, 20);
      const limit = randInt(r, 0, 40);
      let s = 0;
      let used = 0;
      while (s < limit && used + needAt(counter + s) <= available) used += needAt(counter + s++);
      expect(pool.maxStepsWithin(counter, available, limit)).toBe(s);
    }
  });

  it('allocate and release guard the pool', () => {
    const pool = new KvBlockPool(3, 4);
    pool.allocate(3);
    expect(() => pool.allocate(1)).toThrow(/over-allocated/);
    pool.release(3);
    expect(() => pool.release(1)).toThrow(/released more/);
  });
});
