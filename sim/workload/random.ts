/**
 * Seeded random variates for synthetic workloads. Every stream is `seedrandom(String(seed))`'s (ARC4,
 * deterministic across platforms; drawn by Arc4Stream); nothing reads Math.random or the clock.
 */
import { Arc4Stream } from './arc4Stream.js';

export class Random {
  private readonly stream: Arc4Stream;
  /** Box–Muller yields normals in pairs: the second is kept for the next call. */
  private spare = 0;
  private hasSpare = false;

  constructor(readonly seed: string | number) {
    this.stream = new Arc4Stream(String(seed));
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.stream.next();
  }

  /** Uniform in (0, 1]: safe to take the logarithm of. */
  uniformPositive(): number {
    return 1 - this.stream.next();
  }

  /** Integer uniform in [0, n). */
  index(n: number): number {
    return Math.floor(this.stream.next() * n);
  }

  /** Integer uniform in [min, max], both inclusive. */
  integer(min: number, max: number): number {
    return min + Math.floor(this.stream.next() * (max - min + 1));
  }

  /** Standard normal, by the Box–Muller transform. */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniformPositive()));
    const theta = 2 * Math.PI * this.stream.next();
    this.spare = r * Math.sin(theta);
    this.hasSpare = true;
    return r * Math.cos(theta);
  }

  /** Exponential with the given rate (mean 1/rate). */
  exponential(rate: number): number {
    return -Math.log(this.uniformPositive()) / rate;
  }

  /**
   * Gamma(shape, scale 1), by Marsaglia & Tsang (2000), "A simple method for generating gamma variables".
   * For shape < 1: Gamma(shape + 1) · U^(1/shape).
   */
  gamma(shape: number): number {
    if (shape < 1) {
      return this.gamma(shape + 1) * Math.pow(this.uniformPositive(), 1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniformPositive();
      const x2 = x * x;
      if (u < 1 - 0.0331 * x2 * x2) return d * v;
      if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Lognormal: exp(mu + sigma · N(0, 1)). */
  lognormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }
}
