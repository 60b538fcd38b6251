import type { RequestSpec } from '../workload/request.js';
import type { LiveRequest } from './liveRequest.js';
import type { AnyWork, WorkOutcome } from './work.js';

/**
 * A batching policy inside one replica. The replica owns time and energy; the scheduler owns which requests run.
 * Calls alternate: plan() → (replica runs it) → complete(). enqueue() may come at any time.
 */
export interface Scheduler {
  /**
   * A request routed here arrives. Returns a reason string when it can never be served (rejected). The scheduler
   * takes the request over: one that waits deep in a long queue may be rebuilt, equal, when admitted
   * (requestQueue.ts), so read a request's outcome from the one onFinished reports.
   */
  enqueue(request: LiveRequest, nowSeconds: number): string | null;
  /**
   * The same for a request arriving from the workload, given as its spec: a scheduler that has this makes the
   * request's LiveRequest only when it needs one (a long queue keeps a fresh request as four numbers), instead of
   * one being made for every arrival and dropped at once.
   */
  enqueueSpec?(spec: RequestSpec, nowSeconds: number): string | null;
  /** The next work, or null when there is nothing to do. */
  plan(nowSeconds: number): AnyWork | null;
  /** The planned work finished (a decode run possibly after fewer steps than planned). The replica reuses the
   *  outcome object for its next piece of work: read it here, do not keep it. */
  complete(work: AnyWork, outcome: WorkOutcome): void;
  /** Requests waiting or running here (the least-outstanding router reads it). */
  outstanding(): number;
  runningCount(): number;
  queuedCount(): number;
  /** When the run ends with requests still here: why (a plug-in policy that never starts them). */
  stuckReason?(): string | null;
  /** KV-cache blocks free now, for policies with a paged KV cache (routers may read it). */
  freeKvBlocks?(): number;
  /** The policy's name for such messages (a plug-in's module). */
  readonly policyName?: string;
}
