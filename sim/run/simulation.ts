/**
 * One simulation: arrivals stream from the workload one at a time, a router sends each to a replica, replicas run
 * their schedulers until every request has finished or been rejected. The clock is the event queue's; nothing here
 * reads the wall clock.
 */
import type { StepCostModel } from '../cost/stepCostModel.js';
import { EnergyLedger } from '../accounting/energyLedger.js';
import { RequestMetrics, type RequestRowWriter } from '../accounting/requestMetrics.js';
import { TimeSeries, type TimeSeriesRow } from '../accounting/timeSeries.js';
import { PolicyError, callPlugin } from '../policyError.js';
import { LiveRequest } from '../serving/liveRequest.js';
import type { AdmissionPolicy, Router } from '../serving/policyApi.js';
import { PowerControl, type PowerControlSetup } from '../serving/powerControl.js';
import { Replica, type ReplicaPower, type WorkObserver } from '../serving/replica.js';
import { LiveReplicaView, type ReplicaSite } from '../serving/replicaView.js';
import { builtinRouter, type RouterKind } from '../serving/router.js';
import type { Scheduler } from '../serving/scheduler.js';
import type { WorkAccounting } from '../serving/workAccounting.js';
import type { RequestSource, RequestSpec, WorkloadReport } from '../workload/request.js';
import { EventQueue, type EventTarget } from '../engine/eventQueue.js';

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
    if (this.next) this.events.schedule(Math.max(this.next.arrivalSeconds, this.events.nowSeconds), this);
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
    if (this.next !== undefined) this.events.schedule(this.next.arrivalSeconds, this);
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
  const timeSeries = new TimeSeries(setup.replicas, setup.intervalSeconds, setup.maxIntervals);
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
    onBoundary: (r: Replica, now: number, idle: boolean) => control?.boundary(now, idle),
    beforeWork: (r: Replica, now: number) => control?.beforeWork(now, r.index),
  };
  const replicas: Replica[] = [];
  for (let i = 0; i < setup.replicas; i++) {
    const scheduler = setup.makeScheduler((r, t) => metrics.onFinished(r, t, i), i);
    replicas.push(new Replica(i, scheduler, setup.costModel, setup.idleWattsPerReplica, context, setup.power?.replica ?? null));
  }
  const now = () => events.nowSeconds;
  const views = replicas.map((r, i) => new LiveReplicaView(r, setup.sites?.[i] ?? null, now));
  const routing = typeof setup.router === 'string' ? { router: builtinRouter(setup.router), name: `router '${setup.router}'` } : setup.router;
  const route = (spec: RequestSpec, now: number): number => {
    const view = specView(spec);
    const index = callPlugin(routing.name, 'route()', () => routing.router.route(view, views, now));
    if (!Number.isInteger(index) || index < 0 || index >= replicas.length) {
      throw new PolicyError(routing.name, `route() at t = ${now} s sent request ${spec.id} to replica ${JSON.stringify(index)}; there are ${replicas.length}`);
    }
    return index;
  };
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
      const index = route(spec, now);
      const reason = replicas[index].arrive(new LiveRequest(spec), now);
      if (reason !== null) metrics.onRejected(spec, reason, index);
    },
    (now) => {
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
      return finishSimulation(replicas, metrics, feeder, events, timeSeries, ledger, setup);
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
): SimulationResult {
  for (const r of replicas) {
    const why = r.scheduler.stuckReason?.();
    if (why) throw new PolicyError(r.scheduler.policyName ?? 'scheduler', why);
  }
  const stuck = replicas.reduce((sum, r) => sum + r.outstanding(), 0);
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
  };
}
