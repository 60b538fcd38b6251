/**
 * Quantities beyond GPU energy that a piece of work carries (node energy, facility energy, operational carbon,
 * electricity cost) and that are shared among its requests exactly as its GPU joules are: whatever fraction of the
 * work's GPU energy a request gets, it gets the same fraction of each of these. Absent when the run has no
 * facility model, so plain runs pay nothing for them.
 */
import type { LiveRequest } from './liveRequest.js';

export const SHARE_NODE_J = 0;
export const SHARE_FACILITY_J = 1;
export const SHARE_CARBON_G = 2;
export const SHARE_COST_USD = 3;
export const SHARE_COUNT = 4;

/** Adds `fraction` of each of the work's shared quantities to the request. */
export function addShares(r: LiveRequest, shares: Float64Array | undefined, fraction: number): void {
  if (shares === undefined) return;
  let mine = r.shares;
  if (mine === null) mine = r.shares = new Float64Array(SHARE_COUNT);
  for (let k = 0; k < SHARE_COUNT; k++) mine[k] += shares[k] * fraction;
}
