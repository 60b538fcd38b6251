/**
 * The simulation clock: events ordered by (time, insertion sequence), so simultaneous events run in the order they
 * were scheduled and every run of the same scenario replays identically. Knows nothing about GPUs or requests.
 */
import { Heap } from 'heap-js';

export interface EventTarget {
  /** Called when the event fires; `token` lets the target recognise events it has since superseded. */
  onEvent(timeSeconds: number, token: number): void;
}

/** A scheduled event, as returned by schedule(): pass it to cancel() to withdraw the event. */
export interface EventHandle {
  readonly timeSeconds: number;
}

interface Entry extends EventHandle {
  cancelled: boolean;
  timeSeconds: number;
  sequence: number;
  target: EventTarget;
  token: number;
}

export class EventQueue {
  private readonly heap = new Heap<Entry>((a, b) => a.timeSeconds - b.timeSeconds || a.sequence - b.sequence);
  private sequence = 0;
  /** Cancelled entries still in the heap (dropped when they surface). */
  private cancelledInHeap = 0;
  /** Events fired so far (a benchmark figure). */
  fired = 0;
  nowSeconds = 0;

  schedule(timeSeconds: number, target: EventTarget, token = 0): EventHandle {
    if (!(timeSeconds >= this.nowSeconds)) {
      throw new Error(`event scheduled in the past: ${timeSeconds} < now ${this.nowSeconds}`);
    }
    const entry: Entry = { timeSeconds, sequence: this.sequence++, target, token, cancelled: false };
    this.heap.push(entry);
    return entry;
  }

  /**
   * Withdraws a scheduled event that has not fired. The entry stays in the heap, marked, and is dropped when it
   * reaches the top: cheaper than heap-js's remove (a search that allocates), and the heap stays about one entry per
   * replica deep.
   */
  cancel(handle: EventHandle): void {
    const entry = handle as Entry;
    if (entry.cancelled) return;
    entry.cancelled = true;
    this.cancelledInHeap++;
  }

  get pending(): number {
    return this.heap.length - this.cancelledInHeap;
  }

  /**
   * Fire events in order until none is left, or until `maxEvents` have fired in this call (so a caller can return
   * to the host's event loop between slices). Returns true when no event is left.
   */
  run(onProgress?: (fired: number, nowSeconds: number) => void, maxEvents = Number.POSITIVE_INFINITY): boolean {
    const stopAt = this.fired + maxEvents;
    for (;;) {
      if (this.fired >= stopAt) return this.pending === 0;
      const e = this.heap.pop();
      if (!e) return true;
      if (e.cancelled) {
        this.cancelledInHeap--;
        continue;
      }
      // A fired event can no longer be cancelled: mark it so a late cancel() leaves the count alone.
      e.cancelled = true;
      this.nowSeconds = e.timeSeconds;
      this.fired++;
      e.target.onEvent(e.timeSeconds, e.token);
      if (onProgress && (this.fired & 0xffff) === 0) onProgress(this.fired, this.nowSeconds);
    }
  }
}
