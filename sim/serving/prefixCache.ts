/**
 * Prefix caching over a paged KV cache: requests whose prompts start with the same blocks of tokens share their KV
 * blocks, as vLLM's automatic prefix caching does. A prefix block is named by an id that stands for its content
 * and everything before it (Mooncake's hash_ids are chained this way), so a request's cached prefix is the longest
 * run of its leading ids found in the cache.
 *
 * An entry covers `tokensPerEntry` tokens, `blocksPerEntry` pool blocks. Requests hold references on the entries
 * of their prefix; an entry nobody references stays cached but counts as free in the pool (KvBlockPool.evictable)
 * and is evicted least recently released first when an allocation needs its blocks. A request releases its entries
 * deepest first, so the tail of a prefix goes before its head, which other prompts are more likely to share.
 */
import type { KvBlockPool } from './kvBlockPool.js';

interface Entry {
  readonly id: number;
  refs: number;
  // Intrusive list of evictable entries (refs = 0), least recently released at the head.
  prev: Entry | null;
  next: Entry | null;
}

export class PrefixCache {
  private readonly entries = new Map<number, Entry>();
  private head: Entry | null = null;
  private tail: Entry | null = null;
  constructor(
    private readonly pool: KvBlockPool,
    readonly tokensPerEntry: number,
    readonly blocksPerEntry: number,
    /** Counts entries dropped to make room. */
    private readonly counters: { evictions: number } = { evictions: 0 },
  ) {
    pool.evictor = (blocks) => this.evict(blocks);
  }

  get size(): number {
    return this.entries.size;
  }

  /** How many of ids' leading entries are cached (at most `limit`). */
  lookup(ids: readonly number[], limit: number): number {
    const n = Math.min(limit, ids.length);
    let i = 0;
    while (i < n && this.entries.has(ids[i])) i++;
    return i;
  }

  /** Pool blocks that taking up ids[0..count) would take back from the free blocks (entries nobody holds). */
  blocksToReclaim(ids: readonly number[], count: number): number {
    let blocks = 0;
    for (let i = 0; i < count; i++) if (this.entries.get(ids[i])!.refs === 0) blocks += this.blocksPerEntry;
    return blocks;
  }

  /** A request takes up the cached entries ids[0..count) (found by lookup). */
  acquire(ids: readonly number[], count: number): void {
    for (let i = 0; i < count; i++) {
      const e = this.entries.get(ids[i])!;
      if (e.refs === 0) {
        this.unlink(e);
        this.pool.reclaimEvictable(this.blocksPerEntry);
      }
      e.refs++;
    }
  }

  /**
   * A request has computed ids[from..to): those not cached yet become entries it holds, its own blocks turning into
   * the cache's. Stops at the first id already cached (another request computed it meanwhile; this request keeps its
   * own copy from there on), so what a request holds is always a leading run. Returns the entries added.
   */
  insert(ids: readonly number[], from: number, to: number): number {
    let i = from;
    while (i < to && !this.entries.has(ids[i])) {
      this.entries.set(ids[i], { id: ids[i], refs: 1, prev: null, next: null });
      i++;
    }
    return i - from;
  }

  /** A request lets go of ids[0..count): entries nobody holds now become evictable, deepest first. */
  release(ids: readonly number[], count: number): void {
    for (let i = count - 1; i >= 0; i--) {
      const e = this.entries.get(ids[i])!;
      if (--e.refs === 0) {
        this.append(e);
        this.pool.makeEvictable(this.blocksPerEntry);
      }
    }
  }

  private evict(blocks: number): void {
    let freed = 0;
    while (freed < blocks && this.head) {
      const e = this.head;
      this.unlink(e);
      this.entries.delete(e.id);
      this.pool.evicted(this.blocksPerEntry);
      this.counters.evictions++;
      freed += this.blocksPerEntry;
    }
  }

  private append(e: Entry): void {
    e.prev = this.tail;
    e.next = null;
    if (this.tail) this.tail.next = e;
    else this.head = e;
    this.tail = e;
  }

  private unlink(e: Entry): void {
    if (e.prev) e.prev.next = e.next;
    else this.head = e.next;
    if (e.next) e.next.prev = e.prev;
    else this.tail = e.prev;
    e.prev = null;
    e.next = null;
  }
}
