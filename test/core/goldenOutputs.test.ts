/**
 * Byte-identity of a fixed set of runs against outputs recorded from an earlier build (test/fixtures/core/
 * golden-outputs.json: a SHA-256 per output file). Speed work on the engine, the schedulers and the accounting must
 * not change a single byte of any output; this catches what the fast-path-against-step-by-step property tests
 * cannot (both paths changed alike, an event counted differently, a CSV column off by a rounding).
 *
 * A change that is meant to alter outputs regenerates the file with
 * `npx vitest run test/core/goldenOutputs.test.ts -u` and says why in its commit.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scenariosDir } from '../../sim/paths.js';
import { runScenario } from '../../sim/run/runScenario.js';
import { loadScenario, parseScenario } from '../../sim/scenario/loadScenario.js';

const dir = mkdtempSync(join(tmpdir(), 'joulesim-golden-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const azureLengths = { kind: 'trace', path: 'traces/AzureLLMInferenceTrace_conv.csv' };
const poisson = (rate: number) => ({ process: 'poisson', rate_per_s: rate });
const h100 = (extra: Record<string, unknown>) => ({ gpu: 'h100-sxm', model: 'llama-3.1-8b', stack: 'vllm', ...extra });

/** Each case: a scenario object (or a bundled scenario file with overrides) and whether to write trace events. */
const CASES: Record<string, { scenario: Record<string, unknown> | string; patch?: (s: Record<string, unknown>) => void; traceEvents?: boolean }> = {
  'continuous, 16 replicas, underloaded': {
    scenario: { seed: 3, workload: { kind: 'synthetic', arrival: poisson(64), count: 20000, lengths: azureLengths }, cluster: h100({ replicas: 16, router: 'least_outstanding' }) },
    traceEvents: true,
  },
  'continuous, 4 replicas, overloaded': {
    scenario: { seed: 4, workload: { kind: 'synthetic', arrival: poisson(150), count: 12000, lengths: azureLengths }, cluster: h100({ replicas: 4, router: 'least_outstanding' }) },
    traceEvents: true,
  },
  'continuous, overloaded with queue-limit admission (rejections)': {
    scenario: { seed: 13, workload: { kind: 'synthetic', arrival: poisson(120), count: 8000, lengths: azureLengths }, cluster: h100({ replicas: 2, admission: { kind: 'queue_limit', options: { max_queued: 200 } } }) },
  },
  'continuous, KV pressure (preemption), 2 replicas round robin': {
    scenario: {
      seed: 5,
      workload: { kind: 'synthetic', arrival: poisson(40), count: 3000, lengths: { kind: 'lognormal', input: { mean: 3000, std: 2000, max: 12000 }, output: { mean: 1200, std: 900, max: 4000 } } },
      cluster: h100({ replicas: 2, router: 'round_robin', scheduler: { kind: 'continuous', kv_blocks: 4000 } }),
    },
  },
  'continuous, unchunked, 4 replicas pack': {
    scenario: { seed: 6, workload: { kind: 'synthetic', arrival: poisson(30), count: 6000, lengths: azureLengths }, cluster: h100({ replicas: 4, router: 'pack', scheduler: { kind: 'continuous', chunked_prefill: false } }) },
  },
  'continuous, offline batch, small batch size': {
    scenario: { seed: 7, workload: { kind: 'synthetic', arrival: { process: 'offline' }, count: 3000, lengths: azureLengths }, cluster: h100({ replicas: 2, scheduler: { kind: 'continuous', batch_size: 48 } }) },
  },
  'continuous, tp 2, 4 replicas': {
    scenario: { seed: 8, workload: { kind: 'synthetic', arrival: poisson(30), count: 8000, lengths: azureLengths }, cluster: h100({ replicas: 4, tp: 2, router: 'least_outstanding' }) },
  },
  'static b32 hf-eager, 8 replicas': {
    scenario: { seed: 9, workload: { kind: 'synthetic', arrival: poisson(16), count: 6000, lengths: azureLengths }, cluster: h100({ stack: 'hf-eager', replicas: 8, scheduler: { kind: 'static', batch_size: 32 } }) },
  },
  'hf-paged continuous, 4 replicas': {
    scenario: { seed: 10, workload: { kind: 'synthetic', arrival: poisson(8), count: 3000, lengths: azureLengths }, cluster: h100({ stack: 'hf-paged', replicas: 4 }) },
  },
  'speculative on static': {
    scenario: {
      seed: 11,
      workload: { kind: 'synthetic', arrival: poisson(8), count: 1500, lengths: azureLengths },
      cluster: h100({ stack: 'hf-eager', replicas: 4, scheduler: { kind: 'speculative', speculative_base: 'static', batch_size: 32, draft_model: 'llama-3.2-1b', gamma: 4, acceptance: { kind: 'per_token', rate: 0.7 } } }),
    },
  },
  'speculative on hf-paged': {
    scenario: {
      seed: 12,
      workload: { kind: 'synthetic', arrival: poisson(8), count: 1500, lengths: azureLengths },
      cluster: h100({ stack: 'hf-paged', replicas: 4, scheduler: { kind: 'speculative', draft_model: 'llama-3.2-1b', gamma: 4, acceptance: { kind: 'per_token', rate: 0.7 } } }),
    },
  },
  'autoscale power controller, bursty arrivals, SLO': {
    scenario: 'energy-aware-bursty-4x.json',
    patch: (s) => {
      (s.workload as Record<string, unknown>).duration_s = 900;
      (s.cluster as Record<string, unknown>).power_controller = { kind: 'autoscale' };
    },
  },
  'facility (DGX H100, CISO)': {
    scenario: 'facility-ciso.json',
    patch: (s) => ((s.workload as Record<string, unknown>).limit = 4000),
  },
  'carbon routing, two regions': {
    scenario: 'carbon-routing-day.json',
    patch: (s) => ((s.workload as Record<string, unknown>).arrival = { process: 'poisson', rate_per_s: 0.25, diurnal: { amplitude: 0.5, peak_s: 64800 } }),
  },
  'disaggregated (Splitwise-HH)': {
    scenario: 'splitwise-hh.json',
    patch: (s) => ((s.workload as Record<string, unknown>).limit = 4000),
    traceEvents: true,
  },
  'Mooncake with prefix caching': {
    scenario: 'mooncake-8x-h100.json',
    patch: (s) => {
      (s.workload as Record<string, unknown>).limit = 4000;
      (s.cluster as Record<string, unknown>).scheduler = { kind: 'continuous', prefix_caching: true };
    },
  },
};

const FILES = ['summary.json', 'requests.csv', 'timeseries.csv', 'report.html'];

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function loadCase(name: string): ReturnType<typeof parseScenario> {
  const c = CASES[name];
  if (typeof c.scenario !== 'string') return parseScenario(structuredClone(c.scenario), `golden:${name}`, scenariosDir);
  const raw = JSON.parse(readFileSync(join(scenariosDir, c.scenario), 'utf8')) as Record<string, unknown>;
  c.patch?.(raw);
  return c.patch ? parseScenario(raw, join(scenariosDir, c.scenario), scenariosDir) : loadScenario(join(scenariosDir, c.scenario));
}

describe('golden outputs', () => {
  it('a fixed set of runs writes byte-identical outputs to the recorded ones', { timeout: 600_000 }, async () => {
    const hashes: Record<string, Record<string, string>> = {};
    let i = 0;
    for (const name of Object.keys(CASES)) {
      const outDir = join(dir, `case-${i++}`);
      const traceEventsFile = CASES[name].traceEvents ? join(outDir, 'trace-events.json') : undefined;
      const { summary } = runScenario(loadCase(name), { outDir, traceEventsFile });
      // Every case ran its whole workload.
      expect(summary.requests_completed + summary.requests_rejected, name).toBe(summary.workload.requests);
      if (process.env.GOLDEN_PEEK) console.log(name, summary.workload.requests, summary.requests_rejected, summary.preemptions, summary.events);
      hashes[name] = {};
      for (const f of traceEventsFile ? [...FILES, 'trace-events.json'] : FILES) hashes[name][f] = sha256(join(outDir, f));
    }
    await expect(JSON.stringify(hashes, null, 2) + '\n').toMatchFileSnapshot('../fixtures/core/golden-outputs.json');
  });
});
