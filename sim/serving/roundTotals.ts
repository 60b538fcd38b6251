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
import type { AcceptanceStream } from './speculativeAcceptance.js';

export class RoundTotals {
  private mask = 255;
  private growth: Float64Array = new Float64Array(256);
  private need: Float64Array = new Float64Array(256);
  private heldGrowth: Float64Array = new Float64Array(256);
  /** The earliest round still in use (rounds before it are cleared). */
  private first = 0;
  /** One past the latest round any row has written. */
  private end = 0;
  /** needForRoom[f]: blocks a row whose last block has f free slots needs for a round's γ + 1 verified tokens. */
  private readonly needForRoom: Int32Array;
  /** What the last addRow found: the tokens in the row's caches before its last round. */
  lastContext = 0;

  constructor(
    gamma: number,
    private readonly blockTokens: number,
  ) {
    this.needForRoom = Int32Array.from({ length: blockTokens }, (_, free) => Math.ceil(Math.max(0, gamma + 1 - free) / blockTokens));
  }

  /**
   * Adds (sign 1) or takes back (sign −1) a row's shares of rounds first, first + 1, … up to the round whose tokens
   * reach `outputTokens`: before round first it has `generated` tokens and `context` in its caches (holding the
   * blocks of that context), and its rounds draw stream.tokensOfRound(firstDraw), (firstDraw + 1), …. Returns that
   * last round (and leaves the context before it in lastContext). Taking back from the current round what was
   * added when the row joined removes exactly its remaining shares: the draws are the same.
   */
  addRow(first: number, stream: AcceptanceStream, firstDraw: number, generated: number, outputTokens: number, context: number, sign: number): number {
    // At most one round per missing token.
    this.reach(first + outputTokens - generated - 1);
    const mask = this.mask;
    const growth = this.growth;
    const need = this.need;
    const heldGrowth = this.heldGrowth;
    const needForRoom = this.needForRoom;
    const bt = this.blockTokens;
    // Free token slots in its last block: the blocks a round needs and gains follow from it without dividing.
    let room = Math.ceil(context / bt) * bt - context;
    let k = 0;
    for (;; k++) {
      const i = (first + k) & mask;
      const gained = stream.tokensOfRound(firstDraw + k);
      need[i] += sign * needForRoom[room];
      if (generated + gained >= outputTokens) break;
      let blocks = 0;
      if (gained <= room) room -= gained;
      else {
        blocks = Math.ceil((gained - room) / bt);
        room = blocks * bt - (gained - room);
      }
      growth[i] += sign * gained;
      heldGrowth[i] += sign * blocks;
      generated += gained;
      context += gained;
    }
    this.lastContext = context;
    return first + k;
  }

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
