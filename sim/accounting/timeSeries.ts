/**
 * Energy, power and queue state per fixed interval, per replica. The interval starts at `intervalSeconds` and
 * doubles (merging neighbours) whenever the run outgrows `maxIntervals`, so memory stays bounded on week-long
 * traces while short runs keep fine resolution. Energy lands in intervals exactly: a single step has constant power,
 * and a decode run is split at interval edges with the cost model's exact cumulative energy.
 */
export type Phase = 'prefill' | 'decode' | 'idle';

export interface TimeSeriesRow {
  readonly startSeconds: number;
  readonly endSeconds: number;
  /** Per replica: joules by phase within the interval. */
  readonly prefillJoules: readonly number[];
  readonly decodeJoules: readonly number[];
  readonly idleJoules: readonly number[];
  /** Per replica: time-averaged running and queued requests over the interval. */
  readonly running: readonly number[];
  readonly queued: readonly number[];
  /** KV-cache transfers between disaggregated pools within the interval (absent when the run has none). */
  readonly transferJoules?: number;
}

export class TimeSeries {
  private widthSeconds: number;
  private readonly prefill: number[][];
  private readonly decode: number[][];
  private readonly idle: number[][];
  private readonly runningArea: number[][];
  private readonly queuedArea: number[][];
  /** One cluster-wide series (index 0) for KV-cache transfers, when the run disaggregates prefill and decode. */
  private readonly transfer: number[][] = [[]];
  private readonly lastCountSeconds: Float64Array;
  private readonly lastRunning: Float64Array;
  private readonly lastQueued: Float64Array;

  constructor(
    private readonly replicas: number,
    intervalSeconds: number,
    private readonly maxIntervals: number,
    private readonly withTransfers = false,
  ) {
    this.widthSeconds = intervalSeconds;
    const make = () => Array.from({ length: replicas }, () => [] as number[]);
    this.prefill = make();
    this.decode = make();
    this.idle = make();
    this.runningArea = make();
    this.queuedArea = make();
    this.lastCountSeconds = new Float64Array(replicas);
    this.lastRunning = new Float64Array(replicas);
    this.lastQueued = new Float64Array(replicas);
  }

  get intervalSeconds(): number {
    return this.widthSeconds;
  }

  /** Make sure time t falls inside the kept range, doubling the interval as often as needed. */
  private cover(t: number): void {
    if (t < this.widthSeconds * this.maxIntervals) return;
    while (t >= this.widthSeconds * this.maxIntervals) {
      for (const series of [this.prefill, this.decode, this.idle, this.runningArea, this.queuedArea, this.transfer]) {
        for (let r = 0; r < series.length; r++) {
          const old = series[r];
          const merged: number[] = new Array(Math.ceil(old.length / 2)).fill(0);
          for (let i = 0; i < old.length; i++) merged[i >> 1] += old[i];
          series[r] = merged;
        }
      }
      this.widthSeconds *= 2;
    }
  }

  private bucketOf(t: number): number {
    return Math.min(Math.floor(t / this.widthSeconds), this.maxIntervals - 1);
  }

  /** The bucket holding the end of a span [t0, t1]: a span ending exactly on an edge belongs to the bucket before it. */
  private endBucketOf(t0: number, t1: number): number {
    const b0 = this.bucketOf(t0);
    if (!(t1 > t0)) return b0;
    return Math.max(b0, Math.min(Math.ceil(t1 / this.widthSeconds) - 1, this.maxIntervals - 1));
  }

  private add(series: number[][], replica: number, bucket: number, value: number): void {
    const arr = series[replica];
    while (arr.length <= bucket) arr.push(0);
    arr[bucket] += value;
  }

  /** Spread `amount` uniformly over [t0, t1] (constant rate). */
  private spread(series: number[][], replica: number, t0: number, t1: number, amount: number): void {
    this.cover(t1);
    const b0 = this.bucketOf(t0);
    const b1 = this.endBucketOf(t0, t1);
    if (b0 === b1) {
      this.add(series, replica, b0, amount);
      return;
    }
    const rate = amount / (t1 - t0);
    for (let b = b0; b <= b1; b++) {
      const lo = Math.max(t0, b * this.widthSeconds);
      const hi = b === b1 ? t1 : Math.min(t1, (b + 1) * this.widthSeconds);
      if (hi > lo) this.add(series, replica, b, rate * (hi - lo));
    }
  }

  /** A span of constant power: one step, or idle time. */
  addEnergy(replica: number, phase: Phase, t0: number, t1: number, joules: number): void {
    const series = phase === 'prefill' ? this.prefill : phase === 'decode' ? this.decode : this.idle;
    this.spread(series, replica, t0, t1, joules);
  }

  /**
   * A decode run over [t0, t1] whose power changes step to step: split at interval edges using
   * `cumulativeJoules(elapsedSeconds)`, the run's exact energy from its start.
   */
  addDecodeRun(replica: number, t0: number, t1: number, joules: number, cumulativeJoules: (elapsed: number) => number): void {
    this.cover(t1);
    const b0 = this.bucketOf(t0);
    const b1 = this.endBucketOf(t0, t1);
    let done = 0;
    for (let b = b0; b < b1; b++) {
      const edge = (b + 1) * this.widthSeconds;
      const upTo = Math.min(joules, cumulativeJoules(edge - t0));
      this.add(this.decode, replica, b, upTo - done);
      done = upTo;
    }
    this.add(this.decode, replica, b1, joules - done);
  }

  /** A KV-cache transfer over [t0, t1] (constant power). */
  addTransfer(t0: number, t1: number, joules: number): void {
    this.spread(this.transfer, 0, t0, t1, joules);
  }

  /** The replica's running / queued counts change at time t. */
  setCounts(replica: number, t: number, running: number, queued: number): void {
    const last = this.lastCountSeconds[replica];
    if (t > last) {
      const running = this.lastRunning[replica] * (t - last);
      const queued = this.lastQueued[replica] * (t - last);
      // Called at nearly every event, and nearly always within one interval: add both areas there directly (what
      // spread does for a span inside one interval).
      this.cover(t);
      const b0 = this.bucketOf(last);
      if (b0 === this.endBucketOf(last, t)) {
        this.add(this.runningArea, replica, b0, running);
        this.add(this.queuedArea, replica, b0, queued);
      } else {
        this.spread(this.runningArea, replica, last, t, running);
        this.spread(this.queuedArea, replica, last, t, queued);
      }
      this.lastCountSeconds[replica] = t;
    }
    this.lastRunning[replica] = running;
    this.lastQueued[replica] = queued;
  }

  /** Rows from 0 to endSeconds (the last one may be partial). */
  rows(endSeconds: number): TimeSeriesRow[] {
    for (let r = 0; r < this.replicas; r++) this.setCounts(r, endSeconds, this.lastRunning[r], this.lastQueued[r]);
    this.cover(endSeconds);
    const w = this.widthSeconds;
    const count = endSeconds > 0 ? Math.ceil(endSeconds / w - 1e-12) : 1;
    const at = (series: number[][], r: number, b: number) => series[r][b] ?? 0;
    const replicas = this.replicas;
    const out: TimeSeriesRow[] = [];
    for (let b = 0; b < count; b++) {
      const start = b * w;
      const end = Math.min((b + 1) * w, Math.max(endSeconds, start));
      const span = end - start;
      const pick = (series: number[][]) => {
        const row = new Array<number>(replicas);
        for (let r = 0; r < replicas; r++) row[r] = at(series, r, b);
        return row;
      };
      const avg = (series: number[][]) => {
        const row = new Array<number>(replicas);
        for (let r = 0; r < replicas; r++) row[r] = span > 0 ? at(series, r, b) / span : 0;
        return row;
      };
      out.push({
        startSeconds: start,
        endSeconds: end,
        prefillJoules: pick(this.prefill),
        decodeJoules: pick(this.decode),
        idleJoules: pick(this.idle),
        running: avg(this.runningArea),
        queued: avg(this.queuedArea),
        ...(this.withTransfers ? { transferJoules: at(this.transfer, 0, b) } : {}),
      });
    }
    return out;
  }
}
