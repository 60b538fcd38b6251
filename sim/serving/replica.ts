/**
 * One serving replica (1..N GPUs running one model): runs what its scheduler plans, back to back, and accounts time
 * and energy. Between work it draws idle power. An arrival may cut a decode run short at the next step boundary
 * when the scheduler would admit it there.
 */
import type { DecodeRunCurve } from '../cost/decodeRunCurve.js';
import type { StepCost, StepCostModel } from '../cost/stepCostModel.js';
import { prefillTokens } from '../cost/step.js';
import type { EventHandle, EventQueue, EventTarget } from '../engine/eventQueue.js';
import type { EnergyLedger } from '../report/energyLedger.js';
import type { TimeSeries } from '../report/timeSeries.js';
import type { LiveRequest } from './liveRequest.js';
import type { Scheduler } from './scheduler.js';
import type { AnyWork } from './work.js';

/** Sees every piece of work a replica runs (the trace-event exporter, range checks). */
export interface WorkObserver {
  work(replica: number, startSeconds: number, endSeconds: number, work: AnyWork, stepsDone: number, joules: number): void;
}

export interface ReplicaContext {
  readonly events: EventQueue;
  readonly ledger: EnergyLedger;
  readonly timeSeries: TimeSeries | null;
  readonly observer: WorkObserver | null;
  /** Ask to be started once the requests arriving at this instant have all been delivered. */
  deferStart(replica: Replica): void;
}

export class Replica implements EventTarget {
  private work: AnyWork | null = null;
  private workStartSeconds = 0;
  private plannedSteps = 0;
  private workCost: StepCost = { seconds: 0, joules: 0 };
  /** The cost curve of the decode run in flight (cuts and interval splits query it). */
  private runCurve: DecodeRunCurve | null = null;
  /** Identifies the latest scheduled completion (a guard: a cut run's old completion is cancelled, not left). */
  private token = 0;
  private pendingEvent: EventHandle | null = null;
  private lastBusyEndSeconds = 0;
  private startPending = false;

  constructor(
    readonly index: number,
    readonly scheduler: Scheduler,
    readonly cost: StepCostModel,
    /** Idle power of the whole replica (every GPU). */
    private readonly idleWatts: number,
    private readonly context: ReplicaContext,
  ) {}

  outstanding(): number {
    return this.scheduler.outstanding();
  }

  /** A request routed here arrives; returns a rejection reason, or null when accepted. */
  arrive(request: LiveRequest, nowSeconds: number): string | null {
    const reason = this.scheduler.enqueue(request, nowSeconds);
    if (reason !== null) return reason;
    const w = this.work;
    if (w === null) {
      // Start once every request arriving at this same instant is queued (offline batches fill up): the arrival
      // feeder calls startIfIdle after delivering them all.
      if (!this.startPending) {
        this.startPending = true;
        this.context.deferStart(this);
      }
    } else if (w.kind === 'decodeRun' && w.interruptible) this.cutRunAt(nowSeconds);
    this.reportCounts(nowSeconds);
    return null;
  }

  onEvent(timeSeconds: number, token: number): void {
    if (token !== this.token || this.work === null) return;
    this.finishWork(timeSeconds);
    this.startNext(timeSeconds);
    this.reportCounts(timeSeconds);
  }

  /** Starts work deferred by arrivals at this instant. */
  startIfIdle(nowSeconds: number): void {
    if (!this.startPending) return;
    this.startPending = false;
    if (this.work === null) this.startNext(nowSeconds);
    this.reportCounts(nowSeconds);
  }

  /** Account idle power up to the end of the simulation. */
  close(endSeconds: number): void {
    this.accountIdle(endSeconds);
  }

  private reportCounts(nowSeconds: number): void {
    this.context.timeSeries?.setCounts(this.index, nowSeconds, this.scheduler.runningCount(), this.scheduler.queuedCount());
  }

  private accountIdle(untilSeconds: number): void {
    const gap = untilSeconds - this.lastBusyEndSeconds;
    if (!(gap > 0)) return;
    const joules = this.idleWatts * gap;
    this.context.ledger.addIdle(this.index, gap, joules);
    this.context.timeSeries?.addEnergy(this.index, 'idle', this.lastBusyEndSeconds, untilSeconds, joules);
    this.lastBusyEndSeconds = untilSeconds;
  }

  private startNext(nowSeconds: number): void {
    const w = this.scheduler.plan(nowSeconds);
    this.work = w;
    if (w === null) return;
    this.accountIdle(nowSeconds);
    if (w.kind === 'step') {
      this.plannedSteps = 1;
      this.workCost = this.cost.stepCost(w.step);
    } else if (w.kind === 'priced') {
      this.plannedSteps = 1;
      this.workCost = { seconds: w.seconds, joules: w.joules };
    } else {
      this.plannedSteps = w.steps;
      const curve = this.cost.decodeRun(w.sequences, w.contextSum0, w.masked ?? false);
      this.runCurve = curve;
      this.workCost = { seconds: curve.secondsUpTo(w.steps), joules: curve.joules(0, w.steps) };
    }
    this.workStartSeconds = nowSeconds;
    this.token++;
    this.pendingEvent = this.context.events.schedule(nowSeconds + this.workCost.seconds, this, this.token);
  }

  /** Stop the running decode run at the first step boundary at or after now. */
  private cutRunAt(nowSeconds: number): void {
    const w = this.work;
    if (w === null || w.kind !== 'decodeRun') return;
    const curve = this.runCurve!;
    const steps = curve.stepsToReach(nowSeconds - this.workStartSeconds, this.plannedSteps);
    if (steps >= this.plannedSteps) return;
    this.plannedSteps = steps;
    this.workCost = { seconds: curve.secondsUpTo(steps), joules: curve.joules(0, steps) };
    this.token++;
    if (this.pendingEvent) this.context.events.cancel(this.pendingEvent);
    // The cut lands at or after now; rounding in the closed-form sum must not put it a hair before.
    this.pendingEvent = this.context.events.schedule(Math.max(nowSeconds, this.workStartSeconds + this.workCost.seconds), this, this.token);
  }

  private finishWork(endSeconds: number): void {
    const w = this.work!;
    const start = this.workStartSeconds;
    const { seconds, joules } = this.workCost;
    const ctx = this.context;
    if (w.kind === 'step') {
      const prefill = prefillTokens(w.step);
      const prefillJoules = (joules * prefill) / (prefill + w.step.decodeCount);
      ctx.ledger.addBusy(this.index, seconds, prefillJoules, joules - prefillJoules);
      if (ctx.timeSeries) {
        ctx.timeSeries.addEnergy(this.index, 'prefill', start, endSeconds, prefillJoules);
        ctx.timeSeries.addEnergy(this.index, 'decode', start, endSeconds, joules - prefillJoules);
      }
    } else if (w.kind === 'priced') {
      ctx.ledger.addBusy(this.index, seconds, w.prefillJoules, joules - w.prefillJoules);
      if (ctx.timeSeries) {
        if (w.prefillJoules > 0) ctx.timeSeries.addEnergy(this.index, 'prefill', start, endSeconds, w.prefillJoules);
        if (joules - w.prefillJoules > 0) ctx.timeSeries.addEnergy(this.index, 'decode', start, endSeconds, joules - w.prefillJoules);
      }
    } else {
      ctx.ledger.addBusy(this.index, seconds, 0, joules);
      const steps = this.plannedSteps;
      const curve = this.runCurve!;
      ctx.timeSeries?.addDecodeRun(this.index, start, endSeconds, joules, (elapsed) => curve.joulesAt(elapsed, steps));
    }
    ctx.observer?.work(this.index, start, endSeconds, w, this.plannedSteps, joules);
    this.lastBusyEndSeconds = endSeconds;
    this.work = null;
    this.scheduler.complete(w, { endSeconds, stepsDone: this.plannedSteps, joules });
  }
}
