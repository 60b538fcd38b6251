/**
 * One benchmark case, run in its own process so its peak memory is its own. Prints one JSON line.
 * Usage: node dist/bench/benchCase.js CASE_JSON
 */
import { performance } from 'node:perf_hooks';
import { runScenario } from '../sim/run/runScenario.js';
import { parseScenario } from '../sim/scenario/loadScenario.js';
import { scenariosDir } from '../sim/paths.js';

interface BenchCase {
  name: string;
  scenario: Record<string, unknown>;
}

const spec = JSON.parse(process.argv[2]) as BenchCase;
const loaded = parseScenario(spec.scenario, `bench:${spec.name}`, scenariosDir);
const t0 = performance.now();
const { summary, result } = runScenario(loaded);
const seconds = (performance.now() - t0) / 1000;
const requests = summary.requests_completed + summary.requests_rejected;
process.stdout.write(
  JSON.stringify({
    name: spec.name,
    requests,
    wall_s: seconds,
    requests_per_s: requests / seconds,
    events: result.eventsFired,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    simulated_s: summary.makespan_s,
    energy_kwh: summary.energy_kwh,
    rejected: summary.requests_rejected,
  }) + '\n',
);
