/**
 * Per-round totals of a speculative continuous batch, indexed by absolute round number: what the batch's context
 * sum grows by after round r, the KV blocks its rows need for round r's γ + 1 verified tokens beyond what they
 * hold, and what their held blocks grow by after it. Each running row's whole future is fixed when it joins (its
 * draws come from its own stream), so it adds its share of every round it will run once, and a round reads three
 * numbers instead of visiting every row.
 *
 * A ring of typed arrays: the rounds in use are [current, latest finish], and the ring doubles when a row reaches
 * further ahead than it holds.
 */
export class RoundTotals {
  private mask = 255;
  private growth: Float64Array = new Float64Array(256);
  private need: Float64Array = new Float64Array(256);
  private heldGrowth: Float64Array = new Float64Array(256);
  /** The earliest round still in use (rounds before it are cleared). */
  private first = 0;
  /** One past the latest round any row has written. */
  private end = 0;

  /** Makes room for rounds up to `round` (inclusive). */
  reach(round: number): void {
    if (round < this.end) return;
    const used = this.end;
    this.end = round + 1;
    if (this.end - this.first <= this.mask + 1) return;
    let size = (this.mask + 1) * 2;
    while (size < this.end - this.first) size *= 2;
    const mask = size - 1;
    // Only the rounds written so far move; the new ones start at zero (their old slots belong to other rounds).
    const move = (old: Float64Array): Float64Array => {
      const next = new Float64Array(size);
      for (let r = this.first; r < used; r++) next[r & mask] = old[r & this.mask];
      return next;
    };
    this.growth = move(this.growth);
    this.need = move(this.need);
    this.heldGrowth = move(this.heldGrowth);
    this.mask = mask;
  }

  /** A row in round r: it needs `need` more blocks for the round, then its context grows by `growth` tokens and its
   *  held blocks by `heldGrowth` (both 0 in its last round, after which it leaves). `sign` −1 takes a share back. */
  add(round: number, need: number, growth: number, heldGrowth: number, sign: number): void {
    const i = round & this.mask;
    this.need[i] += sign * need;
    this.growth[i] += sign * growth;
    this.heldGrowth[i] += sign * heldGrowth;
  }

  needAt(round: number): number {
    return this.need[round & this.mask];
  }

  growthAt(round: number): number {
    return this.growth[round & this.mask];
  }

  heldGrowthAt(round: number): number {
    return this.heldGrowth[round & this.mask];
  }

  /** Round r is done: its slots are zeroed for the round that will reuse them. */
  retire(round: number): void {
    const i = round & this.mask;
    this.growth[i] = 0;
    this.need[i] = 0;
    this.heldGrowth[i] = 0;
    if (round >= this.first) this.first = round + 1;
    if (this.end < this.first) this.end = this.first;
  }
}
