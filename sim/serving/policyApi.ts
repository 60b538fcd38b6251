/**
 * What a plug-in policy implements and what it sees (docs/POLICIES.md has the pre- and postconditions). Policies
 * decide; they never record metrics, schedule events or touch requests: joulesim applies their decisions, checks
 * them, and does the bookkeeping. Everything a policy sees is a read-only snapshot.
 */

/** A request as a policy sees it. */
export interface RequestView {
  /** The workload's request id (stable; 0-based position in the workload). */
  readonly id: number;
  readonly arrivalSeconds: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Output tokens produced so far (0 while waiting, unless it was preempted and waits to recompute). */
  readonly generatedTokens: number;
  readonly preemptions: number;
  /** The prompt's prefix block ids, when the trace names them (RequestSpec.prefixBlockIds). */
  readonly prefixBlockIds?: readonly number[];
}

/** What a plug-in is given when it is created: its validated options and its own seeded random stream. */
export interface PolicyContext<Options = Record<string, unknown>> {
  readonly options: Options;
  /** Uniform in [0, 1), seeded from the run's seed, the policy's slot and the replica: same seed, same draws. */
  readonly random: () => number;
  /** The replica this instance serves (batching policies and power controllers; -1 for cluster-wide policies). */
  readonly replica: number;
  /** Replicas in the cluster. */
  readonly replicas: number;
}

// ---- batching (one instance per replica) -----------------------------------------------------------------------

/** The replica's state at a step boundary, when requests are waiting. */
export interface BatchingView {
  readonly nowSeconds: number;
  /** Waiting requests, oldest first (a preempted request waits first). Never empty when decide() is called. */
  readonly waiting: readonly RequestView[];
  /** Requests admitted and not finished (prefilling or decoding). */
  readonly running: readonly RequestView[];
  readonly freeKvBlocks: number;
  readonly totalKvBlocks: number;
  readonly kvBlockTokens: number;
  /** Token budget of one step: running decodes take one token each, every admitted prompt its whole input. */
  readonly maxBatchedTokens: number;
  /** Cap on running requests. */
  readonly maxRunning: number;
}

export interface BatchDecision {
  /** Ids of waiting requests to start now, in order; joulesim starts them while they fit (seats, tokens, KV blocks). */
  readonly admit: readonly number[];
  /** When nothing is running and nothing was admitted: ask again at this time (> now). Arrivals ask again anyway. */
  readonly revisitAtSeconds?: number;
}

export interface BatchingPolicy {
  decide(view: BatchingView): BatchDecision;
}

// ---- routing (one instance per cluster) ------------------------------------------------------------------------

/** A replica as a router or controller sees it. */
export interface ReplicaView {
  readonly index: number;
  /** Requests waiting or running there. */
  readonly outstanding: number;
  readonly running: number;
  readonly queued: number;
  /** awake: serving or ready; asleep: in its sleep state; waking: paying the wake-up latency. */
  readonly state: 'awake' | 'asleep' | 'waking';
  /** Since when it has had nothing to do; null while it works, holds requests, or sleeps. */
  readonly idleSinceSeconds: number | null;
  /** The GPUs' current setting (clock lock and power limit). */
  readonly gpu: GpuSetting;
  /** What its work in flight (or, at a 'work-start' consult, the work about to start) does; null when idle. A step
   *  with prompt chunks (prefill or mixed) is 'prefill'. */
  readonly phase: 'prefill' | 'decode' | null;
  /** Seconds per step of the last decode-only work it finished (a measured iteration time); null before any. */
  readonly lastDecodeStepSeconds: number | null;
  /** With a facility section: the name of the grid region it sits in (facility.regions), and that region's
   *  signals now. Absent without a facility section. */
  readonly region?: string;
  readonly grid?: GridView;
  /** KV-cache blocks an allocation could take now (blocks reserved for KV transfers count as taken); absent when
   *  its batching policy keeps no paged KV cache. */
  readonly freeKvBlocks?: number;
}

export interface Router {
  /** The replica index (0 ≤ i < replicas.length) the arriving request goes to. */
  route(request: RequestView, replicas: readonly ReplicaView[], nowSeconds: number): number;
}

// ---- admission (one instance per cluster) ----------------------------------------------------------------------

export interface AdmissionPolicy {
  /** null to let the request in, or the reason it is turned away (counted in the summary's rejection reasons). */
  admit(request: RequestView, replicas: readonly ReplicaView[], nowSeconds: number): string | null;
}

// ---- power (one instance per cluster) --------------------------------------------------------------------------

/** A GPU's power controls: a locked SM clock (null: the board's own boost) and a power limit. */
export interface GpuSetting {
  readonly smClockMhz: number | null;
  readonly powerLimitWatts: number;
}

/** The grid and the building at this instant (the scenario's facility section: sim/facility/gridSignals.ts). */
export interface GridView {
  /** Facility energy per IT joule. */
  readonly pue: number;
  readonly carbonGPerKwh: number;
  readonly priceUsdPerKwh: number;
}

/** When a controller is consulted: each periodic tick, and when a replica finishes work or becomes idle. */
export interface PowerView {
  readonly nowSeconds: number;
  /** Present when the scenario has a facility section with one region for the whole cluster: its current carbon
   *  intensity, price and PUE. With facility.regions each replica has its own (ReplicaView.grid). */
  readonly grid?: GridView;
  /** work-start: a replica is about to start a step or decode run (controllers built with beforeWork only); its
   *  index is `replica`, and a setting decided now with no settling time applies to that work. */
  readonly reason: 'tick' | 'work-done' | 'idle' | 'arrival' | 'work-start';
  /** The replica a 'work-start' consult is about. */
  readonly replica?: number;
  readonly replicas: readonly ReplicaView[];
  /** The GPU's limits, for sane decisions. */
  readonly gpu: {
    readonly tdpWatts: number;
    /** The lockable SM clock range (models/gpus/<id>.json sm_clocks); null where the GPU has no curve on file and
     *  clock locking is refused. */
    readonly maxSmClockMhz: number | null;
    readonly minSmClockMhz?: number | null;
  };
}

/** One change to one replica. Settings take `settlingSeconds` (the controller's) before work runs under them. */
export type PowerDecision =
  | { readonly replica: number; readonly setting: Partial<GpuSetting> }
  | { readonly replica: number; readonly state: 'asleep' | 'awake' };

export interface PowerController {
  decide(view: PowerView): readonly PowerDecision[];
}

/** What a plug-in module exports (one factory per slot it can fill, and the JSON Schema of its options). */
export interface PolicyModuleExports {
  readonly optionsSchema?: object;
  readonly createBatchingPolicy?: (ctx: PolicyContext) => BatchingPolicy;
  readonly createRouter?: (ctx: PolicyContext) => Router;
  readonly createAdmissionPolicy?: (ctx: PolicyContext) => AdmissionPolicy;
  readonly createPowerController?: (ctx: PolicyContext) => PowerController;
}
