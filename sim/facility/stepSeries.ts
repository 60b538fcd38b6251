/**
 * A signal that holds one value per slot of a regular time grid: slot k holds over [start + k·step,
 * start + (k+1)·step), as hourly grid data does (a row's value holds from its timestamp for one resolution step).
 * A file is read in epoch seconds, then rebased onto the run's clock (seconds since the run's wall-clock start), so
 * short steps are not measured against 1.7e9-second epoch values and lose no precision. A constant is the same
 * interface with one endless slot, so integration code never branches.
 */
export interface Signal {
  /** The value at epoch second t (t inside the coverage). */
  valueAt(epochSeconds: number): number;
  /** The first slot edge strictly after t (Infinity for a constant). */
  nextEdgeAfter(epochSeconds: number): number;
  /** Covered span [from, to) in epoch seconds. */
  readonly fromEpochSeconds: number;
  readonly toEpochSeconds: number;
  /** What it is, for messages and summaries: a file name, or "constant 1.2". */
  readonly label: string;
}

export class ConstantSignal implements Signal {
  readonly fromEpochSeconds = -Infinity;
  readonly toEpochSeconds = Infinity;
  readonly label: string;
  constructor(readonly value: number, label?: string) {
    this.label = label ?? `constant ${value}`;
  }
  valueAt(): number {
    return this.value;
  }
  nextEdgeAfter(): number {
    return Infinity;
  }
}

export class StepSeries implements Signal {
  readonly toEpochSeconds: number;

  constructor(
    readonly fromEpochSeconds: number,
    readonly stepSeconds: number,
    readonly values: Float64Array,
    readonly label: string,
    /** Slots filled across gaps in the source (reported, never silent). */
    readonly filledSlots = 0,
  ) {
    this.toEpochSeconds = fromEpochSeconds + stepSeconds * values.length;
  }

  private slot(t: number): number {
    const k = Math.floor((t - this.fromEpochSeconds) / this.stepSeconds);
    return Math.min(Math.max(k, 0), this.values.length - 1);
  }

  valueAt(epochSeconds: number): number {
    return this.values[this.slot(epochSeconds)];
  }

  /** The same series on a clock whose zero is `originEpochSeconds`. */
  rebase(originEpochSeconds: number): StepSeries {
    return new StepSeries(this.fromEpochSeconds - originEpochSeconds, this.stepSeconds, this.values, this.label, this.filledSlots);
  }

  nextEdgeAfter(epochSeconds: number): number {
    const edge = this.fromEpochSeconds + (this.slot(epochSeconds) + 1) * this.stepSeconds;
    return edge > epochSeconds ? edge : edge + this.stepSeconds;
  }
}

/** Whether [t0, t1] lies inside the signal's coverage. */
export function covers(s: Signal, t0: number, t1: number): boolean {
  return t0 >= s.fromEpochSeconds && t1 <= s.toEpochSeconds;
}

/**
 * Walks [t0, t1] in pieces on which every signal is constant: visit(from, to, values) per piece, values in the
 * order of `signals`. A piece never crosses any signal's slot edge.
 */
export function forEachPiece(signals: readonly Signal[], t0: number, t1: number, visit: (from: number, to: number, values: readonly number[]) => void): void {
  const values = new Array<number>(signals.length);
  let a = t0;
  while (a < t1) {
    let b = t1;
    for (let i = 0; i < signals.length; i++) {
      values[i] = signals[i].valueAt(a);
      const e = signals[i].nextEdgeAfter(a);
      if (e < b) b = e;
    }
    visit(a, b, values);
    a = b;
  }
}
