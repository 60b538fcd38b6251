/** Load shedding: an arrival is turned away when the cluster already has max_queued requests waiting. */
import type { FromSchema } from 'json-schema-to-ts';
import type { AdmissionPolicy } from '../../serving/policyApi.js';
import type { PolicyEntry } from '../policyEntry.js';

const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { max_queued: { type: 'integer', minimum: 0, default: 1024, description: 'Waiting requests (all replicas) at which arrivals are turned away.' } },
} as const;
type Options = FromSchema<typeof optionsSchema>;

export const queueLimitEntry: PolicyEntry<AdmissionPolicy | null, 'queue_limit'> = {
  name: 'queue_limit',
  description: 'turn arrivals away while max_queued requests are already waiting across the cluster',
  optionsSchema,
  create: (ctx) => {
    const limit = (ctx.options as Options).max_queued ?? 1024;
    return {
      admit: (_request, replicas) => {
        let queued = 0;
        for (const r of replicas) queued += r.queued;
        return queued >= limit ? `queue full (${limit} waiting)` : null;
      },
    };
  },
};
