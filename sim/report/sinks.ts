/** Fan-out helpers: several request-row sinks or work observers where the simulation takes one. */
import type { LiveRequest } from '../serving/liveRequest.js';
import type { WorkObserver } from '../serving/replica.js';
import type { RunnableWork } from '../serving/work.js';
import type { RequestSpec } from '../workload/request.js';
import type { RequestRowWriter } from '../accounting/requestMetrics.js';

/** One writer that forwards every row to each given writer, in order; null when there are none. */
export function teeRowWriters(writers: readonly (RequestRowWriter | null)[]): RequestRowWriter | null {
  const list = writers.filter((w): w is RequestRowWriter => w !== null);
  if (list.length <= 1) return list[0] ?? null;
  return {
    finished(r: LiveRequest, finishSeconds: number, replica: number): void {
      for (const w of list) w.finished(r, finishSeconds, replica);
    },
    rejected(spec: RequestSpec, reason: string, replica: number): void {
      for (const w of list) w.rejected(spec, reason, replica);
    },
  };
}

/** One observer that forwards every piece of work to each given observer, in order; null when there are none. */
export function combineObservers(observers: readonly (WorkObserver | null)[]): WorkObserver | null {
  const list = observers.filter((o): o is WorkObserver => o !== null);
  if (list.length <= 1) return list[0] ?? null;
  const counting = list.filter((o) => o.counts !== undefined);
  return {
    work(replica: number, start: number, end: number, w: RunnableWork, stepsDone: number, joules: number): void {
      for (const o of list) o.work(replica, start, end, w, stepsDone, joules);
    },
    ...(counting.length > 0
      ? {
          counts(replica: number, t: number, running: number, queued: number): void {
            for (const o of counting) o.counts!(replica, t, running, queued);
          },
        }
      : {}),
  };
}
