/** The summary's `facility` block from a finished run and its facility accounting (type: report/facilitySummary.ts). */
import type { BuiltFacility } from '../facility/buildFacility.js';
import { amortisedKgco2e } from '../facility/embodied.js';
import { gpuEmbodiedKgco2e } from '../facility/embodiedGpus.js';
import type { FacilityTotals } from '../facility/facilityAccountant.js';
import { nodeFloorWatts, nodePowerBasis } from '../facility/nodeType.js';
import { ConstantSignal, StepSeries, type Signal } from '../facility/stepSeries.js';
import { formatUtc } from '../facility/wallClock.js';
import type { EnergySplit, FacilitySummary, PerUnit } from '../report/facilitySummary.js';
import { SHARE_CARBON_G, SHARE_COST_USD, SHARE_FACILITY_J, SHARE_NODE_J } from '../serving/requestShares.js';
import type { SimulationResult } from './simulation.js';

function sum(list: readonly FacilityTotals[]): FacilityTotals {
  const t = { gpuJoules: 0, nodeJoules: 0, facilityJoules: 0, carbonGrams: 0, costUsd: 0 };
  for (const x of list) {
    t.gpuJoules += x.gpuJoules;
    t.nodeJoules += x.nodeJoules;
    t.facilityJoules += x.facilityJoules;
    t.carbonGrams += x.carbonGrams;
    t.costUsd += x.costUsd;
  }
  return t;
}

function split(gpu: number, node: number, facility: number): EnergySplit {
  return { gpu, node, it: gpu + node, facility };
}

function describeSignal(s: Signal, unit: string): string {
  if (s instanceof StepSeries) return `series ${s.label} (${s.stepSeconds} s resolution)`;
  return `constant ${s instanceof ConstantSignal ? s.value : '?'}${unit ? ` ${unit}` : ''}`;
}

export function buildFacilitySummary(f: BuiltFacility, result: SimulationResult, gpuCostKind: string): FacilitySummary {
  const a = f.accountant;
  const busy = sum(a.busyTotals);
  const idle = sum(a.idleTotals);
  const shares = result.metrics.attributedShares;
  // The GPU numbers are the run's own (the ledger's), so the facility block and the summary agree to the bit; the
  // accountant's sums of the same energy differ only in rounding (a test checks them against each other).
  const ledger = result.ledger.totals();
  const gpu = ledger.total;
  const node = busy.nodeJoules + idle.nodeJoules;
  const facility = busy.facilityJoules + idle.facilityJoules;
  const carbonG = busy.carbonGrams + idle.carbonGrams;
  const costUsd = busy.costUsd + idle.costUsd;
  const makespan = result.makespanSeconds;
  const lifetime = f.config.lifetime_years ?? f.node.lifetime_years.value;
  let embodied: FacilitySummary['embodied_kgco2e'] = null;
  if (f.config.embodied !== false) {
    const gpuKg = gpuEmbodiedKgco2e(f.gpu, 'facility.embodied');
    const gpus = f.placement.nodeOf.length * f.gpusPerReplica;
    const gpusKg = amortisedKgco2e(gpus * gpuKg.value, lifetime, makespan);
    const nodesKg = amortisedKgco2e(f.placement.nodes * f.node.embodied_kgco2e.value, lifetime, makespan);
    embodied = {
      gpus: gpusKg,
      nodes: nodesKg,
      total: gpusKg + nodesKg,
      lifetime_years: lifetime,
      basis: `${gpus} × ${gpuKg.value} kgCO2e per ${f.gpu} (${gpuKg.basis}) + ${f.placement.nodes} × ${f.node.embodied_kgco2e.value} kgCO2e per ${f.node.id} node (${f.node.embodied_kgco2e.basis}), over ${lifetime} years (${f.config.lifetime_years !== undefined ? 'scenario' : f.node.lifetime_years.basis})`,
    };
  }
  const embodiedG = (embodied?.total ?? 0) * 1000;
  const per = (n: number): PerUnit => ({
    it_j: n > 0 ? (gpu + node) / n : 0,
    facility_j: n > 0 ? facility / n : 0,
    operational_gco2e: n > 0 ? carbonG / n : 0,
    embodied_gco2e: n > 0 ? embodiedG / n : 0,
    cost_usd: n > 0 ? costUsd / n : 0,
  });
  const m = result.metrics;
  const g = f.grid;
  const timed = f.startSource !== 'none';
  const filled: Record<string, number> = {};
  for (const [k, s] of [['pue', g.pue], ['carbon', g.carbon], ['price', g.price]] as const) {
    if (s instanceof StepSeries && s.filledSlots > 0) filled[k] = s.filledSlots;
  }
  const itJ = gpu + node;
  return {
    node: {
      type: f.node.id,
      name: f.node.name,
      nodes: f.placement.nodes,
      replicas_per_node: f.placement.replicasPerNode,
      empty_gpu_slots: f.placement.emptyGpuSlots,
      floor_w: nodeFloorWatts(f.node),
      host_busy_s: a.hostBusySeconds.reduce((x, y) => x + y, 0),
    },
    provenance: {
      gpu: gpuCostKind,
      node: nodePowerBasis(f.node),
      pue: describeSignal(g.pue, ''),
      carbon: f.regionId ? `region ${f.regionId}: ${describeSignal(g.carbon, 'g/kWh')}` : describeSignal(g.carbon, 'g/kWh'),
      price: describeSignal(g.price, '$/kWh'),
    },
    start_utc: timed ? formatUtc(g.startEpochSeconds) : null,
    end_utc: timed ? formatUtc(g.startEpochSeconds + makespan) : null,
    start_from: f.startSource,
    region: f.regionId ?? null,
    energy_j: split(gpu, node, facility),
    idle_energy_j: split(ledger.idle, idle.nodeJoules, idle.facilityJoules),
    attributed_energy_j: split(m.attributedJoules, shares[SHARE_NODE_J], shares[SHARE_FACILITY_J]),
    energy_kwh: { it: itJ / 3.6e6, facility: facility / 3.6e6 },
    mean_pue: itJ > 0 ? facility / itJ : 0,
    mean_carbon_g_per_kwh: facility > 0 ? carbonG / (facility / 3.6e6) : 0,
    mean_price_usd_per_kwh: facility > 0 ? costUsd / (facility / 3.6e6) : 0,
    operational_kgco2e: carbonG / 1000,
    idle_operational_kgco2e: idle.carbonGrams / 1000,
    attributed_operational_kgco2e: shares[SHARE_CARBON_G] / 1000,
    cost_usd: costUsd,
    idle_cost_usd: idle.costUsd,
    attributed_cost_usd: shares[SHARE_COST_USD],
    embodied_kgco2e: embodied,
    total_kgco2e: carbonG / 1000 + (embodied?.total ?? 0),
    per_request: per(m.completed),
    per_output_token: per(m.outputTokens),
    filled_slots: filled,
    warnings: facilityWarnings(f),
  };
}

/** What a reader of the facility numbers should know about this setup. */
function facilityWarnings(f: BuiltFacility): string[] {
  const out: string[] = [];
  const ids = f.node.gpu_ids ?? [];
  if (ids.length && !ids.includes(f.gpu)) out.push(`node type ${f.node.id} is built around ${ids.join(', ')}, not ${f.gpu}: a what-if`);
  if (f.placement.emptyGpuSlots > 0) {
    out.push(`${f.placement.emptyGpuSlots} GPU slot(s) of ${f.placement.nodes} ${f.node.id} node(s) hold no replica: the node floor is charged in full to the replicas present`);
  }
  for (const [k, s] of [['pue', f.grid.pue], ['carbon', f.grid.carbon], ['price', f.grid.price]] as const) {
    if (s instanceof StepSeries && s.filledSlots > 0) out.push(`${k} series ${s.label}: ${s.filledSlots} missing slot(s) filled by interpolation`);
  }
  return out;
}
