import type { AnyWork } from './work.js';

/**
 * Accounts what a replica's time costs beyond its GPUs (the node around them, the facility, the grid). The replica
 * reports every piece of work and every idle gap; the engine and the replica know nothing of nodes or grids.
 */
export interface WorkAccounting {
  /**
   * Work ran over [start, end] and cost the GPUs `gpuJoules`, spent evenly or, for a decode run, as
   * `gpuJoulesAt(elapsed)` says. Returns the work's shared quantities (requestShares.ts) for its scheduler to hand
   * out with the GPU energy; the array is only read before the next call.
   */
  busy(
    replica: number,
    startSeconds: number,
    endSeconds: number,
    work: AnyWork,
    stepsDone: number,
    gpuJoules: number,
    gpuJoulesAt?: (elapsedSeconds: number) => number,
  ): Float64Array;
  /** The replica was idle over [start, end], its GPUs drawing `gpuJoules`. */
  idle(replica: number, startSeconds: number, endSeconds: number, gpuJoules: number): void;
}
