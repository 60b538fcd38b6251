/**
 * Disaggregated prefill/decode serving: one transfer's time and energy by hand, the hand-off's block accounting,
 * conservation, determinism, the fast path against step-by-step, and the one-line errors of impossible setups.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compare, simulate } from '../../sim/index.js';
import type { LiveRequest } from '../../sim/serving/liveRequest.js';
import { runScenario } from '../../sim/run/runScenario.js';
import { parseScenario } from '../../sim/scenario/loadScenario.js';
import { PrefillOnlyScheduler } from '../../sim/serving/prefillOnlyScheduler.js';
import { DecodeOnlyScheduler } from '../../sim/serving/decodeOnlyScheduler.js';
import { mostFreeKvRouter } from '../../sim/policies/router/mostFreeKv.js';
import { LiveRequest as Live } from '../../sim/serving/liveRequest.js';
import type { ContinuousConfig } from '../../sim/serving/continuousScheduler.js';
import { cli, oneLineError, tempDir } from '../compare/helpers.js';
import { loadSweep } from '../../sim/sweep/loadSweep.js';
import { planSweep } from '../../sim/sweep/sweepPlan.js';

function run(scenario: Record<string, unknown>, outDir?: string) {
  const rows: { r: LiveRequest; finish: number; replica: number }[] = [];
  const loaded = parseScenario(scenario, 'test.json', process.cwd());
  const out = runScenario(loaded, { outDir, requestSink: { finished: (r, finish, replica) => rows.push({ r, finish, replica }), rejected: () => {} } });
  return { ...out, rows };
}

const one = (input: number, output: number) => ({ kind: 'synthetic', arrival: { process: 'offline' }, count: 1, lengths: { kind: 'fixed', input_tokens: input, output_tokens: output } }) as const;

describe('one KV transfer by hand', () => {
  it('InfiniBand, H100 prefill → A100 decode: time = latency + bytes / the slower end, energy = bytes × both ends', () => {
    const d = run({ workload: one(2000, 10), cluster: { model: 'llama-3.1-8b', disaggregation: { link: 'infiniband', prefill: { gpu: 'h100-sxm' }, decode: { gpu: 'a100-sxm' } } } });
    // Llama-3.1-8B: 2 (K, V) × 32 layers × 8 KV heads × 128 × 2 bytes = 131,072 bytes per token; 2,000 prompt tokens.
    const bytes = 2000 * 131_072; // 262,144,000
    // dgx-h100: 400 Gb/s per GPU, dgx-a100: 200 Gb/s per GPU; TP 1 both: 200 Gb/s = 25 GB/s. Latency 10 µs each end.
    const seconds = 10e-6 + bytes / 25e9; // 0.01049576 s
    // 50 pJ/bit (ConnectX-7 end) + 100 pJ/bit (ConnectX-6 end) = 150 pJ/bit.
    const joules = bytes * 8 * 150e-12; // 0.3145728 J
    const s = d.summary.disaggregation!;
    expect(s.transfers).toBe(1);
    expect(s.transfer_bytes).toBe(bytes);
    expect(s.link_busy_s).toBeCloseTo(seconds, 12);
    expect(s.transfer_energy_j).toBeCloseTo(joules, 12);
    expect(d.summary.energy_breakdown_j.transfer).toBeCloseTo(joules, 12);
    expect(s.kv_bytes_per_token).toBe(131_072);
    const r = d.rows[0].r;
    expect(r.firstTokenSeconds - r.handoffSeconds).toBeCloseTo(seconds, 12);
    // TTFT = the prompt's step on the H100 (the same request served colocated there) + the transfer.
    const colocated = run({ workload: one(2000, 10), cluster: { model: 'llama-3.1-8b', gpu: 'h100-sxm' } });
    expect(d.summary.ttft_s.p50).toBeCloseTo(colocated.summary.ttft_s.p50 + seconds, 12);
    // The request decodes on the decode pool (replica 1) and carries the transfer's energy.
    expect(d.rows[0].replica).toBe(1);
    expect(d.summary.attributed_energy_j).toBeCloseTo(d.summary.energy_j - d.summary.energy_breakdown_j.idle, 9);
  });

  it('an fp8 KV cache moves half the bytes; NVLink inside a node takes the GPU file’s numbers', () => {
    const fp8 = run({ workload: one(2000, 10), cluster: { model: 'llama-3.1-8b', kv_cache_dtype: 'fp8', disaggregation: { link: 'infiniband', decode: { gpu: 'a100-sxm' } } } });
    expect(fp8.summary.disaggregation!.transfer_bytes).toBe(2000 * 65_536);
    expect(fp8.summary.disaggregation!.link_busy_s).toBeCloseTo(10e-6 + (2000 * 65_536) / 25e9, 12);
    // H100 NVLink: 450 GB/s per GPU × min(TP 2, TP 1) = 450 GB/s, 25 µs, 11 pJ/bit (modelled).
    const nv = run({ workload: one(1000, 10), cluster: { model: 'llama-3.1-8b', disaggregation: { link: 'nvlink', prefill: { tp: 2 }, decode: { tp: 1 } } } });
    const bytes = 1000 * 131_072;
    expect(nv.summary.disaggregation!.link_busy_s).toBeCloseTo(25e-6 + bytes / 450e9, 12);
    expect(nv.summary.disaggregation!.transfer_energy_j).toBeCloseTo(bytes * 8 * 11e-12, 12);
    expect(nv.summary.disaggregation!.link.basis).toBe('modelled');
  });

  it('a one-token request finishes on its prefill replica: nothing moves', () => {
    const d = run({ workload: one(500, 1), cluster: { disaggregation: { link: 'infiniband' } } });
    expect(d.summary.requests_completed).toBe(1);
    expect(d.summary.disaggregation!.transfers).toBe(0);
    expect(d.rows[0].replica).toBe(0);
  });
});

describe('hand-off block accounting', () => {
  const config: ContinuousConfig = {
    maxRunningSequences: 8,
    maxBatchedTokens: 4096,
    chunkedPrefill: true,
    blockTokens: 16,
    totalBlocks: 100,
    admissionWatermarkBlocks: 0,
    maxContextTokens: 100_000,
    maxRunSteps: Number.MAX_SAFE_INTEGER,
  };
  const request = (id: number, input: number, output: number) => new Live({ id, arrivalSeconds: 0, inputTokens: input, outputTokens: output });

  it('the prefill replica keeps a handed-off prompt’s blocks until its transfer ends', () => {
    const handed: LiveRequest[] = [];
    const s = new PrefillOnlyScheduler(config, () => {}, (r) => handed.push(r));
    const free = () => (s as unknown as { pool: { freeBlocks: number } }).pool.freeBlocks;
    expect(s.enqueue(request(0, 800, 5))).toBeNull(); // 50 blocks
    const w = s.plan(0)!;
    s.complete(w as never, { endSeconds: 1, stepsDone: 1, joules: 10 });
    expect(handed).toHaveLength(1);
    expect(s.outstanding()).toBe(0); // its seat is free
    expect(free()).toBe(50); // its blocks are not
    expect(s.holdingCount).toBe(1);
    // A second 800-token prompt fits beside it; a third (50 more blocks) would not until the first is released.
    s.enqueue(request(1, 800, 5));
    s.enqueue(request(2, 800, 5));
    const w2 = s.plan(1)! as unknown as { kind: string; step: { chunkNewTokens: number[] } };
    expect(w2.step.chunkNewTokens).toEqual([800]);
    s.complete(w2 as never, { endSeconds: 2, stepsDone: 1, joules: 10 });
    expect(free()).toBe(0);
    expect(s.plan(2)).toBeNull(); // blocked on blocks held for transfers
    s.releaseHandedOff(handed[0]);
    expect(free()).toBe(50);
    expect(s.plan(3)).not.toBeNull();
  });

  it('the decode replica reserves a prompt’s blocks and a seat before the transfer; a request that does not fit waits', () => {
    const s = new DecodeOnlyScheduler({ ...config, maxRunningSequences: 2 }, () => {}, () => {});
    const free = () => (s as unknown as { pool: { freeBlocks: number } }).pool.freeBlocks;
    const a = request(0, 960, 5); // 60 blocks
    const b = request(1, 640, 5); // 40 blocks
    const c = request(2, 16, 5);
    for (const r of [a, b, c]) r.generatedTokens = 1;
    expect(s.canReserve(a)).toBe(true);
    s.reserve(a);
    expect(free()).toBe(40);
    expect(s.canReserve(b)).toBe(true);
    s.reserve(b);
    expect(free()).toBe(0);
    expect(s.canReserve(c)).toBe(false); // no seat and no block
    expect(s.outstanding()).toBe(2);
    expect(s.cannotHold(1600, 1)).toBeNull();
    expect(s.cannotHold(1600, 2)).toMatch(/101 KV blocks/);
  });
});

/** Small pools under load: decode seats run out, so reservations wait and transfers queue. */
const loaded = {
  seed: 7,
  workload: { kind: 'synthetic', arrival: { process: 'poisson', rate_per_s: 30 }, count: 150, lengths: { kind: 'uniform', input: { min: 50, max: 3000 }, output: { min: 1, max: 200 } } },
  cluster: {
    model: 'llama-3.1-8b',
    scheduler: { chunked_prefill: false },
    disaggregation: { link: 'ethernet', prefill: { gpu: 'h100-sxm', replicas: 2 }, decode: { gpu: 'a100-sxm', replicas: 2, batch_size: 8 } },
  },
  output: { interval_s: 0.5 },
} as const;

describe('conservation and determinism', () => {
  it('pools + transfers = total; attributed + idle = total; every request finishes; the time series adds up', () => {
    const d = run(loaded);
    const s = d.summary;
    const g = s.disaggregation!;
    expect(s.requests_completed + s.requests_rejected).toBe(150);
    expect(s.requests_completed).toBe(150);
    expect(g.prefill_pool.energy_j + g.decode_pool.energy_j + g.transfer_energy_j).toBeCloseTo(s.energy_j, 6);
    expect(s.attributed_energy_j + s.energy_breakdown_j.idle).toBeCloseTo(s.energy_j, 6);
    const b = s.energy_breakdown_j;
    expect(b.prefill + b.decode + b.idle + b.transfer!).toBeCloseTo(s.energy_j, 6);
    // Prompts run on the prefill pool, decodes on the decode pool (a preempted request recomputes there).
    expect(g.prefill_pool.energy_breakdown_j.decode).toBe(0);
    expect(g.transfers).toBe(d.rows.filter((x) => x.r.spec.outputTokens > 1).length);
    expect(g.mean_reservation_wait_s).toBeGreaterThan(0);
    expect(g.link_utilisation).toBeGreaterThan(0);
    expect(g.link_utilisation).toBeLessThan(1);
    let series = 0;
    for (const row of d.result.timeSeries) {
      series += row.transferJoules!;
      for (let i = 0; i < row.prefillJoules.length; i++) series += row.prefillJoules[i] + row.decodeJoules[i] + row.idleJoules[i];
    }
    expect(series).toBeCloseTo(s.energy_j, 6);
    for (const { r, finish } of d.rows) {
      if (r.spec.outputTokens === 1) continue;
      // The first token comes with the KV cache, after the prompt's step and the transfer.
      expect(r.firstTokenSeconds).toBeGreaterThan(r.handoffSeconds);
      expect(finish).toBeGreaterThanOrEqual(r.firstTokenSeconds);
    }
  });

  it('the same scenario gives byte-identical outputs; the fast path equals step by step', () => {
    const a = tempDir('disagg-a');
    const b = tempDir('disagg-b');
    run(loaded, a);
    run(loaded, b);
    for (const f of readdirSync(a)) expect(readFileSync(join(b, f), 'utf8')).toBe(readFileSync(join(a, f), 'utf8'));
    expect(readFileSync(join(a, 'requests.csv'), 'utf8').split('\n')[0]).toMatch(/,handoff_s$/);
    expect(readFileSync(join(a, 'timeseries.csv'), 'utf8').split('\n')[0]).toMatch(/idle_j,transfer_j,cumulative_energy_j/);
    const fast = run(loaded).summary;
    const slow = run({ ...loaded, cluster: { ...loaded.cluster, scheduler: { chunked_prefill: false, max_run_steps: 1 } } }).summary;
    expect(slow.energy_j).toBeCloseTo(fast.energy_j, 6);
    expect(slow.makespan_s).toBeCloseTo(fast.makespan_s, 9);
    expect(slow.ttft_s.p99).toBeCloseTo(fast.ttft_s.p99, 9);
    expect(slow.disaggregation!.link_busy_s).toBeCloseTo(fast.disaggregation!.link_busy_s, 12);
  }, 120_000);
});

describe('the most_free_kv router', () => {
  it('picks the replica with the most free KV blocks; ties by load, then index; views without a cache last', () => {
    const view = (index: number, freeKvBlocks: number | undefined, outstanding: number) => ({ index, outstanding, running: 0, queued: 0, state: 'awake' as const, idleSinceSeconds: null, gpu: { smClockMhz: null, powerLimitWatts: 700 }, phase: null, lastDecodeStepSeconds: null, ...(freeKvBlocks !== undefined ? { freeKvBlocks } : {}) });
    const r = mostFreeKvRouter();
    const req = { id: 0, arrivalSeconds: 0, inputTokens: 10, outputTokens: 10, generatedTokens: 1, preemptions: 0 };
    expect(r.route(req, [view(0, 10, 0), view(1, 30, 5), view(2, 20, 0)], 0)).toBe(1);
    expect(r.route(req, [view(0, 30, 3), view(1, 30, 2), view(2, 30, 2)], 0)).toBe(1);
    expect(r.route(req, [view(0, undefined, 0), view(1, 0, 9)], 0)).toBe(1);
  });

  it('as the decode pool’s router: every request finishes, energy is conserved', () => {
    const d = run({ ...loaded, cluster: { ...loaded.cluster, disaggregation: { ...loaded.cluster.disaggregation, decode: { ...loaded.cluster.disaggregation.decode, router: 'most_free_kv' } } } });
    expect(d.summary.requests_completed).toBe(150);
    expect(d.summary.disaggregation!.decode_pool.router).toBe('most_free_kv');
    expect(d.summary.attributed_energy_j + d.summary.energy_breakdown_j.idle).toBeCloseTo(d.summary.energy_j, 6);
  });
});

describe('the report', () => {
  it('its cumulative energy ends at the run’s total, transfers included', async () => {
    const r = await simulate({ ...loaded, workload: { ...loaded.workload, count: 40 } });
    const c = r.report.series.cumulativeJoules;
    expect(c[c.length - 1]).toBeCloseTo(r.energy_j, 6);
    expect(r.energy_breakdown_j.transfer).toBeGreaterThan(0);
  });
});

describe('reachable from compare --vary', () => {
  it('link and decode-pool keys vary a disaggregated base', async () => {
    const r = await compare({ ...loaded, workload: { ...loaded.workload, count: 30 } }, { link: ['ethernet', 'infiniband'], 'decode-replicas': [1, 2] }, { workers: 1 });
    expect(r.variants.map((v) => v.label)).toEqual(['link=ethernet decode-replicas=1', 'link=ethernet decode-replicas=2', 'link=infiniband decode-replicas=1', 'link=infiniband decode-replicas=2']);
    expect(r.variants[3].summary.disaggregation!.decode_pool.replicas).toBe(2);
    expect(r.variants[3].summary.disaggregation!.link.kind).toBe('infiniband');
    // InfiniBand is faster than the DGX's shared Ethernet ports: the link is busy for less time.
    expect(r.variants[2].summary.disaggregation!.link_busy_s).toBeLessThan(r.variants[0].summary.disaggregation!.link_busy_s);
  }, 120_000);
});

describe('reachable from sweeps', () => {
  it('a sweep varies the link and the decode pool, and the bundled Splitwise sweep plans its 63 variants (9 designs × 7 workloads)', async () => {
    const dir = tempDir('disagg-sweep');
    const file = join(dir, 'sweep.json');
    const base = { ...loaded, workload: { ...loaded.workload, count: 20 } };
    writeFileSync(file, JSON.stringify({ format: 'joulesim-sweep/1', name: 'pools', base, axes: [{ vary: 'link', values: ['infiniband', 'ethernet'] }, { vary: 'decode-gpu', values: ['h100-sxm', 'a100-sxm'] }] }));
    const { plan } = await planSweep(loadSweep(file));
    expect(plan.variants.map((v) => v.label)).toEqual([
      'link=infiniband decode-gpu=h100-sxm',
      'link=infiniband decode-gpu=a100-sxm',
      'link=ethernet decode-gpu=h100-sxm',
      'link=ethernet decode-gpu=a100-sxm',
    ]);
    const out = join(dir, 'out');
    const r = await cli('sweep', 'run', file, '--out', out, '--no-progress', '--workers', '1');
    expect(r.code).toBe(0);
    const merged = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')) as { variants: { summary: { disaggregation: { decode_pool: { gpu: string } } } }[] };
    expect(merged.variants[3].summary.disaggregation.decode_pool.gpu).toBe('a100-sxm');
    const splitwise = await planSweep(loadSweep(join(import.meta.dirname, '..', '..', 'examples', 'sweeps', 'splitwise.json')));
    expect(splitwise.plan.variants).toHaveLength(63);
  }, 120_000);
});

describe('impossible setups: one line, exit 2', () => {
  it('a request whose KV cache exceeds a decode replica’s memory', async () => {
    const dir = tempDir('disagg-err');
    const file = join(dir, 'big.json');
    writeFileSync(file, JSON.stringify({ workload: one(2000, 10), cluster: { scheduler: { kv_blocks: 100 }, disaggregation: { link: 'infiniband' } } }));
    const line = await oneLineError('run', file);
    expect(line).toMatch(/big\.json:\/cluster\/disaggregation\/decode: request 0 .*126 KV blocks.*holds 100/);
  });

  it('an unknown link id, from a flag and from a file', async () => {
    expect(await oneLineError('run', '--link', 'carrier-pigeon')).toMatch(/--link/);
    const dir = tempDir('disagg-err');
    const file = join(dir, 'link.json');
    writeFileSync(file, JSON.stringify({ workload: one(100, 10), cluster: { disaggregation: { link: 'pcie' } } }));
    expect(await oneLineError('run', file)).toMatch(/link\.json:\/cluster\/disaggregation\/link/);
  });

  it('a flag the pools would ignore', async () => {
    expect(await oneLineError('run', '--link', 'infiniband', '--replicas', '3')).toMatch(/--replicas: with disaggregated serving each pool has its own replica count/);
  });

  it('NVLink between different GPUs, or on a GPU without it', async () => {
    expect(await oneLineError('run', '--link', 'nvlink', '--decode-gpu', 'a100-sxm')).toMatch(/--link: NVLink joins GPUs inside one node/);
    expect(await oneLineError('run', '--link', 'nvlink', '--gpu', 'l40s')).toMatch(/l40s has no NVLink/);
  });
});
