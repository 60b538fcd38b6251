/**
 * Plug-in policies: the two worked examples in examples/ run as written, with hand-checked decisions; plug-ins are
 * deterministic under the run's seed; and a plug-in that throws, returns nonsense or never makes progress stops
 * the run with one line naming the module and what it did (exit 2), never a half-right result.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCompare } from '../../sim/compare/compare.js';
import { simulate, type ScenarioInput } from '../../sim/index.js';
import { runScenario } from '../../sim/run/runScenario.js';
import { loadScenarioPolicies } from '../../sim/scenario/loadPolicies.js';
import { loadScenario, parseScenario } from '../../sim/scenario/loadScenario.js';
import type { LiveRequest } from '../../sim/serving/liveRequest.js';
import type { BatchingPolicy, PolicyContext } from '../../sim/serving/policyApi.js';
import { oneLineError, tempDir } from '../compare/helpers.js';

const examples = join(import.meta.dirname, '..', '..', 'examples');

/** Three requests at 0, 0.5 and 1.25 s (CSV), through the wait-for-batch example with the given options. */
async function admissions(dir: string, options: Record<string, unknown>): Promise<number[]> {
  writeFileSync(join(dir, 'three.csv'), 'arrival_s,input_tokens,output_tokens\n0,100,20\n0.5,200,10\n1.25,50,5\n');
  const loaded = parseScenario(
    {
      workload: { kind: 'trace', path: 'three.csv' },
      cluster: { scheduler: { module: join(examples, 'policies', 'waitForBatch.js'), options } },
    },
    'three.json',
    dir,
  );
  const admitted = new Map<number, number>();
  runScenario(loaded, {
    plugins: await loadScenarioPolicies(loaded),
    requestSink: { finished: (r: LiveRequest) => void admitted.set(r.spec.id, r.admittedSeconds), rejected: () => {} },
  });
  return [0, 1, 2].map((id) => admitted.get(id)!);
}

describe('worked example: a custom batching policy (examples/policies/waitForBatch.js)', () => {
  it('holds requests until min_batch wait, or the oldest has waited max_wait_s', async () => {
    const dir = tempDir('wait');
    // min_batch 3: the third arrival (1.25 s) completes the batch; all three start then.
    expect(await admissions(dir, { min_batch: 3, max_wait_s: 2 })).toEqual([1.25, 1.25, 1.25]);
    // min_batch 4 never fills: the oldest's deadline (0 + 2 s) starts all three.
    expect(await admissions(dir, { min_batch: 4, max_wait_s: 2 })).toEqual([2, 2, 2]);
    // min_batch 1: nothing waits.
    expect(await admissions(dir, { min_batch: 1, max_wait_s: 2 })).toEqual([0, 0.5, 1.25]);
  }, 60_000);

  it('runs from its scenario file as the README shows, with the module path relative to the scenario', async () => {
    const run = await simulate(join(examples, 'wait-for-batch.json'));
    expect(run.requests_completed).toBe(200);
    expect(run.scheduler).toMatchObject({ policy: 'plugin', module: './policies/waitForBatch.js', options: { min_batch: 8, max_wait_s: 2 } });
    // Holding requests back costs TTFT: nobody waits longer than max_wait_s plus one step for the batch's prefill.
    expect(run.ttft_s.p99).toBeGreaterThan(1.5);
    expect(run.ttft_s.p99).toBeLessThan(2.5);
    expect(run.slo?.attainment).toBeGreaterThan(0.9);
  }, 60_000);
});

describe('worked example: a custom router (examples/policies/twoChoicesRouter.js)', () => {
  it('routes deterministically under the run seed: same seed, same bytes; another seed, another routing', async () => {
    const file = join(examples, 'two-choices-router.json');
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const small = { ...raw, workload: { ...(raw.workload as object), count: 300 } } as unknown as ScenarioInput;
    const a = await simulate(small, { baseDir: examples });
    const b = await simulate(small, { baseDir: examples });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.router).toBe('./policies/twoChoicesRouter.js');
    expect(a.requests_completed).toBe(300);
    const c = await simulate({ ...small, seed: 2 }, { baseDir: examples });
    expect(c.energy_j).not.toBe(a.energy_j);
  }, 120_000);

  it('compare loads the plug-in in every worker thread: the same results on 2 workers as on 1', async () => {
    const raw = JSON.parse(readFileSync(join(examples, 'two-choices-router.json'), 'utf8')) as Record<string, unknown>;
    const small = { ...raw, workload: { ...(raw.workload as object), count: 200 } };
    const run = (workers: number) => runCompare({ raw: small, file: 'two-choices-router.json', baseDir: examples }, { replicas: [2, 4] }, { workers });
    const [one, two] = [await run(1), await run(2)];
    expect(two.workers).toBe(2);
    expect(JSON.stringify(two.result)).toBe(JSON.stringify(one.result));
    expect(one.result.variants.map((v) => v.summary.router)).toEqual(['./policies/twoChoicesRouter.js', './policies/twoChoicesRouter.js']);
  }, 120_000);

  it('a plug-in given as an object to simulate({ policies }) sees its options and its seeded random stream', async () => {
    const seen: number[] = [];
    const policies = {
      router: {
        optionsSchema: { type: 'object', properties: { to: { type: 'integer' } }, required: ['to'], additionalProperties: false },
        createRouter: (ctx: PolicyContext) => ({
          route: () => {
            seen.push(ctx.random());
            return ctx.options.to as number;
          },
        }),
      },
    };
    const scenario = {
      seed: 9,
      workload: { kind: 'synthetic', arrival: { process: 'poisson', rate_per_s: 5 }, count: 20, lengths: { kind: 'fixed', input_tokens: 100, output_tokens: 10 } },
      cluster: { replicas: 3, router: { kind: 'round_robin', options: {} } },
    } as const;
    await expect(simulate(scenario, { policies })).rejects.toThrow(/^policies\.router: options must have required property 'to'$/);
    const withTo = { ...scenario, cluster: { replicas: 3, router: { module: 'given', options: { to: 2 } } } };
    const run = await simulate(withTo, { policies });
    expect(run.router).toBe('policies.router');
    const first = [...seen];
    seen.length = 0;
    await simulate(withTo, { policies });
    expect(seen).toEqual(first);
    expect(new Set(first).size).toBe(20);
  }, 60_000);
});

describe('a misbehaving plug-in is one line naming the module, exit 2', () => {
  const dir = tempDir('plugins');
  mkdirSync(join(dir, 'p'), { recursive: true });
  writeFileSync(join(dir, 'three.csv'), 'arrival_s,input_tokens,output_tokens\n0,100,20\n0,200,10\n0.5,50,5\n');
  const batching = (name: string, decide: string) =>
    writeFileSync(join(dir, 'p', `${name}.js`), `export function createBatchingPolicy() { return { decide(view) { ${decide} } }; }\n`);
  const scenario = (name: string, cluster: Record<string, unknown>) => {
    const path = join(dir, `${name}.json`);
    writeFileSync(path, JSON.stringify({ workload: { kind: 'trace', path: 'three.csv' }, cluster }));
    return path;
  };
  const withScheduler = (name: string, decide: string) => {
    batching(name, decide);
    return scenario(name, { scheduler: { module: `./p/${name}.js` } });
  };

  it.each([
    ['throws', "throw new Error('boom')", /^joulesim: \.\/p\/throws\.js: decide\(\) threw: boom$/],
    ['unknown', 'return { admit: [99] };', /^joulesim: \.\/p\/unknown\.js: decide\(\) at t = 0 s admitted request 99, which is not waiting here$/],
    ['twice', 'return { admit: [0, 0] };', /^joulesim: \.\/p\/twice\.js: decide\(\) at t = 0 s admitted request 0 twice$/],
    ['nothing', 'return 42;', /^joulesim: \.\/p\/nothing\.js: decide\(\) at t = 0 s returned no \{ admit: \[\.\.\.\] \} object$/],
    ['past', 'return { admit: [], revisitAtSeconds: view.nowSeconds - 1 };', /^joulesim: \.\/p\/past\.js: decide\(\) at t = 0 s asked to revisit at -1, not a time after now$/],
    ['lost', 'return { admit: [] };', /^joulesim: \.\/p\/lost\.js: left 3 request\(s\) waiting \(first: id 0\) with nothing running and no revisit time: they never start$/],
    ['spin', 'return { admit: [], revisitAtSeconds: view.nowSeconds + 1e-3 };', /^joulesim: \.\/p\/spin\.js: made 1000001 decisions in a row .* it never makes progress$/],
  ])('batching policy that %s', async (name, decide, expected) => {
    expect(await oneLineError('run', withScheduler(name, decide), '--no-progress')).toMatch(expected);
  }, 120_000);

  it('a router that sends a request nowhere', async () => {
    writeFileSync(join(dir, 'p', 'nowhere.js'), 'export function createRouter() { return { route: () => 5 }; }\n');
    expect(await oneLineError('run', scenario('nowhere', { replicas: 2, router: { module: './p/nowhere.js' } }), '--no-progress')).toMatch(
      /^joulesim: \.\/p\/nowhere\.js: route\(\) at t = 0 s sent request 0 to replica 5; there are 2$/,
    );
  });

  it('a power controller that sets a negative power limit', async () => {
    writeFileSync(join(dir, 'p', 'negative.js'), 'export function createPowerController() { return { decide: () => [{ replica: 0, setting: { powerLimitWatts: -5 } }] }; }\n');
    expect(await oneLineError('run', scenario('negative', { power_controller: { module: './p/negative.js' } }), '--no-progress')).toMatch(
      /^joulesim: \.\/p\/negative\.js: decide\(\) at t = .* s set powerLimitWatts -5; expected a positive number$/,
    );
  });

  it('options that break the schema the module exports, a missing factory, a missing module', async () => {
    writeFileSync(join(dir, 'p', 'schema.js'), "export const optionsSchema = { type: 'object', properties: { n: { type: 'integer', minimum: 1 } } };\nexport function createBatchingPolicy() { return { decide: (v) => ({ admit: v.waiting.map((r) => r.id) }) }; }\n");
    expect(await oneLineError('run', scenario('schema', { scheduler: { module: './p/schema.js', options: { n: 0 } } }), '--no-progress')).toBe('joulesim: ./p/schema.js: options/n must be >= 1');
    expect(await oneLineError('run', scenario('factory', { scheduler: { module: './p/schema.js' }, router: { module: './p/schema.js' } }), '--no-progress')).toBe(
      'joulesim: ./p/schema.js: does not export createRouter(), which a router plug-in needs (docs/POLICIES.md)',
    );
    expect(await oneLineError('run', scenario('missing', { scheduler: { module: './p/nope.js' } }), '--no-progress')).toMatch(/missing\.json:\/cluster\/scheduler\/module: cannot find the policy module \.\/p\/nope\.js$/);
  });

  it('a plug-in that behaves runs, and its scenario loads by path like any other', async () => {
    writeFileSync(join(dir, 'p', 'fifo.js'), 'export function createBatchingPolicy() { return { decide: (v) => ({ admit: v.waiting.map((r) => r.id) }) }; }\n');
    const loaded = loadScenario(scenario('fifo', { scheduler: { module: './p/fifo.js' } }));
    const out = runScenario(loaded, { plugins: await loadScenarioPolicies(loaded) });
    expect(out.summary.requests_completed).toBe(3);
    expect(out.summary.attributed_energy_j + out.summary.energy_breakdown_j.idle).toBeCloseTo(out.summary.energy_j, 6);
  });
});

// The types a plug-in author writes against are exported; this is one, checked by the compiler.
export const typed: BatchingPolicy = { decide: (v) => ({ admit: v.waiting.map((r) => r.id) }) };
