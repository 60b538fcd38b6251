/**
 * Carbon-aware routing across grid regions (facility.regions): an arrival goes to the cleanest region that still
 * has room, so load follows the cleaner grid hour by hour without queueing past a bound.
 *
 * A replica "has room" while it holds fewer than `max_outstanding` requests (waiting + running). Among the replicas
 * with room, the cleanest score wins: the region's carbon intensity (or price, `signal: "price"`) times its PUE, so
 * what is compared is what one more IT joule there emits (or costs) at the meter. Regions within `tolerance` of the
 * cleanest count as equally clean (no flapping on a 1 g/kWh difference). Within that tier an awake replica is
 * preferred (a sleeping one is not woken while an awake one has room), then the least loaded, then the lowest index.
 * When no replica anywhere has room, the request spills to the least loaded replica of all (ties: the cleaner,
 * then the lowest index), as least_outstanding would.
 *
 * The trade-off is `max_outstanding`: large, and almost everything lands in the clean region (most carbon saved,
 * its replicas queue and TTFT grows); small, and the router spills early (latency close to least_outstanding,
 * less carbon saved). It only decides; joulesim records what follows.
 */
import type { FromSchema } from 'json-schema-to-ts';
import type { GridView, ReplicaView, Router } from '../../serving/policyApi.js';
import type { PolicyEntry } from '../policyEntry.js';

const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    signal: { enum: ['carbon', 'price'], default: 'carbon', description: 'What "cleaner" means: lower gCO2e/kWh, or lower $/kWh.' },
    max_outstanding: {
      type: 'integer',
      minimum: 1,
      default: 16,
      description: 'A replica has room below this many waiting + running requests; the cleanest region with room gets the arrival.',
    },
    tolerance: {
      type: 'number',
      minimum: 0,
      default: 0,
      description: 'Regions within this much of the cleanest score (gCO2e or $ per IT kWh) count as equally clean: the least loaded of them is taken.',
    },
    include_pue: { type: 'boolean', default: true, description: 'Compare intensity × PUE (per IT kWh, what the meter sees) rather than the grid figure alone.' },
  },
} as const;
type Options = FromSchema<typeof optionsSchema>;

export interface CarbonRouterSettings {
  readonly signal: 'carbon' | 'price';
  readonly maxOutstanding: number;
  readonly tolerance: number;
  readonly includePue: boolean;
}

/** What one more IT kWh on this replica emits (g) or costs ($) now. */
export function replicaScore(grid: GridView, s: Pick<CarbonRouterSettings, 'signal' | 'includePue'>): number {
  const value = s.signal === 'price' ? grid.priceUsdPerKwh : grid.carbonGPerKwh;
  return s.includePue ? value * grid.pue : value;
}

export function carbonAwareRouter(s: CarbonRouterSettings): Router {
  const scores: number[] = [];
  return {
    route: (_request, replicas: readonly ReplicaView[]) => {
      let best = Number.POSITIVE_INFINITY;
      for (let i = 0; i < replicas.length; i++) {
        const grid = replicas[i].grid;
        if (!grid) throw new Error('needs the grid signal on every replica: give the scenario a facility section (facility.regions for several regions)');
        scores[i] = replicaScore(grid, s);
        if (replicas[i].outstanding < s.maxOutstanding && scores[i] < best) best = scores[i];
      }
      if (best === Number.POSITIVE_INFINITY) {
        // Nowhere has room: the least loaded, the cleaner on a tie.
        let pick = 0;
        for (let i = 1; i < replicas.length; i++) {
          const d = replicas[i].outstanding - replicas[pick].outstanding;
          if (d < 0 || (d === 0 && scores[i] < scores[pick])) pick = i;
        }
        return pick;
      }
      const limit = best + s.tolerance;
      let pick = -1;
      for (let i = 0; i < replicas.length; i++) {
        const r = replicas[i];
        if (r.outstanding >= s.maxOutstanding || scores[i] > limit) continue;
        if (pick < 0) {
          pick = i;
          continue;
        }
        const p = replicas[pick];
        const awake = r.state === 'awake';
        if (awake !== (p.state === 'awake')) {
          if (awake) pick = i;
          continue;
        }
        if (r.outstanding < p.outstanding) pick = i;
      }
      return pick;
    },
  };
}

export const carbonAwareRouterEntry: PolicyEntry<Router, 'carbon_aware'> = {
  name: 'carbon_aware',
  description:
    'to the cleanest region (gCO2e/kWh × PUE, or price) among replicas under max_outstanding requests, least loaded there; spills to the least loaded when none has room (needs a facility section)',
  optionsSchema,
  create: (ctx) => {
    const o = ctx.options as Options;
    return carbonAwareRouter({
      signal: o.signal ?? 'carbon',
      maxOutstanding: o.max_outstanding ?? 16,
      tolerance: o.tolerance ?? 0,
      includePue: o.include_pue ?? true,
    });
  },
};
