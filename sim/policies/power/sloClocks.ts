/**
 * Per-iteration clock scaling to a TPOT SLO (after throttLL'eM): before each decode step or run, pick the lowest SM
 * clock that keeps the measured decode iteration time under the target. throttLL'eM predicts the iteration time with
 * a learned model; this governor measures it instead (each replica's last decode step time, at the clock it ran
 * at): below lower_fraction × tpot_slo_s it steps the clock down by step_mhz, above raise_fraction × tpot_slo_s it
 * steps up by raise_steps × step_mhz, in between it holds. Work that prefills runs at the boost clock, which keeps
 * TTFT where the baseline has it.
 */
import type { FromSchema } from 'json-schema-to-ts';
import type { PowerDecision, PowerView } from '../../serving/policyApi.js';
import type { PolicyEntry } from '../policyEntry.js';
import type { BuiltPowerController } from './powerControllerEntry.js';

const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    tpot_slo_s: { type: 'number', exclusiveMinimum: 0, default: 0.05, description: 'Decode iteration (TPOT) target, seconds.' },
    lower_fraction: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.8, description: 'Step the clock down while iterations take less than this share of the target.' },
    raise_fraction: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.95, description: 'Step it up once they take more than this share.' },
    step_mhz: { type: 'number', exclusiveMinimum: 0, default: 90, description: 'Clock step.' },
    raise_steps: { type: 'integer', minimum: 1, default: 2, description: 'Steps taken at once when raising (recover faster than it descends).' },
    min_clock_mhz: { type: ['number', 'null'], exclusiveMinimum: 0, default: null, description: 'Lowest clock it may pick; null: the GPU file\'s lowest.' },
    settling_s: { type: 'number', minimum: 0, default: 0, description: 'Time a clock change takes before work runs under it.' },
  },
} as const;
type Options = FromSchema<typeof optionsSchema>;

export interface SloClockSettings {
  readonly tpotSloSeconds: number;
  readonly lowerFraction: number;
  readonly raiseFraction: number;
  readonly stepMhz: number;
  readonly raiseSteps: number;
  readonly minMhz: number;
  readonly maxMhz: number;
}

/** The next decode clock from the last measured iteration (pure: the governor's whole rule). */
export function nextDecodeClock(current: number, lastStepSeconds: number | null, s: SloClockSettings): number {
  if (lastStepSeconds === null) return current;
  if (lastStepSeconds > s.raiseFraction * s.tpotSloSeconds) return Math.min(s.maxMhz, current + s.raiseSteps * s.stepMhz);
  if (lastStepSeconds < s.lowerFraction * s.tpotSloSeconds) return Math.max(s.minMhz, current - s.stepMhz);
  return current;
}

export function sloClockDecision(view: PowerView, state: { decodeMhz: number[]; asked: (number | null)[] }, s: SloClockSettings): PowerDecision[] {
  const i = view.replica;
  if (view.reason !== 'work-start' || i === undefined) return [];
  const r = view.replicas[i];
  if (r.phase === null) return [];
  let want: number | null = null;
  if (r.phase === 'decode') {
    state.decodeMhz[i] = nextDecodeClock(state.decodeMhz[i], r.lastDecodeStepSeconds, s);
    want = state.decodeMhz[i] >= s.maxMhz ? null : state.decodeMhz[i];
  }
  if (state.asked[i] === want) return [];
  state.asked[i] = want;
  return [{ replica: i, setting: { smClockMhz: want } }];
}

export const sloClocksEntry: PolicyEntry<BuiltPowerController | null, 'slo_clocks'> = {
  name: 'slo_clocks',
  description: 'per-iteration decode clock scaling: the lowest SM clock whose measured iteration time keeps tpot_slo_s; prefill at boost',
  optionsSchema,
  create: (ctx) => {
    const o = ctx.options as Options;
    // The GPU's range arrives with the first view; until then the settings wait (the range is fixed per run).
    let settings: SloClockSettings | null = null;
    const state = { decodeMhz: [] as number[], asked: new Array<number | null>(ctx.replicas).fill(null) };
    return {
      controller: {
        decide: (view) => {
          if (settings === null) {
            const maxMhz = view.gpu.maxSmClockMhz!;
            settings = {
              tpotSloSeconds: o.tpot_slo_s ?? 0.05,
              lowerFraction: o.lower_fraction ?? 0.8,
              raiseFraction: o.raise_fraction ?? 0.95,
              stepMhz: o.step_mhz ?? 90,
              raiseSteps: o.raise_steps ?? 2,
              minMhz: Math.min(maxMhz, o.min_clock_mhz ?? view.gpu.minSmClockMhz ?? maxMhz),
              maxMhz,
            };
            state.decodeMhz = new Array<number>(ctx.replicas).fill(maxMhz);
          }
          return sloClockDecision(view, state, settings);
        },
      },
      tickSeconds: null,
      everyBoundary: false,
      settlingSeconds: o.settling_s ?? 0,
      usesSleep: 'never',
      beforeWork: true,
      locksClock: true,
    };
  },
};
