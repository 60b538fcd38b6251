/**
 * Paged KV-cache accounting. Blocks hold `blockTokens` tokens. Decoding sequences are tracked only by their phase
 * within a block (how many tokens until they need the next block), so the blocks a run of K decode steps needs —
 * and the longest run that fits in the free blocks — cost O(blockTokens), not O(sequences).
 */
export class KvBlockPool {
  /** Blocks an allocation may take: empty ones, and cached prefix blocks no request holds (evicted on demand). */
  freeBlocks: number;
  /** Of freeBlocks, those still holding a cached prefix (prefix caching; 0 without it). */
  evictableBlocks = 0;
  /** Drops cached prefixes, least recently used first, until at least `blocks` blocks are empty. */
  evictor: ((blocks: number) => void) | null = null;
  /** phaseCount[r]: decoding sequences that need a new block at every counter c with (r + c) % blockTokens == 0. */
  private readonly phaseCount: Int32Array;
  private decodeSequences = 0;

  constructor(
    readonly totalBlocks: number,
    readonly blockTokens: number,
  ) {
    this.freeBlocks = totalBlocks;
    this.phaseCount = new Int32Array(blockTokens);
  }

  blocksFor(tokens: number): number {
    return Math.ceil(tokens / this.blockTokens);
  }

  private phaseOf(tokensInCache: number, counter: number): number {
    // The next decode step at counter c writes token index tokensInCache + (c' - counter); it opens a new block when
    // that index is a multiple of blockTokens.
    const bs = this.blockTokens;
    return (((tokensInCache - counter) % bs) + bs) % bs;
  }

  /** A sequence with tokensInCache cached tokens joins the decode set at decode counter `counter`. */
  addDecoding(tokensInCache: number, counter: number): void {
    this.phaseCount[this.phaseOf(tokensInCache, counter)]++;
    this.decodeSequences++;
  }

  removeDecoding(tokensInCache: number, counter: number): void {
    this.phaseCount[this.phaseOf(tokensInCache, counter)]--;
    this.decodeSequences--;
  }

  /** Sequences that open a new block in the decode step at counter c. */
  private needingAt(counter: number): number {
    const bs = this.blockTokens;
    return this.phaseCount[(bs - (counter % bs)) % bs];
  }

  /** New blocks the decode steps at counters c .. c+steps-1 need. */
  blocksNeeded(counter: number, steps: number): number {
    const bs = this.blockTokens;
    const fullCycles = Math.floor(steps / bs);
    let need = fullCycles * this.decodeSequences;
    for (let i = fullCycles * bs; i < steps; i++) need += this.needingAt(counter + i);
    return need;
  }

  /** The most decode steps from counter c whose new blocks fit in `available` blocks (capped at limit). */
  maxStepsWithin(counter: number, available: number, limit: number): number {
    const n = this.decodeSequences;
    if (n === 0) return limit;
    const bs = this.blockTokens;
    const fullCycles = Math.floor(available / n);
    if (fullCycles * bs >= limit) return limit;
    let left = available - fullCycles * n;
    let steps = fullCycles * bs;
    for (let i = 0; i < bs && steps < limit; i++) {
      const need = this.needingAt(counter + steps);
      if (need > left) break;
      left -= need;
      steps++;
    }
    return steps;
  }

  allocate(blocks: number): void {
    if (blocks > this.freeBlocks) throw new Error(`KV pool over-allocated: ${blocks} > ${this.freeBlocks} free`);
    const empty = this.freeBlocks - this.evictableBlocks;
    if (blocks > empty) {
      this.evictor!(blocks - empty);
      if (blocks > this.freeBlocks - this.evictableBlocks) throw new Error('KV pool: eviction freed too few blocks');
    }
    this.freeBlocks -= blocks;
  }

  /**
   * Keeps `blocks` out of reach of the allocations that follow, without taking any yet (so no cached prefix is
   * evicted for them until they are really allocated); putBack undoes it.
   */
  setAside(blocks: number): void {
    if (blocks > this.freeBlocks) throw new Error(`KV pool over-allocated: ${blocks} > ${this.freeBlocks} free`);
    // May leave fewer free than evictable blocks: the next allocation then evicts for both (see allocate).
    this.freeBlocks -= blocks;
  }

  putBack(blocks: number): void {
    this.freeBlocks += blocks;
  }

  /** Held blocks whose cached prefix no request uses any more: free to allocate, kept until evicted. */
  makeEvictable(blocks: number): void {
    this.freeBlocks += blocks;
    this.evictableBlocks += blocks;
    if (this.freeBlocks > this.totalBlocks) throw new Error('KV pool released more blocks than it holds');
  }

  /** A request takes up a cached prefix that no request was holding: its blocks are held again. */
  reclaimEvictable(blocks: number): void {
    if (blocks > this.evictableBlocks) throw new Error(`KV pool: reclaimed ${blocks} > ${this.evictableBlocks} evictable blocks`);
    this.freeBlocks -= blocks;
    this.evictableBlocks -= blocks;
  }

  /** A cached prefix was dropped: its blocks are empty now (they were already free). */
  evicted(blocks: number): void {
    this.evictableBlocks -= blocks;
  }

  release(blocks: number): void {
    this.freeBlocks += blocks;
    if (this.freeBlocks > this.totalBlocks) throw new Error('KV pool released more blocks than it holds');
  }
}
