import { describe, expect, it } from 'vitest';
import { ReportCollector, seriesData } from '../../sim/report/reportData.js';
import { fmtDuration, fmtNumber, linearScale, logScale, niceDomain, niceLogDomain } from '../../sim/report/html/svgChart.js';
import type { LiveRequest } from '../../sim/serving/liveRequest.js';
import type { TimeSeriesRow } from '../../sim/accounting/timeSeries.js';
import { RequestMetrics } from '../../sim/accounting/requestMetrics.js';

function fakeRequest(i: number): LiveRequest {
  return {
    spec: { id: i, arrivalSeconds: i, inputTokens: 100 + i, outputTokens: 1 + (i % 7) },
    firstTokenSeconds: i + 0.1,
    energyJoules: i * 2,
  } as unknown as LiveRequest;
}

const meta = { powerCapWatts: 700, gpusPerReplica: 1, idleWattsPerReplica: 100 };

/** The run's metrics with the collector behind them, as runScenario wires them. */
function collecting(maxPoints?: number) {
  const collector = new ReportCollector(maxPoints);
  const metrics = new RequestMetrics(collector);
  return { finished: (r: LiveRequest, t: number) => metrics.onFinished(r, t, 0), build: () => collector.build([], 1, meta, metrics) };
}

describe('ReportCollector', () => {
  it('keeps every stride-th request in finish order, at most the limit, deterministically', () => {
    const c = collecting(5000);
    for (let i = 0; i < 12345; i++) c.finished(fakeRequest(i), i + 1);
    const d = c.build();
    expect(d.scatter.total).toBe(12345);
    expect(d.scatter.stride).toBe(4);
    expect(d.scatter.inputTokens.length).toBe(Math.ceil(12345 / 4));
    expect(d.scatter.inputTokens.length).toBeLessThanOrEqual(5000);
    expect(d.scatter.inputTokens.slice(0, 3)).toEqual([100, 104, 108]);
    expect(d.scatter.energyJoules.slice(0, 3)).toEqual([0, 8, 16]);
  });

  it('keeps small runs whole, and CDFs as sorted samples or fixed quantiles', () => {
    const c = collecting();
    for (let i = 0; i < 10; i++) c.finished(fakeRequest(9 - i), 20 - i);
    const d = c.build();
    expect(d.scatter.inputTokens).toHaveLength(10);
    expect(d.ttft.values.every((v) => Math.abs(v - 0.1) < 1e-9)).toBe(true);
    expect(d.ttft.fractions.at(-1)).toBe(1);
    expect(d.e2e.values).toEqual([...d.e2e.values].sort((a, b) => a - b));
    const big = collecting();
    for (let i = 0; i < 3000; i++) big.finished(fakeRequest(i), i + 1 + (i % 10));
    const b = big.build();
    expect(b.e2e.values).toHaveLength(1001);
    expect(b.e2e.values[0]).toBe(1);
    expect(b.e2e.values[1000]).toBe(10);
  });
});

describe('seriesData', () => {
  it('merges neighbouring intervals without losing energy', () => {
    const rows: TimeSeriesRow[] = Array.from({ length: 2500 }, (_, i) => ({
      startSeconds: i,
      endSeconds: i + 1,
      prefillJoules: [i % 3, 1],
      decodeJoules: [2, i % 5],
      idleJoules: [0.5, 0],
      running: [i % 4, 1],
      queued: [0, i % 2],
    }));
    const s = seriesData(rows, 2, 1000);
    expect(s.startSeconds).toHaveLength(834);
    expect(s.endSeconds.at(-1)).toBe(2500);
    const total = rows.reduce((sum, r) => sum + r.prefillJoules[0] + r.prefillJoules[1] + r.decodeJoules[0] + r.decodeJoules[1] + r.idleJoules[0] + r.idleJoules[1], 0);
    expect(s.cumulativeJoules.at(-1)).toBeCloseTo(total, 9);
    // Three 1 s intervals per point: average power of replica 0's prefill over 0..3 s is (0 + 1 + 2) / 3.
    expect(s.replicas[0].prefillWatts[0]).toBeCloseTo(1, 12);
    expect(s.replicas[1].queued[0]).toBeCloseTo(1 / 3, 12);
  });
});

describe('chart scales and labels', () => {
  it('nice domains and ticks', () => {
    expect(niceDomain(0, 87)).toEqual([0, 100]);
    expect(niceDomain(3, 3)).toEqual([2.6, 3.4]);
    expect(linearScale(0, 100, 0, 500, fmtNumber).ticks().map((t) => t.label)).toEqual(['0', '20', '40', '60', '80', '100']);
    expect(niceLogDomain(0.0031, 4.2)).toEqual([0.002, 5]);
    const log = logScale(0.001, 10, 0, 400, fmtDuration);
    expect(log.ticks().filter((t) => t.major).map((t) => t.label)).toEqual(['1 ms', '10 ms', '100 ms', '1 s', '10 s']);
    expect(log.at(0.1)).toBeCloseTo(200, 9);
  });

  it('compact numbers and durations', () => {
    expect([0, 0.0025, 0.5, 12, 1500, 25000, 1.2e6].map(fmtNumber)).toEqual(['0', '0.0025', '0.5', '12', '1,500', '25k', '1.2M']);
    expect([2e-5, 0.0123, 1.5, 300, 9000].map(fmtDuration)).toEqual(['20 µs', '12.3 ms', '1.5 s', '5 min', '2.5 h']);
  });
});
