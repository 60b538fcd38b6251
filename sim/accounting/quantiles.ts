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

/** Samples per storage chunk: growth allocates one more chunk, never copies what is stored. */
const CHUNK = 1 << 18;

/**
 * A growable list of float64 samples (no per-sample object). Stored in fixed-size chunks so a 10-million-request
 * run holds exactly what it needs (doubling would reserve up to twice that and copy on every growth).
 */
export class SampleList {
  private readonly chunks: Float64Array[] = [];
  length = 0;

  push(x: number): void {
    const i = this.length & (CHUNK - 1);
    if (i === 0) this.chunks.push(new Float64Array(CHUNK));
    this.chunks[this.chunks.length - 1][i] = x;
    this.length++;
  }

  /** All samples in one array, sorted ascending. */
  sorted(): Float64Array {
    const all = new Float64Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      const take = Math.min(CHUNK, this.length - offset);
      all.set(take === CHUNK ? chunk : chunk.subarray(0, take), offset);
      offset += take;
    }
    return all.sort();
  }

  summary(): Quantiles {
    const sorted = this.sorted();
    let sum = 0;
    for (let i = 0; i < sorted.length; i++) sum += sorted[i];
    return {
      mean: sorted.length ? sum / sorted.length : Number.NaN,
      p50: quantileSorted(sorted, 0.5),
      p90: quantileSorted(sorted, 0.9),
      p99: quantileSorted(sorted, 0.99),
    };
  }
}
