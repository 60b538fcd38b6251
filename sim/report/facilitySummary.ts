/**
 * The `facility` block of the run summary: GPU, node, IT and facility energy kept apart (total, idle, attributed
 * to requests), operational and embodied carbon, cost, the same per request and per output token, and where each
 * number comes from (the GPU's cost model, the node file's basis, the grid series). Built by
 * sim/run/buildFacilitySummary.ts.
 */

export interface EnergySplit {
  readonly gpu: number;
  readonly node: number;
  readonly it: number;
  readonly facility: number;
}

export interface PerUnit {
  readonly it_j: number;
  readonly facility_j: number;
  readonly operational_gco2e: number;
  readonly embodied_gco2e: number;
  readonly cost_usd: number;
}

/** One region's share of the run (facility.regions): its replicas' energy, carbon and cost, busy and idle. */
export interface RegionSummary {
  readonly name: string;
  readonly region: string | null;
  readonly replicas: number;
  readonly nodes: number;
  readonly provenance: { readonly pue: string; readonly carbon: string; readonly price: string };
  readonly energy_j: EnergySplit;
  readonly idle_energy_j: EnergySplit;
  readonly mean_pue: number;
  readonly mean_carbon_g_per_kwh: number;
  readonly mean_price_usd_per_kwh: number;
  readonly operational_kgco2e: number;
  readonly idle_operational_kgco2e: number;
  readonly cost_usd: number;
  readonly idle_cost_usd: number;
  /** This region's GPUs and nodes, amortised as the run's embodied line is; null when embodied is off. */
  readonly embodied_kgco2e: number | null;
  /** Requests completed on this region's replicas. */
  readonly completed: number;
}

export interface FacilitySummary {
  readonly node: {
    readonly type: string;
    readonly name: string;
    readonly nodes: number;
    readonly replicas_per_node: number;
    readonly empty_gpu_slots: number;
    readonly floor_w: number;
    readonly host_busy_s: number;
  };
  /** Where the numbers come from: the GPU's cost model kind, the node model's weakest basis, the grid series. */
  readonly provenance: { readonly gpu: string; readonly node: string; readonly pue: string; readonly carbon: string; readonly price: string };
  readonly start_utc: string | null;
  readonly end_utc: string | null;
  readonly start_from: 'scenario' | 'trace' | 'none';
  readonly region: string | null;
  readonly energy_j: EnergySplit;
  readonly idle_energy_j: EnergySplit;
  readonly attributed_energy_j: EnergySplit;
  readonly energy_kwh: { readonly it: number; readonly facility: number };
  readonly mean_pue: number;
  readonly mean_carbon_g_per_kwh: number;
  readonly mean_price_usd_per_kwh: number;
  readonly operational_kgco2e: number;
  readonly idle_operational_kgco2e: number;
  readonly attributed_operational_kgco2e: number;
  readonly cost_usd: number;
  readonly idle_cost_usd: number;
  readonly attributed_cost_usd: number;
  readonly embodied_kgco2e: {
    readonly gpus: number;
    readonly nodes: number;
    readonly total: number;
    readonly lifetime_years: number;
    readonly basis: string;
  } | null;
  readonly total_kgco2e: number;
  readonly per_request: PerUnit;
  readonly per_output_token: PerUnit;
  /** Present when the scenario declares facility.regions: the totals above, region by region (they sum to them). */
  readonly by_region?: readonly RegionSummary[];
  /** Series slots filled across gaps in the source, by signal. */
  readonly filled_slots: Record<string, number>;
  readonly warnings: string[];
}

