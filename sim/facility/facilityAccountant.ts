/**
 * The node, facility and grid accounting of a run (WorkAccounting): for every piece of work and every idle gap of
 * a replica, the node's energy (its share of the node floor, host CPU busy time, the load-following part), IT
 * energy (GPU + node), facility energy (IT × PUE at each instant), operational carbon and cost. Busy quantities
 * go back to the replica to be shared among the work's requests; idle ones stay apart, unattributed.
 */
import type { CostParameters } from '../cost/costParameters.js';
import type { AnyWork } from '../serving/work.js';
import type { WorkAccounting } from '../serving/workAccounting.js';
import { SHARE_CARBON_G, SHARE_COST_USD, SHARE_COUNT, SHARE_FACILITY_J, SHARE_NODE_J } from '../serving/requestShares.js';
import type { Charge, GridSignals } from './gridSignals.js';
import { hostBusySeconds } from './hostBusy.js';
import { CHANNEL_CARBON_G, CHANNEL_COST_USD, CHANNEL_FACILITY_J, CHANNEL_NODE_J, IntervalChannels } from './intervalChannels.js';
import { nodeFloorWatts, type NodeType } from './nodeType.js';
import type { Placement } from './placement.js';
import type { Signal } from './stepSeries.js';

/** Energy, carbon and cost of one replica, busy (attributed to requests) and idle (not). */
export interface FacilityTotals {
  gpuJoules: number;
  nodeJoules: number;
  facilityJoules: number;
  carbonGrams: number;
  costUsd: number;
}

function zeroTotals(): FacilityTotals {
  return { gpuJoules: 0, nodeJoules: 0, facilityJoules: 0, carbonGrams: 0, costUsd: 0 };
}

export interface FacilityAccountantSetup {
  readonly node: NodeType;
  readonly placement: Placement;
  readonly cost: CostParameters;
  readonly grid: GridSignals;
  /** Per replica, when replicas sit in different grid regions: the signals of its region (default: `grid`). */
  readonly gridOf?: readonly GridSignals[];
  readonly intervalSeconds: number;
  readonly maxIntervals: number;
}

export class FacilityAccountant implements WorkAccounting {
  readonly busyTotals: FacilityTotals[];
  readonly idleTotals: FacilityTotals[];
  readonly hostBusySeconds: Float64Array;
  readonly channels: IntervalChannels;
  /** Per replica: its share of its node's floor (W). */
  readonly floorShareWatts: readonly number[];
  private readonly cpuBusyWatts: number;
  private readonly gpuFraction: number;
  private readonly shares = new Float64Array(SHARE_COUNT);
  private readonly charge: Charge = { facilityJoules: 0, carbonGrams: 0, costUsd: 0 };
  private readonly onPiece: (from: number, to: number, it: number, c: Charge) => void;
  /** The span being priced: its start, length, node energy spread evenly, and the GPU curve (when not even). */
  private spanStart = 0;
  private spanSeconds = 0;
  private spanEvenJoules = 0;
  private spanGpuJoules = 0;
  private spanGpuAt: ((elapsed: number) => number) | null = null;
  private readonly itUpTo: (t: number) => number;
  /** Pieces never straddle a report interval, so the facility columns land in the same rows as the GPU's. */
  private readonly intervalEdges: Signal;

  constructor(private readonly setup: FacilityAccountantSetup) {
    const { node, placement } = setup;
    const floor = nodeFloorWatts(node);
    const replicas = placement.nodeOf.length;
    this.floorShareWatts = placement.nodeOf.map((n) => floor / placement.replicasOn[n]);
    this.cpuBusyWatts = node.power_w.cpu_busy_per_replica.value;
    this.gpuFraction = node.power_w.gpu_proportional_fraction.value;
    this.busyTotals = Array.from({ length: replicas }, zeroTotals);
    this.idleTotals = Array.from({ length: replicas }, zeroTotals);
    this.hostBusySeconds = new Float64Array(replicas);
    const channels = (this.channels = new IntervalChannels(setup.intervalSeconds, setup.maxIntervals));
    const width = setup.intervalSeconds;
    this.intervalEdges = {
      fromEpochSeconds: -Infinity,
      toEpochSeconds: Infinity,
      label: 'report intervals',
      valueAt: () => 0,
      nextEdgeAfter: (t) => (Math.floor(t / width) + 1) * width,
    };
    // IT energy up to t: the even part (node floor, host CPU) by time, the GPU part and what follows it (fans,
    // supplies) by the cost model's curve, as the GPU time series splits it.
    this.itUpTo = (t) => {
      const elapsed = t - this.spanStart;
      const even = (this.spanEvenJoules * elapsed) / this.spanSeconds;
      const gpu = this.spanGpuAt ? Math.min(this.spanGpuJoules, this.spanGpuAt(elapsed)) : (this.spanGpuJoules * elapsed) / this.spanSeconds;
      return even + (1 + this.gpuFraction) * gpu;
    };
    this.onPiece = (from, to, it, c) => {
      // The node's part of this piece: its even part by time, and its load-following share of the GPU part.
      const even = this.spanSeconds > 0 ? (this.spanEvenJoules * (to - from)) / this.spanSeconds : this.spanEvenJoules;
      const gpuPart = (it - even) / (1 + this.gpuFraction);
      channels.spread(CHANNEL_NODE_J, from, to, even + this.gpuFraction * gpuPart);
      channels.spread(CHANNEL_FACILITY_J, from, to, c.facilityJoules);
      channels.spread(CHANNEL_CARBON_G, from, to, c.carbonGrams);
      channels.spread(CHANNEL_COST_USD, from, to, c.costUsd);
    };
  }

  /**
   * Prices IT energy over [t0, t1] into `totals`: the node's `evenJoules` at constant power, the GPUs' along
   * `gpuAt` (cumulative from t0; null: constant power) with the node's load-following share. Returns the charge
   * (a reused object).
   */
  private account(grid: GridSignals, totals: FacilityTotals, t0: number, t1: number, gpuJoules: number, evenJoules: number, gpuAt: ((elapsed: number) => number) | null): Charge {
    const c = this.charge;
    c.facilityJoules = 0;
    c.carbonGrams = 0;
    c.costUsd = 0;
    const nodeJoules = evenJoules + this.gpuFraction * gpuJoules;
    const it = gpuJoules + nodeJoules;
    grid.requireCoverage(t0, t1);
    this.spanStart = t0;
    this.spanSeconds = t1 - t0;
    this.spanEvenJoules = evenJoules;
    this.spanGpuJoules = gpuJoules;
    this.spanGpuAt = gpuAt;
    grid.charge(it, t0, t1, c, this.onPiece, this.itUpTo, this.intervalEdges);
    totals.gpuJoules += gpuJoules;
    totals.nodeJoules += nodeJoules;
    totals.facilityJoules += c.facilityJoules;
    totals.carbonGrams += c.carbonGrams;
    totals.costUsd += c.costUsd;
    return c;
  }

  private gridOf(replica: number): GridSignals {
    return this.setup.gridOf?.[replica] ?? this.setup.grid;
  }

  busy(
    replica: number,
    startSeconds: number,
    endSeconds: number,
    work: AnyWork,
    stepsDone: number,
    gpuJoules: number,
    gpuJoulesAt?: (elapsedSeconds: number) => number,
  ): Float64Array {
    const seconds = endSeconds - startSeconds;
    const host = hostBusySeconds(this.setup.cost, work, stepsDone, seconds);
    this.hostBusySeconds[replica] += host;
    const even = this.floorShareWatts[replica] * seconds + this.cpuBusyWatts * host;
    const c = this.account(this.gridOf(replica), this.busyTotals[replica], startSeconds, endSeconds, gpuJoules, even, gpuJoulesAt ?? null);
    const s = this.shares;
    s[SHARE_NODE_J] = even + this.gpuFraction * gpuJoules;
    s[SHARE_FACILITY_J] = c.facilityJoules;
    s[SHARE_CARBON_G] = c.carbonGrams;
    s[SHARE_COST_USD] = c.costUsd;
    return s;
  }

  idle(replica: number, startSeconds: number, endSeconds: number, gpuJoules: number): void {
    this.account(this.gridOf(replica), this.idleTotals[replica], startSeconds, endSeconds, gpuJoules, this.floorShareWatts[replica] * (endSeconds - startSeconds), null);
  }
}
