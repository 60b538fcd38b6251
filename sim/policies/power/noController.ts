import type { PolicyEntry } from '../policyEntry.js';
import type { BuiltPowerController } from './powerControllerEntry.js';

export const noControllerEntry: PolicyEntry<BuiltPowerController | null, 'none'> = {
  name: 'none',
  description: 'GPUs keep their setting (the scenario power_cap_w, if any) and never sleep',
  optionsSchema: { type: 'object', additionalProperties: false },
  create: () => null,
};
