/**
 * The paper's §2.1 binning: a request (i, o) goes to the cell (I*, O*) with I* = min{I ∈ I_bins : I ≥ i} and
 * O* = min{O ∈ O_bins : O ≥ o}. Requests with i > 8192 or o > 512 have no bin and are excluded — counted, never
 * silently dropped. The bins are the static scheduler's (sim/serving/staticScheduler.ts), so `group_by_length_bins`
 * and the estimator agree.
 */
import { binIndex, INPUT_BINS_TOKENS, OUTPUT_BINS_TOKENS } from '../serving/staticScheduler.js';

export { INPUT_BINS_TOKENS, OUTPUT_BINS_TOKENS };

/** The smallest bin at least `tokens` long, or null when `tokens` exceeds the largest bin. */
export function binFor(bins: readonly number[], tokens: number): number | null {
  const i = binIndex(bins, tokens);
  return i < bins.length ? bins[i] : null;
}

export interface BinnedCell {
  readonly inputBin: number;
  readonly outputBin: number;
  /** N(I*, O*): requests mapped to the cell. */
  count: number;
  /** Indices (into the request list) of the cell's requests, in workload order. */
  readonly members: number[];
}

export interface ExcludedCounts {
  /** Input over 8192 tokens (output within bins). */
  input_over_max_bin: number;
  /** Output over 512 tokens (input within bins). */
  output_over_max_bin: number;
  /** Both over. */
  both_over_max_bin: number;
}

export interface Binned {
  /** Cells with at least one request, by input bin then output bin. */
  readonly cells: BinnedCell[];
  readonly total: number;
  readonly included: number;
  readonly excluded: ExcludedCounts;
}

export interface Lengths {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export function binRequests(requests: readonly Lengths[]): Binned {
  const byKey = new Map<string, BinnedCell>();
  const excluded: ExcludedCounts = { input_over_max_bin: 0, output_over_max_bin: 0, both_over_max_bin: 0 };
  let included = 0;
  requests.forEach((r, index) => {
    const i = binFor(INPUT_BINS_TOKENS, r.inputTokens);
    const o = binFor(OUTPUT_BINS_TOKENS, r.outputTokens);
    if (i === null || o === null) {
      if (i === null && o === null) excluded.both_over_max_bin++;
      else if (i === null) excluded.input_over_max_bin++;
      else excluded.output_over_max_bin++;
      return;
    }
    const key = `${i}x${o}`;
    let cell = byKey.get(key);
    if (!cell) {
      cell = { inputBin: i, outputBin: o, count: 0, members: [] };
      byKey.set(key, cell);
    }
    cell.count++;
    cell.members.push(index);
    included++;
  });
  const cells = [...byKey.values()].sort((a, b) => a.inputBin - b.inputBin || a.outputBin - b.outputBin);
  return { cells, total: requests.length, included, excluded };
}

export function excludedTotal(e: ExcludedCounts): number {
  return e.input_over_max_bin + e.output_over_max_bin + e.both_over_max_bin;
}
