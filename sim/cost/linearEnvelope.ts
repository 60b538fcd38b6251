/**
 * Exact sums of max-of-lines over integer ranges. Within a decode run every step cost is the maximum of a few
 * lines in the step index k (compute-bound, memory-bound, power-capped), so Σ_k cost(k) has a closed form: split
 * [0, K) where the upper envelope changes line, and sum an arithmetic series on each piece.
 */

/** A line a + b·k. */
export interface Line {
  readonly a: number;
  readonly b: number;
}

/** Σ_{k=k0}^{k1-1} (a + b·k). */
function seriesSum(line: Line, k0: number, k1: number): number {
  const count = k1 - k0;
  if (count <= 0) return 0;
  // Σ k over [k0, k1) = count·(k0 + k1 - 1)/2
  return line.a * count + line.b * ((count * (k0 + k1 - 1)) / 2);
}

function valueAt(line: Line, k: number): number {
  return line.a + line.b * k;
}

/** Index of the line that is largest at k (first one on ties, so the choice is deterministic). */
function argmaxAt(lines: readonly Line[], k: number): number {
  let best = 0;
  let bestValue = valueAt(lines[0], k);
  for (let i = 1; i < lines.length; i++) {
    const v = valueAt(lines[i], k);
    if (v > bestValue) {
      best = i;
      bestValue = v;
    }
  }
  return best;
}

/**
 * Σ_{k=k0}^{k1-1} max_i (a_i + b_i·k), exactly (up to rounding). Breakpoints are the integer points where the
 * envelope can switch lines; between them one line is the maximum everywhere.
 */
export function sumMaxOfLines(lines: readonly Line[], k0: number, k1: number): number {
  if (k1 <= k0) return 0;
  if (lines.length === 1) return seriesSum(lines[0], k0, k1);
  const cuts: number[] = [k0, k1];
  for (let i = 0; i < lines.length; i++) {
    for (let j = i + 1; j < lines.length; j++) {
      const db = lines[i].b - lines[j].b;
      if (db === 0) continue;
      const x = (lines[j].a - lines[i].a) / db;
      const c = Math.ceil(x);
      if (c > k0 && c < k1) cuts.push(c);
    }
  }
  cuts.sort((x, y) => x - y);
  let total = 0;
  for (let s = 0; s + 1 < cuts.length; s++) {
    const lo = cuts[s];
    const hi = cuts[s + 1];
    if (hi <= lo) continue;
    // No two lines cross strictly inside [lo, hi), so one line is on top on the whole piece. Pick it at the piece's
    // middle, not at lo: two lines crossing exactly at the integer lo tie there, and the first of them need not be
    // the one on top at lo + 1.
    total += seriesSum(lines[argmaxAt(lines, lo + (hi - lo - 1) / 2)], lo, hi);
  }
  return total;
}

export function maxOfLinesAt(lines: readonly Line[], k: number): number {
  return valueAt(lines[argmaxAt(lines, k)], k);
}
