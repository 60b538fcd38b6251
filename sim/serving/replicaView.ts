/** A replica as routers, admission policies and power controllers see it: read-only, live for the call. */
import type { ReplicaView } from './policyApi.js';
import type { Replica } from './replica.js';

export class LiveReplicaView implements ReplicaView {
  constructor(private readonly replica: Replica) {}
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
}
