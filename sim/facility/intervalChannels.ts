/**
 * Cluster-wide sums per time interval for the facility's columns of timeseries.csv (node joules, facility joules,
 * carbon, cost). Intervals follow the run's TimeSeries exactly: the same starting width, doubled (neighbours
 * merged) by the same rule whenever a time reaches past `maxIntervals`, so rows line up one for one.
 */
export const CHANNEL_NODE_J = 0;
export const CHANNEL_FACILITY_J = 1;
export const CHANNEL_CARBON_G = 2;
export const CHANNEL_COST_USD = 3;
const CHANNELS = 4;

export class IntervalChannels {
  private width: number;
  private readonly sums: number[][] = Array.from({ length: CHANNELS }, () => []);

  constructor(
    intervalSeconds: number,
    private readonly maxIntervals: number,
  ) {
    this.width = intervalSeconds;
  }

  private cover(t: number): void {
    while (t >= this.width * this.maxIntervals) {
      for (let c = 0; c < CHANNELS; c++) {
        const old = this.sums[c];
        const merged: number[] = new Array(Math.ceil(old.length / 2)).fill(0);
        for (let i = 0; i < old.length; i++) merged[i >> 1] += old[i];
        this.sums[c] = merged;
      }
      this.width *= 2;
    }
  }

  private bucketOf(t: number): number {
    return Math.min(Math.floor(t / this.width), this.maxIntervals - 1);
  }

  private add(channel: number, bucket: number, value: number): void {
    const arr = this.sums[channel];
    while (arr.length <= bucket) arr.push(0);
    arr[bucket] += value;
  }

  /** Spreads `amount` of `channel` uniformly over [t0, t1] (a span ending on an edge stays in the bucket before). */
  spread(channel: number, t0: number, t1: number, amount: number): void {
    this.cover(t1);
    const b0 = this.bucketOf(t0);
    const b1 = t1 > t0 ? Math.max(b0, Math.min(Math.ceil(t1 / this.width) - 1, this.maxIntervals - 1)) : b0;
    if (b0 === b1) {
      this.add(channel, b0, amount);
      return;
    }
    const rate = amount / (t1 - t0);
    for (let b = b0; b <= b1; b++) {
      const lo = Math.max(t0, b * this.width);
      const hi = b === b1 ? t1 : Math.min(t1, (b + 1) * this.width);
      if (hi > lo) this.add(channel, b, rate * (hi - lo));
    }
  }

  /** Per interval up to endSeconds: [node J, facility J, carbon g, cost USD]. */
  rows(endSeconds: number): { intervalSeconds: number; values: number[][] } {
    this.cover(endSeconds);
    const count = endSeconds > 0 ? Math.ceil(endSeconds / this.width - 1e-12) : 1;
    const values = Array.from({ length: count }, (_, b) => this.sums.map((s) => s[b] ?? 0));
    return { intervalSeconds: this.width, values };
  }
}
