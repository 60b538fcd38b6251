/**
 * The decode set's members by the step counter at which each produces its last token (ties: request id), a binary
 * heap whose keys sit in typed-array columns beside the requests. Under overload a replica holds hundreds of decoding
 * requests; comparing keys read from the requests themselves (a comparator closure over scattered objects) was the
 * largest single cost of such a run. The order is total, so any correct heap pops the same sequence.
 */
import type { LiveRequest } from './liveRequest.js';

export class FinishOrder {
  private items: LiveRequest[] = [];
  private counters = new Float64Array(16);
  private ids = new Float64Array(16);
  private size = 0;

  get length(): number {
    return this.size;
  }

  /** The smallest finish counter (the heap must not be empty). */
  firstCounter(): number {
    return this.counters[0];
  }

  push(r: LiveRequest): void {
    if (this.size === this.counters.length) this.grow();
    this.siftUp(this.size++, r, r.finishCounter, r.spec.id);
  }

  /** Removes and returns the first member (the heap must not be empty). */
  pop(): LiveRequest {
    const top = this.items[0];
    this.removeAt(0);
    return top;
  }

  /** Takes r out wherever it is (preemption: rare, so a linear search). */
  remove(r: LiveRequest): void {
    const i = this.items.indexOf(r);
    if (i >= 0 && i < this.size) this.removeAt(i);
  }

  private removeAt(i: number): void {
    const n = --this.size;
    const last = this.items[n];
    const counter = this.counters[n];
    const id = this.ids[n];
    this.items[n] = undefined as unknown as LiveRequest;
    if (i === n) return;
    // The last member takes the hole: it may belong above it (a removal from the middle) or below it.
    if (i > 0 && before(counter, id, this.counters[(i - 1) >> 1], this.ids[(i - 1) >> 1])) this.siftUp(i, last, counter, id);
    else this.siftDown(i, last, counter, id);
  }

  private siftUp(position: number, r: LiveRequest, counter: number, id: number): void {
    const items = this.items;
    const counters = this.counters;
    const ids = this.ids;
    let i = position;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(counter, id, counters[parent], ids[parent])) break;
      items[i] = items[parent];
      counters[i] = counters[parent];
      ids[i] = ids[parent];
      i = parent;
    }
    items[i] = r;
    counters[i] = counter;
    ids[i] = id;
  }

  private siftDown(position: number, r: LiveRequest, counter: number, id: number): void {
    const items = this.items;
    const counters = this.counters;
    const ids = this.ids;
    const n = this.size;
    let i = position;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && before(counters[right], ids[right], counters[left], ids[left]) ? right : left;
      if (!before(counters[child], ids[child], counter, id)) break;
      items[i] = items[child];
      counters[i] = counters[child];
      ids[i] = ids[child];
      i = child;
    }
    items[i] = r;
    counters[i] = counter;
    ids[i] = id;
  }

  private grow(): void {
    const n = this.counters.length * 2;
    const counters = new Float64Array(n);
    counters.set(this.counters);
    const ids = new Float64Array(n);
    ids.set(this.ids);
    this.counters = counters;
    this.ids = ids;
  }
}

function before(counterA: number, idA: number, counterB: number, idB: number): boolean {
  return counterA < counterB || (counterA === counterB && idA < idB);
}
