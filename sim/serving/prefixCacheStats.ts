/**
 * What prefix caching did over a run, summed over replicas. Hits are counted in tokens at each admission (a request
 * re-admitted after preemption looks its prefix up again, and that counts too).
 */
export interface PrefixCacheStats {
  /** Admissions of requests that carry prefix block ids. */
  lookups: number;
  /** Of those, admissions that found at least one block cached. */
  hits: number;
  /** Prompt tokens of the admissions looked up. */
  promptTokens: number;
  /** Prompt tokens found cached: prefill work skipped. */
  hitTokens: number;
  /** Estimated energy the skipped prefill would have cost (PrefixCaching.savedJoules). */
  savedJoules: number;
  /** Cached prefix blocks dropped to make room. */
  evictions: number;
}

export function emptyPrefixCacheStats(): PrefixCacheStats {
  return { lookups: 0, hits: 0, promptTokens: 0, hitTokens: 0, savedJoules: 0, evictions: 0 };
}

/** What a batcher needs to cache prefixes. */
export interface PrefixCaching {
  readonly stats: PrefixCacheStats;
  /**
   * Energy a prompt's prefill saves by finding `hitTokens` cached, its other `restTokens` computed on top of them:
   * the prefill of the whole prompt minus the prefill of the rest over the cached part, each priced as a step of
   * its own (an estimate: in a batched step the saving shares the step's fixed costs).
   */
  savedJoules(hitTokens: number, restTokens: number): number;
}
