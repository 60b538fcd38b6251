/**
 * Resolves a scenario's policy references (router, admission, power controller) through their registries or a
 * loaded plug-in, and the batching policy through the scheduler registry. What the run, summary, compare and
 * estimate use comes from here, so a new registry entry reaches all of them.
 */
import { InputError } from '../errors.js';
import { schemaValidator } from '../schemaValidator.js';
import { callPlugin, PolicyError } from '../policyError.js';
import type { AdmissionPolicy, PolicyContext, PowerController, Router } from '../serving/policyApi.js';
import { ADMISSION_POLICIES } from './admission/admissionRegistry.js';
import type { PolicyEntry, PolicyReference } from './policyEntry.js';
import type { LoadedPolicies, LoadedPolicyModule, PolicySlot } from './policyModule.js';
import type { BuiltPowerController } from './power/powerControllerEntry.js';
import { POWER_CONTROLLERS } from './power/powerRegistry.js';
import { ROUTERS } from './router/routerRegistry.js';
import { seededUniform } from './seededUniform.js';

/** A resolved reference: its name (registry name or module), options, and the plug-in when it is one. */
export interface ResolvedReference {
  readonly name: string;
  readonly options: Record<string, unknown>;
  readonly plugin?: LoadedPolicyModule;
}

/** The module a reference names, if any (for loading ahead of the run). */
export function moduleOf(ref: unknown): { module: string; options: unknown } | null {
  if (typeof ref === 'object' && ref !== null && typeof (ref as { module?: unknown }).module === 'string') {
    return { module: (ref as { module: string }).module, options: (ref as { options?: unknown }).options };
  }
  return null;
}

export function resolveReference(
  slot: PolicySlot,
  ref: PolicyReference,
  entries: readonly PolicyEntry<unknown>[],
  plugins: LoadedPolicies,
  where: { file: string; place: string },
): ResolvedReference {
  const plugin = plugins[slot];
  if (typeof ref === 'object' && ref.module !== undefined) {
    if (ref.kind !== undefined) throw new InputError(where.file, where.place, 'give either kind or module, not both');
    if (!plugin) throw new InputError(where.file, where.place, `the plug-in ${ref.module} was not loaded (load it with loadScenarioPolicies first, as run, compare and simulate do)`);
    return { name: plugin.name, options: plugin.options, plugin };
  }
  // simulate({ policies }) may supply a slot's plug-in for a scenario that names a built-in: the plug-in wins.
  if (plugin) return { name: plugin.name, options: plugin.options, plugin };
  const name = typeof ref === 'string' ? ref : ref.kind;
  if (name === undefined) throw new InputError(where.file, where.place, `give kind (one of ${entries.map((e) => e.name).join(', ')}) or module`);
  const entry = entries.find((e) => e.name === name);
  if (!entry) throw new InputError(where.file, where.place, `unknown ${slot} policy ${JSON.stringify(name)}; known: ${entries.map((e) => e.name).join(', ')}`);
  const options = typeof ref === 'string' ? {} : (ref.options ?? {});
  return { name: entry.name, options: validateEntryOptions(entry, options, where) };
}

function validateEntryOptions(entry: PolicyEntry<unknown>, options: Record<string, unknown>, where: { file: string; place: string }): Record<string, unknown> {
  const validate = schemaValidator('policyOptions', entry.optionsSchema);
  const copy = structuredClone(options);
  if (!validate(copy)) {
    const e = validate.errors![0];
    const extra = e.keyword === 'additionalProperties' ? `unknown option '${(e.params as { additionalProperty: string }).additionalProperty}'` : (e.message ?? 'invalid');
    throw new InputError(where.file, `${where.place}/options${e.instancePath}`, `${entry.name}: ${extra}`);
  }
  return copy;
}

function contextFor(r: ResolvedReference, slot: PolicySlot, seed: number, replicas: number): PolicyContext {
  return { options: r.options, random: seededUniform(seed, slot, -1), replica: -1, replicas };
}

function needMethod(name: string, obj: unknown, method: string, factory: string): void {
  if (typeof obj !== 'object' || obj === null || typeof (obj as Record<string, unknown>)[method] !== 'function') {
    throw new PolicyError(name, `${factory} returned no object with a ${method}() method`);
  }
}

export function buildRouter(r: ResolvedReference, seed: number, replicas: number): { router: Router; name: string } {
  const ctx = contextFor(r, 'router', seed, replicas);
  if (r.plugin) {
    const router = callPlugin(r.name, 'createRouter()', () => r.plugin!.exports.createRouter!(ctx));
    needMethod(r.name, router, 'route', 'createRouter()');
    return { router, name: r.name };
  }
  return { router: ROUTERS.find((e) => e.name === r.name)!.create(ctx), name: `router '${r.name}'` };
}

export function buildAdmission(r: ResolvedReference, seed: number, replicas: number): { policy: AdmissionPolicy; name: string } | null {
  const ctx = contextFor(r, 'admission', seed, replicas);
  if (r.plugin) {
    const policy = callPlugin(r.name, 'createAdmissionPolicy()', () => r.plugin!.exports.createAdmissionPolicy!(ctx));
    needMethod(r.name, policy, 'admit', 'createAdmissionPolicy()');
    return { policy, name: r.name };
  }
  const policy = ADMISSION_POLICIES.find((e) => e.name === r.name)!.create(ctx);
  return policy ? { policy, name: `admission '${r.name}'` } : null;
}

/** A plug-in controller is consulted at every work boundary and each tick_seconds (its options may set it; default 1 s). */
export function buildPowerController(r: ResolvedReference, seed: number, replicas: number): (BuiltPowerController & { name: string }) | null {
  const ctx = contextFor(r, 'power', seed, replicas);
  if (r.plugin) {
    const controller = callPlugin(r.name, 'createPowerController()', () => r.plugin!.exports.createPowerController!(ctx)) as PowerController;
    needMethod(r.name, controller, 'decide', 'createPowerController()');
    const ex = r.plugin.exports as { tickSeconds?: number; settlingSeconds?: number; consultBeforeWork?: boolean };
    return {
      controller,
      name: r.name,
      tickSeconds: typeof ex.tickSeconds === 'number' && ex.tickSeconds > 0 ? ex.tickSeconds : 1,
      everyBoundary: true,
      settlingSeconds: typeof ex.settlingSeconds === 'number' && ex.settlingSeconds >= 0 ? ex.settlingSeconds : 0,
      usesSleep: 'optional',
      beforeWork: ex.consultBeforeWork === true,
    };
  }
  const built = POWER_CONTROLLERS.find((e) => e.name === r.name)!.create(ctx);
  return built ? { ...built, name: `power controller '${r.name}'` } : null;
}

export const routerEntries = ROUTERS as readonly PolicyEntry<unknown>[];
export const admissionEntries = ADMISSION_POLICIES as readonly PolicyEntry<unknown>[];
export const powerEntries = POWER_CONTROLLERS as readonly PolicyEntry<unknown>[];
