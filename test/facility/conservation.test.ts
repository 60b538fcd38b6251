/**
 * Conservation at every level on whole runs (real model, GPU and stack files; several replicas sharing a node;
 * static, continuous, transformers-style and speculative batching): GPU + node = IT, IT × PUE = facility at each
 * instant, and the per-request shares plus idle equal the totals, for energy, carbon and cost.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { facilityIntervals } from '../../sim/facility/facilityIntervals.js';
import { nodeFloorWatts } from '../../sim/facility/nodeType.js';
import { runScenario, type RunOutput } from '../../sim/run/runScenario.js';
import { parseScenario } from '../../sim/scenario/loadScenario.js';
import { expectClose } from '../core/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'joulesim-conservation-'));
// A PUE that changes every 30 minutes (cooling following the weather), in local time of a named zone.
const pueFile = join(dir, 'pue.csv');
writeFileSync(pueFile, 'time,pue\n2022-11-16 10:00:00,1.1\n2022-11-16 10:30:00,1.3\n2022-11-16 11:00:00,1.2\n2022-11-16 11:30:00,1.4\n');

function scenario(cluster: object, facility: object) {
  return parseScenario(
    {
      facility,
      seed: 3,
      workload: {
        kind: 'synthetic',
        arrival: { process: 'poisson', rate_per_s: 6 },
        duration_s: 150,
        lengths: { kind: 'uniform', input: { min: 20, max: 600 }, output: { min: 1, max: 200 } },
      },
      cluster,
      output: { interval_s: 10 },
    },
    'test-scenario.json',
    dir,
  );
}

function sumColumn(csv: string, column: string): number {
  const lines = csv.trim().split('\n');
  const i = lines[0].split(',').indexOf(column);
  expect(i).toBeGreaterThanOrEqual(0);
  return lines.slice(1).reduce((s, l) => s + (Number(l.split(',')[i]) || 0), 0);
}

function checkLevels(label: string, out: RunOutput, outDir: string, constantPue?: number): void {
  const f = out.summary.facility!;
  const acc = out.facility!.accountant;
  const ledger = out.result.ledger.totals();
  // GPU energy seen by the facility accounting is the ledger's, busy and idle alike.
  const gpuBusy = acc.busyTotals.reduce((s, t) => s + t.gpuJoules, 0);
  const gpuIdle = acc.idleTotals.reduce((s, t) => s + t.gpuJoules, 0);
  expectClose(gpuBusy, ledger.prefill + ledger.decode, 1e-12);
  expectClose(gpuIdle, ledger.idle, 1e-12);
  expectClose(f.energy_j.gpu, ledger.total, 1e-12);
  // GPU + node = IT (at every level: total, idle, attributed).
  for (const e of [f.energy_j, f.idle_energy_j, f.attributed_energy_j]) expect(e.it).toBe(e.gpu + e.node);
  // The node from its parts: every node's floor over the whole run, host CPU time, and the load-following share.
  const node = out.facility!.node;
  const placement = out.facility!.placement;
  const expectedNode =
    placement.nodes * nodeFloorWatts(node) * out.result.makespanSeconds +
    node.power_w.cpu_busy_per_replica.value * f.node.host_busy_s +
    node.power_w.gpu_proportional_fraction.value * ledger.total;
  expectClose(f.energy_j.node, expectedNode, 1e-9);
  if (constantPue !== undefined) expectClose(f.energy_j.facility, constantPue * f.energy_j.it, 1e-12);
  // Shares + idle = totals, for node, facility, carbon and cost; and the summary's attributed sums are the CSV's.
  expectClose(f.attributed_energy_j.gpu + f.idle_energy_j.gpu, f.energy_j.gpu, 1e-9);
  expectClose(f.attributed_energy_j.node + f.idle_energy_j.node, f.energy_j.node, 1e-9);
  expectClose(f.attributed_energy_j.facility + f.idle_energy_j.facility, f.energy_j.facility, 1e-9);
  expectClose(f.attributed_operational_kgco2e + f.idle_operational_kgco2e, f.operational_kgco2e, 1e-9);
  expectClose(f.attributed_cost_usd + f.idle_cost_usd, f.cost_usd, 1e-9);
  const requests = readFileSync(join(outDir, 'requests.csv'), 'utf8');
  expectClose(sumColumn(requests, 'node_j'), f.attributed_energy_j.node, 1e-7);
  expectClose(sumColumn(requests, 'facility_j'), f.attributed_energy_j.facility, 1e-7);
  expectClose(sumColumn(requests, 'operational_gco2e'), f.attributed_operational_kgco2e * 1000, 1e-7);
  // Interval rows add up to the totals.
  const series = readFileSync(join(outDir, 'timeseries.csv'), 'utf8');
  expectClose(sumColumn(series, 'node_j'), f.energy_j.node, 1e-7);
  expectClose(sumColumn(series, 'facility_j'), f.energy_j.facility, 1e-7);
  expectClose(sumColumn(series, 'operational_gco2e'), f.operational_kgco2e * 1000, 1e-7);
  expect(out.result.metrics.completed, label).toBeGreaterThan(100);
}

const cases: [string, object][] = [
  ['vllm continuous, 3 replicas', { gpu: 'h100-sxm', stack: 'vllm', replicas: 3 }],
  ['hf-eager static b8, 2 replicas', { gpu: 'h100-sxm', stack: 'hf-eager', replicas: 2, scheduler: { kind: 'static', batch_size: 8 } }],
  ['hf-paged continuous', { gpu: 'h100-sxm', stack: 'hf-paged', replicas: 1 }],
  ['speculative on continuous, tp 2 × 2 replicas', { gpu: 'h100-sxm', stack: 'vllm', tp: 2, replicas: 2, scheduler: { kind: 'speculative', draft_model: 'llama-3.2-1b' } }],
  ['speculative on static', { gpu: 'h100-sxm', stack: 'hf-eager', replicas: 1, scheduler: { kind: 'speculative', draft_model: 'llama-3.2-1b', speculative_base: 'static', batch_size: 4 } }],
];

describe('conservation with a constant PUE and an hourly carbon series across an hour boundary', () => {
  for (const [label, cluster] of cases) {
    it(label, () => {
      const outDir = join(dir, label.replace(/[^a-z0-9]+/gi, '-'));
      const out = runScenario(scenario(cluster, { node: 'dgx-h100', pue: 1.25, region: 'us-pjm', start: '2022-11-16T18:59:00Z', price_usd_per_kwh: 0.2 }), { outDir });
      checkLevels(label, out, outDir, 1.25);
      const f = out.summary.facility!;
      // Two hours of different intensity were crossed, so the mean lies strictly between the two hours' values.
      expect(f.mean_carbon_g_per_kwh).not.toBe(0);
      expectClose(f.mean_price_usd_per_kwh, 0.2, 1e-12);
    }, 60_000);
  }
});

describe('IT × PUE = facility at each instant, with a PUE series', () => {
  it('every interval inside one PUE slot has facility_j = it_j × its PUE', () => {
    const outDir = join(dir, 'pue-series');
    const facility = { node: 'dgx-h100', pue: { file: 'pue.csv', column: 'pue', time_column: 'time', timezone: 'Europe/Paris' }, carbon_g_per_kwh: 300, start: '2022-11-16T09:29:00Z' };
    const out = runScenario(scenario({ gpu: 'h100-sxm', stack: 'vllm', replicas: 2 }, facility), { outDir });
    checkLevels('pue series', out, outDir);
    const lines = readFileSync(join(outDir, 'timeseries.csv'), 'utf8').trim().split('\n');
    const h = lines[0].split(',');
    const [it, fac, pue, start] = ['it_j', 'facility_j', 'pue', 'start_s'].map((c) => h.indexOf(c));
    const seen = new Set<number>();
    for (const l of lines.slice(1)) {
      const c = l.split(',').map(Number);
      // 10:30 Paris (UTC+1) = 09:30 UTC = 60 s into the run: rows from 60 s on are in the 1.3 slot.
      expect(c[pue]).toBe(c[start] < 60 ? 1.1 : 1.3);
      expectClose(c[fac], c[it] * c[pue], 3e-8); // the CSV's 9 significant digits
      seen.add(c[pue]);
    }
    expect([...seen].sort()).toEqual([1.1, 1.3]);
    // The same, unrounded, on the in-memory rows.
    const rows = facilityIntervals(out.facility!, out.result.makespanSeconds, out.result.intervalSeconds);
    out.result.timeSeries.forEach((row, i) => {
      let gpu = 0;
      for (let r = 0; r < 2; r++) gpu += row.prefillJoules[r] + row.decodeJoules[r] + row.idleJoules[r];
      expectClose(rows[i].facilityJoules, (gpu + rows[i].nodeJoules) * rows[i].pue, 1e-12);
    });
    expect(out.summary.facility!.mean_pue).toBeGreaterThan(1.1);
    expect(out.summary.facility!.mean_pue).toBeLessThan(1.3);
  }, 60_000);
});

describe('speculative rounds as stretches = one round per event, with carbon, price and the time series', () => {
  it('static speculative batches: max_run_steps 1 and the stretches agree to 1e-9, interval by interval', () => {
    const facility = { node: 'dgx-h100', pue: 1.25, region: 'us-pjm', start: '2022-11-16T18:59:00Z', price_usd_per_kwh: 0.2 };
    const cluster = (steps?: number) => ({
      gpu: 'h100-sxm',
      stack: 'hf-eager',
      replicas: 2,
      scheduler: { kind: 'speculative', draft_model: 'llama-3.2-1b', speculative_base: 'static', batch_size: 6, ...(steps ? { max_run_steps: steps } : {}) },
    });
    const fast = runScenario(scenario(cluster(), facility));
    const slow = runScenario(scenario(cluster(1), facility));
    expect(fast.result.eventsFired).toBeLessThan(slow.result.eventsFired / 3);
    const a = fast.summary;
    const b = slow.summary;
    expectClose(a.energy_j, b.energy_j, 1e-9);
    expectClose(a.makespan_s, b.makespan_s, 1e-9);
    const f = a.facility!;
    const g = b.facility!;
    expectClose(f.operational_kgco2e, g.operational_kgco2e, 1e-9);
    expectClose(f.attributed_operational_kgco2e, g.attributed_operational_kgco2e, 1e-9);
    expectClose(f.cost_usd, g.cost_usd, 1e-9);
    expectClose(f.attributed_cost_usd, g.attributed_cost_usd, 1e-9);
    expectClose(f.energy_j.facility, g.energy_j.facility, 1e-9);
    expectClose(f.attributed_energy_j.facility, g.attributed_energy_j.facility, 1e-9);
    expectClose(f.node.host_busy_s, g.node.host_busy_s, 1e-9);
    expect(fast.result.timeSeries.length).toBe(slow.result.timeSeries.length);
    fast.result.timeSeries.forEach((row, i) => {
      const other = slow.result.timeSeries[i];
      for (let r = 0; r < 2; r++) {
        expectClose(row.decodeJoules[r], other.decodeJoules[r], 1e-9, 1e-6);
        expectClose(row.prefillJoules[r], other.prefillJoules[r], 1e-9, 1e-6);
      }
    });
  }, 60_000);
});
