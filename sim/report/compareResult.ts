/** A `--vary` value: a name, a number, or a switch. */
export type SettingValue = string | number | boolean;

/** The result of a comparison: compare.json, the `--json` output, and what the library's `compare()` returns. */
import type { Summary } from './summary.js';

/** Relative change vs the first variant, in percent; null where the first variant's value is 0 or undefined. */
export interface DeltaPct {
  readonly energy_j: number | null;
  readonly energy_per_output_token_j: number | null;
  readonly energy_per_request_j: number | null;
  readonly avg_power_w: number | null;
  readonly makespan_s: number | null;
  readonly ttft_p50_s: number | null;
  readonly ttft_p99_s: number | null;
  readonly tpot_p50_s: number | null;
  readonly e2e_p50_s: number | null;
  readonly e2e_p99_s: number | null;
  readonly throughput_output_tokens_per_s: number | null;
  /** SLO attainment minus the first variant's, in percentage points (when the scenario sets SLO targets). */
  readonly slo_attainment_pts?: number | null;
  /** With a facility model (both runs): facility energy, operational + embodied carbon, cost. */
  readonly facility_energy_j?: number | null;
  readonly total_kgco2e?: number | null;
  readonly cost_usd?: number | null;
}

export interface CompareVariant {
  /** `gpu=h100-sxm batch-size=32` */
  readonly label: string;
  /** The values this variant sets, by `--vary` key (or, in a sweep, by axis name: a patch axis gives the patch's label). */
  readonly settings: { readonly [key: string]: SettingValue | undefined };
  /** In a sweep: the variant's stable id (a hash of its settings). */
  readonly id?: string;
  /** Folder under the output directory holding its summary.json, requests.csv, timeseries.csv, report.html. */
  readonly dir: string | null;
  /** The per-GPU power limit the run used: the cap asked for, or the board's TDP when that is lower. */
  readonly power_cap_w: number;
  readonly summary: Summary;
  readonly delta_pct: DeltaPct;
}

export interface CompareResult {
  readonly format: 'joulesim-compare/1';
  /** The base scenario's name (or file). */
  readonly base: string;
  readonly seed: number;
  /** `--vary` keys (or, in a sweep, axis names) and their values. */
  readonly axes: readonly { readonly key: string; readonly values: readonly SettingValue[] }[];
  readonly variants: readonly CompareVariant[];
  /** Present when the comparison is a merged sweep (`joulesim sweep`). */
  readonly sweep?: SweepInfo;
}

export interface SweepInfo {
  readonly name: string;
  readonly fingerprint: string;
  readonly joulesim: string;
  readonly variants_planned: number;
  /** Variants the sweep's filters dropped, and why. */
  readonly dropped: readonly { readonly id: string; readonly label: string; readonly filter: string; readonly reason: string }[];
  /** Variants with no result (only with `sweep merge --allow-missing`). */
  readonly missing: readonly { readonly id: string; readonly label: string }[];
}
