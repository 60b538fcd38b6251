/**
 * Waiting requests of a static batcher, optionally grouped by the paper's (input, output) length bins. The next
 * batch comes from the bin whose head arrived first (ties: lower id), so no bin starves.
 */
import type { LiveRequest } from './liveRequest.js';
import { RequestQueue } from './requestQueue.js';

/** The paper's §2.1 bins: a request goes to the smallest bin at least its length; longer ones share an overflow bin. */
export const INPUT_BINS_TOKENS = [32, 128, 256, 512, 1024, 2048, 4096, 8192] as const;
export const OUTPUT_BINS_TOKENS = [8, 16, 32, 64, 128, 256, 512] as const;

export function binIndex(bins: readonly number[], tokens: number): number {
  for (let i = 0; i < bins.length; i++) if (tokens <= bins[i]) return i;
  return bins.length;
}

export class BinnedQueue {
  private readonly queues = new Map<number, RequestQueue>();
  /** Requests waiting across all bins. */
  length = 0;

  constructor(private readonly byLengthBins: boolean) {}

  private binOf(r: LiveRequest): number {
    if (!this.byLengthBins) return 0;
    const i = binIndex(INPUT_BINS_TOKENS, r.spec.inputTokens);
    const o = binIndex(OUTPUT_BINS_TOKENS, r.spec.outputTokens);
    return i * (OUTPUT_BINS_TOKENS.length + 1) + o;
  }

  push(r: LiveRequest): void {
    const bin = this.binOf(r);
    let q = this.queues.get(bin);
    if (!q) {
      q = new RequestQueue();
      this.queues.set(bin, q);
    }
    q.push(r);
    this.length++;
  }

  /** The queue the next batch is taken from, or undefined when nothing waits. */
  oldest(): RequestQueue | undefined {
    let best: RequestQueue | undefined;
    for (const q of this.queues.values()) {
      const head = q.peek();
      if (!head) continue;
      const b = best?.peek();
      if (!b || head.spec.arrivalSeconds < b.spec.arrivalSeconds || (head.spec.arrivalSeconds === b.spec.arrivalSeconds && head.spec.id < b.spec.id)) best = q;
    }
    return best;
  }

  /** Takes the head of `q` (one of this queue's bins). */
  take(q: RequestQueue): LiveRequest {
    this.length--;
    return q.shift()!;
  }

  /**
   * The next static batch: up to maxRows requests from the oldest bin, in arrival order, stopping before a request
   * whose padding would not fit (`fits(rows, paddedInput, longestOutput)`); that one heads the next batch. A single
   * request is always taken (requests that can never fit are rejected at arrival).
   */
  takeBatch(maxRows: number, fits: (rows: number, inputTokens: number, outputTokens: number) => boolean, nowSeconds: number): FormedBatch | null {
    const q = this.oldest();
    if (!q) return null;
    const rows: LiveRequest[] = [];
    let input = 0;
    let output = 0;
    while (rows.length < maxRows && q.length > 0) {
      const r = q.peek()!;
      const nextInput = Math.max(input, r.spec.inputTokens);
      const nextOutput = Math.max(output, r.spec.outputTokens);
      if (rows.length > 0 && !fits(rows.length + 1, nextInput, nextOutput)) break;
      this.take(q);
      r.admittedSeconds = nowSeconds;
      rows.push(r);
      input = nextInput;
      output = nextOutput;
    }
    return { rows, paddedInputTokens: input, maxOutputTokens: output, padded: rows.some((r) => r.spec.inputTokens !== input) };
  }
}

/** A static batch as formed: its rows, the padded prompt length, the longest output, and whether any row is padded. */
export interface FormedBatch {
  readonly rows: LiveRequest[];
  readonly paddedInputTokens: number;
  readonly maxOutputTokens: number;
  readonly padded: boolean;
}
