import { leastOutstandingRouter } from '../../serving/router.js';
import type { Router } from '../../serving/policyApi.js';
import type { PolicyEntry } from '../policyEntry.js';

export const leastOutstandingEntry: PolicyEntry<Router, 'least_outstanding'> = {
  name: 'least_outstanding',
  description: 'each arrival goes to the replica with the fewest waiting + running requests (ties: lowest index)',
  optionsSchema: { type: 'object', additionalProperties: false },
  create: () => leastOutstandingRouter(),
};
