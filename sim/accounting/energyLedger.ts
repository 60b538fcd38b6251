/**
 * Exact energy totals per replica and phase. Busy energy is what steps cost; idle energy is idle power over the
 * gaps between steps and until the end of the run. Energy attributed to requests covers exactly the busy part, so
 * attributed + idle = total is a conservation law the tests check.
 */
export interface PhaseJoules {
  prefill: number;
  decode: number;
  idle: number;
}

export class EnergyLedger {
  readonly perReplica: PhaseJoules[];
  readonly busySeconds: Float64Array;
  readonly idleSeconds: Float64Array;
  /** KV-cache transfers between disaggregated pools: not any replica's, attributed to the request moved. */
  transferJoules = 0;

  constructor(replicas: number) {
    this.perReplica = Array.from({ length: replicas }, () => ({ prefill: 0, decode: 0, idle: 0 }));
    this.busySeconds = new Float64Array(replicas);
    this.idleSeconds = new Float64Array(replicas);
  }

  addBusy(replica: number, seconds: number, prefillJoules: number, decodeJoules: number): void {
    const e = this.perReplica[replica];
    e.prefill += prefillJoules;
    e.decode += decodeJoules;
    this.busySeconds[replica] += seconds;
  }

  addIdle(replica: number, seconds: number, joules: number): void {
    this.perReplica[replica].idle += joules;
    this.idleSeconds[replica] += seconds;
  }

  addTransfer(joules: number): void {
    this.transferJoules += joules;
  }

  /** Replicas [from, to): one pool of a disaggregated cluster. */
  poolTotals(from: number, to: number): PhaseJoules & { total: number } {
    const t = { prefill: 0, decode: 0, idle: 0, total: 0 };
    for (let i = from; i < to; i++) {
      const e = this.perReplica[i];
      t.prefill += e.prefill;
      t.decode += e.decode;
      t.idle += e.idle;
    }
    t.total = t.prefill + t.decode + t.idle;
    return t;
  }

  totals(): PhaseJoules & { transfer: number; total: number } {
    const t = { prefill: 0, decode: 0, idle: 0, transfer: this.transferJoules, total: 0 };
    for (const e of this.perReplica) {
      t.prefill += e.prefill;
      t.decode += e.decode;
      t.idle += e.idle;
    }
    t.total = t.prefill + t.decode + t.idle + t.transfer;
    return t;
  }
}
