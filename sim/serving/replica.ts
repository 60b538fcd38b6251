/**
 * One serving replica (1..N GPUs running one model): runs what its scheduler plans, back to back, and accounts time
 * and energy. Between work it draws idle power. An arrival may cut a decode run short at the next step boundary
 * when the scheduler would admit it there.
 */
import { DecodeRunCurve } from '../cost/decodeRunCurve.js';
import type { StepCostModel } from '../cost/stepCostModel.js';
import { prefillTokens } from '../cost/step.js';
import type { EventHandle, EventQueue, EventTarget } from '../engine/eventQueue.js';
import { LiveRequest } from './liveRequest.js';
import type { RequestSpec } from '../workload/request.js';
import type { GpuSetting } from './policyApi.js';
import type { Scheduler } from './scheduler.js';
import type { AnyWork, PricedWork, Work } from './work.js';
import type { WorkAccounting } from './workAccounting.js';

/** Sees every piece of work a replica runs (the trace-event exporter, range checks). */
export interface WorkObserver {
  work(replica: number, startSeconds: number, endSeconds: number, work: Work | PricedWork, stepsDone: number, joules: number): void;
  /** The replica's running and queued counts at time t (called at every change, possibly more than once per instant). */
  counts?(replica: number, t: number, running: number, queued: number): void;
}

/**
 * A replica's power states and controls. `costFor` is the seam between GPU controls and the cost model: the replica
 * prices each piece of work with the cost model of the setting in force when it starts.
 */
export interface ReplicaPower {
  readonly initialSetting: GpuSetting;
  costFor(setting: GpuSetting): StepCostModel;
  /** Whole replica (every GPU), asleep; null when the GPU has no sleep state on file (it cannot sleep). */
  readonly sleepWatts: number | null;
  /** From asleep to serving. */
  readonly wakeSeconds: number;
}

export type ReplicaState = 'awake' | 'asleep' | 'waking';

/** Where a replica books its energy (the run's EnergyLedger, sim/accounting/). */
export interface EnergyBook {
  addBusy(replica: number, seconds: number, prefillJoules: number, decodeJoules: number): void;
  addIdle(replica: number, seconds: number, joules: number): void;
}

/** Where a replica reports power and load over time (the run's TimeSeries, sim/accounting/). */
export interface PowerTimeline {
  addEnergy(replica: number, phase: 'prefill' | 'decode' | 'idle', t0: number, t1: number, joules: number): void;
  addDecodeRun(replica: number, t0: number, t1: number, joules: number, cumulativeJoules: (elapsed: number) => number): void;
  setCounts(replica: number, t: number, running: number, queued: number): void;
}

export interface ReplicaContext {
  readonly events: EventQueue;
  readonly ledger: EnergyBook;
  readonly timeSeries: PowerTimeline | null;
  readonly observer: WorkObserver | null;
  /** Node, facility and grid accounting, when the run has a facility model. */
  readonly accounting?: WorkAccounting | null;
  /** Ask to be started once the requests arriving at this instant have all been delivered. */
  deferStart(replica: Replica): void;
  /** The replica finished a piece of work, or has nothing to do (a power controller may want to know). */
  onBoundary?(replica: Replica, nowSeconds: number, idle: boolean): void;
  /** The replica is about to price and start a step or decode run (`phase` says which): a controller that sets
   *  clocks per iteration decides here, and a setting with no settling time applies to this work. */
  beforeWork?(replica: Replica, nowSeconds: number): void;
}

export class Replica implements EventTarget {
  private work: AnyWork | null = null;
  private workStartSeconds = 0;
  private plannedSteps = 0;
  private workSeconds = 0;
  private workJoules = 0;
  /** The cost curve of the decode run in flight (cuts and interval splits query it), re-pointed at each new run. */
  private readonly runCurve = new DecodeRunCurve();
  /** Replica joules of the run in flight in its first `elapsed` seconds (one function for every run). */
  private readonly runJoulesAt = (elapsed: number): number => this.runCurve.joulesAt(elapsed, this.plannedSteps);
  /** Identifies the latest scheduled completion (a guard: a cut run's old completion is cancelled, not left). */
  private token = 0;
  private pendingEvent: EventHandle | null = null;
  private lastBusyEndSeconds = 0;
  private startPending = false;
  /** A policy's wait in progress (idle until then unless an arrival comes first). */
  private waitEvent: EventHandle | null = null;
  state: ReplicaState = 'awake';
  setting: GpuSetting;
  /** Since when the replica has had nothing to do (null while it works or holds requests). */
  idleSinceSeconds: number | null = 0;
  /** Seconds per step of the last decode-only work it finished (what a clock governor measures); null before any. */
  lastDecodeStepSeconds: number | null = null;
  /** Times it woke from sleep, and seconds spent asleep (for the summary). */
  wakeups = 0;
  asleepSeconds = 0;
  private asleepSinceSeconds = 0;
  private cost: StepCostModel;
  /** Power drawn between work: idle power awake or waking, sleep power asleep. */
  private floorWatts: number;
  private readonly timers: EventTarget = { onEvent: (t, token) => this.onTimer(t, token) };
  private timerToken = 0;
  private readonly settings = new Map<number, GpuSetting>();
  private readonly outcome: { endSeconds: number; stepsDone: number; joules: number; shares: Float64Array | undefined } = {
    endSeconds: 0,
    stepsDone: 0,
    joules: 0,
    shares: undefined,
  };

  constructor(
    readonly index: number,
    readonly scheduler: Scheduler,
    cost: StepCostModel,
    /** Idle power of the whole replica (every GPU). */
    private readonly idleWatts: number,
    private readonly context: ReplicaContext,
    private readonly power: ReplicaPower | null = null,
  ) {
    this.cost = cost;
    this.floorWatts = idleWatts;
    this.setting = power?.initialSetting ?? { smClockMhz: null, powerLimitWatts: Number.POSITIVE_INFINITY };
  }

  /** What the work in flight (or about to start) does: a step with prompt chunks is prefill, the rest decode. */
  get phase(): 'prefill' | 'decode' | null {
    const w = this.work;
    if (w === null) return null;
    if (w.kind === 'step') return w.step.chunkNewTokens.length > 0 ? 'prefill' : 'decode';
    if (w.kind === 'priced') return w.prefillJoules > 0 ? 'prefill' : 'decode';
    return 'decode';
  }

  /** Whether it can sleep at all (its GPU's sleep power is known). */
  canSleep(): boolean {
    return this.power !== null && this.power.sleepWatts !== null;
  }

  /** Puts an idle replica to sleep (false when it has requests or work, or cannot sleep). */
  sleep(nowSeconds: number): boolean {
    if (this.state !== 'awake' || this.work !== null || this.outstanding() > 0 || this.power === null || this.power.sleepWatts === null) return false;
    this.accountIdle(nowSeconds);
    this.cancelWait();
    this.state = 'asleep';
    this.asleepSinceSeconds = nowSeconds;
    this.floorWatts = this.power.sleepWatts;
    return true;
  }

  /** Starts waking a sleeping replica; it serves after the wake-up latency. */
  wake(nowSeconds: number): void {
    if (this.state !== 'asleep' || this.power === null) return;
    this.accountIdle(nowSeconds);
    this.asleepSeconds += nowSeconds - this.asleepSinceSeconds;
    this.wakeups++;
    this.state = 'waking';
    this.floorWatts = this.idleWatts;
    this.context.events.schedule(nowSeconds + this.power.wakeSeconds, this.timers, this.timerToken++ * 2);
  }

  /** A new GPU setting takes effect after `settlingSeconds`; work started before then keeps the old one. */
  changeSetting(setting: GpuSetting, settlingSeconds: number, nowSeconds: number): void {
    if (this.power === null) return;
    if (settlingSeconds === 0) {
      // Work in flight was priced when it started and keeps its cost; only what starts from now on sees this.
      this.setting = setting;
      this.cost = this.power.costFor(setting);
      return;
    }
    const token = this.timerToken++ * 2 + 1;
    this.settings.set(token, setting);
    this.context.events.schedule(nowSeconds + settlingSeconds, this.timers, token);
  }

  private onTimer(nowSeconds: number, token: number): void {
    if (token % 2 === 1) {
      const setting = this.settings.get(token)!;
      this.settings.delete(token);
      this.setting = setting;
      this.cost = this.power!.costFor(setting);
      return;
    }
    this.state = 'awake';
    if (this.work === null) this.startNext(nowSeconds);
    this.reportCounts(nowSeconds);
  }

  private cancelWait(): void {
    if (this.waitEvent !== null) this.context.events.cancel(this.waitEvent);
    this.waitEvent = null;
  }

  outstanding(): number {
    return this.scheduler.outstanding();
  }

  /** A request routed here arrives; returns a rejection reason, or null when accepted. */
  arrive(request: LiveRequest, nowSeconds: number): string | null {
    const reason = this.scheduler.enqueue(request, nowSeconds);
    if (reason !== null) return reason;
    this.arrived(nowSeconds);
    return null;
  }

  /** A request from the workload arrives, as its spec (the scheduler makes its LiveRequest when it needs one). */
  arriveSpec(spec: RequestSpec, nowSeconds: number): string | null {
    const s = this.scheduler;
    const reason = s.enqueueSpec ? s.enqueueSpec(spec, nowSeconds) : s.enqueue(new LiveRequest(spec), nowSeconds);
    if (reason !== null) return reason;
    this.arrived(nowSeconds);
    return null;
  }

  /** A request was accepted: wake, start, or cut the decode run in flight. */
  private arrived(nowSeconds: number): void {
    if (this.state === 'asleep') this.wake(nowSeconds);
    const w = this.work;
    if (this.state !== 'awake') {
      // Waking: the wake-up starts the queue.
    } else if (w === null) {
      // Start once every request arriving at this same instant is queued (offline batches fill up): the arrival
      // feeder calls startIfIdle after delivering them all.
      if (!this.startPending) {
        this.startPending = true;
        this.context.deferStart(this);
      }
    } else if (w.kind === 'decodeRun' && w.interruptible) this.cutRunAt(nowSeconds);
    this.reportCounts(nowSeconds);
  }

  onEvent(timeSeconds: number, token: number): void {
    if (token !== this.token) return;
    if (this.work === null) {
      // A policy's wait ran out: ask it again.
      if (this.waitEvent === null) return;
      this.waitEvent = null;
      this.startNext(timeSeconds);
      this.reportCounts(timeSeconds);
      return;
    }
    this.finishWork(timeSeconds);
    this.startNext(timeSeconds);
    this.reportCounts(timeSeconds);
    this.context.onBoundary?.(this, timeSeconds, this.work === null && this.waitEvent === null);
  }

  /** Starts work deferred by arrivals at this instant. */
  startIfIdle(nowSeconds: number): void {
    if (!this.startPending) return;
    this.startPending = false;
    if (this.work === null && this.state === 'awake') this.startNext(nowSeconds);
    this.reportCounts(nowSeconds);
  }

  /** Room came free outside the scheduler's own work (a KV transfer ended and released blocks): plan again if idle. */
  resume(nowSeconds: number): void {
    if (this.work !== null || this.state !== 'awake' || this.waitEvent !== null) return;
    this.startNext(nowSeconds);
    this.reportCounts(nowSeconds);
  }

  /** Account idle power up to the end of the simulation. */
  close(endSeconds: number): void {
    this.accountIdle(endSeconds);
    if (this.state === 'asleep') this.asleepSeconds += endSeconds - this.asleepSinceSeconds;
  }

  private reportCounts(nowSeconds: number): void {
    const ctx = this.context;
    if (ctx.timeSeries === null && ctx.observer?.counts === undefined) return;
    const running = this.scheduler.runningCount();
    const queued = this.scheduler.queuedCount();
    ctx.timeSeries?.setCounts(this.index, nowSeconds, running, queued);
    ctx.observer?.counts?.(this.index, nowSeconds, running, queued);
  }

  private accountIdle(untilSeconds: number): void {
    const gap = untilSeconds - this.lastBusyEndSeconds;
    if (!(gap > 0)) return;
    const joules = this.floorWatts * gap;
    this.context.ledger.addIdle(this.index, gap, joules);
    this.context.timeSeries?.addEnergy(this.index, 'idle', this.lastBusyEndSeconds, untilSeconds, joules);
    this.context.accounting?.idle(this.index, this.lastBusyEndSeconds, untilSeconds, joules);
    this.lastBusyEndSeconds = untilSeconds;
  }

  private startNext(nowSeconds: number): void {
    this.cancelWait();
    const w = this.scheduler.plan(nowSeconds);
    if (w !== null && w.kind === 'wait') {
      this.work = null;
      this.idleSinceSeconds = null;
      this.token++;
      this.waitEvent = this.context.events.schedule(w.untilSeconds, this, this.token);
      return;
    }
    this.work = w;
    if (w === null) {
      if (this.idleSinceSeconds === null) this.idleSinceSeconds = nowSeconds;
      return;
    }
    this.idleSinceSeconds = null;
    this.accountIdle(nowSeconds);
    if (w.kind !== 'priced') this.context.beforeWork?.(this, nowSeconds);
    if (w.kind === 'step') {
      this.plannedSteps = 1;
      const c = this.cost.stepCost(w.step);
      this.workSeconds = c.seconds;
      this.workJoules = c.joules;
    } else if (w.kind === 'priced') {
      this.plannedSteps = w.rounds ?? 1;
      this.workSeconds = w.seconds;
      this.workJoules = w.joules;
    } else {
      this.plannedSteps = w.steps;
      const curve = this.cost.decodeRun(w.sequences, w.contextSum0, w.masked ?? false, this.runCurve);
      this.workSeconds = curve.secondsUpTo(w.steps);
      this.workJoules = curve.joules(0, w.steps);
    }
    this.workStartSeconds = nowSeconds;
    this.token++;
    this.pendingEvent = this.context.events.schedule(nowSeconds + this.workSeconds, this, this.token);
  }

  /** Stop the running decode run at the first step boundary at or after now. */
  private cutRunAt(nowSeconds: number): void {
    const w = this.work;
    if (w === null || w.kind !== 'decodeRun') return;
    const curve = this.runCurve;
    const steps = curve.stepsToReach(nowSeconds - this.workStartSeconds, this.plannedSteps);
    if (steps >= this.plannedSteps) return;
    this.plannedSteps = steps;
    this.workSeconds = curve.secondsUpTo(steps);
    this.workJoules = curve.joules(0, steps);
    this.token++;
    // The cut lands at or after now; rounding in the closed-form sum must not put it a hair before.
    const end = Math.max(nowSeconds, this.workStartSeconds + this.workSeconds);
    const events = this.context.events;
    this.pendingEvent = this.pendingEvent !== null ? events.reschedule(this.pendingEvent, end, this, this.token) : events.schedule(end, this, this.token);
  }

  private finishWork(endSeconds: number): void {
    const w = this.work as Work | PricedWork;
    const start = this.workStartSeconds;
    const seconds = this.workSeconds;
    const joules = this.workJoules;
    const ctx = this.context;
    if (w.kind === 'step') {
      const prefill = prefillTokens(w.step);
      if (prefill === 0 && w.step.chunkNewTokens.length === 0) this.lastDecodeStepSeconds = seconds;
      // A prompt-only step is all prefill (exactly: the ratio would leave a rounding residue as decode energy).
      const prefillJoules = w.step.decodeCount === 0 ? joules : (joules * prefill) / (prefill + w.step.decodeCount);
      ctx.ledger.addBusy(this.index, seconds, prefillJoules, joules - prefillJoules);
      if (ctx.timeSeries) {
        ctx.timeSeries.addEnergy(this.index, 'prefill', start, endSeconds, prefillJoules);
        ctx.timeSeries.addEnergy(this.index, 'decode', start, endSeconds, joules - prefillJoules);
      }
    } else if (w.kind === 'priced') {
      ctx.ledger.addBusy(this.index, seconds, w.prefillJoules, joules - w.prefillJoules);
      // A stretch of rounds is all decode; its energy lands in intervals as each round spent it.
      if (w.joulesAt && w.prefillJoules === 0) ctx.timeSeries?.addDecodeRun(this.index, start, endSeconds, joules, w.joulesAt);
      else if (ctx.timeSeries) {
        if (w.prefillJoules > 0) ctx.timeSeries.addEnergy(this.index, 'prefill', start, endSeconds, w.prefillJoules);
        if (joules - w.prefillJoules > 0) ctx.timeSeries.addEnergy(this.index, 'decode', start, endSeconds, joules - w.prefillJoules);
      }
    } else {
      ctx.ledger.addBusy(this.index, seconds, 0, joules);
      const steps = this.plannedSteps;
      if (steps > 0) this.lastDecodeStepSeconds = seconds / steps;
      ctx.timeSeries?.addDecodeRun(this.index, start, endSeconds, joules, this.runJoulesAt);
    }
    ctx.observer?.work(this.index, start, endSeconds, w, this.plannedSteps, joules);
    let shares: Float64Array | undefined;
    if (ctx.accounting) {
      const joulesAt = w.kind === 'decodeRun' ? this.runJoulesAt : w.kind === 'priced' ? w.joulesAt : undefined;
      shares = ctx.accounting.busy(this.index, start, endSeconds, w, this.plannedSteps, joules, joulesAt);
    }
    this.lastBusyEndSeconds = endSeconds;
    this.work = null;
    // One outcome object per replica, refilled for each piece of work: schedulers read it during complete() only.
    const outcome = this.outcome;
    outcome.endSeconds = endSeconds;
    outcome.stepsDone = this.plannedSteps;
    outcome.joules = joules;
    outcome.shares = shares;
    this.scheduler.complete(w, outcome);
  }
}
