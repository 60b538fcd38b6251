import { LiveRequest } from './liveRequest.js';
import type { RequestSpec } from '../workload/request.js';

/**
 * FIFO of waiting requests with push-front for preempted ones. A ring buffer: no per-operation allocation and
 * O(1) at both ends, unlike Array.shift.
 *
 * Under overload millions of requests wait, so a request queued behind KEEP_OBJECTS others that is still as it
 * arrived (LiveRequest.isFresh, a plain spec) is kept as four numbers in typed-array columns (24 bytes), and its
 * objects are dropped; it is rebuilt, equal but not the same object, when it reaches the head. Any other request
 * (near the head, preempted, carrying prefix ids) is held as is, in a side list whose free places are reused.
 */
/** Waiting requests kept as objects before the queue starts keeping fresh ones as numbers (a short queue keeps all). */
export const KEEP_OBJECTS = 256;

export class RequestQueue {
  private capacity = 16;
  private ids = new Float64Array(this.capacity);
  private arrivals = new Float64Array(this.capacity);
  private inputs = new Int32Array(this.capacity);
  private outputs = new Int32Array(this.capacity);
  /** Index into `held` of a slot kept as an object; −1: kept as numbers. */
  private heldAt = new Int32Array(this.capacity);
  private held: (LiveRequest | undefined)[] = [];
  private freeHeld: number[] = [];
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  /** The head, built from its numbers on first look and then held, so every peek until shift() is the same object. */
  peek(): LiveRequest | undefined {
    if (this.count === 0) return undefined;
    const slot = this.head;
    const at = this.heldAt[slot];
    if (at >= 0) return this.held[at];
    const spec: RequestSpec = { id: this.ids[slot], arrivalSeconds: this.arrivals[slot], inputTokens: this.inputs[slot], outputTokens: this.outputs[slot] };
    const r = new LiveRequest(spec);
    this.heldAt[slot] = this.hold(r);
    return r;
  }

  push(r: LiveRequest): void {
    if (this.count === this.capacity) this.grow();
    this.store((this.head + this.count) % this.capacity, r);
    this.count++;
  }

  /** A fresh arrival given as its spec: kept as numbers deep in the queue, else made into a request and held. */
  pushSpec(s: RequestSpec): void {
    if (this.count < KEEP_OBJECTS || !plainSpec(s)) {
      this.push(new LiveRequest(s));
      return;
    }
    if (this.count === this.capacity) this.grow();
    const slot = (this.head + this.count) % this.capacity;
    this.ids[slot] = s.id;
    this.arrivals[slot] = s.arrivalSeconds;
    this.inputs[slot] = s.inputTokens;
    this.outputs[slot] = s.outputTokens;
    this.heldAt[slot] = -1;
    this.count++;
  }

  pushFront(r: LiveRequest): void {
    if (this.count === this.capacity) this.grow();
    this.head = (this.head - 1 + this.capacity) % this.capacity;
    this.store(this.head, r);
    this.count++;
  }

  shift(): LiveRequest | undefined {
    const r = this.peek();
    if (r === undefined) return undefined;
    const at = this.heldAt[this.head];
    this.held[at] = undefined;
    this.freeHeld.push(at);
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    if (this.count === 0 && this.held.length > 0) {
      // Nothing held any more: start the side list afresh rather than keep a long free list. (pop, not a length
      // assignment: the queue empties at nearly every arrival of an underloaded run, and setting length is a slow
      // runtime call.)
      while (this.held.length > 0) this.held.pop();
      while (this.freeHeld.length > 0) this.freeHeld.pop();
    }
    return r;
  }

  private store(slot: number, r: LiveRequest): void {
    const s = r.spec;
    if (this.count >= KEEP_OBJECTS && r.isFresh() && plainSpec(s)) {
      this.ids[slot] = s.id;
      this.arrivals[slot] = s.arrivalSeconds;
      this.inputs[slot] = s.inputTokens;
      this.outputs[slot] = s.outputTokens;
      this.heldAt[slot] = -1;
    } else {
      this.heldAt[slot] = this.hold(r);
    }
  }

  private hold(r: LiveRequest): number {
    const at = this.freeHeld.length > 0 ? this.freeHeld.pop()! : this.held.length;
    this.held[at] = r;
    return at;
  }

  private grow(): void {
    const n = this.capacity * 2;
    const ids = new Float64Array(n);
    const arrivals = new Float64Array(n);
    const inputs = new Int32Array(n);
    const outputs = new Int32Array(n);
    const heldAt = new Int32Array(n);
    for (let i = 0; i < this.count; i++) {
      const from = (this.head + i) % this.capacity;
      ids[i] = this.ids[from];
      arrivals[i] = this.arrivals[from];
      inputs[i] = this.inputs[from];
      outputs[i] = this.outputs[from];
      heldAt[i] = this.heldAt[from];
    }
    this.ids = ids;
    this.arrivals = arrivals;
    this.inputs = inputs;
    this.outputs = outputs;
    this.heldAt = heldAt;
    this.head = 0;
    this.capacity = n;
  }
}

/**
 * A spec with just the four numbers, each exactly representable in its column (so the rebuilt spec is equal): no
 * prefix ids, no fields a plug-in source added.
 */
function plainSpec(s: RequestSpec): boolean {
  let keys = 0;
  for (const _ in s) keys++;
  return keys === 4 && (s.inputTokens | 0) === s.inputTokens && (s.outputTokens | 0) === s.outputTokens && s.prefixBlockIds === undefined;
}
