/**
 * Prefix caching on hand traces (costs as in test/core/continuousScheduler.test.ts: tinyWork / tinyParams). KV blocks
 * of 4 tokens; prefix blocks of 8 tokens, so one cached prefix block is 2 KV blocks. Arrivals are 1 s apart, long
 * after each request finishes, so every admission sees the cache its predecessors left.
 */
import { describe, expect, it } from 'vitest';
import { emptyPrefixCacheStats, type PrefixCaching } from '../../sim/serving/prefixCacheStats.js';
import type { RequestSpec } from '../../sim/workload/request.js';
import { ContinuousScheduler } from '../../sim/serving/continuousScheduler.js';
import { continuousConfig, expectClose, runWith, type WorkRecord } from '../core/helpers.js';

function runContinuous(specs: readonly RequestSpec[], over: Parameters<typeof continuousConfig>[0]) {
  const schedulers: ContinuousScheduler[] = [];
  const cfg = continuousConfig(over);
  const run = runWith(specs, (onFinished) => {
    const s = new ContinuousScheduler(cfg, onFinished);
    schedulers.push(s);
    return s;
  });
  // The pool is the scheduler's own; read here only to check that every block comes back.
  const freeBlocks = () => (schedulers[0] as unknown as { pool: { freeBlocks: number } }).pool.freeBlocks;
  return { ...run, freeBlocks };
}

function req(id: number, at: number, input: number, output: number, ids: number[]): RequestSpec {
  return { id, arrivalSeconds: at, inputTokens: input, outputTokens: output, prefixBlockIds: ids, prefixBlockTokens: 8 };
}

function chunks(w: WorkRecord): string | null {
  if (w.work.kind !== 'step') return null;
  return w.chunks!.map((c, i) => `${c}@${w.cached![i]}`).join('+');
}

function caching(): PrefixCaching {
  // Saved energy priced at 1 J per skipped token, so the sum is checkable by hand.
  return { stats: emptyPrefixCacheStats(), savedJoules: (hit) => hit };
}

const config = { maxRunningSequences: 4, maxBatchedTokens: 64, totalBlocks: 20 };

describe('prefix caching: hits by hand', () => {
  // A computes 20 tokens; its 2 whole prefix blocks (ids 1, 2) are cached when its prompt is done (id 3 is a partial
  // block and never cached). B (ids 1, 2, 9; 18 tokens) finds 2 blocks = 16 tokens and computes 2 on top of them.
  // C (ids 1, 7; 12 tokens) finds 1 block = 8 tokens and computes 4. D (ids 1, 2; exactly 16 tokens) finds both, but
  // its last token must be computed to sample from: it takes only (16 − 1) // 8 = 1 block and computes 8.
  const specs = [req(0, 0, 20, 2, [1, 2, 3]), req(1, 1, 18, 2, [1, 2, 9]), req(2, 2, 12, 2, [1, 7]), req(3, 3, 16, 2, [1, 2])];

  it('skips the cached tokens: the prefill chunks start after the hit', () => {
    const pc = caching();
    const { rec } = runContinuous(specs, { ...config, prefixCaching: pc });
    expect(rec.works.map(chunks).filter((c) => c !== null)).toEqual(['20@0', '2@16', '4@8', '8@8']);
    expect(pc.stats).toEqual({ lookups: 4, hits: 3, promptTokens: 20 + 18 + 12 + 16, hitTokens: 16 + 8 + 8, savedJoules: 32, evictions: 0 });
  });

  it('without prefix caching every prompt is computed from the start', () => {
    const { rec } = runContinuous(specs, config);
    expect(rec.works.map(chunks).filter((c) => c !== null)).toEqual(['20@0', '18@0', '12@0', '16@0']);
  });

  it('the same schedule step by step', () => {
    const pc = caching();
    const { rec } = runContinuous(specs, { ...config, prefixCaching: pc, maxRunSteps: 1 });
    expect(rec.works.map(chunks).filter((c) => c !== null)).toEqual(['20@0', '2@16', '4@8', '8@8']);
    expect(pc.stats.hitTokens).toBe(32);
  });
});

describe('prefix caching: LRU eviction under memory pressure, by hand', () => {
  // 10 KV blocks. Each request produces its one token from the prompt and leaves; its whole prefix blocks stay
  // cached, evictable, released deepest first: after A (1, 2) and B (5, 6) the LRU order is 2, 1, 6, 5.
  // C (4 blocks 7..10, 32 tokens = 8 KV blocks) finds 2 empty blocks and evicts 2, 1, 6 (6 blocks).
  // Order after C: 5, 10, 9, 8, 7. D (7, 12; 16 tokens) finds 7 (8 tokens), takes it back, needs 2 more blocks and
  // none is empty: evicts 5. E (1, 2) then finds nothing (A's blocks went first) and evicts 10 and 9 for its 4 blocks:
  // 3 + 1 + 2 = 6 evictions.
  const specs = [
    req(0, 0, 16, 1, [1, 2]),
    req(1, 1, 16, 1, [5, 6]),
    req(2, 2, 32, 1, [7, 8, 9, 10]),
    req(3, 3, 16, 1, [7, 12]),
    req(4, 4, 16, 1, [1, 2]),
  ];

  it('evicts the least recently released blocks, a prefix tail before its head', () => {
    const pc = caching();
    const { rec, result } = runContinuous(specs, { ...config, totalBlocks: 10, prefixCaching: pc });
    expect(rec.works.map(chunks).filter((c) => c !== null)).toEqual(['16@0', '16@0', '32@0', '8@8', '16@0']);
    expect(pc.stats.evictions).toBe(6);
    expect(pc.stats.hits).toBe(1);
    expect(pc.stats.hitTokens).toBe(8);
    expect(result.metrics.completed).toBe(5);
  });
});

describe('prefix caching: blocks are conserved', () => {
  it('a busy random trace with shared prefixes finishes every request and ends with every block free', () => {
    // 60 requests over 3 system prompts of 2-4 blocks, arriving together in a 40-block pool (preemptions happen).
    const specs: RequestSpec[] = [];
    for (let i = 0; i < 60; i++) {
      const system = i % 3;
      const shared = 2 + system;
      const ids = [...Array.from({ length: shared }, (_, k) => 100 * system + k), 10_000 + i];
      specs.push(req(i, i * 0.001, shared * 8 + 5 + (i % 7), 20 + 3 * (i % 13), ids));
    }
    const pc = caching();
    const { result, rec, freeBlocks } = runContinuous(specs, { maxRunningSequences: 8, maxBatchedTokens: 32, totalBlocks: 40, prefixCaching: pc });
    expect(result.metrics.completed).toBe(60);
    expect(result.metrics.preemptions).toBeGreaterThan(0);
    expect(pc.stats.hits).toBeGreaterThan(40);
    expect(pc.stats.evictions).toBeGreaterThan(0);
    // Cached blocks nobody holds count as free: with every request gone, all 40 are.
    expect(freeBlocks()).toBe(40);
    // Attributed energy plus idle is the total, with caching as without.
    const t = result.ledger.totals();
    const attributed = rec.finishedRows.reduce((s, r) => s + r.energy, 0);
    expectClose(attributed + t.idle, t.total, 1e-9);
  });
});
