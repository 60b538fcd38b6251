/**
 * The two clock controllers (phase_clocks, slo_clocks): their pure decision rules by hand, and whole runs through
 * the public scenario API, checked against the baseline (decode cheaper, the top clock equal to no controller, a
 * target the boost clock misses never lowered), plus the refusal on a GPU without a voltage curve.
 */
import { describe, expect, it } from 'vitest';
import { simulate, type ScenarioInput } from '../../sim/index.js';
import { phaseClockDecision } from '../../sim/policies/power/phaseClocks.js';
import { nextDecodeClock, type SloClockSettings } from '../../sim/policies/power/sloClocks.js';
import type { PowerView, ReplicaView } from '../../sim/serving/policyApi.js';

const replica = (phase: ReplicaView['phase'], last: number | null = null): ReplicaView => ({
  index: 0, outstanding: 1, running: 1, queued: 0, state: 'awake', idleSinceSeconds: null,
  gpu: { smClockMhz: null, powerLimitWatts: 700 }, phase, lastDecodeStepSeconds: last,
});
const view = (phase: ReplicaView['phase'], reason: PowerView['reason'] = 'work-start'): PowerView => ({
  nowSeconds: 1, reason, replica: 0, replicas: [replica(phase)], gpu: { tdpWatts: 700, maxSmClockMhz: 1980, minSmClockMhz: 345 },
});

describe('phase_clocks decides per phase, once per change', () => {
  it('locks decode low, returns prefill to boost, and stays quiet while nothing changes', () => {
    const asked: (number | null)[] = [null];
    expect(phaseClockDecision(view('prefill'), asked, null, 1200)).toEqual([]);
    expect(phaseClockDecision(view('decode'), asked, null, 1200)).toEqual([{ replica: 0, setting: { smClockMhz: 1200 } }]);
    expect(phaseClockDecision(view('decode'), asked, null, 1200)).toEqual([]);
    expect(phaseClockDecision(view('decode', 'tick'), asked, null, 1200)).toEqual([]);
    expect(phaseClockDecision(view('prefill'), asked, null, 1200)).toEqual([{ replica: 0, setting: { smClockMhz: null } }]);
  });
});

describe('slo_clocks governor', () => {
  const s: SloClockSettings = { tpotSloSeconds: 0.05, lowerFraction: 0.8, raiseFraction: 0.95, stepMhz: 90, raiseSteps: 2, minMhz: 345, maxMhz: 1980 };
  it('steps down under 80% of the target, holds in the band, steps up twice as fast above 95%, within the range', () => {
    expect(nextDecodeClock(1980, null, s)).toBe(1980);
    expect(nextDecodeClock(1980, 0.039, s)).toBe(1890);
    expect(nextDecodeClock(1890, 0.045, s)).toBe(1890);
    expect(nextDecodeClock(1530, 0.048, s)).toBe(1710);
    expect(nextDecodeClock(1950, 0.06, s)).toBe(1980);
    expect(nextDecodeClock(400, 0.001, s)).toBe(345);
  });
});

const workload = {
  kind: 'synthetic',
  arrival: { process: 'poisson', rate_per_s: 6 },
  count: 120,
  lengths: { kind: 'lognormal', input: { mean: 600, std: 300, max: 2000 }, output: { mean: 150, std: 80, max: 400 } },
};
const scenario = (gpu: string, stack: string, powerController: unknown) =>
  ({ seed: 3, workload, slo: { ttft_s: 1, tpot_s: 0.06 }, cluster: { gpu, model: 'llama-3.1-8b', stack, power_controller: powerController } }) as unknown as ScenarioInput;

describe('clock controllers in whole runs', () => {
  it('phase_clocks: decode energy falls by over 10% at 1200 MHz; locked at the top clock it is the baseline', async () => {
    const base = await simulate(scenario('h200', 'hf-paged', 'none'));
    const phase = await simulate(scenario('h200', 'hf-paged', { kind: 'phase_clocks', options: { decode_clock_mhz: 1200 } }));
    expect(phase.requests_completed).toBe(base.requests_completed);
    expect(phase.energy_breakdown_j.decode).toBeLessThan(0.9 * base.energy_breakdown_j.decode);
    expect(phase.power_controller?.name).toBe('phase_clocks');
    // Locked at the top clock for both phases it is the baseline, joule for joule.
    const top = await simulate(scenario('h200', 'hf-paged', { kind: 'phase_clocks', options: { decode_clock_mhz: 1980, prefill_clock_mhz: 1980 } }));
    expect(top.energy_j).toBeCloseTo(base.energy_j, 6);
    expect(top.e2e_s).toEqual(base.e2e_s);
  }, 120_000);

  it('slo_clocks: with a target the boost clock already misses it never lowers the clock; with a loose one it saves and keeps the target', async () => {
    const base = await simulate(scenario('h200', 'hf-paged', 'none'));
    const tight = await simulate(scenario('h200', 'hf-paged', { kind: 'slo_clocks', options: { tpot_slo_s: 0.001 } }));
    expect(tight.energy_j).toBeCloseTo(base.energy_j, 6);
    const loose = await simulate(scenario('h200', 'hf-paged', { kind: 'slo_clocks', options: { tpot_slo_s: 0.4 } }));
    expect(loose.energy_j).toBeLessThan(base.energy_j);
    expect(loose.tpot_s.p50).toBeLessThan(0.4);
    // Prefill runs at the boost clock, so its energy stays; not to the joule, because a decode step slowed by a low
    // clock (GPU-bound once the clock is low enough) moves later arrivals into other steps. A prefill priced at a
    // lowered clock would be 20% or more off.
    expect(Math.abs(loose.energy_breakdown_j.prefill / base.energy_breakdown_j.prefill - 1)).toBeLessThan(0.01);
  }, 120_000);

  it('refuses a clock controller on a GPU with no voltage curve, before running', async () => {
    await expect(simulate(scenario('a100-sxm', 'vllm', 'phase_clocks'))).rejects.toThrow(
      /^scenario:\/cluster\/power_controller: power controller 'phase_clocks' locks SM clocks, but a100-sxm has no published voltage-frequency curve on file \(models\/gpus\/a100-sxm\.json has no sm_clocks\), so clock locking is refused there$/,
    );
  }, 60_000);
});
