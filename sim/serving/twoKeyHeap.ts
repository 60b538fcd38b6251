/**
 * A min-heap of items ordered by two numbers (a key, then a tie-breaking key), kept in typed-array columns beside the
 * items. The serving loops order by "when it finishes, then who": the decode set by (finish step counter, request
 * id), the speculative scheduler by (finish round, admission order). A comparator closure reading keys from scattered
 * objects was the largest single cost of an overloaded run; the keys here sit in two Float64Arrays. The order is
 * total when the tie keys differ, so any correct heap pops the same sequence.
 */
export class TwoKeyHeap<T> {
  private items: T[] = [];
  private keys = new Float64Array(16);
  private ties = new Float64Array(16);
  private size = 0;

  get length(): number {
    return this.size;
  }

  /** The smallest key (the heap must not be empty). */
  firstKey(): number {
    return this.keys[0];
  }

  peek(): T | undefined {
    return this.size > 0 ? this.items[0] : undefined;
  }

  push(item: T, key: number, tie: number): void {
    if (this.size === this.keys.length) this.grow();
    this.siftUp(this.size++, item, key, tie);
  }

  /** Removes and returns the first item (undefined when empty). */
  pop(): T | undefined {
    if (this.size === 0) return undefined;
    const top = this.items[0];
    this.removeAt(0);
    return top;
  }

  /** Takes an item out wherever it is (a preempted request: rare, so a linear search); false if it is not here. */
  remove(item: T): boolean {
    const i = this.items.indexOf(item);
    if (i < 0 || i >= this.size) return false;
    this.removeAt(i);
    return true;
  }

  private removeAt(i: number): void {
    const n = --this.size;
    const last = this.items[n];
    const key = this.keys[n];
    const tie = this.ties[n];
    this.items[n] = undefined as unknown as T;
    if (i === n) return;
    // The last item takes the hole: it may belong above it (a removal from the middle) or below it.
    if (i > 0 && before(key, tie, this.keys[(i - 1) >> 1], this.ties[(i - 1) >> 1])) this.siftUp(i, last, key, tie);
    else this.siftDown(i, last, key, tie);
  }

  private siftUp(position: number, item: T, key: number, tie: number): void {
    const { items, keys, ties } = this;
    let i = position;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(key, tie, keys[parent], ties[parent])) break;
      items[i] = items[parent];
      keys[i] = keys[parent];
      ties[i] = ties[parent];
      i = parent;
    }
    items[i] = item;
    keys[i] = key;
    ties[i] = tie;
  }

  private siftDown(position: number, item: T, key: number, tie: number): void {
    const { items, keys, ties } = this;
    const n = this.size;
    let i = position;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && before(keys[right], ties[right], keys[left], ties[left]) ? right : left;
      if (!before(keys[child], ties[child], key, tie)) break;
      items[i] = items[child];
      keys[i] = keys[child];
      ties[i] = ties[child];
      i = child;
    }
    items[i] = item;
    keys[i] = key;
    ties[i] = tie;
  }

  private grow(): void {
    const n = this.keys.length * 2;
    const keys = new Float64Array(n);
    keys.set(this.keys);
    const ties = new Float64Array(n);
    ties.set(this.ties);
    this.keys = keys;
    this.ties = ties;
  }
}

function before(keyA: number, tieA: number, keyB: number, tieB: number): boolean {
  return keyA < keyB || (keyA === keyB && tieA < tieB);
}
