/** The library entry: simulate and compare with scenario objects or files, types from the scenario JSON Schema. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  compare,
  type CompareResult,
  InputError,
  isInputError,
  type Scenario,
  type ScenarioInput,
  simulate,
  type Summary,
  summaryJson,
  VARY_KEYS,
} from '../../sim/index.js';
import { runScenario } from '../../sim/run/runScenario.js';
import { parseScenario } from '../../sim/scenario/loadScenario.js';
import { smallScenario, tempDir } from '../compare/helpers.js';

const scenario = smallScenario() as ScenarioInput;

describe('simulate', () => {
  it('returns the run summary (as run --json) plus the report data, leaving the caller’s object alone', async () => {
    const before = JSON.stringify(scenario);
    const run = await simulate(scenario);
    expect(JSON.stringify(scenario)).toBe(before);
    const cli = runScenario(parseScenario(structuredClone(scenario), 'scenario', process.cwd())).summary;
    const { report, ...summary } = run;
    expect(summaryJson(summary as Summary)).toBe(summaryJson(cli));
    expect(report.scatter.total).toBe(80);
    expect(report.series.replicas).toHaveLength(1);
  });

  it('takes a file path, resolves relative traces against it, and writes outputs on request', async () => {
    const dir = tempDir('api');
    writeFileSync(join(dir, 'trace.csv'), 'arrival_s,input_tokens,output_tokens\n0,100,20\n0.5,300,40\n1,50,10\n');
    const file = join(dir, 's.json');
    writeFileSync(file, JSON.stringify({ workload: { kind: 'trace', path: 'trace.csv' } }));
    const out = join(dir, 'out');
    const run = await simulate(file, { outDir: out, traceEvents: join(dir, 't.json') });
    expect(run.requests_completed).toBe(3);
    for (const f of ['summary.json', 'requests.csv', 'timeseries.csv', 'report.html']) expect(existsSync(join(out, f))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 't.json'), 'utf8')).traceEvents.length).toBeGreaterThan(3);
  });

  it('rejects bad input with the CLI’s one-line InputError', async () => {
    const bad = { ...scenario, cluster: { gpu: 'h300' } };
    await expect(simulate(bad)).rejects.toThrow(/^scenario:\/cluster\/gpu: unknown GPU 'h300'/);
    const e = await simulate({ workload: { kind: 'trace', path: 'nope.csv' } }).catch((x: unknown) => x);
    expect(isInputError(e)).toBe(true);
    expect(e).toBeInstanceOf(InputError);
    await expect(simulate('/nonexistent/scenario.json')).rejects.toThrow(/cannot read the scenario file/);
  });
});

describe('compare', () => {
  it('runs the cross product and returns the compare.json object', async () => {
    const r = await compare(scenario, { 'batch-size': [16, 64], router: ['round_robin'] }, { workers: 1 });
    expect(r.format).toBe('joulesim-compare/1');
    expect(r.variants.map((v) => v.label)).toEqual(['batch-size=16 router=round_robin', 'batch-size=64 router=round_robin']);
    expect(r.variants[0].delta_pct.energy_j).toBe(0);
    expect(VARY_KEYS).toContain('chunked-prefill');
    await expect(compare(scenario, { gpu: ['nope'] })).rejects.toThrow(/^--vary gpu: unknown GPU 'nope'/);
  });
});

describe('types come from the scenario JSON Schema', () => {
  it('ScenarioInput leaves defaults optional; Scenario has them; unknown fields and values do not type-check', () => {
    const minimal = { workload: { kind: 'trace', path: 'x.csv' } } satisfies ScenarioInput;
    expectTypeOf(minimal).toMatchTypeOf<ScenarioInput>();
    expectTypeOf<Scenario['cluster']['gpu']>().toEqualTypeOf<string>();
    expectTypeOf<Scenario['seed']>().toEqualTypeOf<number>();
    // @ts-expect-error a misspelt field is not a scenario
    const misspelt: ScenarioInput = { workload: { kind: 'trace', path: 'x.csv' }, cluster: { gpus: 'b200' } };
    // @ts-expect-error schedulers are static or continuous
    const badKind: ScenarioInput = { workload: { kind: 'trace', path: 'x.csv' }, cluster: { scheduler: { kind: 'dynamic' } } };
    expect([misspelt, badKind]).toHaveLength(2);
    expectTypeOf(compare).returns.resolves.toEqualTypeOf<CompareResult>();
  });
});
