/**
 * Static batching as HF `generate()` serves a list of prompts: take up to B waiting requests (in arrival order, or
 * from the length bin of the oldest request), left-pad every prompt to the longest, prefill them together, then
 * decode the whole batch until its longest output is done. Finished rows keep decoding (padding) and every request
 * returns when the batch returns. The next batch waits for this one.
 */
import type { LiveRequest } from './liveRequest.js';
import { RequestQueue } from './requestQueue.js';
import type { Scheduler } from './scheduler.js';
import type { Work, WorkOutcome } from './work.js';

/** The paper's §2.1 bins: a request goes to the smallest bin at least its length; longer ones share an overflow bin. */
export const INPUT_BINS_TOKENS = [32, 128, 256, 512, 1024, 2048, 4096, 8192] as const;
export const OUTPUT_BINS_TOKENS = [8, 16, 32, 64, 128, 256, 512] as const;

export function binIndex(bins: readonly number[], tokens: number): number {
  for (let i = 0; i < bins.length; i++) if (tokens <= bins[i]) return i;
  return bins.length;
}

export interface StaticConfig {
  readonly batchSize: number;
  readonly groupByLengthBins: boolean;
  /** Bytes per GPU a batch may use for its KV cache and prefill activations (memory minus weights and reserve). */
  readonly batchMemoryBytes: number;
  /** Per GPU: KV-cache bytes per token, and peak prefill activation bytes per prompt token. */
  readonly kvBytesPerToken: number;
  readonly activationBytesPerPromptToken: number;
  readonly maxContextTokens: number;
  /** Longest decode run planned as one unit (default: the whole batch); 1 gives the step-by-step reference path. */
  readonly maxRunSteps?: number;
}

/** idle: no batch; prefilled: the batch's prompts ran, its decode run is next. */
type Phase = 'idle' | 'prefilled';

export class StaticScheduler implements Scheduler {
  private readonly queues = new Map<number, RequestQueue>();
  private queued = 0;
  private batch: LiveRequest[] = [];
  private paddedInputTokens = 0;
  private maxOutputTokens = 0;
  /** Decode steps of the current batch already run. */
  private decodeStepsDone = 0;
  /** Prompts of unequal length: left padding, so attention runs with a mask. */
  private padded = false;
  private phase: Phase = 'idle';

  constructor(
    private readonly config: StaticConfig,
    private readonly onFinished: (request: LiveRequest, finishSeconds: number) => void,
  ) {}

  private batchBytes(rows: number, inputTokens: number, outputTokens: number): number {
    // A contiguous cache holds every row at the padded length for the whole generation; the padded prefill
    // also needs its activations at once.
    const c = this.config;
    return rows * ((inputTokens + outputTokens) * c.kvBytesPerToken + inputTokens * c.activationBytesPerPromptToken);
  }

  private binOf(r: LiveRequest): number {
    if (!this.config.groupByLengthBins) return 0;
    const i = binIndex(INPUT_BINS_TOKENS, r.spec.inputTokens);
    const o = binIndex(OUTPUT_BINS_TOKENS, r.spec.outputTokens);
    return i * (OUTPUT_BINS_TOKENS.length + 1) + o;
  }

  enqueue(request: LiveRequest): string | null {
    const { inputTokens, outputTokens } = request.spec;
    if (inputTokens + outputTokens > this.config.maxContextTokens) {
      return `input + output = ${inputTokens + outputTokens} tokens exceeds the model context of ${this.config.maxContextTokens}`;
    }
    const bytes = this.batchBytes(1, inputTokens, outputTokens);
    if (bytes > this.config.batchMemoryBytes) {
      return `needs ${(bytes / 2 ** 30).toFixed(2)} GiB per GPU for its KV cache and activations alone; ${(this.config.batchMemoryBytes / 2 ** 30).toFixed(2)} GiB is free after weights`;
    }
    const bin = this.binOf(request);
    let q = this.queues.get(bin);
    if (!q) {
      q = new RequestQueue();
      this.queues.set(bin, q);
    }
    q.push(request);
    this.queued++;
    return null;
  }

  outstanding(): number {
    return this.queued + this.batch.length;
  }

  runningCount(): number {
    return this.batch.length;
  }

  queuedCount(): number {
    return this.queued;
  }

  /** The queue whose head arrived first (ties: lower request id), so no bin starves. */
  private oldestQueue(): RequestQueue | undefined {
    let best: RequestQueue | undefined;
    for (const q of this.queues.values()) {
      const head = q.peek();
      if (!head) continue;
      const b = best?.peek();
      if (!b || head.spec.arrivalSeconds < b.spec.arrivalSeconds || (head.spec.arrivalSeconds === b.spec.arrivalSeconds && head.spec.id < b.spec.id)) best = q;
    }
    return best;
  }

  plan(nowSeconds: number): Work | null {
    if (this.phase === 'prefilled') {
      const left = this.maxOutputTokens - 1 - this.decodeStepsDone;
      return {
        kind: 'decodeRun',
        sequences: this.batch.length,
        contextSum0: this.batch.length * (this.paddedInputTokens + this.decodeStepsDone),
        steps: Math.min(left, this.config.maxRunSteps ?? left),
        interruptible: false,
        masked: this.padded,
      };
    }
    const q = this.oldestQueue();
    if (!q) return null;
    let input = 0;
    let output = 0;
    while (this.batch.length < this.config.batchSize && q.length > 0) {
      const r = q.peek()!;
      const nextInput = Math.max(input, r.spec.inputTokens);
      const nextOutput = Math.max(output, r.spec.outputTokens);
      // Stop before a request whose padding would overflow memory; it heads the next batch.
      if (this.batch.length > 0 && this.batchBytes(this.batch.length + 1, nextInput, nextOutput) > this.config.batchMemoryBytes) break;
      q.shift();
      this.queued--;
      r.admittedSeconds = nowSeconds;
      this.batch.push(r);
      input = nextInput;
      output = nextOutput;
    }
    this.paddedInputTokens = input;
    this.maxOutputTokens = output;
    this.padded = this.batch.some((r) => r.spec.inputTokens !== input);
    this.decodeStepsDone = 0;
    this.phase = 'idle';
    const rows = this.batch.length;
    return {
      kind: 'step',
      step: {
        chunkNewTokens: new Array<number>(rows).fill(input),
        chunkCachedTokens: new Array<number>(rows).fill(0),
        chunksProducingToken: rows,
        decodeCount: 0,
        decodeContextSum: 0,
        masked: this.padded,
      },
    };
  }

  complete(work: Work, outcome: WorkOutcome): void {
    const share = outcome.joules / this.batch.length;
    for (const r of this.batch) r.energyJoules += share;
    if (work.kind === 'step') {
      for (const r of this.batch) {
        r.firstTokenSeconds = outcome.endSeconds;
        r.generatedTokens = 1;
      }
      if (this.maxOutputTokens > 1) {
        this.phase = 'prefilled';
        return;
      }
    } else {
      this.decodeStepsDone += outcome.stepsDone;
      if (this.decodeStepsDone < this.maxOutputTokens - 1) return;
      for (const r of this.batch) r.generatedTokens = r.spec.outputTokens;
    }
    const done = this.batch;
    this.batch = [];
    this.phase = 'idle';
    for (const r of done) this.onFinished(r, outcome.endSeconds);
  }
}
