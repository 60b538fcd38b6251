/** A replica as routers, admission policies and power controllers see it: read-only, live for the call. */
import type { GridView, ReplicaView } from './policyApi.js';
import type { Replica } from './replica.js';

/** Where a replica sits on the grid: its region's name and its signals at a run time (a pure lookup). */
export interface ReplicaSite {
  readonly region: string;
  readonly gridAt: (nowSeconds: number) => GridView;
}

export class LiveReplicaView implements ReplicaView {
  readonly region?: string;

  constructor(
    private readonly replica: Replica,
    private readonly site: ReplicaSite | null = null,
    private readonly now: () => number = () => 0,
  ) {
    if (site) this.region = site.region;
  }
  get grid(): GridView | undefined {
    return this.site ? this.site.gridAt(this.now()) : undefined;
  }
  get index(): number {
    return this.replica.index;
  }
  get outstanding(): number {
    return this.replica.outstanding();
  }
  get running(): number {
    return this.replica.scheduler.runningCount();
  }
  get queued(): number {
    return this.replica.scheduler.queuedCount();
  }
  get state(): ReplicaView['state'] {
    return this.replica.state;
  }
  get idleSinceSeconds(): number | null {
    return this.replica.state === 'awake' ? this.replica.idleSinceSeconds : null;
  }
  get phase(): ReplicaView['phase'] {
    return this.replica.phase;
  }
  get lastDecodeStepSeconds(): number | null {
    return this.replica.lastDecodeStepSeconds;
  }
  get gpu(): ReplicaView['gpu'] {
    return this.replica.setting;
  }
  get freeKvBlocks(): number | undefined {
    return this.replica.scheduler.freeKvBlocks?.();
  }
}

/** A replica of a disaggregated pool: its index is its place in the pool (what the pool's router returns). */
export class PoolReplicaView extends LiveReplicaView {
  constructor(
    replica: Replica,
    private readonly poolIndex: number,
  ) {
    super(replica);
  }
  override get index(): number {
    return this.poolIndex;
  }
}
