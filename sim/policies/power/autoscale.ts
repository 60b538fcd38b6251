/**
 * Replica autoscaling with sleep states: a replica idle for idle_timeout_s goes to sleep (sleep power from
 * models/power-states/), keeping at least min_awake replicas awake; a request routed to a sleeping replica wakes
 * it and waits out the wake-up latency. Pair it with the `pack` router so load concentrates and idle replicas
 * stay idle long enough to sleep.
 */
import type { FromSchema } from 'json-schema-to-ts';
import type { PowerDecision, PowerView } from '../../serving/policyApi.js';
import type { PolicyEntry } from '../policyEntry.js';
import type { BuiltPowerController } from './powerControllerEntry.js';

const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    idle_timeout_s: { type: 'number', minimum: 0, default: 30, description: 'Idle time before a replica sleeps.' },
    min_awake: { type: 'integer', minimum: 0, default: 1, description: 'Replicas kept awake whatever the load.' },
    tick_s: { type: 'number', exclusiveMinimum: 0, default: 1, description: 'How often idle replicas are checked.' },
  },
} as const;
type Options = FromSchema<typeof optionsSchema>;

/** The sleep decisions at one instant: longest-idle first among those past the timeout, keeping min_awake awake. */
export function autoscaleDecisions(view: PowerView, idleTimeoutSeconds: number, minAwake: number): PowerDecision[] {
  let awake = 0;
  const candidates: { index: number; since: number }[] = [];
  for (const r of view.replicas) {
    if (r.state === 'asleep') continue;
    awake++;
    if (r.state === 'awake' && r.outstanding === 0 && r.idleSinceSeconds !== null && view.nowSeconds - r.idleSinceSeconds >= idleTimeoutSeconds) {
      candidates.push({ index: r.index, since: r.idleSinceSeconds });
    }
  }
  // Highest index first among equals, so packing (which fills low indices) keeps its awake replicas.
  candidates.sort((a, b) => a.since - b.since || b.index - a.index);
  const out: PowerDecision[] = [];
  for (const c of candidates) {
    if (awake <= minAwake) break;
    out.push({ replica: c.index, state: 'asleep' });
    awake--;
  }
  return out;
}

export const autoscaleEntry: PolicyEntry<BuiltPowerController | null, 'autoscale'> = {
  name: 'autoscale',
  description: 'sleep replicas idle for idle_timeout_s (keeping min_awake), wake on demand after the wake-up latency',
  optionsSchema,
  create: (ctx) => {
    const o = ctx.options as Options;
    const timeout = o.idle_timeout_s ?? 30;
    const minAwake = o.min_awake ?? 1;
    return {
      controller: { decide: (view) => autoscaleDecisions(view, timeout, minAwake) },
      tickSeconds: o.tick_s ?? 1,
      everyBoundary: false,
      settlingSeconds: 0,
      usesSleep: 'required',
    };
  },
};
