/**
 * Moving a request's KV cache from a prefill replica to a decode replica (disaggregated serving): how many bytes,
 * how long on a link, how much energy. Pure functions over a resolved link; where the link's numbers come from (the
 * GPU file's NVLink, the node file's InfiniBand or Ethernet) is resolved by the run's wiring.
 */
import type { Architecture } from './architecture.js';
import { kvCacheBytesPerToken } from './modelCosts.js';
import type { KvCacheDtype } from './precision.js';

export const LINK_KINDS = ['nvlink', 'infiniband', 'ethernet'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

/** A link between the two pools, as one transfer sees it: the sending replica's share of it. */
export interface KvLink {
  readonly kind: LinkKind;
  /** One direction, for one transfer (every GPU of the narrower replica sending its shard at once). */
  readonly bytesPerSecond: number;
  readonly latencySeconds: number;
  readonly joulesPerByte: number;
  /** What the numbers are and where they come from, for the summary. */
  readonly description: string;
  /** The weakest basis among them: measured, vendor or modelled. */
  readonly basis: 'measured' | 'vendor' | 'modelled';
}

/** The whole KV cache of `tokens` tokens (every layer, K and V, every head) in the run's KV-cache precision. */
export function kvCacheBytes(arch: Architecture, tokens: number, kvCache: KvCacheDtype): number {
  return kvCacheBytesPerToken(arch, kvCache) * tokens;
}

/** Seconds one transfer holds the link: its fixed latency, then the bytes at the link's rate. */
export function transferSeconds(link: KvLink, bytes: number): number {
  return link.latencySeconds + bytes / link.bytesPerSecond;
}

export function transferJoules(link: KvLink, bytes: number): number {
  return bytes * link.joulesPerByte;
}

/** Picojoules per bit → joules per byte. */
export function joulesPerByteOf(picojoulesPerBit: number): number {
  return picojoulesPerBit * 8e-12;
}
