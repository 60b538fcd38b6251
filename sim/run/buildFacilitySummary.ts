/** The summary's `facility` block from a finished run and its facility accounting (type: report/facilitySummary.ts). */
import type { BuiltFacility } from '../facility/buildFacility.js';
import { amortisedKgco2e } from '../facility/embodied.js';
import { gpuEmbodiedKgco2e } from '../facility/embodiedGpus.js';
import type { FacilityTotals } from '../facility/facilityAccountant.js';
import { nodeFloorWatts, nodePowerBasis } from '../facility/nodeType.js';
import { ConstantSignal, StepSeries, type Signal } from '../facility/stepSeries.js';
import { formatUtc } from '../facility/wallClock.js';
import type { GridSignals } from '../facility/gridSignals.js';
import type { EnergySplit, FacilitySummary, PerUnit, RegionSummary } from '../report/facilitySummary.js';
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
  const gpuKg = f.config.embodied !== false ? gpuEmbodiedKgco2e(f.gpu, 'facility.embodied') : null;
  if (gpuKg) {
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
  const counted = new Set<string>();
  for (const site of f.sites) {
    const sg = site.grid;
    for (const [k, s] of [['pue', sg.pue], ['carbon', sg.carbon], ['price', sg.price]] as const) {
      // A series read for two groups (one region twice) is counted once.
      if (!(s instanceof StepSeries) || s.filledSlots === 0 || counted.has(`${k} ${s.label}`)) continue;
      counted.add(`${k} ${s.label}`);
      filled[k] = (filled[k] ?? 0) + s.filledSlots;
    }
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
      ...(f.multiRegion ? perRegionProvenance(f) : gridProvenance(g, f.regionId)),
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
    ...(f.multiRegion
      ? { by_region: regionSummaries(f, result, gpuKg ? (gpus, nodes) => amortisedKgco2e(gpus * gpuKg.value, lifetime, makespan) + amortisedKgco2e(nodes * f.node.embodied_kgco2e.value, lifetime, makespan) : null) }
      : {}),
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
  for (const site of f.sites) {
    const sg = site.grid;
    for (const [k, s] of [['pue', sg.pue], ['carbon', sg.carbon], ['price', sg.price]] as const) {
      // Two groups in one region read its series twice: one warning for it.
      const w = s instanceof StepSeries && s.filledSlots > 0 ? `${k} series ${s.label}: ${s.filledSlots} missing slot(s) filled by interpolation` : null;
      if (w && !out.includes(w)) out.push(w);
    }
  }
  return out;
}

function gridProvenance(g: GridSignals, regionId: string | undefined): { pue: string; carbon: string; price: string } {
  const carbon = describeSignal(g.carbon, 'g/kWh');
  return { pue: describeSignal(g.pue, ''), carbon: regionId ? `region ${regionId}: ${carbon}` : carbon, price: describeSignal(g.price, '$/kWh') };
}

/** Each signal's provenance, region by region (`us-ciso: ...; us-pjm: ...`). */
function perRegionProvenance(f: BuiltFacility): { pue: string; carbon: string; price: string } {
  const parts = f.sites.map((s) => ({ label: s.regionId && s.regionId !== s.label ? `${s.label} (region ${s.regionId})` : s.label, p: gridProvenance(s.grid, undefined) }));
  const join = (k: 'pue' | 'carbon' | 'price') => parts.map(({ label, p }) => `${label}: ${p[k]}`).join('; ');
  return { pue: join('pue'), carbon: join('carbon'), price: join('price') };
}

/**
 * The run's totals region by region. GPU energy is the ledger's, per replica, as the run's total is; the rest is the
 * accountant's per-replica sums. Each sum adds the same per-replica numbers the totals add, so regions sum to the
 * totals up to floating-point rounding.
 */
function regionSummaries(f: BuiltFacility, result: SimulationResult, embodiedKg: ((gpus: number, nodes: number) => number) | null): RegionSummary[] {
  const a = f.accountant;
  const ledger = result.ledger.perReplica;
  return f.sites.map((site) => {
    const range = Array.from({ length: site.replicas }, (_, k) => site.firstReplica + k);
    const busy = sum(range.map((r) => a.busyTotals[r]));
    const idle = sum(range.map((r) => a.idleTotals[r]));
    let gpu = 0;
    let gpuIdle = 0;
    let completed = 0;
    for (const r of range) {
      gpu += ledger[r].prefill + ledger[r].decode + ledger[r].idle;
      gpuIdle += ledger[r].idle;
      completed += result.metrics.completedPerReplica[r] ?? 0;
    }
    const node = busy.nodeJoules + idle.nodeJoules;
    const facility = busy.facilityJoules + idle.facilityJoules;
    const carbonG = busy.carbonGrams + idle.carbonGrams;
    const cost = busy.costUsd + idle.costUsd;
    const it = gpu + node;
    const p = gridProvenance(site.grid, site.regionId);
    return {
      name: site.label,
      region: site.regionId ?? null,
      replicas: site.replicas,
      nodes: site.nodes,
      provenance: p,
      energy_j: split(gpu, node, facility),
      idle_energy_j: split(gpuIdle, idle.nodeJoules, idle.facilityJoules),
      mean_pue: it > 0 ? facility / it : 0,
      mean_carbon_g_per_kwh: facility > 0 ? carbonG / (facility / 3.6e6) : 0,
      mean_price_usd_per_kwh: facility > 0 ? cost / (facility / 3.6e6) : 0,
      operational_kgco2e: carbonG / 1000,
      idle_operational_kgco2e: idle.carbonGrams / 1000,
      cost_usd: cost,
      idle_cost_usd: idle.costUsd,
      embodied_kgco2e: embodiedKg ? embodiedKg(site.replicas * f.gpusPerReplica, site.nodes) : null,
      completed,
    };
  });
}
