/**
 * Turns a validated scenario into a runnable SimulationSetup: loads the model, GPU and stack files, picks the cost
 * parameters (calibrated / transferred / datasheet), and resolves every policy through its registry (or a loaded
 * plug-in): the batching policy sizes the KV cache and builds the schedulers; router, admission and power
 * controller are built for the cluster.
 */
import { buildCostModel, clockCurveOf, type CostModelSelection } from '../cost/buildCostModel.js';
import type { CostParameters } from '../cost/costParameters.js';
import type { DecodingStrategy } from '../cost/decodingStrategy.js';
import type { StepCostModel } from '../cost/stepCostModel.js';
import type { SimulationSetup } from './simulation.js';
import { InputError } from '../errors.js';
import { loadArchitecture } from '../model/architecture.js';
import { loadGpu } from '../model/gpu.js';
import { hasPowerStates, knownPowerStateIds, loadPowerStates } from '../model/powerStates.js';
import type { Precision } from '../model/precision.js';
import { loadStack } from '../model/stack.js';
import type { LoadedPolicies } from '../policies/policyModule.js';
import type { PolicyReference } from '../policies/policyEntry.js';
import { admissionEntries, buildAdmission, buildPowerController, buildRouter, powerEntries, resolveReference, routerEntries } from '../policies/resolvePolicies.js';
import { resolvePluginScheduler } from '../policies/scheduler/pluginPolicy.js';
import type { ResolvedScheduler, SchedulerBuildContext, SpeculativeSettings } from '../policies/scheduler/schedulerPolicy.js';
import { schedulerEntry } from '../policies/scheduler/schedulerRegistry.js';
import type { RequestRowWriter } from '../accounting/requestMetrics.js';
import { widenedMemoryBudget } from '../serving/beamMemory.js';
import { memoryBudget } from '../serving/memoryBudget.js';
import type { GpuSetting } from '../serving/policyApi.js';
import type { ReplicaPower, WorkObserver } from '../serving/replica.js';
import { createRequestSource } from '../workload/createRequestSource.js';
import type { LoadedScenario } from '../scenario/loadScenario.js';
import { schedulerPairingProblem, SPECULATIVE_ONLY_FIELDS } from '../scenario/schedulerPairing.js';
import { inputErrorAt, sourceLabel, sourceOf } from '../inputSource.js';
import { tensorParallelProblem } from '../model/tensorParallel.js';
import { buildDisaggregation, type ResolvedDisaggregation } from './buildDisaggregation.js';

export type { SpeculativeSettings } from '../policies/scheduler/schedulerPolicy.js';
export { DEFAULT_ACCEPTANCE, DEFAULT_GAMMA } from '../policies/scheduler/speculativePolicy.js';

/** What the run actually used, after defaults and lookups: printed beside the results. */
export interface ResolvedConfig {
  readonly gpu: string;
  readonly model: string;
  readonly stack: string;
  readonly tp: number;
  readonly replicas: number;
  /** The router's registry name, or the plug-in module. */
  readonly router: string;
  /** Admission and power controller, with their options (for the summary). */
  readonly admission: { readonly name: string; readonly options: Record<string, unknown> };
  readonly powerController: { readonly name: string; readonly options: Record<string, unknown> };
  readonly scheduler: ResolvedScheduler;
  readonly cost: CostParameters;
  readonly seed: number;
  /** Speculative decoding riding on `scheduler` (its kind is the base batching), when the scheduler is speculative. */
  readonly speculative?: SpeculativeSettings;
  readonly decoding: DecodingStrategy;
  /** Weight and KV-cache precision (bf16 unless the scenario quantizes). */
  readonly precision: Precision;
  /** Latency targets for SLO attainment, when the scenario sets them. */
  readonly slo?: { readonly ttftSeconds?: number; readonly tpotSeconds?: number };
  /** Why this run's numbers are extrapolated beyond what the stack or profile covers (empty when they are not). */
  readonly extrapolations: readonly string[];
  /** Prefill and decode pools and the link between them, when the cluster disaggregates them. */
  readonly disaggregation?: ResolvedDisaggregation;
}

export interface BuildOptions {
  readonly rowWriter?: RequestRowWriter | null;
  readonly observer?: WorkObserver | null;
  readonly onProgress?: SimulationSetup['onProgress'];
  /** Plug-in modules, loaded ahead (loadPolicyModules); required when the scenario names one. */
  readonly plugins?: LoadedPolicies;
}

/**
 * The registry name of the batching policy a scheduler block asks for: its kind, or the stack's batching; `continuous`
 * on a stack with its own continuous policy (hf-paged: transformers-cb) is that policy.
 */
export function schedulerPolicyName(kind: string | undefined, stack: { batching: 'static' | 'continuous'; scheduler_policy?: string }): string {
  const k = kind ?? stack.batching;
  if (k === 'continuous' && stack.scheduler_policy !== undefined && stack.scheduler_policy !== 'vllm') return stack.scheduler_policy;
  return k;
}

export function buildSimulation(loaded: LoadedScenario, opts: BuildOptions = {}): { setup: SimulationSetup; resolved: ResolvedConfig } {
  const { scenario, file, flagPlaces } = loaded;
  // Every message names the flag that set a value, or the scenario file and its JSON path.
  const at = (pointer: string) => sourceLabel(file, flagPlaces, pointer);
  const fail = (pointer: string, detail: string) => inputErrorAt(file, flagPlaces, pointer, detail);
  const plugins = opts.plugins ?? {};
  const c = scenario.cluster;
  const gpu = loadGpu(c.gpu, at('/cluster/gpu'));
  const arch = loadArchitecture(c.model, at('/cluster/model'));
  const stack = loadStack(c.stack, at('/cluster/stack'));
  const s = c.scheduler as Record<string, unknown> & { kind?: string; module?: string };
  const tpProblem = tensorParallelProblem(arch, c.tp);
  if (tpProblem) throw fail('/cluster/tp', tpProblem);
  // A flag the run would ignore is a mistake. A scenario file may carry speculative settings for when its scheduler
  // is speculative (a base for `compare --vary scheduler=...`), so only flags are refused.
  if (s.kind !== 'speculative' && s.module === undefined) {
    for (const field of SPECULATIVE_ONLY_FIELDS) {
      const pointer = `/cluster/scheduler/${field}`;
      if (s[field] !== undefined && sourceOf(file, flagPlaces, pointer).place === '') {
        throw fail(pointer, `only applies to the speculative scheduler, and this scheduler is ${s.kind ?? `${stack.id}'s default (${stack.batching})`}`);
      }
    }
  }
  const decoding = c.decoding as DecodingStrategy;
  const precision: Precision = { weights: c.weight_dtype, kvCache: c.kv_cache_dtype };
  if (c.disaggregation) return buildDisaggregated(loaded, opts, arch, precision, decoding);
  const selection = (powerCapWatts: number | undefined): CostModelSelection => ({
    gpu,
    arch,
    stack,
    tp: c.tp,
    powerCapWatts,
    mode: c.cost_model,
    profileFile: c.profile,
    allReduce: c.all_reduce,
    allReduceSource: at('/cluster/all_reduce'),
    powerCapSource: sourceOf(file, flagPlaces, '/cluster/power_cap_w'),
    decoding,
    shapeCache: c.shape_cache,
    precision,
  });
  const built = buildCostModel(selection(c.power_cap_w));
  if (built.params.powerCapWatts <= built.params.busyBaseWatts) {
    throw fail('/cluster/power_cap_w', `a cap of ${built.params.powerCapWatts} W is below the ${built.params.busyBaseWatts.toFixed(0)} W a busy ${gpu.id} draws before doing any work`);
  }
  let budget = memoryBudget(gpu, stack, arch, c.tp, at('/cluster/model'), precision);
  if (built.beamWidth > 1) budget = widenedMemoryBudget(budget, built.beamWidth, built.prefillWidth);

  const ctx: SchedulerBuildContext = {
    file,
    place: '/cluster/scheduler',
    flagPlaces,
    options: s,
    gpu,
    arch,
    stack,
    tp: c.tp,
    seed: scenario.seed,
    decoding,
    precision,
    cost: built,
    budget,
    plugin: plugins.scheduler,
    buildDraftCost: (draftArch) =>
      buildCostModel({ ...selection(c.power_cap_w), arch: draftArch, mode: c.cost_model === 'calibrated' ? 'auto' : c.cost_model, profileFile: undefined, shapeCache: undefined }),
  };
  let scheduler: ResolvedScheduler;
  if (s.module !== undefined || plugins.scheduler) {
    if (s.module !== undefined && s.kind !== undefined) throw new InputError(file, '/cluster/scheduler', 'give either kind or module, not both');
    if (!plugins.scheduler) throw new InputError(file, '/cluster/scheduler/module', `the plug-in ${String(s.module)} was not loaded (load it with loadScenarioPolicies first, as run, compare and simulate do)`);
    scheduler = resolvePluginScheduler(ctx, c.replicas);
  } else {
    const name = schedulerPolicyName(s.kind, stack);
    const entry = schedulerEntry(name);
    if (!entry) throw new InputError(file, '/cluster/scheduler/kind', `unknown batching policy '${name}'`);
    scheduler = entry.resolve(ctx);
  }
  if (s.prefix_caching === true && !scheduler.prefixCacheStats) {
    throw new InputError(file, '/cluster/scheduler/prefix_caching', `prefix caching is modelled for the continuous (vLLM) batching policy only; ${scheduler.policy} does not cache prefixes`);
  }
  let cost = built.params;
  if (scheduler.costNote) cost = { ...cost, provenance: { ...cost.provenance, description: `${cost.provenance.description}; ${scheduler.costNote}` } };

  const router = resolveReference('router', c.router as PolicyReference, routerEntries, plugins, { file, place: '/cluster/router' });
  const admission = resolveReference('admission', c.admission as PolicyReference, admissionEntries, plugins, { file, place: '/cluster/admission' });
  const power = resolveReference('power', c.power_controller as PolicyReference, powerEntries, plugins, { file, place: '/cluster/power_controller' });
  const controller = buildPowerController(power, scenario.seed, c.replicas);

  // The GPU-control seam: a replica prices work with the cost model of its current setting. The power limit is the
  // cap term; a locked SM clock scales the FLOP legs and dynamic energy (sim/cost/clockScaling.ts).
  const initialSetting: GpuSetting = { smClockMhz: null, powerLimitWatts: cost.powerCapWatts };
  const settingKey = (g: GpuSetting) => `${g.powerLimitWatts}|${g.smClockMhz ?? 'boost'}`;
  const models = new Map<string, StepCostModel>([[settingKey(initialSetting), built.model]]);
  const controlSource = { file: controller?.name ?? file, place: '' };
  const costFor = (setting: GpuSetting): StepCostModel => {
    const key = settingKey(setting);
    let m = models.get(key);
    if (!m) {
      const sel = selection(setting.powerLimitWatts);
      const b = buildCostModel({
        ...sel,
        powerCapSource: controlSource,
        ...(setting.smClockMhz !== null ? { smClockMhz: setting.smClockMhz, smClockSource: controlSource } : {}),
      });
      if (b.params.powerCapWatts <= b.params.busyBaseWatts) {
        throw new InputError(controlSource.file, '', `set a power limit of ${setting.powerLimitWatts} W, below the ${b.params.busyBaseWatts.toFixed(0)} W a busy ${gpu.id} draws before doing any work`);
      }
      m = b.model;
      models.set(key, m);
    }
    return m;
  };
  const clockCurve = clockCurveOf(gpu);
  let replicaPower: ReplicaPower | null = null;
  if (controller) {
    if (controller.usesSleep === 'required' && !hasPowerStates(gpu.id)) {
      throw new InputError(file, '/cluster/power_controller', `${controller.name} puts replicas to sleep, but ${gpu.id} has no sleep power on file (models/power-states/ has ${knownPowerStateIds().join(', ')})`);
    }
    if (controller.locksClock && !clockCurve) {
      throw new InputError(file, '/cluster/power_controller', `${controller.name} locks SM clocks, but ${gpu.id} has no published voltage-frequency curve on file (models/gpus/${gpu.id}.json has no sm_clocks), so clock locking is refused there`);
    }
    const states = controller.usesSleep !== 'never' && hasPowerStates(gpu.id) ? loadPowerStates(gpu.id, `${file}:/cluster/power_controller`) : null;
    replicaPower = {
      initialSetting,
      costFor,
      sleepWatts: states ? states.sleep_w * c.tp : null,
      wakeSeconds: states?.wake_s ?? 0,
    };
  }

  const source = createRequestSource(scenario.workload, { baseDir: loaded.baseDir, seed: scenario.seed, file, sourceOf: (pointer) => sourceOf(file, flagPlaces, pointer) });
  const pairing = scheduler.policy === 'plugin' ? undefined : schedulerPairingProblem(stack, scheduler.kind, scheduler.policy === 'speculative');
  const slo = scenario.slo;
  const resolved: ResolvedConfig = {
    gpu: gpu.id,
    model: arch.id,
    stack: stack.id,
    tp: c.tp,
    replicas: c.replicas,
    router: router.name,
    admission: { name: admission.name, options: admission.options },
    powerController: { name: power.name, options: power.options },
    scheduler,
    cost,
    seed: scenario.seed,
    ...(scheduler.speculative ? { speculative: scheduler.speculative } : {}),
    decoding,
    precision,
    ...(slo && (slo.ttft_s !== undefined || slo.tpot_s !== undefined) ? { slo: { ttftSeconds: slo.ttft_s, tpotSeconds: slo.tpot_s } } : {}),
    extrapolations: pairing ? [pairing] : [],
  };
  const setup: SimulationSetup = {
    source,
    replicas: c.replicas,
    router: buildRouter(router, scenario.seed, c.replicas),
    admission: buildAdmission(admission, scenario.seed, c.replicas),
    power: replicaPower
      ? {
          replica: replicaPower,
          control: controller
            ? {
                controller: controller.controller,
                name: controller.name,
                tickSeconds: controller.tickSeconds,
                everyBoundary: controller.everyBoundary,
                settlingSeconds: controller.settlingSeconds,
                beforeWork: controller.beforeWork ?? false,
                gpu: { tdpWatts: gpu.tdp_w, maxSmClockMhz: clockCurve?.maxMhz ?? null, minSmClockMhz: clockCurve?.minMhz ?? null },
              }
            : null,
        }
      : null,
    makeScheduler: (onFinished, replica) => scheduler.create(onFinished, scenario.seed, replica),
    costModel: built.model,
    idleWattsPerReplica: cost.idleWatts * c.tp,
    intervalSeconds: scenario.output.interval_s,
    maxIntervals: scenario.output.max_intervals,
    rowWriter: opts.rowWriter ?? null,
    slo: resolved.slo ?? null,
    observer: opts.observer ?? null,
    onProgress: opts.onProgress,
  };
  return { setup, resolved };
}

/** A cluster whose prefill and decode run on separate pools (sim/run/buildDisaggregation.ts). */
function buildDisaggregated(
  loaded: LoadedScenario,
  opts: BuildOptions,
  arch: ReturnType<typeof loadArchitecture>,
  precision: Precision,
  decoding: DecodingStrategy,
): { setup: SimulationSetup; resolved: ResolvedConfig } {
  const { scenario, file } = loaded;
  const c = scenario.cluster;
  const plugins = opts.plugins ?? {};
  const built = buildDisaggregation(loaded, arch, precision, decoding);
  const { prefill, decode } = built.resolved;
  const admission = resolveReference('admission', c.admission as PolicyReference, admissionEntries, plugins, { file, place: '/cluster/admission' });
  const source = createRequestSource(scenario.workload, { baseDir: loaded.baseDir, seed: scenario.seed, file, sourceOf: (pointer) => sourceOf(file, loaded.flagPlaces, pointer) });
  const slo = scenario.slo;
  const replicas = prefill.replicas + decode.replicas;
  const resolved: ResolvedConfig = {
    gpu: prefill.gpu === decode.gpu ? prefill.gpu : `${prefill.gpu}/${decode.gpu}`,
    model: arch.id,
    stack: prefill.stack === decode.stack ? prefill.stack : `${prefill.stack}/${decode.stack}`,
    tp: prefill.tp,
    replicas,
    router: `${prefill.router}/${decode.router}`,
    admission: { name: admission.name, options: admission.options },
    powerController: { name: 'none', options: {} },
    scheduler: built.scheduler,
    cost: built.cost,
    seed: scenario.seed,
    decoding,
    precision,
    ...(slo && (slo.ttft_s !== undefined || slo.tpot_s !== undefined) ? { slo: { ttftSeconds: slo.ttft_s, tpotSeconds: slo.tpot_s } } : {}),
    extrapolations: [],
    disaggregation: built.resolved,
  };
  const setup: SimulationSetup = {
    source,
    replicas,
    router: built.setup.prefill.router,
    admission: buildAdmission(admission, scenario.seed, prefill.replicas),
    power: null,
    makeScheduler: () => {
      throw new Error('internal: a disaggregated run builds its schedulers per pool');
    },
    costModel: built.setup.prefill.costModel,
    idleWattsPerReplica: built.setup.prefill.idleWattsPerReplica,
    intervalSeconds: scenario.output.interval_s,
    maxIntervals: scenario.output.max_intervals,
    rowWriter: opts.rowWriter ?? null,
    slo: resolved.slo ?? null,
    observer: opts.observer ?? null,
    onProgress: opts.onProgress,
    disaggregation: built.setup,
  };
  return { setup, resolved };
}
