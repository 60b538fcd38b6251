import { quantilesBySelection } from './orderStatistics.js';

/** Quantile by linear interpolation between order statistics (numpy's default), on a sorted array. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export interface Quantiles {
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

/**
 * Chunk sizes in samples: the first is small (1 KiB) because the paper reproduction runs thousands of tiny
 * simulations, each with several lists, and a large first chunk made every one of them reserve megabytes. Each new
 * chunk doubles up to the cap, so a long run still grows by whole large chunks without copying what is stored.
 */
const FIRST_CHUNK = 128;
const MAX_CHUNK = 1 << 18;

/**
 * A growable list of float64 samples (no per-sample object). Stored in chunks so a 10-million-request run holds
 * about what it needs (one doubling array would reserve up to twice that and copy on every growth).
 */
export class SampleList {
  private readonly chunks: Float64Array[] = [];
  /** Free slots left in the last chunk. */
  private free = 0;
  length = 0;

  push(x: number): void {
    if (this.free === 0) {
      const last = this.chunks.length ? this.chunks[this.chunks.length - 1].length : FIRST_CHUNK / 2;
      this.chunks.push(new Float64Array(Math.min(MAX_CHUNK, last * 2)));
      this.free = this.chunks[this.chunks.length - 1].length;
    }
    const chunk = this.chunks[this.chunks.length - 1];
    chunk[chunk.length - this.free] = x;
    this.free--;
    this.length++;
  }

  /** Samples the list has room for without allocating (what it holds in memory). */
  get capacity(): number {
    return this.chunks.reduce((sum, c) => sum + c.length, 0);
  }

  /** All samples in one array, in the order they were pushed. */
  toArray(): Float64Array {
    const all = new Float64Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      const take = Math.min(chunk.length, this.length - offset);
      all.set(take === chunk.length ? chunk : chunk.subarray(0, take), offset);
      offset += take;
    }
    return all;
  }

  /** All samples in one array, sorted ascending. */
  sorted(): Float64Array {
    return this.toArray().sort();
  }

  /** Mean and exact p50/p90/p99 (selected, not sorted: the run's summary needs only these three). */
  summary(): Quantiles {
    const all = this.toArray();
    // Neumaier's compensated sum: the mean does not drift with the order requests finished in.
    let sum = 0;
    let compensation = 0;
    for (let i = 0; i < all.length; i++) {
      const x = all[i];
      const t = sum + x;
      compensation += Math.abs(sum) >= Math.abs(x) ? sum - t + x : x - t + sum;
      sum = t;
    }
    const [p50, p90, p99] = quantilesBySelection(all, [0.5, 0.9, 0.99]);
    return { mean: all.length ? (sum + compensation) / all.length : Number.NaN, p50, p90, p99 };
  }
}
