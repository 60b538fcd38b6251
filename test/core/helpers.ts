/**
 * Tiny hand-made models and cost parameters for the core tests, so every expected number can be derived by hand,
 * plus an in-memory request source and a recorder of what a simulation did.
 */
import seedrandom from 'seedrandom';
import type { CostParameters } from '../../sim/cost/costParameters.js';
import type { ModelWork } from '../../sim/cost/modelWork.js';
import { StepCostModel } from '../../sim/cost/stepCostModel.js';
import { simulate, type SimulationResult, type SimulationSetup } from '../../sim/run/simulation.js';
import type { RequestRowWriter } from '../../sim/accounting/requestMetrics.js';
import { ContinuousScheduler, type ContinuousConfig } from '../../sim/serving/continuousScheduler.js';
import type { LiveRequest } from '../../sim/serving/liveRequest.js';
import type { WorkObserver } from '../../sim/serving/replica.js';
import type { RouterKind } from '../../sim/serving/router.js';
import { StaticScheduler, type StaticConfig } from '../../sim/serving/staticScheduler.js';
import type { Work } from '../../sim/serving/work.js';
import type { RequestSource, RequestSpec } from '../../sim/workload/request.js';
import { FittedRangeCheck } from '../../sim/report/fittedRangeCheck.js';
import type { FittedRange } from '../../sim/cost/costParameters.js';

/**
 * 1 GFLOP per token, 1 GB of weights read per step, no LM head, no attention, no KV traffic unless overridden.
 * With `tinyParams` a step of t ≤ 10 tokens is memory-bound at 0.01 + 1e9/1e11 = 0.02 s, and a step of
 * t > 10 tokens is compute-bound at 0.01 + t·1e9/1e12 = 0.01 + t/1000 s.
 */
export function tinyWork(over: Partial<ModelWork> = {}): ModelWork {
  return {
    matmulFlopsPerToken: 1e9,
    lmHeadFlopsPerToken: 0,
    attentionFlopsPerPair: 0,
    kvBytesPerToken: 0,
    weightBytesPerStep: () => 1e9,
    allReduceBytesPerToken: 1e4,
    allReducesPerStep: 4,
    residentWeightBytes: 1e9,
    maxContextTokens: 1_000_000,
    ...over,
  };
}

/**
 * 1 TFLOP/s, 100 GB/s, 0.01 s per step, idle 100 W, busy floor 200 W, 0.1 J per GFLOP and 1 J per GB, cap 1000 W
 * (800 W of headroom above the floor), interconnect 10 GB/s with 10 µs latency.
 * A step's dynamic energy is 0.1·GFLOPs + 1·GB; its joules are 200 W × seconds + dynamic.
 */
export function tinyParams(over: Partial<CostParameters> = {}): CostParameters {
  return {
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
    interconnectLatencySeconds: 1e-5,
    ...over,
  };
}

export function spec(id: number, arrivalSeconds: number, inputTokens: number, outputTokens: number): RequestSpec {
  return { id, arrivalSeconds, inputTokens, outputTokens };
}

/** An in-memory workload (re-iterable, in the given order). */
export function memorySource(specs: readonly RequestSpec[]): RequestSource {
  return {
    report: { description: 'in-memory test workload', rowsRead: specs.length, requestsYielded: specs.length, skipped: {} },
    [Symbol.iterator]: () => specs[Symbol.iterator](),
  };
}

export interface FinishedRow {
  id: number;
  replica: number;
  arrival: number;
  admitted: number;
  firstToken: number;
  finish: number;
  energy: number;
  preemptions: number;
}

export interface WorkRecord {
  replica: number;
  start: number;
  end: number;
  work: Work;
  /** Copies of the step's arrays (schedulers may reuse them). */
  chunks?: number[];
  cached?: number[];
  stepsDone: number;
  joules: number;
}

/** Collects finished and rejected rows and every piece of work. */
export class Recorder implements RequestRowWriter, WorkObserver {
  readonly finishedRows: FinishedRow[] = [];
  readonly rejectedRows: { id: number; reason: string; replica: number }[] = [];
  readonly works: WorkRecord[] = [];

  finished(r: LiveRequest, finishSeconds: number, replica: number): void {
    this.finishedRows.push({
      id: r.spec.id,
      replica,
      arrival: r.spec.arrivalSeconds,
      admitted: r.admittedSeconds,
      firstToken: r.firstTokenSeconds,
      finish: finishSeconds,
      energy: r.energyJoules,
      preemptions: r.preemptions,
    });
  }

  rejected(s: RequestSpec, reason: string, replica: number): void {
    this.rejectedRows.push({ id: s.id, reason, replica });
  }

  work(replica: number, start: number, end: number, work: Work, stepsDone: number, joules: number): void {
    const rec: WorkRecord = { replica, start, end, work, stepsDone, joules };
    if (work.kind === 'step') {
      rec.chunks = Array.from(work.step.chunkNewTokens);
      rec.cached = Array.from(work.step.chunkCachedTokens);
    }
    this.works.push(rec);
  }

  byId(): Map<number, FinishedRow> {
    return new Map(this.finishedRows.map((r) => [r.id, r]));
  }
}

export interface RunOptions {
  replicas?: number;
  router?: RouterKind;
  work?: ModelWork;
  params?: CostParameters;
  intervalSeconds?: number;
  maxIntervals?: number;
  /** Count steps outside this fitted range (the summary's extrapolation warnings). */
  fittedRange?: FittedRange;
}

export function runWith(
  specs: readonly RequestSpec[],
  makeScheduler: SimulationSetup['makeScheduler'],
  opts: RunOptions = {},
): { result: SimulationResult; rec: Recorder; rangeWarnings: string[] } {
  const rec = new Recorder();
  const rangeCheck = opts.fittedRange ? new FittedRangeCheck(opts.fittedRange, rec) : null;
  const params = opts.params ?? tinyParams();
  const result = simulate({
    source: memorySource(specs),
    replicas: opts.replicas ?? 1,
    router: opts.router ?? 'round_robin',
    makeScheduler,
    costModel: new StepCostModel(opts.work ?? tinyWork(), params),
    idleWattsPerReplica: params.idleWatts * params.gpusPerReplica,
    intervalSeconds: opts.intervalSeconds ?? 0.1,
    maxIntervals: opts.maxIntervals ?? 1000,
    rowWriter: rec,
    observer: rangeCheck ?? rec,
  });
  return { result, rec, rangeWarnings: rangeCheck ? [...rangeCheck.warnings(), rangeCheck.mostlyOutside() ?? ''] : [] };
}

export function staticConfig(over: Partial<StaticConfig> = {}): StaticConfig {
  return {
    batchSize: 2,
    groupByLengthBins: false,
    batchMemoryBytes: 1e15,
    kvBytesPerToken: 0,
    activationBytesPerPromptToken: 0,
    maxContextTokens: 1_000_000,
    maxRunSteps: Number.MAX_SAFE_INTEGER,
    ...over,
  };
}

export function continuousConfig(over: Partial<ContinuousConfig> = {}): ContinuousConfig {
  return {
    maxRunningSequences: 2,
    maxBatchedTokens: 8,
    chunkedPrefill: true,
    blockTokens: 4,
    totalBlocks: 6,
    admissionWatermarkBlocks: 0,
    maxContextTokens: 1_000_000,
    maxRunSteps: Number.MAX_SAFE_INTEGER,
    ...over,
  };
}

export function runStatic(specs: readonly RequestSpec[], cfg: Partial<StaticConfig> = {}, opts: RunOptions = {}) {
  const config = staticConfig(cfg);
  return runWith(specs, (onFinished) => new StaticScheduler(config, onFinished), opts);
}

export function runContinuous(specs: readonly RequestSpec[], cfg: Partial<ContinuousConfig> = {}, opts: RunOptions = {}) {
  const config = continuousConfig(cfg);
  return runWith(specs, (onFinished) => new ContinuousScheduler(config, onFinished), opts);
}

/** |a − b| ≤ rel · max(|a|, |b|, floor). */
export function expectClose(actual: number, expected: number, rel = 1e-12, floor = 1e-300): void {
  const scale = Math.max(Math.abs(actual), Math.abs(expected), floor);
  if (!(Math.abs(actual - expected) <= rel * scale)) {
    throw new Error(`expected ${actual} to be within ${rel} (relative) of ${expected}; difference ${actual - expected}`);
  }
}

export function rng(seed: string): () => number {
  return seedrandom(seed);
}

/** Integer in [lo, hi]. */
export function randInt(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

/** Poisson arrivals at `rate` per second (or all at t = 0 when rate is 0), lengths uniform in the given ranges. */
export function randomWorkload(
  r: () => number,
  count: number,
  rate: number,
  input: [number, number],
  output: [number, number],
): RequestSpec[] {
  const out: RequestSpec[] = [];
  let t = 0;
  for (let i = 0; i < count; i++) {
    if (rate > 0) t += -Math.log(1 - r()) / rate;
    out.push(spec(i, t, randInt(r, input[0], input[1]), randInt(r, output[0], output[1])));
  }
  return out;
}
