import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../sim/errors.js';
import { buildSimulation } from '../../sim/run/buildSimulation.js';
import { parseScenario } from '../../sim/scenario/loadScenario.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'core');
const workload = { kind: 'trace', path: 'tiny.csv', format: 'csv' };

function parseError(raw: unknown, overrides: object = {}): InputError {
  try {
    parseScenario(raw, 's.json', fixtures, overrides);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('scenario loading and building', () => {
  it('defaults are filled in; overrides merge deeply', () => {
    const { scenario } = parseScenario({ workload, cluster: { scheduler: { batch_size: 4 } } }, 's.json', fixtures, {
      cluster: { replicas: 3, scheduler: { chunked_prefill: false } },
    });
    expect(scenario.seed).toBe(1);
    expect(scenario.cluster).toMatchObject({ gpu: 'h100-sxm', model: 'llama-3.1-8b', stack: 'vllm', replicas: 3, tp: 1, router: 'round_robin', cost_model: 'auto' });
    expect(scenario.cluster.scheduler).toEqual({ batch_size: 4, chunked_prefill: false });
    expect(scenario.output).toEqual({ interval_s: 1, max_intervals: 10000 });
  });

  it('schema violations name the JSON path', () => {
    expect(parseError({ workload, cluster: { replicas: 0 } }).message).toBe('s.json:/cluster/replicas: must be >= 1');
    expect(parseError({ workload }, { cluster: { tp: 1.5 } }).message).toBe('s.json:/cluster/tp: must be an integer, found the number 1.5');
    expect(parseError({ workload, cluster: { router: 'random' } }).message).toBe('s.json:/cluster/router: must be one of "round_robin", "least_outstanding", "pack", "prefix_affinity", "carbon_aware", "most_free_kv"');
    expect(parseError({}).message).toBe("s.json:/: missing required property 'workload'");
    expect(parseError({ workload: { kind: 'magic' } }).message).toMatch(/^s\.json:\/workload\/kind: unknown kind "magic"/);
  });

  it('continuous defaults: the stack’s block size, 8192 tokens with chunked prefill and 16384 without, 1% watermark', () => {
    const chunked = buildSimulation(parseScenario({ workload, cluster: { tp: 2 } }, 's.json', fixtures)).resolved;
    expect(chunked.scheduler.kind).toBe('continuous');
    if (chunked.scheduler.kind !== 'continuous') return;
    const c = (chunked.scheduler.config as any);
    expect(c.maxBatchedTokens).toBe(8192);
    expect(c.chunkedPrefill).toBe(true);
    expect(c.blockTokens).toBe(16);
    expect(c.maxRunningSequences).toBe(256);
    expect(c.admissionWatermarkBlocks).toBe(Math.ceil(0.01 * c.totalBlocks));
    expect(c.maxRunSteps).toBe(Number.MAX_SAFE_INTEGER);
    const unchunked = buildSimulation(
      parseScenario({ workload, cluster: { scheduler: { chunked_prefill: false, max_run_steps: 1 } } }, 's.json', fixtures),
    ).resolved.scheduler;
    if (unchunked.kind !== 'continuous') throw new Error('continuous expected');
    expect((unchunked.config as any).maxBatchedTokens).toBe(16384);
    expect((unchunked.config as any).maxRunSteps).toBe(1);
  });

  it('tp multiplies idle power per replica; hf-eager batches statically by 8 by default', () => {
    const built = buildSimulation(parseScenario({ workload, cluster: { tp: 2, stack: 'hf-eager' } }, 's.json', fixtures));
    expect(built.setup.idleWattsPerReplica).toBe(2 * built.resolved.cost.idleWatts);
    expect(built.resolved.cost.gpusPerReplica).toBe(2);
    expect(built.resolved.scheduler.kind).toBe('static');
    if (built.resolved.scheduler.kind === 'static') expect((built.resolved.scheduler.config as any).batchSize).toBe(8);
  });

  it('a power cap at or below the busy floor is refused at /cluster/power_cap_w', () => {
    const loaded = parseScenario({ workload, cluster: { power_cap_w: 100, cost_model: 'roofline' } }, 's.json', fixtures);
    expect(() => buildSimulation(loaded)).toThrow(/^s\.json:\/cluster\/power_cap_w: a cap of 100 W is below/);
  });
});
