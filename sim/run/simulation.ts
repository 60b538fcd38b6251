/**
 * One simulation: arrivals stream from the workload one at a time, a router sends each to a replica, replicas run
 * their schedulers until every request has finished or been rejected. The clock is the event queue's; nothing here
 * reads the wall clock.
 */
import type { StepCostModel } from '../cost/stepCostModel.js';
import { EnergyLedger } from '../accounting/energyLedger.js';
import { RequestMetrics, type RequestRowWriter } from '../accounting/requestMetrics.js';
import { TimeSeries, type TimeSeriesRow } from '../accounting/timeSeries.js';
import { PolicyError, callPlugin, pluginFailure } from '../policyError.js';
import type { LiveRequest } from '../serving/liveRequest.js';
import type { AdmissionPolicy, Router } from '../serving/policyApi.js';
import { PowerControl, type PowerControlSetup } from '../serving/powerControl.js';
import { Replica, type ReplicaContext, type ReplicaPower, type WorkObserver } from '../serving/replica.js';
import { LiveReplicaView, PoolReplicaView, type ReplicaSite } from '../serving/replicaView.js';
import { builtinRouter, type RouterKind } from '../serving/router.js';
import type { Scheduler } from '../serving/scheduler.js';
import type { WorkAccounting } from '../serving/workAccounting.js';
import type { RequestSource, RequestSpec, WorkloadReport } from '../workload/request.js';
import type { ContinuousConfig } from '../serving/continuousScheduler.js';
import { DecodeOnlyScheduler } from '../serving/decodeOnlyScheduler.js';
import { KvHandoff } from '../serving/kvHandoff.js';
import { PrefillOnlyScheduler } from '../serving/prefillOnlyScheduler.js';
import type { KvLink } from '../model/kvTransfer.js';
import { InputError } from '../errors.js';
import { EventQueue, type EventTarget } from '../engine/eventQueue.js';

/** One pool of a disaggregated cluster: its replicas run the continuous (vLLM) policy in one role. */
export interface PoolSetup {
  readonly replicas: number;
  readonly costModel: StepCostModel;
  readonly idleWattsPerReplica: number;
  readonly config: ContinuousConfig;
  /** The pool's router (a registry entry or plug-in) and the name messages give it. */
  readonly router: { readonly router: Router; readonly name: string };
}

/**
 * Prefill and decode on separate pools: replicas 0..P-1 are the prefill pool, P..P+D-1 the decode pool. Arrivals go
 * to the prefill pool's router; `setup.router`, `makeScheduler`, `costModel` and `idleWattsPerReplica` are not used.
 */
export interface DisaggregationSetup {
  readonly prefill: PoolSetup;
  readonly decode: PoolSetup;
  readonly link: KvLink;
  /** KV-cache bytes per prompt token (every layer and head, in the run's KV-cache precision). */
  readonly kvBytesPerToken: number;
  /** Names the decode pool in a message when a request can never fit a decode replica. */
  readonly decodeSource: { readonly file: string; readonly place: string };
}

export interface DisaggregationResult {
  readonly prefillReplicas: number;
  readonly decodeReplicas: number;
  readonly link: KvLink;
  /** Per prefill replica's link: seconds busy, transfers, bytes. */
  readonly links: readonly { readonly busySeconds: number; readonly transfers: number; readonly bytes: number }[];
  readonly transferJoules: number;
  readonly reservationWaitSeconds: number;
}

export interface SimulationSetup {
  readonly source: RequestSource;
  readonly replicas: number;
  /** A built-in routing rule, or a router (registry entry or plug-in) and the name messages give it. */
  readonly router: RouterKind | { readonly router: Router; readonly name: string };
  /** A fresh scheduler for each replica; it reports finished requests through onFinished. */
  makeScheduler(onFinished: (request: LiveRequest, finishSeconds: number) => void, replica: number): Scheduler;
  /** Turns arrivals away before routing (default: every request goes to a replica). */
  readonly admission?: { readonly policy: AdmissionPolicy; readonly name: string } | null;
  /** Power states and GPU settings of replicas, and the controller that changes them during the run. */
  readonly power?: { readonly replica: ReplicaPower; readonly control: PowerControlSetup | null } | null;
  readonly costModel: StepCostModel;
  readonly idleWattsPerReplica: number;
  readonly intervalSeconds: number;
  readonly maxIntervals: number;
  readonly rowWriter?: RequestRowWriter | null;
  /** Latency targets: completed requests within them are counted (SLO attainment, goodput). */
  readonly slo?: { readonly ttftSeconds?: number; readonly tpotSeconds?: number } | null;
  readonly observer?: WorkObserver | null;
  /** Node, facility and grid accounting (sim/facility/), when the scenario has a facility section. */
  readonly accounting?: WorkAccounting | null;
  /** Each replica's grid region and signals, shown to routers, admission policies and controllers (ReplicaView). */
  readonly sites?: readonly ReplicaSite[] | null;
  readonly onProgress?: (eventsFired: number, simulatedSeconds: number, completed: number) => void;
  /** Prefill and decode on separate pools (sim/serving/kvHandoff.ts), when the scenario disaggregates them. */
  readonly disaggregation?: DisaggregationSetup | null;
}

export interface SimulationResult {
  readonly metrics: RequestMetrics;
  readonly ledger: EnergyLedger;
  readonly timeSeries: TimeSeriesRow[];
  readonly intervalSeconds: number;
  readonly makespanSeconds: number;
  readonly eventsFired: number;
  readonly workload: WorkloadReport;
  readonly requestsArrived: number;
  /** Per replica: seconds asleep and wake-ups (all zero without a power controller that sleeps replicas). */
  readonly replicaStates: readonly { readonly asleepSeconds: number; readonly wakeups: number }[];
  readonly disaggregation?: DisaggregationResult;
}

/** An arriving request as routers and admission policies see it. */
function specView(spec: RequestSpec) {
  const view = { id: spec.id, arrivalSeconds: spec.arrivalSeconds, inputTokens: spec.inputTokens, outputTokens: spec.outputTokens, generatedTokens: 0, preemptions: 0 };
  return spec.prefixBlockIds ? { ...view, prefixBlockIds: spec.prefixBlockIds } : view;
}

/** Feeds arrivals into the clock one at a time, so a trace of any length streams. */
class ArrivalFeeder implements EventTarget {
  private next: RequestSpec | undefined;
  arrived = 0;
  lastArrivalSeconds = 0;

  constructor(
    private readonly iterator: Iterator<RequestSpec>,
    private readonly events: EventQueue,
    private readonly deliver: (spec: RequestSpec, nowSeconds: number) => void,
    /** Called once all requests of one instant are delivered. */
    private readonly delivered: (nowSeconds: number) => void,
  ) {}

  start(): void {
    this.pull();
  }

  private pull(): void {
    const it = this.iterator.next();
    this.next = it.done ? undefined : it.value;
    if (this.next) this.events.scheduleOutside(Math.max(this.next.arrivalSeconds, this.events.nowSeconds), this);
  }

  /** Delivers every request arriving at this instant in one event, so replicas see them together. */
  onEvent(timeSeconds: number): void {
    this.lastArrivalSeconds = timeSeconds;
    for (;;) {
      const spec = this.next!;
      const it = this.iterator.next();
      this.next = it.done ? undefined : it.value;
      this.arrived++;
      this.deliver(spec, timeSeconds);
      if (this.next === undefined || this.next.arrivalSeconds > timeSeconds) break;
    }
    this.delivered(timeSeconds);
    if (this.next !== undefined) this.events.scheduleOutside(this.next.arrivalSeconds, this);
  }
}

/** A simulation that runs in slices: advance() until it returns true, then finish(). */
export interface SteppedSimulation {
  /** Fires up to `maxEvents` events; true once every event has fired. */
  advance(maxEvents: number): boolean;
  finish(): SimulationResult;
}

export function simulate(setup: SimulationSetup): SimulationResult {
  const run = startSimulation(setup);
  run.advance(Number.POSITIVE_INFINITY);
  return run.finish();
}

/**
 * The same simulation, handing control back every `eventsPerSlice` events so the host's event loop can run (a
 * Ctrl-C handler, a progress display). Yielding never changes what is simulated.
 */
export async function simulateInSlices(setup: SimulationSetup, eventsPerSlice = 50_000): Promise<SimulationResult> {
  const run = startSimulation(setup);
  while (!run.advance(eventsPerSlice)) await new Promise<void>((resolve) => setImmediate(resolve));
  return run.finish();
}

export function startSimulation(setup: SimulationSetup): SteppedSimulation {
  const events = new EventQueue();
  const ledger = new EnergyLedger(setup.replicas);
  const disagg = setup.disaggregation ?? null;
  const timeSeries = new TimeSeries(setup.replicas, setup.intervalSeconds, setup.maxIntervals, disagg !== null);
  const metrics = new RequestMetrics(setup.rowWriter ?? null, setup.slo ?? null);
  const pendingStarts: Replica[] = [];
  let control: PowerControl | null = null;
  const context = {
    events,
    ledger,
    timeSeries,
    observer: setup.observer ?? null,
    accounting: setup.accounting ?? null,
    deferStart: (r: Replica) => pendingStarts.push(r),
    // Only a run with a power controller listens: without one, replicas skip two calls per event.
    ...(setup.power?.control
      ? {
          onBoundary: (r: Replica, now: number, idle: boolean) => control?.boundary(now, idle),
          beforeWork: (r: Replica, now: number) => control?.beforeWork(now, r.index),
        }
      : {}),
  };
  const replicas: Replica[] = [];
  let handoff: KvHandoff | null = null;
  /** Arrivals go to these replicas (the prefill pool when disaggregated); routers and admission see only them. */
  let entry: Replica[] = replicas;
  if (disagg) {
    const built = buildPools(disagg, events, context, metrics, ledger, timeSeries);
    replicas.push(...built.replicas);
    entry = built.prefill;
    handoff = built.handoff;
  } else {
    for (let i = 0; i < setup.replicas; i++) {
      const scheduler = setup.makeScheduler((r, t) => metrics.onFinished(r, t, i), i);
      replicas.push(new Replica(i, scheduler, setup.costModel, setup.idleWattsPerReplica, context, setup.power?.replica ?? null));
    }
  }
  const now = () => events.nowSeconds;
  const views = entry.map((r, i) => new LiveReplicaView(r, setup.sites?.[i] ?? null, now));
  const routing = disagg ? disagg.prefill.router : typeof setup.router === 'string' ? { router: builtinRouter(setup.router), name: `router '${setup.router}'` } : setup.router;
  const route = (spec: RequestSpec, now: number): number => {
    let index: number;
    // callPlugin inlined: one closure per arrival was a share of a million-request run's garbage.
    try {
      index = routing.router.route(specView(spec), views, now);
    } catch (e) {
      throw pluginFailure(routing.name, 'route()', e);
    }
    if (!Number.isInteger(index) || index < 0 || index >= entry.length) {
      throw new PolicyError(routing.name, `route() at t = ${now} s sent request ${spec.id} to replica ${JSON.stringify(index)}; there are ${entry.length}`);
    }
    return index;
  };
  const decodeFit = disagg ? (replicas[disagg.prefill.replicas].scheduler as DecodeOnlyScheduler) : null;
  const admission = setup.admission ?? null;
  const admit = (spec: RequestSpec, now: number): string | null => {
    if (admission === null) return null;
    const reason = callPlugin(admission.name, 'admit()', () => admission.policy.admit(specView(spec), views, now));
    if (reason !== null && typeof reason !== 'string') throw new PolicyError(admission.name, `admit() returned ${JSON.stringify(reason)}; expected null or a reason string`);
    return reason;
  };
  const powerSetup = setup.power?.control ?? null;
  if (powerSetup) {
    control = new PowerControl(powerSetup, replicas, views, events);
    control.start();
  }
  const feeder = new ArrivalFeeder(
    setup.source[Symbol.iterator](),
    events,
    (spec, now) => {
      const refused = admit(spec, now);
      if (refused !== null) {
        metrics.onRejected(spec, refused, -1);
        return;
      }
      if (decodeFit) {
        // A request no decode replica can ever hold would wait for blocks forever: the decode pool is too small.
        const why = decodeFit.cannotHold(spec.inputTokens, spec.outputTokens);
        if (why) throw new InputError(disagg!.decodeSource.file, disagg!.decodeSource.place, `request ${spec.id} (${spec.inputTokens} + ${spec.outputTokens} tokens) ${why}; give the decode pool more memory (tp, gpu) or a fp8 KV cache`);
      }
      const index = route(spec, now);
      const reason = entry[index].arriveSpec(spec, now);
      if (reason !== null) metrics.onRejected(spec, reason, index);
    },
    (now) => {
      if (pendingStarts.length === 0) return;
      for (const r of pendingStarts) r.startIfIdle(now);
      pendingStarts.length = 0;
    },
  );
  feeder.start();
  const progress = setup.onProgress;
  const onProgress = progress ? (fired: number, now: number) => progress(fired, now, metrics.completed) : undefined;
  let done = false;
  return {
    advance(maxEvents: number): boolean {
      done = events.run(onProgress, maxEvents);
      return done;
    },
    finish(): SimulationResult {
      if (!done) throw new Error('internal: finish() before the simulation ran out of events');
      return finishSimulation(replicas, metrics, feeder, events, timeSeries, ledger, setup, handoff);
    },
  };
}

function finishSimulation(
  replicas: readonly Replica[],
  metrics: RequestMetrics,
  feeder: ArrivalFeeder,
  events: EventQueue,
  timeSeries: TimeSeries,
  ledger: EnergyLedger,
  setup: SimulationSetup,
  handoff: KvHandoff | null,
): SimulationResult {
  for (const r of replicas) {
    const why = r.scheduler.stuckReason?.();
    if (why) throw new PolicyError(r.scheduler.policyName ?? 'scheduler', why);
  }
  let stuck = replicas.reduce((sum, r) => sum + r.outstanding(), 0);
  if (handoff) stuck += handoff.pending();
  if (stuck > 0 || metrics.completed + metrics.rejected !== feeder.arrived) {
    throw new Error(`internal: ${stuck} requests never finished (${metrics.completed} done, ${metrics.rejected} rejected, ${feeder.arrived} arrived)`);
  }
  const makespanSeconds = Math.max(metrics.lastFinishSeconds, feeder.lastArrivalSeconds);
  for (const r of replicas) r.close(makespanSeconds);
  return {
    metrics,
    ledger,
    timeSeries: timeSeries.rows(makespanSeconds),
    intervalSeconds: timeSeries.intervalSeconds,
    makespanSeconds,
    eventsFired: events.fired,
    workload: setup.source.report,
    requestsArrived: feeder.arrived,
    replicaStates: replicas.map((r) => ({ asleepSeconds: r.asleepSeconds, wakeups: r.wakeups })),
    ...(handoff && setup.disaggregation
      ? {
          disaggregation: {
            prefillReplicas: setup.disaggregation.prefill.replicas,
            decodeReplicas: setup.disaggregation.decode.replicas,
            link: setup.disaggregation.link,
            links: handoff.links.map((l) => ({ busySeconds: l.busySeconds, transfers: l.transfers, bytes: l.bytes })),
            transferJoules: handoff.transferJoules,
            reservationWaitSeconds: handoff.reservationWaitSeconds,
          },
        }
      : {}),
  };
}

/** The two pools' replicas (prefill first) and the hand-off between them. */
function buildPools(
  d: DisaggregationSetup,
  events: EventQueue,
  context: ReplicaContext,
  metrics: RequestMetrics,
  ledger: EnergyLedger,
  timeSeries: TimeSeries,
): { replicas: Replica[]; prefill: Replica[]; handoff: KvHandoff } {
  const prefill: { replica: Replica; scheduler: PrefillOnlyScheduler }[] = [];
  const decode: { replica: Replica; scheduler: DecodeOnlyScheduler }[] = [];
  let handoff: KvHandoff | null = null;
  for (let i = 0; i < d.prefill.replicas; i++) {
    const scheduler = new PrefillOnlyScheduler(d.prefill.config, (r, t) => metrics.onFinished(r, t, i), (r, t) => handoff!.handOff(i, r, t));
    prefill.push({ replica: new Replica(i, scheduler, d.prefill.costModel, d.prefill.idleWattsPerReplica, context), scheduler });
  }
  for (let j = 0; j < d.decode.replicas; j++) {
    const index = d.prefill.replicas + j;
    const scheduler = new DecodeOnlyScheduler(d.decode.config, (r, t) => metrics.onFinished(r, t, index), (t) => handoff!.reserve(j, t));
    decode.push({ replica: new Replica(index, scheduler, d.decode.costModel, d.decode.idleWattsPerReplica, context), scheduler });
  }
  const decodeViews = decode.map((x, j) => new PoolReplicaView(x.replica, j));
  const routing = d.decode.router;
  const routeDecode = (r: LiveRequest, now: number): number => {
    const view = { ...specView(r.spec), generatedTokens: r.generatedTokens };
    const index = callPlugin(routing.name, 'route()', () => routing.router.route(view, decodeViews, now));
    if (!Number.isInteger(index) || index < 0 || index >= decode.length) {
      throw new PolicyError(routing.name, `route() at t = ${now} s sent request ${r.spec.id} to decode replica ${JSON.stringify(index)}; there are ${decode.length}`);
    }
    return index;
  };
  const book = {
    transfer: (t0: number, t1: number, joules: number) => {
      ledger.addTransfer(joules);
      timeSeries.addTransfer(t0, t1, joules);
    },
  };
  handoff = new KvHandoff(events, prefill, decode, routeDecode, d.link, (r) => r.spec.inputTokens * d.kvBytesPerToken, book);
  return { replicas: [...prefill.map((p) => p.replica), ...decode.map((x) => x.replica)], prefill: prefill.map((p) => p.replica), handoff };
}
