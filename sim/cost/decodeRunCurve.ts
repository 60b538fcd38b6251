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
  /** Envelope pieces in use; piece i uses line i from starts[i] until the next start. */
  private pieces = 0;
  /** First step of each envelope piece (ascending, starting at 0). */
  private starts = new Float64Array(8);
  private slopes = new Float64Array(8);
  private intercepts = new Float64Array(8);
  /** Seconds of all steps before each piece's first step. */
  private secondsBefore = new Float64Array(8);
  // Scratch for the lines in k and their crossing points: a curve is re-pointed at each new run without allocating.
  private lineA = new Float64Array(4);
  private lineB = new Float64Array(4);
  private cuts = new Float64Array(8);
  private dynamicA = 0;
  private dynamicB = 0;
  /** Replica joules = gpus · (busyBaseWatts · seconds + dynamic joules per GPU). */
  private gpus = 1;
  private busyBaseWatts = 0;

  constructor(timeLines: readonly Line[] = [], dynamicJoules: Line = { a: 0, b: 0 }, gpus = 1, busyBaseWatts = 0) {
    this.reserve(timeLines.length);
    for (let i = 0; i < timeLines.length; i++) {
      this.lineA[i] = timeLines[i].a;
      this.lineB[i] = timeLines[i].b;
    }
    this.build(timeLines.length, dynamicJoules.a, dynamicJoules.b, gpus, busyBaseWatts);
  }

  /**
   * Re-points the curve at a run of n sequences from context sum contextSum0, given lines in the context sum x
   * (a + b·x): in the step index k they are (a + b·contextSum0) + (b·n)·k. Allocates nothing.
   */
  setRun(
    xA: ArrayLike<number>,
    xB: ArrayLike<number>,
    lines: number,
    dynamicXA: number,
    dynamicXB: number,
    n: number,
    contextSum0: number,
    gpus: number,
    busyBaseWatts: number,
  ): this {
    this.reserve(lines);
    for (let i = 0; i < lines; i++) {
      this.lineA[i] = xA[i] + xB[i] * contextSum0;
      this.lineB[i] = xB[i] * n;
    }
    this.build(lines, dynamicXA + dynamicXB * contextSum0, dynamicXB * n, gpus, busyBaseWatts);
    return this;
  }

  private reserve(lines: number): void {
    if (lines <= this.lineA.length) return;
    const pieces = 1 + (lines * (lines - 1)) / 2;
    this.lineA = new Float64Array(lines);
    this.lineB = new Float64Array(lines);
    this.cuts = new Float64Array(pieces);
    this.starts = new Float64Array(pieces);
    this.slopes = new Float64Array(pieces);
    this.intercepts = new Float64Array(pieces);
    this.secondsBefore = new Float64Array(pieces);
  }

  private build(lines: number, dynamicA: number, dynamicB: number, gpus: number, busyBaseWatts: number): void {
    this.dynamicA = dynamicA;
    this.dynamicB = dynamicB;
    this.gpus = gpus;
    this.busyBaseWatts = busyBaseWatts;
    this.pieces = 0;
    const la = this.lineA;
    const lb = this.lineB;
    const cuts = this.cuts;
    // Every point where two lines swap order is a candidate piece boundary.
    let cutCount = 0;
    cuts[cutCount++] = 0;
    for (let i = 0; i < lines; i++) {
      for (let j = i + 1; j < lines; j++) {
        const db = lb[i] - lb[j];
        if (db === 0) continue;
        const c = Math.ceil((la[j] - la[i]) / db);
        if (c > 0 && Number.isFinite(c)) cuts[cutCount++] = c;
      }
    }
    // Insertion sort: a handful of cuts.
    for (let i = 1; i < cutCount; i++) {
      const x = cuts[i];
      let j = i - 1;
      while (j >= 0 && cuts[j] > x) {
        cuts[j + 1] = cuts[j];
        j--;
      }
      cuts[j + 1] = x;
    }
    let total = 0;
    for (let m = 0; m < cutCount; m++) {
      const k = cuts[m];
      if (m > 0 && k === cuts[m - 1]) continue;
      // The line on top over the whole piece [k, next cut): pick it inside the piece, not at k, where two lines
      // crossing exactly at the integer k tie and the first of them need not be the one on top at k + 1.
      let next = Infinity;
      for (let j = m + 1; j < cutCount && next === Infinity; j++) if (cuts[j] > k) next = cuts[j];
      const at = next === k + 1 ? k : k + 0.5;
      let top = 0;
      for (let i = 1; i < lines; i++) {
        if (la[i] + lb[i] * at > la[top] + lb[top] * at) top = i;
      }
      const n = this.pieces;
      if (n > 0) {
        if (this.slopes[n - 1] === lb[top] && this.intercepts[n - 1] === la[top]) continue;
        total += this.series(n - 1, this.starts[n - 1], k);
      }
      this.starts[n] = k;
      this.slopes[n] = lb[top];
      this.intercepts[n] = la[top];
      this.secondsBefore[n] = total;
      this.pieces = n + 1;
    }
  }

  /** Σ over k in [k0, k1) of piece i's line. */
  private series(i: number, k0: number, k1: number): number {
    const count = k1 - k0;
    return this.intercepts[i] * count + this.slopes[i] * ((count * (k0 + k1 - 1)) / 2);
  }

  private pieceOf(k: number): number {
    let i = this.pieces - 1;
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
    const dynamic = this.dynamicA * count + this.dynamicB * ((count * (k0 + k1 - 1)) / 2);
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
