/** Grid signals reach the power controllers: the carbon-aware controller by hand, and on a run across a dirty hour. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { carbonAwareDecisions } from '../../sim/policies/power/carbonAware.js';
import type { PowerView, ReplicaView } from '../../sim/serving/policyApi.js';
import { runScenario } from '../../sim/run/runScenario.js';
import { parseScenario } from '../../sim/scenario/loadScenario.js';

const replica = (index: number, powerLimitWatts: number): ReplicaView => ({
  index, outstanding: 0, running: 0, queued: 0, state: 'awake', idleSinceSeconds: null, gpu: { smClockMhz: null, powerLimitWatts }, phase: null, lastDecodeStepSeconds: null,
});
const view = (carbon: number | null, limits: number[]): PowerView => ({
  nowSeconds: 0, reason: 'tick', replicas: limits.map((l, i) => replica(i, l)), gpu: { tdpWatts: 700, maxSmClockMhz: null },
  ...(carbon === null ? {} : { grid: { pue: 1.2, carbonGPerKwh: carbon, priceUsdPerKwh: 0.1 } }),
});

describe('carbon-aware power limits', () => {
  it('lowers the replicas not yet at the dirty limit when the grid is dirty, restores the TDP when clean', () => {
    expect(carbonAwareDecisions(view(300, [700, 350]), 250, 350, undefined)).toEqual([{ replica: 0, setting: { powerLimitWatts: 350 } }]);
    expect(carbonAwareDecisions(view(250, [700]), 250, undefined, undefined)).toEqual([{ replica: 0, setting: { powerLimitWatts: 350 } }]);
    expect(carbonAwareDecisions(view(100, [350, 700]), 250, 350, undefined)).toEqual([{ replica: 0, setting: { powerLimitWatts: 700 } }]);
    expect(() => carbonAwareDecisions(view(null, [700]), 250, 350, undefined)).toThrow(/needs the grid signal/);
  });

  it('on a run: the controller sees the series, so a dirty hour draws less GPU power than the same hour uncapped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'joulesim-carbon-aware-'));
    // Clean for the first 2 minutes, dirty after.
    const rows = ['timestamp,g', '2022-11-01T00:00:00Z,100', ...Array.from({ length: 29 }, (_, i) => `2022-11-01T00:${String(2 * i + 2).padStart(2, '0')}:00Z,500`)];
    writeFileSync(join(dir, 'ci.csv'), rows.join('\n') + '\n');
    const run = (controller: unknown) =>
      runScenario(
        parseScenario(
          {
            seed: 2,
            workload: { kind: 'synthetic', arrival: { process: 'poisson', rate_per_s: 12 }, duration_s: 240, lengths: { kind: 'fixed', input_tokens: 2000, output_tokens: 50 } },
            cluster: { gpu: 'h100-sxm', stack: 'vllm', power_controller: controller },
            facility: { node: 'dgx-h100', carbon_g_per_kwh: { file: 'ci.csv', column: 'g' }, start: '2022-11-01T00:00:00Z' },
            output: { interval_s: 10 },
          },
          'carbon.json',
          dir,
        ),
        { report: true },
      );
    const base = run('none');
    const aware = run({ kind: 'carbon_aware', options: { dirty_g_per_kwh: 300, dirty_power_limit_w: 400, tick_s: 10 } });
    const maxPower = (out: typeof base, from: number, to: number) =>
      Math.max(...out.result.timeSeries.filter((r) => r.startSeconds >= from && r.endSeconds <= to).map((r) => (r.prefillJoules[0] + r.decodeJoules[0] + r.idleJoules[0]) / (r.endSeconds - r.startSeconds)));
    // Clean minutes: the same; dirty minutes: never above the 400 W limit once it is set (one tick late at most).
    expect(maxPower(aware, 0, 110)).toBeCloseTo(maxPower(base, 0, 110), 6);
    expect(maxPower(base, 130, 240)).toBeGreaterThan(400);
    expect(maxPower(aware, 130, 240)).toBeLessThanOrEqual(400 + 1e-6);
    expect(aware.summary.energy_j).toBeLessThan(base.summary.energy_j);
  });
});
