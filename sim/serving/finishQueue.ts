/**
 * Running speculative rows ordered by the round they finish in, then by admission order (the order finished rows
 * are reported in): a binary min-heap over a plain array, specialised to those two keys (a generic heap's
 * comparator call per step was a noticeable share of a run with thousands of rows alive).
 */
export interface FinishKeyed {
  readonly finishRound: number;
  readonly sequence: number;
}

export class FinishQueue<T extends FinishKeyed> {
  private readonly items: T[] = [];

  get length(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(x: T): void {
    const a = this.items;
    a.push(x);
    this.up(a.length - 1);
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      this.down(0);
    }
    return top;
  }

  /** Takes x out wherever it is (a preempted row): O(n) to find, O(log n) to mend. */
  remove(x: T): boolean {
    const a = this.items;
    const i = a.indexOf(x);
    if (i < 0) return false;
    const last = a.pop()!;
    if (i < a.length) {
      a[i] = last;
      this.down(i);
      this.up(i);
    }
    return true;
  }

  private static before(p: FinishKeyed, q: FinishKeyed): boolean {
    return p.finishRound < q.finishRound || (p.finishRound === q.finishRound && p.sequence < q.sequence);
  }

  private up(i: number): void {
    const a = this.items;
    const x = a[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!FinishQueue.before(x, a[parent])) break;
      a[i] = a[parent];
      i = parent;
    }
    a[i] = x;
  }

  private down(i: number): void {
    const a = this.items;
    const n = a.length;
    const x = a[i];
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && FinishQueue.before(a[child + 1], a[child])) child++;
      if (!FinishQueue.before(a[child], x)) break;
      a[i] = a[child];
      i = child;
    }
    a[i] = x;
  }
}
