/** Power controllers a scenario can name (`cluster.power_controller`). Adding one: its file, and one line here. */
import type { PolicyEntry } from '../policyEntry.js';
import { autoscaleEntry } from './autoscale.js';
import { carbonAwareEntry } from './carbonAware.js';
import { noControllerEntry } from './noController.js';
import { phaseClocksEntry } from './phaseClocks.js';
import type { BuiltPowerController } from './powerControllerEntry.js';
import { sloClocksEntry } from './sloClocks.js';

export const POWER_CONTROLLERS = [noControllerEntry, autoscaleEntry, carbonAwareEntry, phaseClocksEntry, sloClocksEntry] as const satisfies readonly PolicyEntry<BuiltPowerController | null>[];
export const POWER_CONTROLLER_NAMES = POWER_CONTROLLERS.map((e) => e.name) as readonly (typeof POWER_CONTROLLERS)[number]['name'][];
