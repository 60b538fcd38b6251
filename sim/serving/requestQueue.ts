import type { LiveRequest } from './liveRequest.js';

/**
 * FIFO of waiting requests with push-front for preempted ones. A ring buffer: no per-operation allocation and
 * O(1) at both ends, unlike Array.shift.
 */
export class RequestQueue {
  private items: (LiveRequest | undefined)[] = new Array(16);
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  peek(): LiveRequest | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  push(r: LiveRequest): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) % this.items.length] = r;
    this.count++;
  }

  pushFront(r: LiveRequest): void {
    if (this.count === this.items.length) this.grow();
    this.head = (this.head - 1 + this.items.length) % this.items.length;
    this.items[this.head] = r;
    this.count++;
  }

  shift(): LiveRequest | undefined {
    if (this.count === 0) return undefined;
    const r = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.count--;
    return r;
  }

  private grow(): void {
    const bigger: (LiveRequest | undefined)[] = new Array(this.items.length * 2);
    for (let i = 0; i < this.count; i++) bigger[i] = this.items[(this.head + i) % this.items.length];
    this.items = bigger;
    this.head = 0;
  }
}
