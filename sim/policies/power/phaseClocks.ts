/**
 * Phase-aware clocks (after GreenLLM and VoltanaLLM, which give prefill and decode their own clocks): before each
 * step or decode run, lock the SM clock to prefill_clock_mhz when the work prefills (compute-bound: the clock buys
 * time) and to decode_clock_mhz when it only decodes (bandwidth-bound: the clock mostly buys power). A mixed step
 * counts as prefill. Setting both to the same clock is a plain static clock lock.
 */
import type { FromSchema } from 'json-schema-to-ts';
import type { PowerDecision, PowerView } from '../../serving/policyApi.js';
import type { PolicyEntry } from '../policyEntry.js';
import type { BuiltPowerController } from './powerControllerEntry.js';

const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    prefill_clock_mhz: { type: ['number', 'null'], exclusiveMinimum: 0, default: null, description: 'SM clock for work that prefills; null: the board boost clock.' },
    decode_clock_mhz: { type: 'number', exclusiveMinimum: 0, default: 1200, description: 'SM clock for decode-only work.' },
    settling_s: { type: 'number', minimum: 0, default: 0, description: 'Time a clock change takes before work runs under it (0: the work about to start already runs at it).' },
  },
} as const;
type Options = FromSchema<typeof optionsSchema>;

/** The clock a replica's next work wants, and a decision only when it differs from what was last asked. */
export function phaseClockDecision(view: PowerView, asked: (number | null | undefined)[], prefillMhz: number | null, decodeMhz: number): PowerDecision[] {
  const i = view.replica;
  if (view.reason !== 'work-start' || i === undefined) return [];
  const phase = view.replicas[i].phase;
  if (phase === null) return [];
  const want = phase === 'prefill' ? prefillMhz : decodeMhz;
  if (asked[i] === want) return [];
  asked[i] = want;
  return [{ replica: i, setting: { smClockMhz: want } }];
}

export const phaseClocksEntry: PolicyEntry<BuiltPowerController | null, 'phase_clocks'> = {
  name: 'phase_clocks',
  description: 'lock the SM clock per phase before each step: prefill at prefill_clock_mhz (boost), decode at decode_clock_mhz',
  optionsSchema,
  create: (ctx) => {
    const o = ctx.options as Options;
    const prefill = o.prefill_clock_mhz ?? null;
    const decode = o.decode_clock_mhz ?? 1200;
    // null: the boost clock, which every replica starts at.
    const asked: (number | null | undefined)[] = new Array(ctx.replicas).fill(null);
    return {
      controller: { decide: (view) => phaseClockDecision(view, asked, prefill, decode) },
      tickSeconds: null,
      everyBoundary: false,
      settlingSeconds: o.settling_s ?? 0,
      usesSleep: 'never',
      beforeWork: true,
      locksClock: true,
    };
  },
};
