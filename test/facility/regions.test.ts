/**
 * Replicas in several grid regions (facility.regions): a hand-computed two-region case with a step across an hour
 * boundary of each region's series, conservation per region and in total, determinism, and bad input.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StepCostModel } from '../../sim/cost/stepCostModel.js';
import { isInputError } from '../../sim/errors.js';
import { FacilityAccountant } from '../../sim/facility/facilityAccountant.js';
import { GridSignals } from '../../sim/facility/gridSignals.js';
import { placeGroups } from '../../sim/facility/placement.js';
import { readSeriesCsv } from '../../sim/facility/seriesCsv.js';
import { ConstantSignal } from '../../sim/facility/stepSeries.js';
import { parseWallClock } from '../../sim/facility/wallClock.js';
import { carbonAwareDecisions } from '../../sim/policies/power/carbonAware.js';
import type { PowerView, ReplicaView } from '../../sim/serving/policyApi.js';
import { renderRunReport } from '../../sim/report/html/reportPage.js';
import { loadSweep } from '../../sim/sweep/loadSweep.js';
import { runSweepShard } from '../../sim/sweep/sweepRun.js';
import { summaryJson } from '../../sim/report/summary.js';
import { runScenario } from '../../sim/run/runScenario.js';
import { simulate } from '../../sim/run/simulation.js';
import { parseScenario } from '../../sim/scenario/loadScenario.js';
import { ContinuousScheduler } from '../../sim/serving/continuousScheduler.js';
import { SHARE_CARBON_G, SHARE_COST_USD, SHARE_FACILITY_J, SHARE_NODE_J } from '../../sim/serving/requestShares.js';
import type { LiveRequest } from '../../sim/serving/liveRequest.js';
import { cli } from '../cliHarness.js';
import { continuousConfig, expectClose, memorySource, spec, tinyParams, tinyWork } from '../core/helpers.js';
import type { NodeType } from '../../sim/facility/nodeType.js';

const n = (value: number) => ({ value, basis: 'modelled' as const, source: 'test' });
/** As in handCase.test.ts: floor 100 W, 40 W more while the host works, 10% of GPU power for fans and supplies. */
const testNode: NodeType = {
  id: 'test-node',
  name: 'test node',
  gpus_per_node: 1,
  power_w: { cpu_idle: n(50), cpu_busy_per_replica: n(40), dram: n(20), nic: n(10), rest: n(20), gpu_proportional_fraction: n(0.1) },
  embodied_kgco2e: n(1000),
  lifetime_years: n(5),
  source: 'test',
};

const dir = mkdtempSync(join(tmpdir(), 'joulesim-regions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hand case: two regions, each crossing an hour boundary of its own series', () => {
  // Region A: 100 then 400 g/kWh, PUE 1.5, 0.1 $/kWh. Region B: 300 then 20 g/kWh, PUE 1.2, 0.2 then 0.05 $/kWh.
  writeFileSync(join(dir, 'a.csv'), 'timestamp,g\n2022-11-01T00:00:00Z,100\n2022-11-01T01:00:00Z,400\n');
  writeFileSync(join(dir, 'b.csv'), 'timestamp,g,usd\n2022-11-01T00:00:00Z,300,0.2\n2022-11-01T01:00:00Z,20,0.05\n');
  // t = 0 is 0.0078125 s (exact in binary) before the hour.
  const start = parseWallClock('2022-11-01T00:59:59.9921875Z', undefined);
  const series = (file: string, column: string) => readSeriesCsv(join(dir, file), { timeColumn: 'timestamp', valueColumn: column, source: 'test' }).rebase(start);
  const gridA = new GridSignals(new ConstantSignal(1.5), series('a.csv', 'g'), new ConstantSignal(0.1), start);
  const gridB = new GridSignals(new ConstantSignal(1.2), series('b.csv', 'g'), series('b.csv', 'usd'), start);
  const params = tinyParams();
  const accountant = new FacilityAccountant({
    node: testNode,
    placement: placeGroups([1, 1], 1, 1, 'test-node', 'test'),
    cost: params,
    grid: gridA,
    gridOf: [gridA, gridB],
    intervalSeconds: 0.5,
    maxIntervals: 1000,
  });
  const finished: LiveRequest[] = [];
  const config = continuousConfig({ totalBlocks: 100, maxBatchedTokens: 100 });
  // Round robin: request 0 to replica 0 (region A) at t = 0, request 1 to replica 1 (region B) at t = 2^-8 s.
  const result = simulate({
    source: memorySource([spec(0, 0, 10, 1), spec(1, 0.00390625, 10, 1)]),
    replicas: 2,
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
  // Each request is one prefill step of 0.02 s: GPU 6 J, node 100 W × 0.02 + 40 W × 0.01 + 0.1 × 6 = 3 J, IT 9 J.
  // A: step [0, 0.02], 0.390625 of it before the hour; idle [0.02, 0.02390625] after it.
  // B: idle [0, 0.00390625] before the hour; step [0.00390625, 0.02390625], 0.1953125 of it before the hour.
  const idleIt = 100 * 0.00390625 + (100 * 0.00390625 + 0.1 * 100 * 0.00390625);
  const stepA = { facility: 13.5, carbon: (13.5 * (0.390625 * 100 + 0.609375 * 400)) / 3.6e6, cost: (13.5 * 0.1) / 3.6e6 };
  const stepB = {
    facility: 10.8,
    carbon: (10.8 * (0.1953125 * 300 + 0.8046875 * 20)) / 3.6e6,
    cost: (10.8 * (0.1953125 * 0.2 + 0.8046875 * 0.05)) / 3.6e6,
  };
  const idleA = { facility: 1.5 * idleIt, carbon: (1.5 * idleIt * 400) / 3.6e6 };
  const idleB = { facility: 1.2 * idleIt, carbon: (1.2 * idleIt * 300) / 3.6e6, cost: (1.2 * idleIt * 0.2) / 3.6e6 };

  it('the run: two steps, one per region', () => {
    expectClose(result.makespanSeconds, 0.02390625, 1e-12);
    expect(result.metrics.completedPerReplica).toEqual([1, 1]);
  });

  it('each request is priced by its own region, across its own hour boundary', () => {
    const [r0, r1] = [...finished].sort((a, b) => a.spec.id - b.spec.id);
    expectClose(r0.shares![SHARE_NODE_J], 3, 1e-12);
    expectClose(r0.shares![SHARE_FACILITY_J], stepA.facility, 1e-12);
    expectClose(r0.shares![SHARE_CARBON_G], stepA.carbon, 1e-12);
    expectClose(r0.shares![SHARE_COST_USD], stepA.cost, 1e-12);
    expectClose(r1.shares![SHARE_FACILITY_J], stepB.facility, 1e-12);
    expectClose(r1.shares![SHARE_CARBON_G], stepB.carbon, 1e-12);
    expectClose(r1.shares![SHARE_COST_USD], stepB.cost, 1e-12);
  });

  it('idle time is priced by its region and hour, and kept apart', () => {
    const [a, b] = accountant.idleTotals;
    expectClose(a.facilityJoules, idleA.facility, 1e-12);
    expectClose(a.carbonGrams, idleA.carbon, 1e-12);
    expectClose(b.facilityJoules, idleB.facility, 1e-12);
    expectClose(b.carbonGrams, idleB.carbon, 1e-12);
    expectClose(b.costUsd, idleB.cost, 1e-12);
  });

  it('the interval rows hold both regions: total carbon = A + B', () => {
    const { values } = accountant.channels.rows(result.makespanSeconds);
    expect(values.length).toBe(1);
    expectClose(values[0][1], stepA.facility + stepB.facility + idleA.facility + idleB.facility, 1e-12);
    expectClose(values[0][2], stepA.carbon + stepB.carbon + idleA.carbon + idleB.carbon, 1e-12);
  });
});

const workload = {
  kind: 'synthetic',
  arrival: { process: 'poisson', rate_per_s: 6 },
  duration_s: 600,
  lengths: { kind: 'uniform', input: { min: 20, max: 600 }, output: { min: 5, max: 200 } },
};

function scenario(facility: Record<string, unknown>, cluster: Record<string, unknown> = {}) {
  return {
    seed: 5,
    workload,
    cluster: { gpu: 'h100-sxm', stack: 'vllm', replicas: 4, router: 'least_outstanding', ...cluster },
    facility: { node: 'dgx-h100', start: '2022-11-16T15:55:00Z', price_usd_per_kwh: 0.2, ...facility },
    output: { interval_s: 30 },
  };
}

const twoRegions = [
  { region: 'us-ciso', replicas: 2, pue: 1.2 },
  { region: 'us-pjm', replicas: 2, pue: 1.3, price_usd_per_kwh: 0.1 },
];

function run(raw: unknown) {
  return runScenario(parseScenario(raw, 'regions.json', dir), { report: true });
}

describe('facility.regions on a run: conservation per region and in total', () => {
  const out = run(scenario({ regions: twoRegions }));
  const f = out.summary.facility!;
  const regions = f.by_region!;

  it('places each group on its own nodes and labels it', () => {
    expect(regions.map((r) => [r.name, r.region, r.replicas, r.nodes])).toEqual([
      ['us-ciso', 'us-ciso', 2, 1],
      ['us-pjm', 'us-pjm', 2, 1],
    ]);
    expect(f.node.nodes).toBe(2);
    expect(regions[0].completed + regions[1].completed).toBe(out.summary.requests_completed);
  });

  it('GPU + node = IT and IT × PUE = facility, in each region (constant PUE)', () => {
    for (const [r, pue] of [
      [regions[0], 1.2],
      [regions[1], 1.3],
    ] as const) {
      expect(r.energy_j.it).toBe(r.energy_j.gpu + r.energy_j.node);
      expectClose(r.energy_j.facility, pue * r.energy_j.it, 1e-12);
      expectClose(r.mean_pue, pue, 1e-12);
    }
    expectClose(regions[1].cost_usd, (0.1 * regions[1].energy_j.facility) / 3.6e6, 1e-12);
    expectClose(regions[0].cost_usd, (0.2 * regions[0].energy_j.facility) / 3.6e6, 1e-12);
  });

  it('regions sum to the totals; attributed + idle = total', () => {
    const sum = (k: (r: (typeof regions)[number]) => number) => regions.reduce((s, r) => s + k(r), 0);
    expectClose(sum((r) => r.energy_j.gpu), f.energy_j.gpu, 1e-12);
    expectClose(sum((r) => r.energy_j.node), f.energy_j.node, 1e-12);
    expectClose(sum((r) => r.energy_j.facility), f.energy_j.facility, 1e-12);
    expectClose(sum((r) => r.operational_kgco2e), f.operational_kgco2e, 1e-12);
    expectClose(sum((r) => r.cost_usd), f.cost_usd, 1e-12);
    expectClose(sum((r) => r.idle_operational_kgco2e), f.idle_operational_kgco2e, 1e-12);
    expectClose(sum((r) => r.embodied_kgco2e!), f.embodied_kgco2e!.total, 1e-12);
    expectClose(f.attributed_energy_j.facility + f.idle_energy_j.facility, f.energy_j.facility, 1e-12);
    expectClose(f.attributed_operational_kgco2e + f.idle_operational_kgco2e, f.operational_kgco2e, 1e-12);
    expectClose(f.attributed_cost_usd + f.idle_cost_usd, f.cost_usd, 1e-12);
  });

  it('the two regions are priced by different series (the run crosses 16:00 UTC, where CISO drops)', () => {
    expect(regions[0].mean_carbon_g_per_kwh).not.toBeCloseTo(regions[1].mean_carbon_g_per_kwh, 0);
    // CISO 368.46 g/kWh before 16:00 UTC, 302.02 after; PJM 345.21 then 342.13 (models/grid/).
    expect(regions[0].mean_carbon_g_per_kwh).toBeGreaterThan(302.02);
    expect(regions[0].mean_carbon_g_per_kwh).toBeLessThan(368.46);
    expect(regions[1].mean_carbon_g_per_kwh).toBeGreaterThan(342.13);
    expect(regions[1].mean_carbon_g_per_kwh).toBeLessThan(345.21);
  });

  it('the interval rows sum to the totals', () => {
    const rows = out.report!.facility!;
    expect(rows).toBeDefined();
    expectClose(rows.cumulativeGrams[rows.cumulativeGrams.length - 1], f.operational_kgco2e * 1000, 1e-9);
  });

  it('the report draws each region’s intensity: CISO falls at 16:00 UTC, PJM stays near 343', () => {
    const byRegion = out.report!.facility!.carbonByRegion!;
    expect(byRegion).toHaveLength(2);
    const [ciso, pjm] = byRegion;
    expect(ciso[0]).toBeCloseTo(368.46, 2);
    expect(ciso[ciso.length - 1]).toBeCloseTo(302.02, 2);
    for (const v of pjm) expect(v).toBeGreaterThanOrEqual(342.13 - 1e-9);
    const html = renderRunReport(out.summary, out.report!);
    expect(html).toContain('us-ciso: ');
    expect(html).toMatch(/us-pjm: [\d.]+ g\/kWh/);
  });

  it('is deterministic: the same scenario twice gives the same bytes', () => {
    expect(summaryJson(run(scenario({ regions: twoRegions })).summary)).toBe(summaryJson(out.summary));
  });
});

describe('carbon-aware routing on a run', () => {
  it('sends more work to the cleaner region than least_outstanding does, and emits less', () => {
    // 16:00-17:00 UTC: CISO 302 g/kWh × 1.2 = 362 per IT kWh, PJM 342 × 1.3 = 445.
    const at = { start: '2022-11-16T16:05:00Z' };
    const base = run(scenario({ regions: twoRegions, ...at })).summary.facility!;
    const aware = run(scenario({ regions: twoRegions, ...at }, { router: 'carbon_aware' })).summary.facility!;
    const share = (f: typeof base) => f.by_region![0].completed / (f.by_region![0].completed + f.by_region![1].completed);
    expect(share(base)).toBeLessThan(0.6);
    expect(share(aware)).toBeGreaterThan(0.9);
    expect(aware.operational_kgco2e).toBeLessThan(base.operational_kgco2e);
    // A bound of one request per replica: the clean region is full most of the time, and work spills to PJM.
    const tight = run(scenario({ regions: twoRegions, ...at }, { router: { kind: 'carbon_aware', options: { max_outstanding: 1 } } })).summary.facility!;
    expect(share(tight)).toBeLessThan(share(aware) - 0.1);
    // (Here it chooses exactly as least_outstanding does: an idle replica, CISO's first, else the least loaded.)
    expect(share(tight)).toBe(share(base));
  });

  it('the carbon_aware power controller follows each replica’s own region', () => {
    const replica = (index: number, carbon: number): ReplicaView => ({
      index, outstanding: 0, running: 0, queued: 0, state: 'awake', idleSinceSeconds: null, gpu: { smClockMhz: null, powerLimitWatts: 700 },
      phase: null, lastDecodeStepSeconds: null, region: carbon < 300 ? 'clean' : 'dirty', grid: { pue: 1.2, carbonGPerKwh: carbon, priceUsdPerKwh: 0.1 },
    });
    const view: PowerView = { nowSeconds: 0, reason: 'tick', replicas: [replica(0, 214), replica(1, 341)], gpu: { tdpWatts: 700, maxSmClockMhz: null } };
    expect(carbonAwareDecisions(view, 300, 350, undefined)).toEqual([{ replica: 1, setting: { powerLimitWatts: 350 } }]);
  });
});

describe('facility.regions: bad input is one clear error', () => {
  const fails = (raw: unknown, pattern: RegExp) => {
    let caught: unknown;
    try {
      run(raw);
    } catch (e) {
      caught = e;
    }
    expect(isInputError(caught)).toBe(true);
    expect(String((caught as Error).message)).toMatch(pattern);
    expect(String((caught as Error).message)).not.toContain('\n');
  };

  it('an unknown region id names the group', () => {
    fails(scenario({ regions: [{ region: 'us-ciso', replicas: 2 }, { region: 'us-nowhere', replicas: 2 }] }), /regions\/1\/region.*us-nowhere/);
  });

  it('groups that do not add up to the replicas', () => {
    fails(scenario({ regions: [{ region: 'us-ciso', replicas: 1 }, { region: 'us-pjm', replicas: 2 }] }), /groups hold 3 replicas.*cluster.replicas is 4/);
  });

  it('region and regions together', () => {
    fails(scenario({ region: 'us-ciso', regions: twoRegions }), /give regions .* or region/);
  });

  it('a group with neither a region nor an intensity', () => {
    fails(scenario({ regions: [{ replicas: 2 }, { region: 'us-pjm', replicas: 2 }] }), /regions\/0.*region.*carbon_g_per_kwh/);
  });

  it("a region's series that does not cover the run", () => {
    fails(scenario({ regions: twoRegions, start: '2022-12-05T00:00:00Z' }), /us-ciso-2022-11\.csv.*covers 2022-11-01/);
  });
});

describe('regions through the CLI: --regions, --vary regions and --vary router', () => {
  const base = join(dir, 'cli-base.json');
  writeFileSync(
    base,
    JSON.stringify({
      seed: 3,
      workload: { ...workload, duration_s: 240 },
      cluster: { gpu: 'h100-sxm', stack: 'vllm', replicas: 2 },
      facility: { node: 'dgx-h100', region: 'us-ciso', start: '2022-11-16T16:30:00Z' },
      output: { interval_s: 30 },
    }),
  );

  async function oneLineError(...args: string[]): Promise<string> {
    const { code, stderr, stdout } = await cli(...args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).not.toMatch(/\n\s+at /);
    return stderr.trimEnd();
  }

  it('--regions replaces the file’s one region and sets the replica count', async () => {
    const { code, stdout, stderr } = await cli('run', base, '--regions', 'us-ciso:1+us-pjm:2', '--json', '--no-progress');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const s = JSON.parse(stdout);
    expect(s.facility.by_region.map((r: { region: string; replicas: number }) => `${r.region}:${r.replicas}`)).toEqual(['us-ciso:1', 'us-pjm:2']);
    expect(s.facility.region).toBeNull();
  }, 60_000);

  it('compare varies the regions and the router', async () => {
    const { code, stdout } = await cli(
      'compare', base, '--vary', 'regions=us-ciso:2+us-pjm:2,us-pjm:4', '--vary', 'router=least_outstanding,carbon_aware', '--json', '--no-progress', '--workers', '1',
    );
    expect(code).toBe(0);
    const c = JSON.parse(stdout);
    expect(c.variants.map((v: { label: string }) => v.label)).toEqual([
      'regions=us-ciso:2+us-pjm:2 router=least_outstanding',
      'regions=us-ciso:2+us-pjm:2 router=carbon_aware',
      'regions=us-pjm:4 router=least_outstanding',
      'regions=us-pjm:4 router=carbon_aware',
    ]);
    const regionsOf = (i: number) => c.variants[i].summary.facility.by_region;
    // 16:30 UTC: CISO 302 g/kWh, PJM 342: the carbon-aware router keeps work in California.
    expect(regionsOf(1)[0].completed).toBeGreaterThan(regionsOf(0)[0].completed);
    // One region only: the carbon-aware router has nothing to choose between and balances like least_outstanding.
    expect(c.variants[3].summary.energy_j).toBe(c.variants[2].summary.energy_j);
  }, 120_000);

  it('bad --regions and --vary regions: one line, exit 2', async () => {
    expect(await oneLineError('run', base, '--regions', 'us-ciso:2+us-mars:2')).toMatch(/^joulesim: --regions: unknown grid region 'us-mars'/);
    expect(await oneLineError('run', base, '--regions', 'us-ciso=2')).toMatch(/^joulesim: --regions: expected REGION:REPLICAS joined by '\+'/);
    expect(await oneLineError('run', base, '--regions', 'us-ciso:2+us-pjm:2', '--replicas', '3')).toMatch(/\/facility\/regions: the groups hold 4 replicas \(2 \+ 2\); cluster.replicas is 3/);
    expect(await oneLineError('compare', base, '--vary', 'regions=us-ciso:0')).toMatch(/--vary regions: expected REGION:REPLICAS/);
  }, 60_000);
});

describe('regions and the carbon-aware router in a sweep', () => {
  it('the regions and router axes patch the base (its one region removed) and every variant runs', async () => {
    const sweepDir = mkdtempSync(join(tmpdir(), 'joulesim-regions-sweep-'));
    const sweep = {
      format: 'joulesim-sweep/1',
      name: 'regions sweep',
      base: {
        seed: 3,
        workload: { ...workload, duration_s: 60 },
        cluster: { gpu: 'h100-sxm', stack: 'vllm', replicas: 2 },
        facility: { node: 'dgx-h100', region: 'us-ciso', start: '2022-11-16T16:30:00Z' },
        output: { interval_s: 30 },
      },
      axes: [
        { vary: 'regions', values: ['us-ciso:1+us-pjm:1', 'us-pjm:2+us-ciso:2'] },
        { vary: 'router', values: ['least_outstanding', 'carbon_aware'] },
      ],
    };
    const file = join(sweepDir, 'sweep.json');
    writeFileSync(file, JSON.stringify(sweep));
    const outDir = join(sweepDir, 'out');
    const r = await runSweepShard(loadSweep(file), { outDir, shard: { index: 0, count: 1, source: 'test' }, workers: 1 });
    expect(r.ran).toBe(4);
    const cmp = JSON.parse(readFileSync(join(outDir, 'compare.json'), 'utf8'));
    const regions = cmp.variants.map((v: { summary: { facility: { by_region: { region: string; replicas: number }[] } } }) =>
      v.summary.facility.by_region.map((g) => `${g.region}:${g.replicas}`).join('+'),
    );
    expect(regions).toEqual(['us-ciso:1+us-pjm:1', 'us-ciso:1+us-pjm:1', 'us-pjm:2+us-ciso:2', 'us-pjm:2+us-ciso:2']);
    expect(cmp.variants.map((v: { summary: { router: string } }) => v.summary.router)).toEqual(['least_outstanding', 'carbon_aware', 'least_outstanding', 'carbon_aware']);
    rmSync(sweepDir, { recursive: true, force: true });
  }, 120_000);
});
