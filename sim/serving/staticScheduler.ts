/**
 * Static batching as HF `generate()` serves a list of prompts: take up to B waiting requests (in arrival order, or
 * from the length bin of the oldest request), left-pad every prompt to the longest, prefill them together, then
 * decode the whole batch until its longest output is done. Finished rows keep decoding (padding) and every request
 * returns when the batch returns. The next batch waits for this one.
 */
import type { LiveRequest } from './liveRequest.js';
import { BinnedQueue } from './binnedQueue.js';
import type { Scheduler } from './scheduler.js';
import type { Work, WorkOutcome } from './work.js';
import { addShares } from './requestShares.js';

export { binIndex, INPUT_BINS_TOKENS, OUTPUT_BINS_TOKENS } from './binnedQueue.js';

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
  private readonly waiting: BinnedQueue;
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
  ) {
    this.waiting = new BinnedQueue(config.groupByLengthBins);
  }

  private batchBytes(rows: number, inputTokens: number, outputTokens: number): number {
    // A contiguous cache holds every row at the padded length for the whole generation; the padded prefill
    // also needs its activations at once.
    const c = this.config;
    return rows * ((inputTokens + outputTokens) * c.kvBytesPerToken + inputTokens * c.activationBytesPerPromptToken);
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
    this.waiting.push(request);
    return null;
  }

  outstanding(): number {
    return this.waiting.length + this.batch.length;
  }

  runningCount(): number {
    return this.batch.length;
  }

  queuedCount(): number {
    return this.waiting.length;
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
    const formed = this.waiting.takeBatch(
      this.config.batchSize,
      (rows, input, output) => this.batchBytes(rows, input, output) <= this.config.batchMemoryBytes,
      nowSeconds,
    );
    if (!formed) return null;
    this.batch = formed.rows;
    const input = formed.paddedInputTokens;
    this.paddedInputTokens = input;
    this.maxOutputTokens = formed.maxOutputTokens;
    this.padded = formed.padded;
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
    for (const r of this.batch) {
      r.energyJoules += share;
      addShares(r, outcome.shares, 1 / this.batch.length);
    }
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
