/**
 * Energy-aware routing that packs load onto few replicas: an arrival goes to the lowest-numbered awake replica with
 * room (fewer than `max_outstanding` requests), so the others stay idle long enough to sleep under a power
 * controller. When every awake replica is full it goes to a sleeping one (which wakes), else to the least loaded.
 */
import type { FromSchema } from 'json-schema-to-ts';
import type { ReplicaView, Router } from '../../serving/policyApi.js';
import type { PolicyEntry } from '../policyEntry.js';

const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    max_outstanding: {
      type: 'integer',
      minimum: 1,
      default: 64,
      description: 'A replica counts as full at this many waiting + running requests.',
    },
  },
} as const;
type PackOptions = FromSchema<typeof optionsSchema>;

export function packingRouter(maxOutstanding: number): Router {
  return {
    route: (_request, replicas: readonly ReplicaView[]) => {
      let asleep = -1;
      let least = 0;
      for (let i = 0; i < replicas.length; i++) {
        const r = replicas[i];
        if (r.state !== 'asleep' && r.outstanding < maxOutstanding) return i;
        if (r.state === 'asleep' && asleep < 0) asleep = i;
        if (r.outstanding < replicas[least].outstanding) least = i;
      }
      return asleep >= 0 ? asleep : least;
    },
  };
}

export const packingEntry: PolicyEntry<Router, 'pack'> = {
  name: 'pack',
  description: 'energy-aware: fill the lowest-numbered awake replica up to max_outstanding before using (or waking) another',
  optionsSchema,
  create: (ctx) => packingRouter((ctx.options as PackOptions).max_outstanding ?? 64),
};
