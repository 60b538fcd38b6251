/**
 * A hand-computed run through the node, facility and grid accounting, with a step that crosses an hour boundary
 * of the carbon and price series.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StepCostModel } from '../../sim/cost/stepCostModel.js';
import { simulate } from '../../sim/run/simulation.js';
import { FacilityAccountant } from '../../sim/facility/facilityAccountant.js';
import { GridSignals } from '../../sim/facility/gridSignals.js';
import type { NodeType } from '../../sim/facility/nodeType.js';
import { placeReplicas } from '../../sim/facility/placement.js';
import { readSeriesCsv } from '../../sim/facility/seriesCsv.js';
import { ConstantSignal } from '../../sim/facility/stepSeries.js';
import { parseWallClock } from '../../sim/facility/wallClock.js';
import { ContinuousScheduler } from '../../sim/serving/continuousScheduler.js';
import { SHARE_CARBON_G, SHARE_COST_USD, SHARE_FACILITY_J, SHARE_NODE_J } from '../../sim/serving/requestShares.js';
import type { LiveRequest } from '../../sim/serving/liveRequest.js';
import { continuousConfig, expectClose, memorySource, spec, tinyParams, tinyWork } from '../core/helpers.js';

const n = (value: number) => ({ value, basis: 'modelled' as const, source: 'test' });

/** Floor 50 + 20 + 10 + 20 = 100 W, 40 W more while the host works, 10% of GPU power for fans and supplies. */
export const testNode: NodeType = {
  id: 'test-node',
  name: 'test node',
  gpus_per_node: 1,
  power_w: {
    cpu_idle: n(50),
    cpu_busy_per_replica: n(40),
    dram: n(20),
    nic: n(10),
    rest: n(20),
    gpu_proportional_fraction: n(0.1),
  },
  embodied_kgco2e: n(1000),
  lifetime_years: n(5),
  source: 'test',
};

describe('hand case: one step across an hour boundary, then idle, then a step in the second hour', () => {
  const dir = mkdtempSync(join(tmpdir(), 'joulesim-hand-'));
  const ci = join(dir, 'ci.csv');
  const price = join(dir, 'price.csv');
  writeFileSync(ci, 'timestamp,g\n2022-11-01T00:00:00Z,100\n2022-11-01T01:00:00Z,400\n');
  writeFileSync(price, 'timestamp,usd_per_mwh\n2022-11-01T00:00:00Z,100\n2022-11-01T01:00:00Z,300\n');
  // 0.0078125 s (exact in binary) before the hour.
  const start = parseWallClock('2022-11-01T00:59:59.9921875Z', undefined);
  const carbon = readSeriesCsv(ci, { timeColumn: 'timestamp', valueColumn: 'g', source: 'test' }).rebase(start);
  const usd = readSeriesCsv(price, { timeColumn: 'timestamp', valueColumn: 'usd_per_mwh', scale: 0.001, source: 'test' }).rebase(start);
  const grid = new GridSignals(new ConstantSignal(1.5), carbon, usd, start);
  const params = tinyParams();
  const accountant = new FacilityAccountant({
    node: testNode,
    placement: placeReplicas(1, 1, 1, 'test-node', 'test'),
    cost: params,
    grid,
    intervalSeconds: 0.5,
    maxIntervals: 1000,
  });
  const finished: LiveRequest[] = [];
  const config = continuousConfig({ totalBlocks: 100, maxBatchedTokens: 100 });
  const result = simulate({
    source: memorySource([spec(0, 0, 10, 1), spec(1, 1, 10, 1)]),
    replicas: 1,
    router: 'round_robin',
    makeScheduler: (onFinished) =>
      new ContinuousScheduler(config, (r, t) => {
        finished.push(r);
        onFinished(r, t);
      }),
    costModel: new StepCostModel(tinyWork(), params),
    idleWattsPerReplica: 100,
    intervalSeconds: 0.5,
    maxIntervals: 1000,
    accounting: accountant,
  });
  // Each request is one prefill step of 10 tokens: 0.01 + 1e9/1e11 = 0.02 s, 200 W × 0.02 + 1 + 1 = 6 J of GPU
  // energy, with 0.01 s of host time. Node: 100 W × 0.02 + 40 W × 0.01 + 0.1 × 6 = 3 J; IT 9 J; facility 13.5 J.
  // Step 1, [0, 0.02]: 0.0078125 s in the 100 g/kWh, 0.1 $/kWh hour (0.390625 of it), the rest in the next one.
  // Idle, [0.02, 1]: GPU 100 W × 0.98 = 98 J, node 100 W × 0.98 + 0.1 × 98 = 107.8 J, facility 1.5 × 205.8 J.
  // Step 2, [1, 1.02]: all in the 400 g/kWh, 0.3 $/kWh hour.
  const step1Carbon = (13.5 * (0.390625 * 100 + 0.609375 * 400)) / 3.6e6;
  const step1Cost = (13.5 * (0.390625 * 0.1 + 0.609375 * 0.3)) / 3.6e6;
  const idleFacility = 1.5 * (98 + 107.8);

  it('the run itself', () => {
    expectClose(result.makespanSeconds, 1.02, 1e-12);
    expectClose(result.ledger.totals().total, 12 + 98, 1e-12);
  });

  it('per request: node, facility, carbon and cost of its own step', () => {
    const [r0, r1] = [...finished].sort((a, b) => a.spec.id - b.spec.id);
    expectClose(r0.energyJoules, 6, 1e-12);
    expectClose(r0.shares![SHARE_NODE_J], 3, 1e-12);
    expectClose(r0.shares![SHARE_FACILITY_J], 13.5, 1e-12);
    expectClose(r0.shares![SHARE_CARBON_G], step1Carbon, 1e-12);
    expectClose(r0.shares![SHARE_COST_USD], step1Cost, 1e-12);
    expectClose(r1.shares![SHARE_CARBON_G], (13.5 * 400) / 3.6e6, 1e-12);
    expectClose(r1.shares![SHARE_COST_USD], (13.5 * 0.3) / 3.6e6, 1e-12);
  });

  it('idle: GPU idle power and the node floor, priced in the second hour', () => {
    const idle = accountant.idleTotals[0];
    expectClose(idle.gpuJoules, 98, 1e-12);
    expectClose(idle.nodeJoules, 107.8, 1e-12);
    expectClose(idle.facilityJoules, idleFacility, 1e-12);
    expectClose(idle.carbonGrams, (idleFacility * 400) / 3.6e6, 1e-12);
    expectClose(accountant.hostBusySeconds[0], 0.02, 1e-12);
  });

  it('interval rows put the carbon where it was emitted', () => {
    const { values } = accountant.channels.rows(result.makespanSeconds);
    // Rows [0, 0.5], [0.5, 1], [1, 1.02]: step 1 and 0.48 s of idle; 0.5 s of idle; step 2.
    expect(values.length).toBe(3);
    expectClose(values[0][2], step1Carbon + ((idleFacility * 0.48) / 0.98) * 400 / 3.6e6, 1e-12);
    expectClose(values[2][2], (13.5 * 400) / 3.6e6, 1e-12);
  });
});
