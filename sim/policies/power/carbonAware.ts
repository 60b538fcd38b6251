/**
 * Carbon-aware power limiting: while the grid's carbon intensity is at or above dirty_g_per_kwh, every GPU runs
 * under dirty_power_limit_w (default half the TDP); otherwise at clean_power_limit_w (default: the board's TDP). It lowers the power
 * limit, not the clock: joulesim's cost model prices a power limit (steps that would draw more stretch until they
 * do not) but not yet a clock lock. Needs the scenario's facility section for the grid signal (PowerView.grid).
 */
import type { FromSchema } from 'json-schema-to-ts';
import type { PowerDecision, PowerView } from '../../serving/policyApi.js';
import type { PolicyEntry } from '../policyEntry.js';
import type { BuiltPowerController } from './powerControllerEntry.js';

const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    dirty_g_per_kwh: { type: 'number', minimum: 0, default: 300, description: 'Carbon intensity at or above which the grid counts as dirty.' },
    dirty_power_limit_w: { type: 'number', exclusiveMinimum: 0, description: "Per-GPU power limit while the grid is dirty (default: half the GPU's TDP)." },
    clean_power_limit_w: { type: 'number', exclusiveMinimum: 0, description: "Per-GPU power limit otherwise (default: the GPU's TDP)." },
    tick_s: { type: 'number', exclusiveMinimum: 0, default: 60, description: 'How often the grid is checked.' },
  },
} as const;
type Options = FromSchema<typeof optionsSchema>;

/**
 * The setting changes at one instant: every replica whose limit differs from the one its grid calls for. Each
 * replica follows its own region's intensity (ReplicaView.grid), so with facility.regions a replica in a clean
 * region keeps its full limit while one in a dirty region is lowered.
 */
export function carbonAwareDecisions(view: PowerView, dirtyGPerKwh: number, dirtyLimitWatts: number | undefined, cleanLimitWatts: number | undefined): PowerDecision[] {
  const out: PowerDecision[] = [];
  for (const r of view.replicas) {
    const grid = r.grid ?? view.grid;
    if (!grid) throw new Error('needs the grid signal: give the scenario a facility section with a region or carbon_g_per_kwh');
    const want = grid.carbonGPerKwh >= dirtyGPerKwh ? (dirtyLimitWatts ?? view.gpu.tdpWatts / 2) : (cleanLimitWatts ?? view.gpu.tdpWatts);
    if (r.gpu.powerLimitWatts !== want) out.push({ replica: r.index, setting: { powerLimitWatts: want } });
  }
  return out;
}

export const carbonAwareEntry: PolicyEntry<BuiltPowerController | null, 'carbon_aware'> = {
  name: 'carbon_aware',
  description: 'lower every GPU to dirty_power_limit_w while grid carbon intensity ≥ dirty_g_per_kwh (needs a facility section)',
  optionsSchema,
  create: (ctx) => {
    const o = ctx.options as Options;
    const dirty = o.dirty_g_per_kwh ?? 300;
    return {
      controller: { decide: (view) => carbonAwareDecisions(view, dirty, o.dirty_power_limit_w, o.clean_power_limit_w) },
      tickSeconds: o.tick_s ?? 60,
      everyBoundary: false,
      settlingSeconds: 0,
      usesSleep: 'never',
    };
  },
};
