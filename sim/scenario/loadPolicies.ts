/**
 * Loads the plug-in modules a scenario names (cluster.scheduler, .router, .admission, .power_controller with a
 * `module`), or takes module objects given to simulate(); each one's options are validated against the schema it
 * exports. Asynchronous (dynamic import), so it runs before a simulation is built.
 */
import { acceptPolicyModule, importPolicyModule, type LoadedPolicies, type LoadedPolicyModule, type PolicyObjects, type PolicySlot } from '../policies/policyModule.js';
import { moduleOf } from '../policies/resolvePolicies.js';
import type { LoadedScenario } from './loadScenario.js';

/** Where each slot lives in a scenario. */
const PLACES: { readonly [S in PolicySlot]: string } = {
  scheduler: '/cluster/scheduler',
  router: '/cluster/router',
  admission: '/cluster/admission',
  power: '/cluster/power_controller',
};

function referenceAt(loaded: LoadedScenario, slot: PolicySlot): unknown {
  const c = loaded.scenario.cluster as Record<string, unknown>;
  return slot === 'power' ? c.power_controller : c[slot];
}

function optionsAt(ref: unknown): unknown {
  return typeof ref === 'object' && ref !== null ? (ref as { options?: unknown }).options : undefined;
}

export async function loadScenarioPolicies(loaded: LoadedScenario, given: PolicyObjects = {}): Promise<LoadedPolicies> {
  const out: { [S in PolicySlot]?: LoadedPolicyModule } = {};
  for (const slot of Object.keys(PLACES) as PolicySlot[]) {
    const ref = referenceAt(loaded, slot);
    const object = given[slot];
    if (object !== undefined) {
      out[slot] = acceptPolicyModule(slot, `policies.${slot}`, object, optionsAt(ref));
      continue;
    }
    const m = moduleOf(ref);
    if (m) out[slot] = await importPolicyModule(slot, loaded.file, `${PLACES[slot]}/module`, m.module, loaded.baseDir, m.options);
  }
  return out;
}
