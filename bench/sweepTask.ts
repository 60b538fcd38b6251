/**
 * One sweep task as a batch system would run it (`joulesim sweep ...` in its own process), reporting its wall time
 * and peak memory (worker threads included) as the last stderr line. Usage: node dist/bench/sweepTask.js ARGS...
 */
import { performance } from 'node:perf_hooks';
import { main } from '../sim/cli/main.js';

const t0 = performance.now();
const code = await main(['node', 'joulesim', ...process.argv.slice(2)]);
process.stderr.write(`${JSON.stringify({ code, wall_s: (performance.now() - t0) / 1000, peak_rss_mb: process.resourceUsage().maxRSS / 1024 })}\n`);
process.exitCode = code;
