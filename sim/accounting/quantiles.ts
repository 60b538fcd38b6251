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
/** Samples above which quantiles are read in place rather than on a copy (32 MB). */
const COPY_LIMIT = 1 << 22;

/**
 * A growable list of float64 samples (no per-sample object). Stored in chunks so a 10-million-request run holds
 * about what it needs (one doubling array would reserve up to twice that and copy on every growth). Quantiles are
 * read without a copy: the chunks are sorted in place and merged on the fly, so reading them costs no memory beyond
 * the samples (a copy of 10M samples was 80 MB per list); the mean is summed as samples arrive, in push order.
 */
export class SampleList {
  private readonly chunks: Float64Array[] = [];
  /** Free slots left in the last chunk. */
  private free = 0;
  length = 0;
  /** Whether every chunk's filled part is sorted (reads sort them; a push may break it). */
  private chunksSorted = true;
  // Neumaier's compensated sum, in push order: the mean does not drift with the order requests finished in.
  private sum = 0;
  private compensation = 0;

  /**
   * @param copyLimit longest list whose quantiles are selected on a copy (fast); longer ones are read in place (no
   * copy, slower), so a 10-million-request run's outputs fit its memory bound.
   */
  constructor(private readonly copyLimit = COPY_LIMIT) {}

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
    this.chunksSorted = false;
    const sum = this.sum;
    const t = sum + x;
    this.compensation += Math.abs(sum) >= Math.abs(x) ? sum - t + x : x - t + sum;
    this.sum = t;
  }

  /** Samples the list has room for without allocating (what it holds in memory). */
  get capacity(): number {
    return this.chunks.reduce((sum, c) => sum + c.length, 0);
  }

  /** The filled part of each chunk. */
  private parts(): Float64Array[] {
    const out: Float64Array[] = [];
    let left = this.length;
    for (const chunk of this.chunks) {
      const take = Math.min(chunk.length, left);
      if (take > 0) out.push(take === chunk.length ? chunk : chunk.subarray(0, take));
      left -= take;
    }
    return out;
  }

  /** All samples in one array (a copy; after a quantile read, in no particular order). */
  toArray(): Float64Array {
    const all = new Float64Array(this.length);
    let offset = 0;
    for (const part of this.parts()) {
      all.set(part, offset);
      offset += part.length;
    }
    return all;
  }

  /** Whether quantiles() reads a copy (false: in place, for lists too long to copy). */
  get copies(): boolean {
    return this.length <= this.copyLimit;
  }

  /** All samples in one array, sorted ascending (a copy: for short lists; long ones read quantiles()). */
  sorted(): Float64Array {
    return this.toArray().sort();
  }

  /**
   * Quantiles by linear interpolation between order statistics (numpy's default, exactly as quantileSorted on the
   * sorted samples), for several q at once.
   */
  quantiles(qs: readonly number[]): number[] {
    const n = this.length;
    if (n === 0) return qs.map(() => Number.NaN);
    const wanted = new Set<number>();
    for (const q of qs) {
      const lo = Math.floor((n - 1) * q);
      wanted.add(lo);
      wanted.add(Math.min(lo + 1, n - 1));
    }
    if (n <= this.copyLimit) return quantilesBySelection(this.toArray(), qs);
    const ranks = [...wanted].sort((a, b) => a - b);
    const values = this.atRanks(ranks);
    const at = new Map<number, number>();
    for (let i = 0; i < ranks.length; i++) at.set(ranks[i], values[i]);
    return qs.map((q) => {
      const pos = (n - 1) * q;
      const lo = Math.floor(pos);
      const low = at.get(lo)!;
      return low + (at.get(Math.min(lo + 1, n - 1))! - low) * (pos - lo);
    });
  }

  /** The values at 0-based positions `ranks` (ascending) of the sorted samples: chunks sorted in place, merged. */
  private atRanks(ranks: readonly number[]): number[] {
    const parts = this.parts();
    if (!this.chunksSorted) {
      for (const part of parts) part.sort();
      this.chunksSorted = true;
    }
    // A binary heap of parts keyed by each one's next value (heads[p]).
    let size = parts.length;
    const heap = Int32Array.from({ length: size }, (_, i) => i);
    const next = new Int32Array(size);
    const heads = Float64Array.from(parts, (part) => part[0]);
    const siftDown = (from: number): void => {
      let i = from;
      const item = heap[i];
      const v = heads[item];
      for (;;) {
        const l = 2 * i + 1;
        if (l >= size) break;
        const r = l + 1;
        const c = r < size && heads[heap[r]] < heads[heap[l]] ? r : l;
        if (!(heads[heap[c]] < v)) break;
        heap[i] = heap[c];
        i = c;
      }
      heap[i] = item;
    };
    for (let i = (size >> 1) - 1; i >= 0; i--) siftDown(i);
    const out = new Array<number>(ranks.length);
    let want = 0;
    for (let rank = 0; want < ranks.length; rank++) {
      const p = heap[0];
      const value = heads[p];
      while (want < ranks.length && ranks[want] === rank) out[want++] = value;
      const part = parts[p];
      if (++next[p] < part.length) heads[p] = part[next[p]];
      else heap[0] = heap[--size];
      if (size > 0) siftDown(0);
    }
    return out;
  }

  /** Mean and exact p50/p90/p99 (the values a sort gives). */
  summary(): Quantiles {
    const [p50, p90, p99] = this.quantiles([0.5, 0.9, 0.99]);
    return { mean: this.length ? (this.sum + this.compensation) / this.length : Number.NaN, p50, p90, p99 };
  }
}
