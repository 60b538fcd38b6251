/**
 * A locked SM clock in the cost model, as small pure functions on CostParameters. Lowering the SM clock f slows
 * what the SMs do (matrix and attention FLOPs, the per-kernel floor) ∝ 1/f, leaves what the HBM does alone (it has
 * its own clock), and lowers the SMs' dynamic power ∝ f·V(f)², so their energy per operation falls ∝ V(f)². Idle
 * and warm-idle floors and host time do not change. Every factor is a constant per setting, so a decode run under
 * one clock keeps its exact closed form (StepCostModel builds its lines from the scaled parameters).
 *
 * Roofline form:      computeFlopsPerSecond × s,  joulesPerFlop × v²,  busy floor above idle × s·v²,
 *                     joulesPerByte and bandwidth unchanged.
 * Kernel-class form:  FLOP-leg rates × s, kernel floor ÷ s, byte legs unchanged, class active powers × s·v².
 * (s = f / f_max, v = V(f) / V(f_max).) A power limit still stretches a step whose power exceeds it, now on top
 * of the scaled rates and energies.
 */
import type { CostParameters } from './costParameters.js';
import type { KernelClassParameters } from './kernelClassCost.js';

/** A GPU's lockable SM clock range and its voltage relative to the voltage at the top clock. */
export interface ClockCurve {
  readonly minMhz: number;
  readonly maxMhz: number;
  /** [MHz, V / V(maxMhz)] points, ascending in MHz; linear in between, flat beyond the ends. */
  readonly relativeVoltage: readonly (readonly [number, number])[];
}

export interface ClockScale {
  readonly clockMhz: number;
  /** f / f_max: the speed of SM-bound work. */
  readonly speed: number;
  /** (V(f) / V(f_max))²: dynamic energy per SM operation. */
  readonly energyPerOperation: number;
  /** speed × energyPerOperation: dynamic power of SM-bound work at a given utilisation. */
  readonly dynamicPower: number;
}

/** V(f) / V(f_max), piecewise linear between the curve's points. */
export function relativeVoltageAt(curve: ClockCurve, mhz: number): number {
  const pts = curve.relativeVoltage;
  if (mhz <= pts[0][0]) return pts[0][1];
  for (let i = 1; i < pts.length; i++) {
    const [f1, v1] = pts[i];
    if (mhz <= f1) {
      const [f0, v0] = pts[i - 1];
      return v0 + ((v1 - v0) * (mhz - f0)) / (f1 - f0);
    }
  }
  return pts[pts.length - 1][1];
}

/** The scale factors of a clock locked at `mhz` (within the curve's range; callers check). */
export function clockScale(curve: ClockCurve, mhz: number): ClockScale {
  const speed = mhz / curve.maxMhz;
  const v = relativeVoltageAt(curve, mhz) / relativeVoltageAt(curve, curve.maxMhz);
  const energyPerOperation = v * v;
  return { clockMhz: mhz, speed, energyPerOperation, dynamicPower: speed * energyPerOperation };
}

function scaledKernelClasses(kc: KernelClassParameters, s: ClockScale): KernelClassParameters {
  const r = kc.rates;
  const p = kc.powers;
  return {
    ...kc,
    rates: {
      ...r,
      gemmFlopsPerSecond: r.gemmFlopsPerSecond * s.speed,
      attentionFlopsPerSecond: r.attentionFlopsPerSecond * s.speed,
      ...(r.maskedAttentionFlopsPerSecond !== undefined ? { maskedAttentionFlopsPerSecond: r.maskedAttentionFlopsPerSecond * s.speed } : {}),
      // A kernel's shortest time is SM cycles (launch, tail), so it stretches with the clock.
      kernelFloorSeconds: r.kernelFloorSeconds / s.speed,
    },
    powers: {
      gemmWatts: p.gemmWatts * s.dynamicPower,
      gemmComputeWatts: p.gemmComputeWatts * s.dynamicPower,
      attentionWatts: p.attentionWatts * s.dynamicPower,
      copyWatts: p.copyWatts * s.dynamicPower,
    },
  };
}

/** The cost parameters of the same GPU with its SM clock locked (s.speed = 1 returns an equal copy). */
export function clockScaledParameters(p: CostParameters, s: ClockScale): CostParameters {
  return {
    ...p,
    computeFlopsPerSecond: p.computeFlopsPerSecond * s.speed,
    joulesPerFlop: p.joulesPerFlop * s.energyPerOperation,
    // Roofline form: what a busy GPU draws above idle before any work is clocked SM activity (f·V²). In the
    // kernel-class form the busy floor is the warm idle floor, which stays.
    ...(p.kernelClasses
      ? { kernelClasses: scaledKernelClasses(p.kernelClasses, s) }
      : { busyBaseWatts: p.idleWatts + (p.busyBaseWatts - p.idleWatts) * s.dynamicPower }),
    provenance: { ...p.provenance, description: `${p.provenance.description}; SM clock locked at ${s.clockMhz} MHz (${(s.speed * 100).toFixed(0)}% speed, ${(s.energyPerOperation * 100).toFixed(0)}% energy per SM operation)` },
  };
}
