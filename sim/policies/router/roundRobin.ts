import { roundRobinRouter } from '../../serving/router.js';
import type { Router } from '../../serving/policyApi.js';
import type { PolicyEntry } from '../policyEntry.js';

export const roundRobinEntry: PolicyEntry<Router, 'round_robin'> = {
  name: 'round_robin',
  description: 'arrivals go to replicas in turn',
  optionsSchema: { type: 'object', additionalProperties: false },
  create: () => roundRobinRouter(),
};
