/**
 * --trace-events: Chrome trace-event JSON with a track per replica, a complete slice per step or decode run, and
 * power / queue counters; checked on a hand case whose every number follows from the tiny cost model below.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CostParameters } from '../../sim/cost/costParameters.js';
import type { ModelWork } from '../../sim/cost/modelWork.js';
import { StepCostModel } from '../../sim/cost/stepCostModel.js';
import { simulate } from '../../sim/run/simulation.js';
import { TraceEventWriter } from '../../sim/report/traceEvents.js';
import { StaticScheduler } from '../../sim/serving/staticScheduler.js';
import type { RequestSpec } from '../../sim/workload/request.js';
import { cli, smallScenario, tempDir } from '../compare/helpers.js';

/** 1 GFLOP per token and 1 GB of weights per step; nothing else costs. */
const work: ModelWork = {
  matmulFlopsPerToken: 1e9,
  lmHeadFlopsPerToken: 0,
  attentionFlopsPerPair: 0,
  kvBytesPerToken: 0,
  weightBytesPerStep: () => 1e9,
  allReduceBytesPerToken: 0,
  allReducesPerStep: 0,
  residentWeightBytes: 1e9,
  maxContextTokens: 1_000_000,
};

/**
 * 1 TFLOP/s, 100 GB/s, 10 ms per step, idle 100 W, busy floor 200 W, 0.1 J/GFLOP, 1 J/GB, cap 1000 W.
 * A step of t ≤ 10 tokens takes 0.02 s (memory-bound) and t > 10 takes 0.01 + t/1000 s;
 * its energy is 200 W × seconds + 0.1·t + 1 J.
 */
const params: CostParameters = {
  provenance: { kind: 'datasheet', description: 'hand-made test numbers' },
  gpusPerReplica: 1,
  stepOverheadSeconds: 0.01,
  perSequenceOverheadSeconds: 0,
  computeFlopsPerSecond: 1e12,
  memoryBytesPerSecond: 1e11,
  idleWatts: 100,
  busyBaseWatts: 200,
  joulesPerFlop: 1e-10,
  joulesPerByte: 1e-9,
  powerCapWatts: 1000,
  interconnectBytesPerSecond: 1e10,
  interconnectLatencySeconds: 0,
};

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  cat?: string;
  args: Record<string, number | string>;
}

/**
 * Round robin over two replicas, static batches of 2:
 *   replica 0 gets #0 (5 in, 3 out), #2 (20 in, 1 out), #4 (10 in, 1 out), all at t = 0 — #4 waits for the batch;
 *   replica 1 gets #1 (5 in, 3 out), #3 (8 in, 2 out) at t = 0 and #5 (20 in, 1 out) at t = 10 s.
 */
function runHandCase(path: string): void {
  const specs: RequestSpec[] = [
    { id: 0, arrivalSeconds: 0, inputTokens: 5, outputTokens: 3 },
    { id: 1, arrivalSeconds: 0, inputTokens: 5, outputTokens: 3 },
    { id: 2, arrivalSeconds: 0, inputTokens: 20, outputTokens: 1 },
    { id: 3, arrivalSeconds: 0, inputTokens: 8, outputTokens: 2 },
    { id: 4, arrivalSeconds: 0, inputTokens: 10, outputTokens: 1 },
    { id: 5, arrivalSeconds: 10, inputTokens: 20, outputTokens: 1 },
  ];
  const trace = new TraceEventWriter(path);
  trace.describe(2, { description: 'tiny', idleWatts: 100 });
  const result = simulate({
    source: { report: { description: 'hand case', rowsRead: 6, requestsYielded: 6, skipped: {} }, [Symbol.iterator]: () => specs[Symbol.iterator]() },
    replicas: 2,
    router: 'round_robin',
    makeScheduler: (onFinished) =>
      new StaticScheduler(
        { batchSize: 2, groupByLengthBins: false, batchMemoryBytes: 1e12, kvBytesPerToken: 0, activationBytesPerPromptToken: 0, maxContextTokens: 1e6 },
        onFinished,
      ),
    costModel: new StepCostModel(work, params),
    idleWattsPerReplica: 100,
    intervalSeconds: 1,
    maxIntervals: 100,
    observer: trace,
  });
  trace.finish(result.makespanSeconds).commit();
}

describe('trace events, hand case', () => {
  const dir = tempDir('trace');
  const path = join(dir, 'hand.json');
  runHandCase(path);
  const doc = JSON.parse(readFileSync(path, 'utf8')) as { traceEvents: TraceEvent[]; displayTimeUnit: string };
  const events = doc.traceEvents;
  const slices = (pid: number) => events.filter((e) => e.ph === 'X' && e.pid === pid);
  const counters = (pid: number, name: string) => events.filter((e) => e.ph === 'C' && e.pid === pid && e.name === name).map((e) => [e.ts, Object.values(e.args)[0]]);

  it('parses, with a named track per replica', () => {
    expect(doc.displayTimeUnit).toBe('ms');
    const names = events.filter((e) => e.ph === 'M' && e.name === 'process_name').map((e) => [e.pid, e.args.name]);
    expect(names).toEqual([
      [1, 'replica 0: tiny'],
      [2, 'replica 1: tiny'],
    ]);
    expect(events.filter((e) => e.ph === 'X').every((e) => e.tid === 1)).toBe(true);
  });

  it('replica 0: a slice per step or decode run, with phase, batch, tokens, steps and watts; microseconds', () => {
    const s = slices(1);
    expect(s.map((e) => e.name)).toEqual(['prefill', 'decode ×2', 'prefill']);
    // Batch {#0, #2} padded to 2 × 20 = 40 tokens: 0.01 + 0.04 = 0.05 s, 200 × 0.05 + 4 + 1 = 15 J (300 W).
    expect(s[0]).toMatchObject({ cat: 'prefill', ts: 0, dur: 50000, args: { phase: 'prefill', batch_size: 2, tokens: 40, steps: 1, watts: 300, joules: 15 } });
    // Until the longest output (3): 2 decode steps of 2 sequences, 0.02 s and 4 + 0.2 + 1 = 5.2 J each (260 W).
    expect(s[1]).toMatchObject({ cat: 'decode', ts: 50000, dur: 40000, args: { phase: 'decode', batch_size: 2, tokens: 4, steps: 2, watts: 260, joules: 10.4 } });
    // Then #4, queued since t = 0: 10 tokens, memory-bound 0.02 s, 4 + 1 + 1 = 6 J.
    expect(s[2]).toMatchObject({ ts: 90000, dur: 20000, args: { batch_size: 1, tokens: 10, steps: 1, watts: 300, joules: 6 } });
    expect(counters(1, 'power')).toEqual([
      [0, 300],
      [50000, 260],
      [90000, 300],
      [110000, 100],
    ]);
  });

  it('replica 1: its own track; idle power between its batches', () => {
    // {#1, #3} padded to 2 × 8 = 16 tokens: 0.026 s, 5.2 + 1.6 + 1 = 7.8 J; 2 decode steps; #5 alone at 10 s:
    // 20 tokens, 0.03 s, 6 + 2 + 1 = 9 J.
    expect(slices(2).map((e) => [e.name, e.ts, e.dur, e.args.batch_size, e.args.tokens, e.args.joules])).toEqual([
      ['prefill', 0, 26000, 2, 16, 7.8],
      ['decode ×2', 26000, 40000, 2, 4, 10.4],
      ['prefill', 10_000_000, 30000, 1, 20, 9],
    ]);
    expect(counters(2, 'power')).toEqual([
      [0, 300],
      [26000, 260],
      [66000, 100],
      [10_000_000, 300],
      [10_030_000, 100],
    ]);
  });

  it('queue and running counters follow arrivals, admissions and finishes', () => {
    expect(counters(1, 'queued requests')).toEqual([
      [0, 0],
      [0, 1],
      [90000, 0],
    ]);
    expect(counters(1, 'running requests')).toEqual([
      [0, 0],
      [0, 2],
      [90000, 1],
      [110000, 0],
    ]);
    expect(counters(2, 'queued requests')).toEqual([[0, 0]]);
    expect(counters(2, 'running requests')).toEqual([
      [0, 0],
      [0, 2],
      [66000, 0],
      [10_000_000, 1],
      [10_030_000, 0],
    ]);
  });
});

describe('joulesim run --trace-events', () => {
  it('writes a parseable trace with a track and slices per replica, and capped steps stay under the cap', async () => {
    const dir = tempDir('trace-cli');
    const file = join(dir, 's.json');
    writeFileSync(file, JSON.stringify(smallScenario({ cluster: { gpu: 'h100-sxm', model: 'llama-3.1-8b', stack: 'vllm', replicas: 2, power_cap_w: 450 } })));
    const tracePath = join(dir, 'trace.json');
    const { code, stderr } = await cli('run', file, '--trace-events', tracePath, '--no-progress', '--json');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const events = (JSON.parse(readFileSync(tracePath, 'utf8')) as { traceEvents: TraceEvent[] }).traceEvents;
    for (const pid of [1, 2]) {
      const s = events.filter((e) => e.ph === 'X' && e.pid === pid);
      expect(s.length).toBeGreaterThan(5);
      expect(new Set(s.map((e) => e.args.phase))).toContain('decode');
      for (const e of s) {
        expect(e.dur).toBeGreaterThan(0);
        expect(Number(e.args.watts)).toBeLessThanOrEqual(450 * (1 + 1e-6));
      }
      expect(s.some((e) => Number(e.args.watts) > 449)).toBe(true);
      expect(events.some((e) => e.ph === 'C' && e.pid === pid && e.name === 'queued requests')).toBe(true);
    }
    // Deterministic: the same run writes the same bytes.
    const again = join(dir, 'again.json');
    await cli('run', file, '--trace-events', again, '--no-progress', '--json');
    expect(readFileSync(again).equals(readFileSync(tracePath))).toBe(true);
  });

  it('the queue and running counters stream the counts timeseries.csv averages (with preemptions): equal time integrals per replica', async () => {
    const dir = tempDir('trace-counts');
    const file = join(dir, 's.json');
    // Long prompts and outputs on a 48 GB card, arriving fast: the KV cache runs out and requests are preempted.
    writeFileSync(
      file,
      JSON.stringify(
        smallScenario({
          workload: { kind: 'synthetic', arrival: { process: 'poisson', rate_per_s: 200 }, count: 300, lengths: { kind: 'lognormal', input: { mean: 3000, std: 1000, max: 8000 }, output: { mean: 600, std: 300, max: 2000 } } },
          cluster: { gpu: 'a6000', model: 'llama-3.1-8b', stack: 'vllm', replicas: 2 },
        }),
      ),
    );
    const tracePath = join(dir, 'trace.json');
    const out = join(dir, 'out');
    const { code, stdout } = await cli('run', file, '--trace-events', tracePath, '--out', out, '--no-progress', '--json');
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as { preemptions: number; makespan_s: number };
    expect(summary.preemptions).toBeGreaterThan(0);
    const events = (JSON.parse(readFileSync(tracePath, 'utf8')) as { traceEvents: TraceEvent[] }).traceEvents;
    const [header, ...rows] = readFileSync(join(out, 'timeseries.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    const column = (name: string) => header.indexOf(name);
    for (const replica of [0, 1]) {
      for (const what of ['queued', 'running'] as const) {
        // The counter is a step function: each value holds until the next change (or the end of the run).
        const changes = events.filter((e) => e.ph === 'C' && e.pid === replica + 1 && e.name === `${what} requests`).map((e) => [e.ts! / 1e6, Number(Object.values(e.args)[0])]);
        for (let i = 1; i < changes.length; i++) expect(changes[i][0]).toBeGreaterThanOrEqual(changes[i - 1][0]);
        let fromCounters = 0;
        for (let i = 0; i < changes.length; i++) fromCounters += changes[i][1] * ((i + 1 < changes.length ? changes[i + 1][0] : summary.makespan_s) - changes[i][0]);
        const c = column(`replica${replica}_${what}`);
        let fromIntervals = 0;
        for (const row of rows) fromIntervals += Number(row[c]) * (Number(row[column('end_s')]) - Number(row[column('start_s')]));
        expect(fromCounters).toBeGreaterThan(0);
        // timeseries.csv writes 9 significant digits and the trace nanosecond timestamps.
        expect(Math.abs(fromCounters - fromIntervals) / fromIntervals).toBeLessThan(1e-6);
      }
    }
  });

  it('an unwritable trace path is one line, exit 2', async () => {
    const { code, stderr } = await cli('run', '--trace-events', '/nonexistent-dir/x.json', '--no-progress');
    expect(code).toBe(2);
    expect(stderr).toMatch(/^joulesim: \/nonexistent-dir\/x\.json: cannot write the trace-event file: no such folder \(ENOENT\)\n$/);
  });
});
