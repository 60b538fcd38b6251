import type { AdmissionPolicy } from '../../serving/policyApi.js';
import type { PolicyEntry } from '../policyEntry.js';

export const acceptAllEntry: PolicyEntry<AdmissionPolicy | null, 'accept_all'> = {
  name: 'accept_all',
  description: 'every arrival is routed to a replica (which may still reject a request that can never fit)',
  optionsSchema: { type: 'object', additionalProperties: false },
  // No policy at all: the engine skips the admission call.
  create: () => null,
};
