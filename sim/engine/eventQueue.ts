/**
 * The simulation clock: events ordered by (time, insertion sequence), so simultaneous events run in the order they
 * were scheduled and every run of the same scenario replays identically. Knows nothing about GPUs or requests.
 *
 * A binary heap of slot indices over typed-array columns (time, sequence, token) and a free list of slots: a
 * million-request run schedules millions of events, and one object per event was a large share of its garbage.
 */

export interface EventTarget {
  /** Called when the event fires; `token` lets the target recognise events it has since superseded. */
  onEvent(timeSeconds: number, token: number): void;
}

/**
 * A scheduled event, as returned by schedule(): pass it to cancel() to withdraw the event. A number (slot and
 * generation), so scheduling allocates nothing; a handle of an event that has fired or been cancelled is inert.
 */
export type EventHandle = number;

/** Slots per generation step in a handle: handle = generation · SLOT_SPAN + slot. */
const SLOT_SPAN = 1 << 24;

export class EventQueue {
  private capacity = 64;
  private times = new Float64Array(this.capacity);
  private sequences = new Float64Array(this.capacity);
  private tokens = new Float64Array(this.capacity);
  /** Bumped each time a slot is freed, so a stale handle no longer matches it. */
  private generations = new Float64Array(this.capacity);
  /** 1 while the slot's event is withdrawn but still in the heap. */
  private cancelled = new Uint8Array(this.capacity);
  private targets: (EventTarget | null)[] = new Array<EventTarget | null>(this.capacity).fill(null);
  /** Slots in heap order. */
  private heap = new Int32Array(this.capacity);
  private size = 0;
  /** Free slots, a stack. */
  private free = new Int32Array(this.capacity);
  private freeCount = 0;
  private used = 0;
  private sequence = 0;
  /** Cancelled entries still in the heap (dropped when they surface). */
  private cancelledInHeap = 0;
  /**
   * One event kept outside the heap (scheduleOutside): a stream that always has exactly its next event pending (the
   * arrivals) need not sift it through the heap. It takes its sequence number like any event, so the order of
   * firing is the same as if it were in the heap.
   */
  private outsideTarget: EventTarget | null = null;
  private outsideTime = 0;
  private outsideSequence = 0;
  private outsideToken = 0;
  /** Events fired so far (a benchmark figure). */
  fired = 0;
  nowSeconds = 0;

  schedule(timeSeconds: number, target: EventTarget, token = 0): EventHandle {
    if (!(timeSeconds >= this.nowSeconds)) {
      throw new Error(`event scheduled in the past: ${timeSeconds} < now ${this.nowSeconds}`);
    }
    const slot = this.takeSlot();
    this.times[slot] = timeSeconds;
    this.sequences[slot] = this.sequence++;
    this.tokens[slot] = token;
    this.targets[slot] = target;
    this.cancelled[slot] = 0;
    this.siftUp(this.size++, slot);
    return this.generations[slot] * SLOT_SPAN + slot;
  }

  /**
   * Schedules the one event kept outside the heap (at most one may be pending; it cannot be cancelled). Fires in the
   * same order as schedule() would put it.
   */
  scheduleOutside(timeSeconds: number, target: EventTarget, token = 0): void {
    if (!(timeSeconds >= this.nowSeconds)) {
      throw new Error(`event scheduled in the past: ${timeSeconds} < now ${this.nowSeconds}`);
    }
    if (this.outsideTarget !== null) throw new Error('internal: an event outside the heap is already pending');
    this.outsideTarget = target;
    this.outsideTime = timeSeconds;
    this.outsideSequence = this.sequence++;
    this.outsideToken = token;
  }

  /**
   * Withdraws a scheduled event that has not fired. The entry stays in the heap, marked, and is dropped when it
   * reaches the top: cheaper than removing it, and the heap stays about one entry per replica deep.
   */
  cancel(handle: EventHandle): void {
    const slot = handle % SLOT_SPAN;
    if (slot >= this.used || this.generations[slot] !== (handle - slot) / SLOT_SPAN || this.cancelled[slot] === 1) return;
    this.cancelled[slot] = 1;
    this.cancelledInHeap++;
  }

  /**
   * Withdraws the event `handle` (if it has not fired) and schedules `target` at `timeSeconds` instead: the same as
   * cancel() then schedule(), and it fires in the same order (it takes the next sequence number), but the withdrawn
   * entry does not linger in the heap to be popped later. A decode run cut short by an arrival moves its end this way.
   */
  reschedule(handle: EventHandle, timeSeconds: number, target: EventTarget, token = 0): EventHandle {
    const slot = handle % SLOT_SPAN;
    const live = slot < this.used && this.generations[slot] === (handle - slot) / SLOT_SPAN && this.cancelled[slot] === 0 && this.targets[slot] !== null;
    if (!live || !(timeSeconds >= this.nowSeconds)) {
      this.cancel(handle);
      return this.schedule(timeSeconds, target, token);
    }
    // The heap is about one entry per replica deep: a scan finds the slot's place.
    const heap = this.heap;
    let position = 0;
    while (heap[position] !== slot) position++;
    const earlier = timeSeconds < this.times[slot];
    this.times[slot] = timeSeconds;
    this.sequences[slot] = this.sequence++;
    this.tokens[slot] = token;
    this.targets[slot] = target;
    // A new generation: the old handle no longer names this event.
    this.generations[slot]++;
    if (earlier) this.siftUp(position, slot);
    else this.siftDownFrom(position, slot);
    return this.generations[slot] * SLOT_SPAN + slot;
  }

  get pending(): number {
    return this.size - this.cancelledInHeap + (this.outsideTarget === null ? 0 : 1);
  }

  /**
   * Fire events in order until none is left, or until `maxEvents` have fired in this call (so a caller can return
   * to the host's event loop between slices). Returns true when no event is left.
   */
  run(onProgress?: (fired: number, nowSeconds: number) => void, maxEvents = Number.POSITIVE_INFINITY): boolean {
    const stopAt = this.fired + maxEvents;
    for (;;) {
      if (this.fired >= stopAt) return this.pending === 0;
      const outside = this.outsideTarget;
      if (outside !== null) {
        const t = this.outsideTime;
        const top = this.size > 0 ? this.heap[0] : -1;
        if (top < 0 || t < this.times[top] || (t === this.times[top] && this.outsideSequence < this.sequences[top])) {
          this.outsideTarget = null;
          this.nowSeconds = t;
          this.fired++;
          outside.onEvent(t, this.outsideToken);
          if (onProgress && (this.fired & 0xffff) === 0) onProgress(this.fired, this.nowSeconds);
          continue;
        }
      }
      if (this.size === 0) return true;
      const slot = this.popTop();
      const target = this.targets[slot]!;
      const time = this.times[slot];
      const token = this.tokens[slot];
      const wasCancelled = this.cancelled[slot] === 1;
      this.releaseSlot(slot);
      if (wasCancelled) {
        this.cancelledInHeap--;
        continue;
      }
      this.nowSeconds = time;
      this.fired++;
      target.onEvent(time, token);
      if (onProgress && (this.fired & 0xffff) === 0) onProgress(this.fired, this.nowSeconds);
    }
  }

  private takeSlot(): number {
    if (this.freeCount > 0) return this.free[--this.freeCount];
    if (this.used === this.capacity) this.grow();
    return this.used++;
  }

  /** A freed slot's handle goes stale (its generation moves on), so a late cancel() leaves the new event alone. */
  private releaseSlot(slot: number): void {
    this.targets[slot] = null;
    this.generations[slot]++;
    this.free[this.freeCount++] = slot;
  }

  private grow(): void {
    const n = this.capacity * 2;
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    this.times = f64(this.times);
    this.sequences = f64(this.sequences);
    this.tokens = f64(this.tokens);
    this.generations = f64(this.generations);
    const c = new Uint8Array(n);
    c.set(this.cancelled);
    this.cancelled = c;
    const h = new Int32Array(n);
    h.set(this.heap);
    this.heap = h;
    const fr = new Int32Array(n);
    fr.set(this.free);
    this.free = fr;
    for (let i = this.capacity; i < n; i++) this.targets.push(null);
    this.capacity = n;
  }

  /** Whether slot a fires before slot b. */
  private before(a: number, b: number): boolean {
    const ta = this.times[a];
    const tb = this.times[b];
    return ta < tb || (ta === tb && this.sequences[a] < this.sequences[b]);
  }

  private siftUp(position: number, slot: number): void {
    const heap = this.heap;
    let i = position;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent];
      if (!this.before(slot, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = slot;
  }

  private popTop(): number {
    const heap = this.heap;
    const top = heap[0];
    const n = --this.size;
    if (n === 0) return top;
    this.siftDownFrom(0, heap[n]);
    return top;
  }

  /** Puts `slot` at `position` or below it, moving earlier children up (the heap has `size` entries). */
  private siftDownFrom(position: number, slot: number): void {
    const heap = this.heap;
    const n = this.size;
    let i = position;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.before(heap[right], heap[left]) ? right : left;
      const c = heap[child];
      if (!this.before(c, slot)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = slot;
  }
}
