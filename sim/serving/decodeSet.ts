/**
 * The requests of a continuous batcher that are past their prompt and decode one token per step. A run of K decode
 * steps touches no request: a request's output count is `decodeOffset + counter`, the set's context sum is
 * `base + count · counter`, its decode energy is an accumulator read on leaving, and KV blocks are tracked by phase
 * in the pool. Joining, leaving and finishing cost O(log n); a run costs O(1) plus the block pool's O(block size).
 */
import type { KvBlockPool } from './kvBlockPool.js';
import { TwoKeyHeap } from './twoKeyHeap.js';
import type { LiveRequest } from './liveRequest.js';
import { SHARE_COUNT } from './requestShares.js';

export class DecodeSet {
  /** Decode steps run so far. */
  private steps = 0;
  private size = 0;
  /** Σ (input + decodeOffset − 1) over members: their context sum is base + size · steps. */
  private base = 0;
  /** Decode energy per member, accumulated since the start. */
  private joulesPerMember = 0;
  /** The same for the shared quantities (requestShares.ts), once any work carried them. */
  private sharesPerMember: Float64Array | null = null;
  /** Members by (the step counter of their last token, request id). */
  private readonly finishHeap = new TwoKeyHeap<LiveRequest>();
  /** Tokens the member popFinished() last returned held in the KV cache. */
  lastTokensInCache = 0;

  constructor(private readonly pool: KvBlockPool) {}

  get counter(): number {
    return this.steps;
  }

  get count(): number {
    return this.size;
  }

  /** Σ over members of tokens already in their KV cache before the next step. */
  contextSum(): number {
    return this.base + this.size * this.steps;
  }

  /** Tokens a member holds in its KV cache now. */
  tokensInCache(r: LiveRequest): number {
    return r.spec.inputTokens + r.decodeOffset + this.steps - 1;
  }

  /** Steps until the first member produces its last token (the set must not be empty). */
  stepsToFirstFinish(): number {
    return this.finishHeap.firstKey() - this.steps;
  }

  /** r has just produced a token from its prompt and continues decoding. */
  join(r: LiveRequest): void {
    const input = r.spec.inputTokens;
    r.decodeOffset = r.generatedTokens - this.steps;
    r.finishCounter = r.spec.outputTokens - r.decodeOffset;
    r.decodeJoulesAtJoin = this.joulesPerMember;
    if (this.sharesPerMember) r.sharesAtJoin = this.sharesPerMember.slice();
    r.inDecodeSet = true;
    this.base += input + r.decodeOffset - 1;
    this.size++;
    this.pool.addDecoding(input + r.generatedTokens - 1, this.steps);
    this.finishHeap.push(r, r.finishCounter, r.spec.id);
  }

  /** Takes r out (its finish entry already popped); settles its tokens and energy; returns its cached tokens. */
  private leave(r: LiveRequest): number {
    const input = r.spec.inputTokens;
    r.generatedTokens = r.decodeOffset + this.steps;
    const tokensInCache = input + r.generatedTokens - 1;
    this.pool.removeDecoding(tokensInCache, this.steps);
    this.base -= input + r.decodeOffset - 1;
    this.size--;
    r.energyJoules += this.joulesPerMember - r.decodeJoulesAtJoin;
    const per = this.sharesPerMember;
    if (per) {
      const mine = (r.shares ??= new Float64Array(SHARE_COUNT));
      const atJoin = r.sharesAtJoin;
      for (let k = 0; k < SHARE_COUNT; k++) mine[k] += per[k] - (atJoin ? atJoin[k] : 0);
      r.sharesAtJoin = null;
    }
    r.inDecodeSet = false;
    return tokensInCache;
  }

  /** Takes r out before it finishes (preemption); returns the tokens it held in the KV cache. */
  withdraw(r: LiveRequest): number {
    this.finishHeap.remove(r);
    return this.leave(r);
  }

  /**
   * `steps` decode steps ran for every member, costing `joules` in all: allocate their new blocks. The members
   * also take `fraction` of the work's shared quantities, split evenly.
   */
  advance(steps: number, joules: number, shares?: Float64Array, fraction = 1): void {
    this.pool.allocate(this.pool.blocksNeeded(this.steps, steps));
    this.joulesPerMember += joules / this.size;
    if (shares) {
      const per = (this.sharesPerMember ??= new Float64Array(SHARE_COUNT));
      for (let k = 0; k < SHARE_COUNT; k++) per[k] += (shares[k] * fraction) / this.size;
    }
    this.steps += steps;
  }

  /**
   * The next member that has produced its last token, taken out of the set (its cached tokens in lastTokensInCache),
   * or null when none has. A loop, not a callback, so settling a step allocates nothing.
   */
  popFinished(): LiveRequest | null {
    const heap = this.finishHeap;
    if (heap.length === 0 || heap.firstKey() > this.steps) return null;
    const r = heap.pop()!;
    this.lastTokensInCache = this.leave(r);
    return r;
  }
}
