/**
 * Replica groups by grid region as one command-line word, for `--regions` and `--vary regions=`:
 * `us-ciso:4+us-pjm:4` is 4 replicas in California ISO and 4 in PJM, in that order (groups are joined by `+`
 * because `--vary` separates its values by commas).
 */
import { InputError } from '../errors.js';
import { loadRegion } from './region.js';

export interface RegionGroupFlag {
  readonly region: string;
  readonly replicas: number;
}

export function parseRegionGroups(text: string, source: string): RegionGroupFlag[] {
  const parts = text.split('+').map((s) => s.trim());
  return parts.map((part) => {
    const m = /^([^:]+):(\d+)$/.exec(part);
    if (!m || Number(m[2]) < 1) throw new InputError(source, '', `expected REGION:REPLICAS joined by '+' (us-ciso:4+us-pjm:4), got "${part}" in "${text}"`);
    return { region: loadRegion(m[1].trim(), source).id, replicas: Number(m[2]) };
  });
}

export function formatRegionGroups(groups: readonly RegionGroupFlag[]): string {
  return groups.map((g) => `${g.region}:${g.replicas}`).join('+');
}

/**
 * The partial scenario that puts replicas in these groups: facility.regions, the cluster's replica count to match,
 * and the file's one-region settings removed (null deletes in a merge).
 */
export function regionGroupsOverride(groups: readonly RegionGroupFlag[]): { facility: Record<string, unknown>; replicas: number } {
  return {
    facility: { regions: groups.map((g) => ({ region: g.region, replicas: g.replicas })), region: null, carbon_g_per_kwh: null },
    replicas: groups.reduce((n, g) => n + g.replicas, 0),
  };
}
