/** Lookup of sweep outcomes by sweep id and axis labels, and summaries of where their cost numbers came from. */
import type { CostVariant, PointOutcome, RunMetrics, SweepOutcome } from './runSweeps.js';
import type { AxisValue } from './sweeps.js';

export class Results {
  private readonly byId = new Map<string, SweepOutcome>();

  constructor(readonly sweeps: readonly SweepOutcome[]) {
    for (const s of sweeps) this.byId.set(s.id, s);
  }

  sweep(id: string): SweepOutcome | undefined {
    return this.byId.get(id);
  }

  /** Whether the sweep ran (it exists and its mechanism is in the tree). */
  simulated(id: string): boolean {
    return this.byId.get(id)?.status === 'ok';
  }

  /** The variant comparisons between points should use: roofline when the sweep's points mix cost sources. */
  comparisonVariant(id: string): CostVariant {
    return this.byId.get(id)?.variants.includes('roofline') ? 'roofline' : 'auto';
  }

  points(id: string, where: Readonly<Record<string, AxisValue>> = {}, variant?: CostVariant): PointOutcome[] {
    const s = this.byId.get(id);
    if (!s) return [];
    const v = variant ?? this.comparisonVariant(id);
    return s.points.filter((p) => p.cost_variant === v && Object.entries(where).every(([k, x]) => p.labels[k] === x));
  }

  point(id: string, where: Readonly<Record<string, AxisValue>>, variant?: CostVariant): PointOutcome | undefined {
    const found = this.points(id, where, variant);
    return found.length === 1 ? found[0] : undefined;
  }

  run(id: string, where: Readonly<Record<string, AxisValue>>, variant?: CostVariant): RunMetrics | undefined {
    const p = this.point(id, where, variant);
    return p?.status === 'ok' ? p.run : undefined;
  }
}

/** "vllm: transferred (h100-sxm profile … carried to the a6000 datasheet); hf-eager: datasheet priors". */
export function costSourceText(points: readonly PointOutcome[]): string {
  const byKind = new Map<string, Set<string>>();
  for (const p of points) {
    if (p.status !== 'ok' || !p.cost) continue;
    const kind = p.cost.kind;
    let what: string;
    if (kind === 'transferred') {
      const m = /^(\S+) profile of \S+ with (\S+) carried to/.exec(p.cost.description);
      what = m ? `${m[2]}: transferred from the ${m[1]} calibration` : `transferred: ${p.cost.description}`;
    } else if (kind === 'calibrated') {
      what = `calibrated: ${p.cost.description.split(' (')[0]}`;
    } else {
      const m = /with (\S+) efficiency priors/.exec(p.cost.description);
      what = m ? `${m[1]}: datasheet priors` : 'datasheet priors';
    }
    const gpu = /carried to the (\S+) datasheet|^(\S+) datasheet/.exec(p.cost.description);
    const g = gpu ? (gpu[1] ?? gpu[2]) : '';
    if (!byKind.has(what)) byKind.set(what, new Set());
    if (g) byKind.get(what)!.add(g);
  }
  return [...byKind.entries()].map(([w, gpus]) => (gpus.size ? `${w} (${[...gpus].sort().join(', ')})` : w)).join('; ') || 'none';
}
