import { describe, expect, it } from 'vitest';
import type { SimulationResult } from '../../sim/run/simulation.js';
import { expectClose, runContinuous, spec, tinyParams, type Recorder } from './helpers.js';
import { randomScenario } from './scenarios.js';

describe('energy integral: hand case with idle gaps, tensor parallel 2', () => {
  // Two GPUs per replica (idle 2 × 100 W). Request 0 (10 in, 3 out) at 0.5 s, request 1 (10 in, 1 out) at 2 s.
  // Per GPU: prefill of 10 tokens: all-reduces 4 × (1e-5 + (2·1/2)·10·1e4/1e10) = 8e-5 s; FLOPs 5e9 → 0.005 s,
  //   bytes 5e8 → 0.005 s → 0.01 + 8e-5 + 0.005 = 0.01508 s; dynamic 0.5 + 0.5 = 1 J;
  //   joules = 2 × (200·0.01508 + 1) = 8.032.
  // Decode of 1: all-reduces 4 × (1e-5 + 1e4/1e10) = 4.4e-5; FLOPs 5e8 → 5e-4 s, bytes 5e8 → 0.005 s →
  //   0.015044 s; dynamic 0.05 + 0.5 = 0.55 J; joules = 2 × (200·0.015044 + 0.55) = 7.1176.
  const { result, rec } = runContinuous([spec(0, 0.5, 10, 3), spec(1, 2, 10, 1)], { totalBlocks: 100, maxBatchedTokens: 100 }, {
    params: tinyParams({ gpusPerReplica: 2 }),
    intervalSeconds: 0.5,
  });

  it('times and busy energy', () => {
    const rows = rec.byId();
    expectClose(rows.get(0)!.firstToken, 0.51508, 1e-12);
    expectClose(rows.get(0)!.finish, 0.51508 + 2 * 0.015044, 1e-12);
    expectClose(rows.get(0)!.energy, 8.032 + 2 * 7.1176, 1e-12);
    expectClose(rows.get(1)!.finish, 2.01508, 1e-12);
    expectClose(rows.get(1)!.energy, 8.032, 1e-12);
    expectClose(result.makespanSeconds, 2.01508, 1e-12);
  });

  it('idle energy = idle W × gap × GPUs, before the first arrival and between requests', () => {
    // Gaps: [0, 0.5] and [0.545168, 2] → 1.954832 s × 100 W × 2 GPUs = 390.9664 J.
    const t = result.ledger.totals();
    expectClose(result.ledger.idleSeconds[0], 1.954832, 1e-12);
    expectClose(t.idle, 390.9664, 1e-12);
    expectClose(t.prefill, 2 * 8.032, 1e-12);
    expectClose(t.decode, 2 * 7.1176, 1e-12);
    expectClose(t.total, 22.2672 + 8.032 + 390.9664, 1e-12);
    expectClose(result.ledger.busySeconds[0] + result.ledger.idleSeconds[0], result.makespanSeconds, 1e-12);
  });

  it('time series: 0.5 s rows over [0, makespan], energy where it was spent', () => {
    const ts = result.timeSeries;
    expect(ts.map((r) => [r.startSeconds, r.endSeconds])).toEqual([
      [0, 0.5],
      [0.5, 1],
      [1, 1.5],
      [1.5, 2],
      [2, 2.01508],
    ]);
    const idle = ts.map((r) => r.idleJoules[0]);
    const busy = ts.map((r) => r.prefillJoules[0] + r.decodeJoules[0]);
    // Row 0 idle 0.5 s × 200 W; row 1: busy 0.5 → 0.545168 (22.2672 J), idle 0.454832 s × 200 W = 90.9664 J.
    const expectedIdle = [100, 90.9664, 100, 100, 0];
    const expectedBusy = [0, 22.2672, 0, 0, 8.032];
    for (let i = 0; i < 5; i++) {
      expectClose(idle[i], expectedIdle[i], 1e-12, 1e-9);
      expectClose(busy[i], expectedBusy[i], 1e-12, 1e-9);
    }
    // Time-averaged running count: request 0 ran 0.045168 s of row 1's 0.5 s.
    expectClose(ts[1].running[0], 0.045168 / 0.5, 1e-9);
  });
});

function checkConservation(label: string, result: SimulationResult, rec: Recorder, arrived: number): void {
  const m = result.metrics;
  // Every request finishes or is reported rejected.
  expect(m.completed + m.rejected, label).toBe(arrived);
  expect(result.requestsArrived, label).toBe(arrived);
  expect(rec.finishedRows.length + rec.rejectedRows.length, label).toBe(arrived);
  const ids = [...rec.finishedRows.map((r) => r.id), ...rec.rejectedRows.map((r) => r.id)].sort((a, b) => a - b);
  expect(ids, label).toEqual(Array.from({ length: arrived }, (_, i) => i));
  const t = result.ledger.totals();
  // Breakdown sums to the total.
  expectClose(t.prefill + t.decode + t.idle, t.total, 1e-12);
  // Σ per-request attributed energy + idle = total.
  const attributed = rec.finishedRows.reduce((s, r) => s + r.energy, 0);
  expectClose(attributed, m.attributedJoules, 1e-9);
  expectClose(attributed + t.idle, t.total, 1e-9);
  // Every replica is busy or idle for the whole makespan.
  for (let i = 0; i < result.ledger.perReplica.length; i++) {
    expectClose(result.ledger.busySeconds[i] + result.ledger.idleSeconds[i], result.makespanSeconds, 1e-9);
  }
  // The time series covers [0, makespan] without gaps and sums to the total energy.
  const ts = result.timeSeries;
  expect(ts[0].startSeconds, label).toBe(0);
  expectClose(ts[ts.length - 1].endSeconds, result.makespanSeconds, 1e-12);
  for (let i = 1; i < ts.length; i++) expect(ts[i].startSeconds, label).toBe(ts[i - 1].endSeconds);
  let series = 0;
  for (const row of ts) for (let i = 0; i < row.idleJoules.length; i++) series += row.prefillJoules[i] + row.decodeJoules[i] + row.idleJoules[i];
  expectClose(series, t.total, 1e-9);
  // Requests' own times are ordered.
  for (const r of rec.finishedRows) {
    expect(r.admitted, label).toBeGreaterThanOrEqual(r.arrival);
    expect(r.firstToken, label).toBeGreaterThan(r.admitted);
    expect(r.finish, label).toBeGreaterThanOrEqual(r.firstToken);
  }
}

describe('energy conservation on random seeded scenarios', () => {
  const kinds = new Set<string>();
  let rejected = 0;
  let preempted = 0;
  for (let i = 0; i < 40; i++) {
    const sc = randomScenario(`conservation-${i}`, { kind: i % 3 === 0 ? 'static' : 'continuous' });
    kinds.add(`${sc.kind} ${sc.options.replicas} ${sc.options.router}`);
    it(sc.label, () => {
      const { result, rec } = sc.run(Number.MAX_SAFE_INTEGER);
      checkConservation(sc.label, result, rec, sc.specs.length);
      rejected += result.metrics.rejected;
      preempted += result.metrics.preemptions;
    });
  }
  it('the random scenarios cover both schedulers, 1-3 replicas, both routers, rejections and preemptions', () => {
    expect(rejected).toBeGreaterThan(0);
    expect(preempted).toBeGreaterThan(0);
    for (const k of ['static', 'continuous']) for (const n of [1, 2, 3]) for (const r of ['round_robin', 'least_outstanding']) expect(kinds).toContain(`${k} ${n} ${r}`);
  });
});
