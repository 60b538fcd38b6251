/**
 * Cache-aware routing for prefix caching: an arrival goes to the replica that was last sent the longest run of its
 * leading prefix blocks, where its prefix is most likely still cached, unless that replica is busier than the least
 * loaded one by more than `max_imbalance` outstanding requests; then, and for requests without prefix ids, to the
 * least loaded. (The router remembers where it sent blocks, not what each replica's cache still holds.)
 */
import type { FromSchema } from 'json-schema-to-ts';
import type { ReplicaView, RequestView, Router } from '../../serving/policyApi.js';
import type { PolicyEntry } from '../policyEntry.js';

const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    max_imbalance: {
      type: 'integer',
      minimum: 0,
      default: 8,
      description: 'Send to the prefix’s replica only while it has at most this many more outstanding requests than the least loaded.',
    },
  },
} as const;
type AffinityOptions = FromSchema<typeof optionsSchema>;

function leastLoaded(replicas: readonly ReplicaView[]): number {
  let least = 0;
  for (let i = 1; i < replicas.length; i++) if (replicas[i].outstanding < replicas[least].outstanding) least = i;
  return least;
}

export function prefixAffinityRouter(maxImbalance: number): Router {
  const lastReplica = new Map<number, number>();
  return {
    route: (request: RequestView, replicas: readonly ReplicaView[]) => {
      const least = leastLoaded(replicas);
      const ids = request.prefixBlockIds;
      if (!ids || ids.length === 0) return least;
      // The replica last sent the deepest block of the leading run seen before: a shared head (a system prompt)
      // is likely cached on many replicas, a conversation's own turns only where they went.
      let chosen = -1;
      for (const id of ids) {
        const r = lastReplica.get(id);
        if (r === undefined) break;
        chosen = r;
      }
      const target = chosen >= 0 && replicas[chosen].outstanding <= replicas[least].outstanding + maxImbalance ? chosen : least;
      for (const id of ids) lastReplica.set(id, target);
      return target;
    },
  };
}

export const prefixAffinityEntry: PolicyEntry<Router, 'prefix_affinity'> = {
  name: 'prefix_affinity',
  description: 'cache-aware: to the replica last sent the longest run of the request’s prefix blocks, unless it is max_imbalance requests busier than the least loaded',
  optionsSchema,
  create: (ctx) => prefixAffinityRouter((ctx.options as AffinityOptions).max_imbalance ?? 8),
};
