/**
 * Heap bytes one waiting request holds while it sits in a replica's queue under overload: its workload record, the
 * replica's per-request state and the queue slot. Measured as the growth of the JS heap plus array-buffer memory
 * (typed-array columns live outside the JS heap) for `count` queued requests after a full GC (needs node
 * --expose-gc), so it counts exactly what the run keeps alive per queued request.
 */
import { LiveRequest } from '../sim/serving/liveRequest.js';
import { RequestQueue } from '../sim/serving/requestQueue.js';
import type { RequestSpec } from '../sim/workload/request.js';

function fullGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  gc();
  gc();
}

function heldBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

export function queuedBytesPerRequest(count: number): number {
  fullGc();
  const before = heldBytes();
  const queue = new RequestQueue();
  for (let i = 0; i < count; i++) {
    // The same shape a trace source yields (arrival times distinct doubles, as in a real trace).
    const spec: RequestSpec = { id: i, arrivalSeconds: i * 0.0025 + 0.000123, inputTokens: 1000 + (i % 997), outputTokens: 200 + (i % 101) };
    queue.push(new LiveRequest(spec));
  }
  fullGc();
  const after = heldBytes();
  if (queue.length !== count) throw new Error('queue lost requests');
  return (after - before) / count;
}
