/**
 * Applies a power controller's decisions to the replicas: checks each one (a controller is a policy, possibly a
 * plug-in, and nonsense must not silently run), then asks the replica to sleep, wake, or change its GPU setting.
 * The controller is consulted at periodic ticks and at replicas' work boundaries; it only returns decisions.
 */
import type { EventQueue, EventTarget } from '../engine/eventQueue.js';
import { callPlugin, PolicyError } from '../policyError.js';
import type { GpuSetting, GridView, PowerController, PowerDecision, PowerView, ReplicaView } from './policyApi.js';
import type { Replica } from './replica.js';

export interface PowerControlSetup {
  readonly controller: PowerController;
  /** For messages: the module or `power controller 'autoscale'`. */
  readonly name: string;
  /** Consult every tickSeconds (null: only at work boundaries). */
  readonly tickSeconds: number | null;
  /** Consult at every work boundary (false: only when a replica goes idle). */
  readonly everyBoundary: boolean;
  /** How long a new GPU setting takes to settle before work runs under it. */
  readonly settlingSeconds: number;
  /** Consult before each step or decode run starts (per-iteration clock control). */
  readonly beforeWork?: boolean;
  readonly gpu: PowerView['gpu'];
  /** The grid's signals at a run time, when the scenario has a facility section (a pure lookup). */
  readonly grid?: (nowSeconds: number) => GridView;
}

export class PowerControl implements EventTarget {
  /** Decisions in a row at one instant (a controller that keeps flipping a state without time passing is stopped). */
  private decisionsAtNow = 0;
  private lastNow = Number.NaN;

  constructor(
    private readonly setup: PowerControlSetup,
    private readonly replicas: readonly Replica[],
    private readonly views: readonly ReplicaView[],
    private readonly events: EventQueue,
  ) {}

  start(): void {
    if (this.setup.tickSeconds !== null) this.events.schedule(this.setup.tickSeconds, this);
  }

  /** A tick: consult, and keep ticking only while the run has anything else left to do. */
  onEvent(nowSeconds: number): void {
    this.consult('tick', nowSeconds);
    if (this.events.pending > 0) this.events.schedule(nowSeconds + this.setup.tickSeconds!, this);
  }

  boundary(nowSeconds: number, idle: boolean): void {
    if (idle || this.setup.everyBoundary) this.consult(idle ? 'idle' : 'work-done', nowSeconds);
  }

  beforeWork(nowSeconds: number, replica: number): void {
    if (this.setup.beforeWork) this.consult('work-start', nowSeconds, replica);
  }

  private consult(reason: PowerView['reason'], nowSeconds: number, replica?: number): void {
    const grid = this.setup.grid?.(nowSeconds);
    const view: PowerView = { nowSeconds, reason, replicas: this.views, gpu: this.setup.gpu, ...(grid ? { grid } : {}), ...(replica !== undefined ? { replica } : {}) };
    const decisions = callPlugin(this.setup.name, 'decide()', () => this.setup.controller.decide(view));
    if (!Array.isArray(decisions)) throw new PolicyError(this.setup.name, `decide() at t = ${nowSeconds} s returned ${JSON.stringify(decisions)}, not an array of decisions`);
    if (decisions.length === 0) return;
    this.decisionsAtNow = nowSeconds === this.lastNow ? this.decisionsAtNow + decisions.length : decisions.length;
    this.lastNow = nowSeconds;
    if (this.decisionsAtNow > 100 * this.replicas.length + 1000) {
      throw new PolicyError(this.setup.name, `made ${this.decisionsAtNow} decisions at t = ${nowSeconds} s without time passing: it never settles`);
    }
    for (const d of decisions) this.apply(d, nowSeconds);
  }

  private apply(d: PowerDecision, nowSeconds: number): void {
    const bad = (what: string) => new PolicyError(this.setup.name, `decide() at t = ${nowSeconds} s ${what}`);
    if (typeof d !== 'object' || d === null) throw bad(`returned ${JSON.stringify(d)}, not a decision`);
    const i = d.replica;
    if (!Number.isInteger(i) || i < 0 || i >= this.replicas.length) throw bad(`named replica ${JSON.stringify(i)}; there are ${this.replicas.length}`);
    const replica = this.replicas[i];
    if ('state' in d) {
      if (d.state === 'asleep') {
        if (!replica.canSleep()) throw bad(`put replica ${i} to sleep, but this GPU has no sleep state on file (models/power-states/)`);
        if (replica.state === 'awake' && !replica.sleep(nowSeconds)) throw bad(`put replica ${i} to sleep while it holds ${replica.outstanding()} request(s)`);
      } else if (d.state === 'awake') replica.wake(nowSeconds);
      else throw bad(`asked replica ${i} for state ${JSON.stringify(d.state)}; expected asleep or awake`);
      return;
    }
    if (!('setting' in d) || typeof d.setting !== 'object' || d.setting === null) throw bad('returned a decision with neither state nor setting');
    const next: GpuSetting = { ...replica.setting, ...d.setting };
    const clock = next.smClockMhz;
    if (clock !== null && !(typeof clock === 'number' && Number.isFinite(clock) && clock > 0)) throw bad(`set smClockMhz ${JSON.stringify(clock)}; expected a positive number or null`);
    const limit = next.powerLimitWatts;
    if (!(typeof limit === 'number' && Number.isFinite(limit) && limit > 0)) throw bad(`set powerLimitWatts ${JSON.stringify(limit)}; expected a positive number`);
    replica.changeSetting(next, this.setup.settlingSeconds, nowSeconds);
  }
}
