/** The carbon-aware router by hand: the cleanest region with room, spilling when it is full, and its options. */
import { describe, expect, it } from 'vitest';
import { carbonAwareRouter, carbonAwareRouterEntry, type CarbonRouterSettings } from '../../sim/policies/router/carbonAware.js';
import { ROUTER_NAMES } from '../../sim/policies/router/routerRegistry.js';
import type { ReplicaView, RequestView } from '../../sim/serving/policyApi.js';

const request: RequestView = { id: 0, arrivalSeconds: 0, inputTokens: 10, outputTokens: 10, generatedTokens: 0, preemptions: 0 };

interface Spec {
  readonly outstanding: number;
  readonly carbon: number;
  readonly pue?: number;
  readonly price?: number;
  readonly state?: ReplicaView['state'];
}

const views = (specs: readonly Spec[]): ReplicaView[] =>
  specs.map((s, index) => ({
    index,
    outstanding: s.outstanding,
    running: s.outstanding,
    queued: 0,
    state: s.state ?? 'awake',
    idleSinceSeconds: null,
    gpu: { smClockMhz: null, powerLimitWatts: 700 },
    phase: null,
    lastDecodeStepSeconds: null,
    region: `r${s.carbon}`,
    grid: { pue: s.pue ?? 1, carbonGPerKwh: s.carbon, priceUsdPerKwh: s.price ?? 0.1 },
  }));

const settings = (over: Partial<CarbonRouterSettings> = {}): CarbonRouterSettings => ({ signal: 'carbon', maxOutstanding: 4, tolerance: 0, includePue: true, ...over });
const route = (specs: readonly Spec[], over: Partial<CarbonRouterSettings> = {}) => carbonAwareRouter(settings(over)).route(request, views(specs), 0);

describe('carbon_aware router', () => {
  it('is registered under its id', () => {
    expect(ROUTER_NAMES).toContain('carbon_aware');
    expect(carbonAwareRouterEntry.name).toBe('carbon_aware');
  });

  it('prefers the cleaner region while it has room, least loaded there', () => {
    // Replicas 0-1 dirty (400), 2-3 clean (200): the clean region's less loaded replica.
    expect(route([{ outstanding: 0, carbon: 400 }, { outstanding: 0, carbon: 400 }, { outstanding: 2, carbon: 200 }, { outstanding: 1, carbon: 200 }])).toBe(3);
    expect(route([{ outstanding: 0, carbon: 400 }, { outstanding: 3, carbon: 200 }])).toBe(1);
  });

  it('spills to the next cleanest region with room when the cleanest is full', () => {
    const specs = [{ outstanding: 0, carbon: 400 }, { outstanding: 1, carbon: 300 }, { outstanding: 4, carbon: 200 }, { outstanding: 5, carbon: 200 }];
    expect(route(specs)).toBe(1);
  });

  it('when nowhere has room: the least loaded, the cleaner on a tie', () => {
    expect(route([{ outstanding: 6, carbon: 200 }, { outstanding: 5, carbon: 400 }, { outstanding: 5, carbon: 300 }])).toBe(2);
  });

  it('compares intensity × PUE unless told not to', () => {
    // 300 × 1.0 = 300 beats 260 × 1.25 = 325; the grid figure alone prefers 260.
    const specs = [{ outstanding: 0, carbon: 260, pue: 1.25 }, { outstanding: 0, carbon: 300, pue: 1 }];
    expect(route(specs)).toBe(1);
    expect(route(specs, { includePue: false })).toBe(0);
  });

  it('routes by price when asked', () => {
    const specs = [{ outstanding: 0, carbon: 100, price: 0.3 }, { outstanding: 0, carbon: 400, price: 0.1 }];
    expect(route(specs)).toBe(0);
    expect(route(specs, { signal: 'price' })).toBe(1);
  });

  it('treats regions within the tolerance as equally clean (least loaded of them)', () => {
    const specs = [{ outstanding: 3, carbon: 200 }, { outstanding: 0, carbon: 210 }];
    expect(route(specs)).toBe(0);
    expect(route(specs, { tolerance: 15 })).toBe(1);
  });

  it('does not wake a sleeping replica while an awake one in the clean tier has room', () => {
    expect(route([{ outstanding: 0, carbon: 200, state: 'asleep' }, { outstanding: 2, carbon: 200 }])).toBe(1);
    expect(route([{ outstanding: 0, carbon: 200, state: 'asleep' }, { outstanding: 4, carbon: 200 }])).toBe(0);
  });

  it('is a pure function of what it sees: the same views, the same choice', () => {
    const r = carbonAwareRouter(settings());
    const v = views([{ outstanding: 1, carbon: 300 }, { outstanding: 1, carbon: 300 }]);
    expect([r.route(request, v, 0), r.route(request, v, 1)]).toEqual([0, 0]);
  });

  it('without a grid signal it says what is missing', () => {
    const bare = views([{ outstanding: 0, carbon: 1 }]).map(({ grid: _grid, ...rest }) => rest);
    expect(() => carbonAwareRouter(settings()).route(request, bare, 0)).toThrow(/needs the grid signal/);
  });
});
