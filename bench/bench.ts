/**
 * `npm run bench`: seeded workloads, each case in a fresh process; prints simulated requests per wall second, events
 * and peak memory. Not part of the test run: this machine is shared, so compare ratios within one run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSweepBench } from './sweepBench.js';
import { writeTrace } from './writeTrace.js';

const caseScript = fileURLToPath(new URL('./benchCase.js', import.meta.url));

/** Azure-conversation-like lengths resampled from the bundled trace; Poisson arrivals. */
function synthetic(count: number, ratePerSecond: number): Record<string, unknown> {
  return {
    kind: 'synthetic',
    arrival: { process: 'poisson', rate_per_s: ratePerSecond },
    count,
    lengths: { kind: 'trace', path: 'traces/AzureLLMInferenceTrace_conv.csv', format: 'azure' },
  };
}

function cluster(replicas: number, kind: 'static' | 'continuous', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    gpu: 'h100-sxm',
    model: 'llama-3.1-8b',
    stack: kind === 'static' ? 'hf-eager' : 'vllm',
    replicas,
    router: 'least_outstanding',
    scheduler: { kind, ...(kind === 'static' ? { batch_size: 32 } : {}) },
    ...extra,
  };
}

interface CaseResult {
  name: string;
  requests: number;
  simulations: number;
  wall_s: number;
  requests_per_s: number;
  events: number;
  peak_rss_mb: number;
  rejected: number;
}

function run(name: string, scenario: Record<string, unknown>): CaseResult {
  return runCase({ name, scenario });
}

function runCase(spec: { name: string } & Record<string, unknown>): CaseResult {
  const name = spec.name;
  const out = execFileSync(process.execPath, ['--max-old-space-size=4096', caseScript, JSON.stringify(spec)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  const r = JSON.parse(out.trim().split('\n').pop()!) as CaseResult;
  process.stderr.write(`  ${name}: ${r.wall_s.toFixed(2)} s\n`);
  return r;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const dir = mkdtempSync(join(tmpdir(), 'joulesim-bench-'));
  const results: CaseResult[] = [];
  const small: CaseResult[] = [];
  try {
    const rate16 = 16 * 4; // 16 H100 replicas at ~4 requests/s each: busy, not overloaded
    results.push(run('azure-conv trace, 1 replica, continuous', { seed: 1, workload: { kind: 'trace', path: 'traces/AzureLLMInferenceTrace_conv.csv' }, cluster: cluster(1, 'continuous') }));
    results.push(run('100k synthetic, 16 replicas, continuous', { seed: 1, workload: synthetic(100_000, rate16), cluster: cluster(16, 'continuous') }));
    results.push(run('1M synthetic, 16 replicas, continuous', { seed: 1, workload: synthetic(1_000_000, rate16), cluster: cluster(16, 'continuous') }));
    results.push(run('100k synthetic, 16 replicas, static b32', { seed: 1, workload: synthetic(100_000, rate16), cluster: cluster(16, 'static') }));
    results.push(run('100k synthetic, 8 replicas tp2, continuous', { seed: 1, workload: synthetic(100_000, rate16 / 2), cluster: cluster(8, 'continuous', { tp: 2 }) }));
    // Speculative rounds are one event each (draws per round), so this case measures the slow path.
    results.push(
      run('100k synthetic, 16 replicas, speculative (1B draft, γ 4, α 0.7) on continuous', {
        seed: 1,
        workload: synthetic(100_000, rate16),
        cluster: cluster(16, 'continuous', {
          scheduler: { kind: 'speculative', speculative_base: 'continuous', draft_model: 'llama-3.2-1b', gamma: 4, acceptance: { kind: 'per_token', rate: 0.7 } },
        }),
      }),
    );
    // Thousands of tiny simulations, as the reproduction's sweeps run them: per-simulation set-up and allocation
    // (a 2 MiB latency-sample chunk per list once made this 10× slower) show up here, not in the large cases.
    small.push(
      runCase({
        name: '2,000 simulations of 20 requests each, 1 replica, continuous',
        many: { count: 2000, scenario: { workload: { kind: 'synthetic', arrival: { process: 'offline' }, count: 20, lengths: { kind: 'fixed', input_tokens: 512, output_tokens: 64 } }, cluster: cluster(1, 'continuous') } },
      }),
    );
    small.push(runCase({ name: '`joulesim reproduce` (every paper sweep)', reproduce: true }));
    if (!quick) {
      const trace = join(dir, 'trace-10m.csv');
      process.stderr.write('  writing a 10M-row trace...\n');
      await writeTrace(trace, 10_000_000, rate16);
      results.push(run('10M streamed trace, 16 replicas, continuous', { seed: 1, workload: { kind: 'trace', path: trace, format: 'csv' }, cluster: cluster(16, 'continuous') }));
    }
  } finally {
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
  const header = '| case | requests | wall s | simulated requests / s | events | peak RSS MB |';
  const lines = [header, '| --- | ---: | ---: | ---: | ---: | ---: |'];
  for (const r of results) {
    lines.push(`| ${r.name} | ${r.requests.toLocaleString('en-US')} | ${r.wall_s.toFixed(2)} | ${Math.round(r.requests_per_s).toLocaleString('en-US')} | ${r.events.toLocaleString('en-US')} | ${r.peak_rss_mb.toFixed(0)} |`);
  }
  lines.push('', '| case | simulations | wall s | simulations / s | peak RSS MB |', '| --- | ---: | ---: | ---: | ---: |');
  for (const r of small) {
    lines.push(`| ${r.name} | ${r.simulations.toLocaleString('en-US')} | ${r.wall_s.toFixed(2)} | ${Math.round(r.simulations / r.wall_s).toLocaleString('en-US')} | ${r.peak_rss_mb.toFixed(0)} |`);
  }
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  process.stdout.write(`${lines.join('\n')}\n\nnode ${process.version}, ${cpus().length} × ${cpu}, ${new Date().toISOString().slice(0, 10)}\n`);
}

// `npm run bench -- sweep`: the sweep case alone (minutes), opt-in so the main benchmark stays short.
if (process.argv.includes('sweep')) await runSweepBench(process.argv.includes('--quick'));
else await main();
