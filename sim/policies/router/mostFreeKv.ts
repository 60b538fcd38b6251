/**
 * Memory-aware routing, meant for a disaggregated decode pool: a request goes to the replica with the most free KV
 * blocks, where its transferred cache can be reserved soonest and where decoding is least likely to preempt; ties,
 * and replicas without a paged KV cache, go by fewest outstanding requests, then lowest index.
 */
import type { ReplicaView, Router } from '../../serving/policyApi.js';
import type { PolicyEntry } from '../policyEntry.js';

export function mostFreeKvRouter(): Router {
  return {
    route: (_request, replicas: readonly ReplicaView[]) => {
      let best = 0;
      for (let i = 1; i < replicas.length; i++) {
        const a = replicas[i].freeKvBlocks ?? -1;
        const b = replicas[best].freeKvBlocks ?? -1;
        if (a > b || (a === b && replicas[i].outstanding < replicas[best].outstanding)) best = i;
      }
      return best;
    },
  };
}

export const mostFreeKvEntry: PolicyEntry<Router, 'most_free_kv'> = {
  name: 'most_free_kv',
  description: 'memory-aware (a disaggregated decode pool): the replica with the most free KV blocks; ties by fewest outstanding, then lowest index',
  optionsSchema: { type: 'object', additionalProperties: false },
  create: () => mostFreeKvRouter(),
};
