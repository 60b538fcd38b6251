/**
 * One benchmark case, run in its own process so its peak memory is its own. Prints one JSON line.
 * Usage: node dist/bench/benchCase.js CASE_JSON
 *
 * A case is one scenario (`scenario`), many small simulations one after another (`many`: what the paper
 * reproduction's sweeps do, where per-simulation set-up costs dominate), or the whole paper reproduction
 * (`reproduce`).
 */
import { performance } from 'node:perf_hooks';
import { runScenario } from '../sim/run/runScenario.js';
import { parseScenario } from '../sim/scenario/loadScenario.js';
import { scenariosDir } from '../sim/paths.js';
import { reproduce } from '../sim/reproduce/reproduce.js';

interface BenchCase {
  name: string;
  scenario?: Record<string, unknown>;
  many?: { count: number; scenario: Record<string, unknown> };
  reproduce?: true;
}

const spec = JSON.parse(process.argv[2]) as BenchCase;
const t0 = performance.now();
let requests = 0;
let events = 0;
let simulations = 0;
let extra: Record<string, unknown> = {};
if (spec.reproduce) {
  const out = reproduce({ command: 'bench' });
  simulations = out.meta.sweeps.reduce((n, s) => n + s.simulated, 0);
  const simulated = out.findings.filter((f) => f.status === 'simulated');
  extra = { metrics: out.findings.length, direction_matches: simulated.filter((f) => f.direction_matches).length };
} else if (spec.many) {
  for (let i = 0; i < spec.many.count; i++) {
    const loaded = parseScenario({ ...spec.many.scenario, seed: i + 1 }, `bench:${spec.name}`, scenariosDir);
    const { summary, result } = runScenario(loaded);
    requests += summary.requests_completed + summary.requests_rejected;
    events += result.eventsFired;
    simulations++;
  }
} else {
  const loaded = parseScenario(spec.scenario!, `bench:${spec.name}`, scenariosDir);
  const { summary, result } = runScenario(loaded);
  requests = summary.requests_completed + summary.requests_rejected;
  events = result.eventsFired;
  simulations = 1;
  extra = { simulated_s: summary.makespan_s, energy_kwh: summary.energy_kwh, rejected: summary.requests_rejected };
}
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(
  JSON.stringify({
    name: spec.name,
    requests,
    simulations,
    wall_s: seconds,
    requests_per_s: requests / seconds,
    events,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    ...extra,
  }) + '\n',
);
