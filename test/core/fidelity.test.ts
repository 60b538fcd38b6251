/**
 * Fidelity guard: the fast path (decode runs priced in closed form, cut by arrivals) must give the same results as
 * the step-by-step reference (max_run_steps = 1) on randomized scenarios: continuous batching with and without
 * chunked prefill, small KV pools that force preemption, Poisson arrivals at varied loads (and a few static ones).
 */
import { describe, expect, it } from 'vitest';
import { expectClose } from './helpers.js';
import { randomScenario } from './scenarios.js';

const REL = 1e-9;

describe('fast path = step-by-step reference', () => {
  const totals = { preemptions: 0, chunked: 0, unchunked: 0, static: 0, fewerEvents: 0, contextWarnings: 0 };
  for (let i = 0; i < 22; i++) {
    const sc = randomScenario(`fidelity-${i}`, { kind: i < 18 ? 'continuous' : 'static' });
    it(sc.label, () => {
      const fast = sc.run(Number.MAX_SAFE_INTEGER);
      const ref = sc.run(1);
      const label = sc.label;
      expectClose(fast.result.ledger.totals().total, ref.result.ledger.totals().total, REL);
      expectClose(fast.result.ledger.totals().idle, ref.result.ledger.totals().idle, REL, 1e-9);
      expectClose(fast.result.makespanSeconds, ref.result.makespanSeconds, REL);
      expect(fast.result.metrics.completed, label).toBe(ref.result.metrics.completed);
      expect(fast.result.metrics.preemptions, label).toBe(ref.result.metrics.preemptions);
      expect(fast.rec.rejectedRows, label).toEqual(ref.rec.rejectedRows);
      // Extrapolation warnings count steps: a decode run is judged step by step, as the reference judges it.
      expect(fast.rangeWarnings, label).toEqual(ref.rangeWarnings);
      if (ref.rangeWarnings.some((w) => w.includes('mean context'))) totals.contextWarnings++;
      const refRows = ref.rec.byId();
      for (const f of fast.rec.finishedRows) {
        const r = refRows.get(f.id)!;
        expect(r, `${label}: request ${f.id}`).toBeDefined();
        expect(f.replica).toBe(r.replica);
        expect(f.preemptions).toBe(r.preemptions);
        expectClose(f.admitted, r.admitted, REL);
        expectClose(f.firstToken, r.firstToken, REL);
        expectClose(f.finish, r.finish, REL);
        expectClose(f.energy, r.energy, REL);
      }
      totals.preemptions += ref.result.metrics.preemptions;
      if (sc.kind === 'static') totals.static++;
      else if (sc.chunked) totals.chunked++;
      else totals.unchunked++;
      if (fast.result.eventsFired < ref.result.eventsFired) totals.fewerEvents++;
    });
  }
  it('covers chunked, unchunked, static, preemption; the fast path does take fewer events', () => {
    expect(totals.chunked).toBeGreaterThan(3);
    expect(totals.unchunked).toBeGreaterThan(3);
    expect(totals.static).toBeGreaterThan(0);
    expect(totals.preemptions).toBeGreaterThan(10);
    expect(totals.fewerEvents).toBeGreaterThan(15);
    expect(totals.contextWarnings).toBeGreaterThan(10);
  });
});
