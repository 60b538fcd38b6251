import type { LiveRequest } from './liveRequest.js';

/** Running requests in admission order; O(1) removal anywhere and O(1) access to the newest (preemption victim). */
export class RunningList {
  private head: LiveRequest | null = null;
  private tail: LiveRequest | null = null;
  size = 0;

  append(r: LiveRequest): void {
    r.prev = this.tail;
    r.next = null;
    if (this.tail) this.tail.next = r;
    else this.head = r;
    this.tail = r;
    this.size++;
  }

  remove(r: LiveRequest): void {
    if (r.prev) r.prev.next = r.next;
    else this.head = r.next;
    if (r.next) r.next.prev = r.prev;
    else this.tail = r.prev;
    r.prev = r.next = null;
    this.size--;
  }

  newest(): LiveRequest | null {
    return this.tail;
  }
}
