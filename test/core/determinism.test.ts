import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scenariosDir } from '../../sim/paths.js';
import { runScenario } from '../../sim/run/runScenario.js';
import { loadScenario } from '../../sim/scenario/loadScenario.js';

const dir = mkdtempSync(join(tmpdir(), 'joulesim-determinism-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('determinism', () => {
  it('the default scenario twice gives byte-identical summary.json, requests.csv and timeseries.csv', { timeout: 300_000 }, () => {
    const outs = ['a', 'b'].map((name) => {
      const outDir = join(dir, name);
      const { summary } = runScenario(loadScenario(join(scenariosDir, 'default.json')), { outDir });
      return { outDir, summary };
    });
    for (const file of ['summary.json', 'requests.csv', 'timeseries.csv']) {
      const a = readFileSync(join(outs[0].outDir, file));
      const b = readFileSync(join(outs[1].outDir, file));
      expect(a.length, file).toBeGreaterThan(100);
      expect(a.equals(b), file).toBe(true);
    }
    // The whole trace ran: every request accounted for, one row each in requests.csv (plus the header).
    const s = outs[0].summary;
    expect(s.requests_completed + s.requests_rejected).toBe(s.workload.requests);
    const rows = readFileSync(join(outs[0].outDir, 'requests.csv'), 'utf8').trimEnd().split('\n');
    expect(rows.length - 1).toBe(s.workload.requests);
    expect(s.workload.requests).toBeGreaterThan(19000);
    // summary.json agrees with itself: breakdown sums to the total; attributed + idle = total.
    const b = s.energy_breakdown_j;
    expect(Math.abs(b.prefill + b.decode + b.idle - s.energy_j)).toBeLessThanOrEqual(1e-9 * s.energy_j);
    expect(Math.abs(s.attributed_energy_j + b.idle - s.energy_j)).toBeLessThanOrEqual(1e-9 * s.energy_j);
  });
});
