/**
 * Static batching against hand-computed schedules. Costs (tinyWork / tinyParams, no KV traffic, no attention):
 *   prefill of B rows padded to L tokens: FLOPs 1e9·B·L, bytes 1e9 → seconds 0.01 + max(B·L/1000, 0.01),
 *     joules 200·seconds + 0.1·B·L/1 + 1 (0.1 J per GFLOP, 1 J per GB);
 *   decode step of n ≤ 10 rows: memory-bound 0.02 s, joules 200·0.02 + 0.1·n + 1 = 5 + 0.1·n.
 */
import { describe, expect, it } from 'vitest';
import { binIndex, INPUT_BINS_TOKENS, OUTPUT_BINS_TOKENS } from '../../sim/serving/staticScheduler.js';
import { expectClose, runStatic, spec, type WorkRecord } from './helpers.js';

function shape(w: WorkRecord): string {
  if (w.work.kind === 'step') return `prefill ${w.chunks!.join('+')}`;
  return `decode n=${w.work.sequences} ctx0=${w.work.contextSum0} steps=${w.work.steps}`;
}

describe('static batching: offline, batch size 2', () => {
  // (input, output): r0 (100, 3), r1 (50, 5), r2 (20, 1), r3 (80, 2), r4 (30, 4), all at t = 0.
  const specs = [spec(0, 0, 100, 3), spec(1, 0, 50, 5), spec(2, 0, 20, 1), spec(3, 0, 80, 2), spec(4, 0, 30, 4)];
  const { result, rec } = runStatic(specs, { batchSize: 2 });
  const byId = rec.byId();

  it('batches {0,1}, {2,3}, {4}: prompts padded to the longest, decode runs of (longest output − 1) steps', () => {
    expect(rec.works.map(shape)).toEqual([
      'prefill 100+100',
      'decode n=2 ctx0=200 steps=4', // longest output 5 → 4 decode steps; context 2 rows × 100 padded tokens
      'prefill 80+80',
      'decode n=2 ctx0=160 steps=1',
      'prefill 30',
      'decode n=1 ctx0=30 steps=3',
    ]);
    // Each batch starts when the previous one ends.
    for (let i = 1; i < rec.works.length; i++) expect(rec.works[i].start).toBe(rec.works[i - 1].end);
  });

  it('times: TTFT = end of the batch prefill, every request finishes with its batch', () => {
    // Batch {0,1}: prefill 0.01 + 200/1000 = 0.21 s; 4 decode steps × 0.02 = 0.08 → 0.29.
    // Batch {2,3}: prefill 0.01 + 160/1000 = 0.17 → 0.46; 1 step → 0.48.
    // Batch {4}: prefill 0.01 + 30/1000 = 0.04 → 0.52; 3 steps → 0.58.
    const expected: [number, number, number][] = [
      [0, 0.21, 0.29],
      [1, 0.21, 0.29],
      [2, 0.46, 0.48],
      [3, 0.46, 0.48],
      [4, 0.52, 0.58],
    ];
    for (const [id, ttft, finish] of expected) {
      expectClose(byId.get(id)!.firstToken, ttft, 1e-12);
      expectClose(byId.get(id)!.finish, finish, 1e-12);
    }
    expect(byId.get(2)!.admitted).toBe(byId.get(3)!.admitted);
    expectClose(byId.get(2)!.admitted, 0.29, 1e-12);
    expectClose(result.makespanSeconds, 0.58, 1e-12);
  });

  it('energy: each request gets an equal share of its batch; no idle', () => {
    // Batch {0,1}: prefill 200·0.21 + 20 + 1 = 63 J; decode 4 × (5 + 0.2) = 20.8 J → 41.9 J each.
    // Batch {2,3}: prefill 200·0.17 + 16 + 1 = 51 J; decode 5.2 J → 28.1 J each.
    // Batch {4}: prefill 200·0.04 + 3 + 1 = 12 J; decode 3 × 5.1 = 15.3 J → 27.3 J.
    const energies = [41.9, 41.9, 28.1, 28.1, 27.3];
    for (let id = 0; id < 5; id++) expectClose(byId.get(id)!.energy, energies[id], 1e-12);
    const t = result.ledger.totals();
    expectClose(t.prefill, 63 + 51 + 12, 1e-12);
    expectClose(t.decode, 20.8 + 5.2 + 15.3, 1e-12);
    expect(t.idle).toBe(0);
    expectClose(t.total, 167.3, 1e-12);
    expectClose(result.metrics.attributedJoules, 167.3, 1e-12);
    expect(result.metrics.completed).toBe(5);
  });
});

describe('static batching: online arrivals', () => {
  // r0 (100, 3) at 0 starts alone; r1 (50, 5) at 0.05 and r2 (20, 1) at 0.06 arrive mid-batch and wait;
  // r3 (10, 2) at 1.0 finds the replica idle.
  const specs = [spec(0, 0, 100, 3), spec(1, 0.05, 50, 5), spec(2, 0.06, 20, 1), spec(3, 1.0, 10, 2)];
  const { result, rec } = runStatic(specs, { batchSize: 2 }, { intervalSeconds: 0.1 });
  const byId = rec.byId();

  it('a request arriving mid-batch waits for the batch to end', () => {
    // {0}: prefill 0.01 + 0.1 = 0.11; 2 decode steps → 0.15.
    // {1,2}: starts 0.15; prefill 2 × 50 = 100 tokens → 0.11 s → 0.26; 4 decode steps → 0.34.
    // {3}: starts 1.0; prefill 10 tokens: max(0.01 compute, 0.01 memory) + 0.01 = 0.02 → 1.02; 1 step → 1.04.
    expect(rec.works.map(shape)).toEqual([
      'prefill 100',
      'decode n=1 ctx0=100 steps=2',
      'prefill 50+50',
      'decode n=2 ctx0=100 steps=4',
      'prefill 10',
      'decode n=1 ctx0=10 steps=1',
    ]);
    expectClose(byId.get(0)!.firstToken, 0.11, 1e-12);
    expectClose(byId.get(0)!.finish, 0.15, 1e-12);
    for (const id of [1, 2]) {
      expectClose(byId.get(id)!.admitted, 0.15, 1e-12);
      expectClose(byId.get(id)!.firstToken, 0.26, 1e-12);
      expectClose(byId.get(id)!.finish, 0.34, 1e-12);
    }
    expect(byId.get(3)!.admitted).toBe(1);
    expectClose(byId.get(3)!.firstToken, 1.02, 1e-12);
    expectClose(byId.get(3)!.finish, 1.04, 1e-12);
  });

  it('energy with an idle gap: idle W × gap', () => {
    // {0}: 200·0.11 + 10 + 1 = 33 J prefill, 2 × 5.1 decode → 43.2 J.
    // {1,2}: 33 J prefill + 4 × 5.2 = 53.8 J → 26.9 J each.  {3}: 200·0.02 + 1 + 1 = 6 J + 5.1 J = 11.1 J.
    // Idle: 0.34 → 1.0 at 100 W = 66 J.
    expectClose(byId.get(0)!.energy, 43.2, 1e-12);
    expectClose(byId.get(1)!.energy, 26.9, 1e-12);
    expectClose(byId.get(2)!.energy, 26.9, 1e-12);
    expectClose(byId.get(3)!.energy, 11.1, 1e-12);
    const t = result.ledger.totals();
    expectClose(t.idle, 66, 1e-12);
    expectClose(result.ledger.idleSeconds[0], 0.66, 1e-12);
    expectClose(t.total, 43.2 + 53.8 + 11.1 + 66, 1e-12);
    expectClose(result.makespanSeconds, 1.04, 1e-12);
  });
});

describe('static batching: length bins', () => {
  it('bin indexes follow the paper’s edges (a length equal to an edge is in that bin)', () => {
    expect(binIndex(INPUT_BINS_TOKENS, 1)).toBe(0);
    expect(binIndex(INPUT_BINS_TOKENS, 32)).toBe(0);
    expect(binIndex(INPUT_BINS_TOKENS, 33)).toBe(1);
    expect(binIndex(INPUT_BINS_TOKENS, 8192)).toBe(7);
    expect(binIndex(INPUT_BINS_TOKENS, 8193)).toBe(8);
    expect(binIndex(OUTPUT_BINS_TOKENS, 100)).toBe(4);
  });

  it('offline: a batch takes the bin of the oldest request (lowest id on equal arrival)', () => {
    // Bins: r0 (100, 3) → (128, 8); r1 (1000, 3) → (1024, 8); r2 (100, 5) → (128, 8); r3 (1000, 8) → (1024, 8);
    // r4 (100, 100) → (128, 128).
    const specs = [spec(0, 0, 100, 3), spec(1, 0, 1000, 3), spec(2, 0, 100, 5), spec(3, 0, 1000, 8), spec(4, 0, 100, 100)];
    const binned = runStatic(specs, { batchSize: 2, groupByLengthBins: true });
    expect(binned.rec.works.filter((w) => w.work.kind === 'step').map((w) => w.chunks!.join('+'))).toEqual([
      '100+100', // {0, 2}
      '1000+1000', // {1, 3}
      '100', // {4}
    ]);
    expect(binned.rec.finishedRows.map((r) => r.id)).toEqual([0, 2, 1, 3, 4]);
    // Without bins: arrival order.
    const plain = runStatic(specs, { batchSize: 2 });
    expect(plain.rec.finishedRows.map((r) => r.id)).toEqual([0, 1, 2, 3, 4]);
  });

  it('online: the oldest waiting request, not the lowest bin, picks the next batch', () => {
    // r0 (bin X) starts alone at 0; while it runs, r1 (Y), r2 (X), r3 (Y), r4 (X) arrive in that order.
    // Next batch: bin of r1 (oldest) → {1, 3}; then {2, 4}.
    const specs = [spec(0, 0, 100, 3), spec(1, 0.01, 1000, 3), spec(2, 0.02, 100, 3), spec(3, 0.03, 1000, 3), spec(4, 0.04, 100, 3)];
    const { rec } = runStatic(specs, { batchSize: 2, groupByLengthBins: true });
    expect(rec.finishedRows.map((r) => r.id)).toEqual([0, 1, 3, 2, 4]);
  });
});

describe('static batching: memory', () => {
  // 1 GB per GPU for a batch; 1 MB of KV per token (input + output, padded) and 1 MB of activations per prompt token.
  const mem = { batchSize: 8, batchMemoryBytes: 1e9, kvBytesPerToken: 1e6, activationBytesPerPromptToken: 1e6, maxContextTokens: 1000 };

  it('a request whose KV + activations cannot fit is rejected with a reason, counted, never dropped', () => {
    // (100, 100): 200 MB KV + 100 MB activations = 0.3 GB per row → at most 3 rows per batch (4 × 0.3 > 1).
    // r1 (400, 300): 700 MB + 400 MB = 1.1 GB > 1 GB alone → rejected. r6 (900, 200): 1100 tokens > context 1000.
    const specs = [
      spec(0, 0, 100, 100),
      spec(1, 0, 400, 300),
      spec(2, 0, 100, 100),
      spec(3, 0, 100, 100),
      spec(4, 0, 100, 100),
      spec(5, 0, 100, 100),
      spec(6, 0, 900, 200),
    ];
    const { result, rec } = runStatic(specs, mem);
    expect(rec.rejectedRows.map((r) => r.id)).toEqual([1, 6]);
    expect(rec.rejectedRows[0].reason).toMatch(/needs 1\.02 GiB per GPU for its KV cache and activations alone; 0\.93 GiB is free/);
    expect(rec.rejectedRows[1].reason).toMatch(/input \+ output = 1100 tokens exceeds the model context of 1000/);
    expect(result.metrics.rejected).toBe(2);
    expect(result.metrics.completed).toBe(5);
    expect(result.requestsArrived).toBe(7);
    expect([...result.metrics.rejectionReasons.values()].reduce((a, b) => a + b, 0)).toBe(2);
    // Memory caps the batch at 3 rows although the batch size is 8.
    expect(rec.works.filter((w) => w.work.kind === 'step').map((w) => w.chunks!.length)).toEqual([3, 2]);
  });

  it('a request whose padding would overflow memory heads the next batch', () => {
    // r0 (100, 100) alone: 0.3 GB. r1 (10, 500) alone: 510 MB + 10 MB = 0.52 GB; padded together to (100, 500):
    // 2 × (600 MB + 100 MB) = 1.4 GB > 1 GB → r1 waits for the next batch.
    const { rec } = runStatic([spec(0, 0, 100, 100), spec(1, 0, 10, 500)], mem);
    expect(rec.works.map(shape)).toEqual(['prefill 100', 'decode n=1 ctx0=100 steps=99', 'prefill 10', 'decode n=1 ctx0=10 steps=499']);
  });
});
