/**
 * Every registered policy is reachable from `run`, `compare --vary` and `estimate`, and what each reports comes from
 * its registry entry — including the three drifts the registries fixed: estimate on hf-paged builds transformers'
 * policy (not vLLM's), the hf-paged summary prints transformers' settings, and --vary scheduler=speculative runs.
 */
import { describe, expect, it } from 'vitest';
import { runCompare } from '../../sim/compare/compare.js';
import { estimate } from '../../sim/estimate/estimate.js';
import { simulate, type ScenarioInput } from '../../sim/index.js';
import { ADMISSION_NAMES } from '../../sim/policies/admission/admissionRegistry.js';
import { POWER_CONTROLLER_NAMES } from '../../sim/policies/power/powerRegistry.js';
import { ROUTER_NAMES } from '../../sim/policies/router/routerRegistry.js';
import { SCHEDULER_NAMES, SCHEDULER_POLICIES } from '../../sim/policies/scheduler/schedulerRegistry.js';
import { buildSimulation } from '../../sim/run/buildSimulation.js';
import { parseScenario } from '../../sim/scenario/loadScenario.js';
import { clusterSchema, schedulerSchema } from '../../sim/scenario/scenarioSchema.js';
import { HfPagedScheduler } from '../../sim/serving/hfPagedScheduler.js';
import { cli } from '../cliHarness.js';

const workload = {
  kind: 'synthetic',
  arrival: { process: 'poisson', rate_per_s: 8 },
  count: 40,
  lengths: { kind: 'lognormal', input: { mean: 400, std: 200, max: 1500 }, output: { mean: 60, std: 40, max: 200 } },
};

/** The stack each batching policy is native to (speculative rides on vLLM with a 1B draft). */
const SCHEDULER_CASES: Record<string, Record<string, unknown>> = {
  static: { stack: 'hf-eager', scheduler: { kind: 'static', batch_size: 8 } },
  continuous: { stack: 'vllm', scheduler: { kind: 'continuous' } },
  'transformers-cb': { stack: 'hf-paged', scheduler: { kind: 'transformers-cb' } },
  speculative: { stack: 'vllm', scheduler: { kind: 'speculative', draft_model: 'llama-3.2-1b', gamma: 4 } },
};

const base = (cluster: Record<string, unknown>) => ({ seed: 5, workload, cluster: { gpu: 'h100-sxm', model: 'llama-3.1-8b', ...cluster } }) as unknown as ScenarioInput;

describe('the registries are the one list', () => {
  it('scenario schema, CLI choices and --help come from the registries', async () => {
    expect(schedulerSchema.properties.kind.enum).toEqual([...SCHEDULER_NAMES]);
    expect(clusterSchema.properties.router.anyOf[0].enum).toEqual([...ROUTER_NAMES]);
    expect(clusterSchema.properties.admission.anyOf[0].enum).toEqual([...ADMISSION_NAMES]);
    expect(clusterSchema.properties.power_controller.anyOf[0].enum).toEqual([...POWER_CONTROLLER_NAMES]);
    // Every option a registered batching policy reads is in the scenario's scheduler block.
    for (const p of SCHEDULER_POLICIES) for (const k of Object.keys(p.optionsSchema.properties)) expect(schedulerSchema.properties).toHaveProperty(k);
    const help = (await cli('run', '--help')).stdout.replace(/\s+/g, ' ');
    for (const name of [...SCHEDULER_NAMES, ...ROUTER_NAMES, ...ADMISSION_NAMES, ...POWER_CONTROLLER_NAMES]) expect(help).toContain(`"${name}"`);
    expect(SCHEDULER_CASES).toHaveProperty(SCHEDULER_NAMES[0]);
    expect(Object.keys(SCHEDULER_CASES).sort()).toEqual([...SCHEDULER_NAMES].sort());
  });
});

describe('every batching policy is reachable from run, compare --vary and estimate', () => {
  it.each([...SCHEDULER_NAMES])('%s', async (name) => {
    const scenario = base(SCHEDULER_CASES[name]);
    const run = await simulate(scenario);
    expect(run.requests_completed + run.requests_rejected).toBe(40);
    const summary = run.scheduler as Record<string, unknown>;
    const resolved = buildSimulation(parseScenario(structuredClone(scenario), 's.json', '.')).resolved.scheduler;
    expect(resolved.policy).toBe(name);
    expect(summary).toEqual(JSON.parse(JSON.stringify(resolved.summary)));

    const est = estimate(parseScenario(structuredClone(scenario), 's.json', '.'), { requests: [{ inputTokens: 300, outputTokens: 40 }, { inputTokens: 600, outputTokens: 60 }] });
    expect(est.policy).toBe(name);
    expect(est.cells.every((c) => c.batch_size > 0 && c.e_batch_j > 0)).toBe(true);
  }, 120_000);

  it('compare --vary scheduler over every registered name (speculative included) runs each one', async () => {
    const { result } = await runCompare(
      { raw: base({ stack: 'vllm', scheduler: { draft_model: 'llama-3.2-1b' } }), file: 'base.json', baseDir: '.' },
      { scheduler: [...SCHEDULER_NAMES] },
      { workers: 1 },
    );
    expect(result.variants.map((v) => v.settings.scheduler)).toEqual([...SCHEDULER_NAMES]);
    const policies = result.variants.map((v) => (v.summary.scheduler.policy as string | undefined) ?? v.summary.scheduler.kind);
    expect(policies).toEqual(['static', 'continuous', 'transformers-cb', 'continuous']);
    expect(result.variants[3].summary.scheduler).toHaveProperty('speculative');
    for (const v of result.variants) expect(v.summary.requests_completed).toBe(40);
    // A controller that sleeps replicas needs the GPU's sleep power on file.
    await expect(simulate(base({ gpu: 'a100-sxm', power_controller: 'autoscale' }))).rejects.toThrow(
      /^scenario:\/cluster\/power_controller: power controller 'autoscale' puts replicas to sleep, but a100-sxm has no sleep power on file \(models\/power-states\/ has h100-sxm, h200\)$/,
    );
  }, 120_000);
});

describe('the drifts the registries removed', () => {
  it('hf-paged: run and estimate both build transformers’ policy, and the summary prints its settings', async () => {
    const scenario = base({ stack: 'hf-paged' });
    const built = buildSimulation(parseScenario(structuredClone(scenario), 's.json', '.'));
    expect(built.resolved.scheduler.policy).toBe('transformers-cb');
    expect(built.setup.makeScheduler(() => {}, 0)).toBeInstanceOf(HfPagedScheduler);
    expect(built.resolved.scheduler.withBatchSize(4).create(() => {}, 1, 0)).toBeInstanceOf(HfPagedScheduler);
    const run = await simulate(scenario);
    expect(run.scheduler).toMatchObject({ kind: 'continuous', policy: 'transformers-cb', safety_margin: 0.15, kv_block_tokens: 256 });
    expect(run.scheduler).not.toHaveProperty('chunked_prefill');
    expect(estimate(parseScenario(structuredClone(scenario), 's.json', '.'), { requests: [{ inputTokens: 300, outputTokens: 40 }] }).policy).toBe('transformers-cb');
  }, 60_000);
});

describe('every router, admission policy and power controller is reachable from run and compare --vary', () => {
  it('routers', async () => {
    // A facility section gives the carbon-aware router its grid signal (it refuses to run without one).
    const withGrid = (raw: ScenarioInput) => ({ ...raw, facility: { carbon_g_per_kwh: 400 } }) as ScenarioInput;
    const { result } = await runCompare({ raw: withGrid(base({ replicas: 3 })), file: 'b.json', baseDir: '.' }, { router: [...ROUTER_NAMES] }, { workers: 1 });
    expect(result.variants.map((v) => v.summary.router)).toEqual([...ROUTER_NAMES]);
    for (const name of ROUTER_NAMES) expect((await simulate(withGrid(base({ replicas: 2, router: name })))).router).toBe(name);
    await expect(simulate(base({ replicas: 2, router: 'carbon_aware' }))).rejects.toThrow(/router 'carbon_aware': route\(\) threw: needs the grid signal/);
  }, 120_000);

  it('admission policies', async () => {
    const { result } = await runCompare({ raw: base({}), file: 'b.json', baseDir: '.' }, { admission: [...ADMISSION_NAMES] }, { workers: 1 });
    expect(result.variants.map((v) => v.summary.admission?.name ?? 'accept_all')).toEqual([...ADMISSION_NAMES]);
    // queue_limit with a limit of 0 turns every arrival that finds anyone waiting away.
    const shed = await simulate(base({ admission: { kind: 'queue_limit', options: { max_queued: 0 } } }));
    expect(shed.admission).toEqual({ name: 'queue_limit', options: { max_queued: 0 } });
    expect(shed.requests_completed + shed.requests_rejected).toBe(40);
  }, 120_000);

  it('power controllers', async () => {
    // A facility section gives carbon-aware its grid signal (it refuses to run without one).
    const raw = { ...base({ replicas: 2, router: 'pack' }), facility: { carbon_g_per_kwh: 400 } };
    const { result } = await runCompare({ raw, file: 'b.json', baseDir: '.' }, { 'power-controller': [...POWER_CONTROLLER_NAMES] }, { workers: 1 });
    expect(result.variants.map((v) => v.summary.power_controller?.name ?? 'none')).toEqual([...POWER_CONTROLLER_NAMES]);
    for (const v of result.variants) expect(v.summary.requests_completed).toBe(40);
    // A controller that sleeps replicas needs the GPU's sleep power on file.
    await expect(simulate(base({ gpu: 'a100-sxm', power_controller: 'autoscale' }))).rejects.toThrow(
      /^scenario:\/cluster\/power_controller: power controller 'autoscale' puts replicas to sleep, but a100-sxm has no sleep power on file \(models\/power-states\/ has h100-sxm, h200\)$/,
    );
  }, 120_000);
});
