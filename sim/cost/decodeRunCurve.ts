/**
 * The cost of a decode run as a function of its step index k: step time is the upper envelope of a few lines in k
 * (compute leg, memory leg, power-cap stretch), dynamic energy is one line. Built once per run, it answers in O(1)
 * (O(log K) for inverse queries) the total over any range of steps, the number of steps that fit in a time, and the
 * energy spent up to a moment — which is what lets the engine jump over whole runs exactly.
 */
/** A line a + b·k in the step index k. */
export interface Line {
  readonly a: number;
  readonly b: number;
}

export class DecodeRunCurve {
  /** First step of each envelope piece (ascending, starting at 0); piece i uses line i until the next start. */
  private readonly starts: number[] = [];
  private readonly slopes: number[] = [];
  private readonly intercepts: number[] = [];
  /** Seconds of all steps before each piece's first step. */
  private readonly secondsBefore: number[] = [];

  constructor(
    timeLines: readonly Line[],
    private readonly dynamicJoules: Line,
    /** Replica joules = gpus · (busyBaseWatts · seconds + dynamic joules per GPU). */
    private readonly gpus: number,
    private readonly busyBaseWatts: number,
  ) {
    // Every point where two lines swap order is a candidate piece boundary.
    const cuts = [0];
    for (let i = 0; i < timeLines.length; i++) {
      for (let j = i + 1; j < timeLines.length; j++) {
        const db = timeLines[i].b - timeLines[j].b;
        if (db === 0) continue;
        const c = Math.ceil((timeLines[j].a - timeLines[i].a) / db);
        if (c > 0 && Number.isFinite(c)) cuts.push(c);
      }
    }
    cuts.sort((x, y) => x - y);
    let total = 0;
    for (let m = 0; m < cuts.length; m++) {
      const k = cuts[m];
      if (m > 0 && k === cuts[m - 1]) continue;
      // The line on top over the whole piece [k, next cut): pick it inside the piece, not at k, where two lines
      // crossing exactly at the integer k tie and the first of them need not be the one on top at k + 1.
      let next = Infinity;
      for (let j = m + 1; j < cuts.length && next === Infinity; j++) if (cuts[j] > k) next = cuts[j];
      const at = next === k + 1 ? k : k + 0.5;
      let top = timeLines[0];
      for (let i = 1; i < timeLines.length; i++) {
        const l = timeLines[i];
        if (l.a + l.b * at > top.a + top.b * at) top = l;
      }
      const n = this.starts.length;
      if (n > 0) {
        if (this.slopes[n - 1] === top.b && this.intercepts[n - 1] === top.a) continue;
        total += this.series(n - 1, this.starts[n - 1], k);
      }
      this.starts.push(k);
      this.slopes.push(top.b);
      this.intercepts.push(top.a);
      this.secondsBefore.push(total);
    }
  }

  /** Σ over k in [k0, k1) of piece i's line. */
  private series(i: number, k0: number, k1: number): number {
    const count = k1 - k0;
    return this.intercepts[i] * count + this.slopes[i] * ((count * (k0 + k1 - 1)) / 2);
  }

  private pieceOf(k: number): number {
    let i = this.starts.length - 1;
    while (i > 0 && this.starts[i] > k) i--;
    return i;
  }

  /** Seconds of steps 0 .. k-1. */
  secondsUpTo(k: number): number {
    if (k <= 0) return 0;
    const i = this.pieceOf(k - 1);
    return this.secondsBefore[i] + this.series(i, this.starts[i], k);
  }

  /** Seconds of steps k0 .. k1-1 (0 for an empty range). */
  seconds(k0: number, k1: number): number {
    return k1 > k0 ? this.secondsUpTo(k1) - this.secondsUpTo(k0) : 0;
  }

  /** Seconds of step k alone, evaluated on its line (exact, not a difference of sums). */
  stepSeconds(k: number): number {
    const i = this.pieceOf(k);
    return this.intercepts[i] + this.slopes[i] * k;
  }

  /** Replica joules of steps k0 .. k1-1. */
  joules(k0: number, k1: number): number {
    const count = k1 - k0;
    const dynamic = this.dynamicJoules.a * count + this.dynamicJoules.b * ((count * (k0 + k1 - 1)) / 2);
    return this.gpus * (this.busyBaseWatts * this.seconds(k0, k1) + dynamic);
  }

  /** The fewest steps k in [1, maxSteps] whose total time reaches `elapsed`; maxSteps if the run ends first. */
  stepsToReach(elapsed: number, maxSteps: number): number {
    if (this.secondsUpTo(maxSteps) < elapsed) return maxSteps;
    let lo = 1;
    let hi = maxSteps;
    while (lo < hi) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (this.secondsUpTo(mid) >= elapsed) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Replica joules spent in the first `elapsed` seconds of a run of maxSteps steps (a step draws constant power). */
  joulesAt(elapsed: number, maxSteps: number): number {
    if (elapsed <= 0) return 0;
    const k = this.stepsToReach(elapsed, maxSteps);
    const before = this.secondsUpTo(k - 1);
    const stepSeconds = this.secondsUpTo(k) - before;
    const fraction = Math.min(1, Math.max(0, (elapsed - before) / stepSeconds));
    return this.joules(0, k - 1) + fraction * this.joules(k - 1, k);
  }
}
