/**
 * Order statistics without sorting: a quantile needs two neighbouring order statistics, and selecting them is
 * O(n) expected where sorting is O(n log n). The summary's p50/p90/p99 are exact (the same values a sort gives).
 */

/** Partitions `a[lo..hi]` so that `a[k]` holds the k-th smallest value of that range and everything left of it is ≤. */
function select(a: Float64Array, lo: number, hi: number, k: number): void {
  // Hoare-style quickselect with a median-of-three pivot; after 64 rounds without convergence (adversarial input) the
  // range is sorted instead, so the worst case stays O(n log n).
  for (let rounds = 0; hi > lo; rounds++) {
    if (rounds > 64) {
      a.subarray(lo, hi + 1).sort();
      return;
    }
    const mid = (lo + hi) >>> 1;
    const x = a[lo];
    const y = a[mid];
    const z = a[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return; // j < k < i: a[k] equals the pivot and is in place
  }
}

/**
 * Quantiles by linear interpolation between order statistics (numpy's default, as quantileSorted), for several q at
 * once. Reorders `values` in place (the caller passes a copy it owns).
 */
export function quantilesBySelection(values: Float64Array, qs: readonly number[]): number[] {
  const n = values.length;
  if (n === 0) return qs.map(() => Number.NaN);
  const order = qs.map((q, index) => ({ q, index, pos: (n - 1) * q })).sort((a, b) => a.pos - b.pos);
  const out = new Array<number>(qs.length);
  // Each selection leaves everything right of k no smaller than a[k], so the next (larger) k searches only there.
  let from = 0;
  for (const { index, pos } of order) {
    const k = Math.floor(pos);
    select(values, from, n - 1, k);
    const low = values[k];
    let high = low;
    if (k + 1 < n && pos > k) {
      // The (k+1)-th order statistic is the smallest value right of k.
      high = values[k + 1];
      for (let i = k + 2; i < n; i++) if (values[i] < high) high = values[i];
    }
    out[index] = low + (high - low) * (pos - k);
    from = k;
  }
  return out;
}
