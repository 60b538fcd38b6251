/**
 * `npm run bench`: the speed and memory targets of the project, each case in a fresh process (so peak RSS is per
 * case), each speed case repeated and reported as min / median / max. The machine is shared and its speed drifts,
 * so every simulation is paired with a trace-read baseline taken right before it in the same run, and the targets
 * are judged on the ratio of the pair, not on absolute seconds.
 *
 * Usage: npm run bench [-- sweep] [-- --repeats N] [-- --quick] [-- --only speed,speculative,startup,memory,compare,setup]
 * (--quick leaves out the 10M-row case; --only runs those sections)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { BenchCase, CaseResult } from './benchCase.js';
import { writeBenchTrace } from './benchTraces.js';
import { runSweepBench } from './sweepBench.js';
import { packageRoot } from '../sim/paths.js';

const caseScript = fileURLToPath(new URL('./benchCase.js', import.meta.url));
const cliScript = join(packageRoot, 'bin', 'joulesim.js');

/** Runs one case in a fresh Node process, with any extra V8 flags (`v8Flags`) before the script. */
function runCase(spec: BenchCase, v8Flags: readonly string[] = []): CaseResult {
  const out = execFileSync(process.execPath, ['--expose-gc', '--max-old-space-size=4096', ...v8Flags, caseScript, JSON.stringify(spec)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as CaseResult;
}

/** Whole-process wall seconds of one command (start-up included). */
function timeProcess(args: string[]): number {
  const t0 = performance.now();
  execFileSync(process.execPath, args, { stdio: 'ignore' });
  return (performance.now() - t0) / 1000;
}

interface Spread {
  min: number;
  median: number;
  max: number;
}

function spread(xs: number[]): Spread {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { min: s[0], median, max: s[s.length - 1] };
}

function fmt(s: Spread, digits: number, grouped = false): string {
  const f = (x: number) => (grouped ? Math.round(x).toLocaleString('en-US') : x.toFixed(digits));
  return `${f(s.min)} / ${f(s.median)} / ${f(s.max)}`;
}

function log(line: string): void {
  process.stderr.write(`  ${line}\n`);
}

function cluster(replicas: number, stack: string, scheduler: Record<string, unknown>): Record<string, unknown> {
  return { gpu: 'h100-sxm', model: 'llama-3.1-8b', stack, replicas, router: 'least_outstanding', scheduler };
}

function traceWorkload(path: string): Record<string, unknown> {
  return { kind: 'trace', path, format: 'csv' };
}

interface SpeedRow {
  name: string;
  requests: number;
  eventsPerRequest: number;
  requestsPerSecond: Spread;
  timesRead: Spread;
  peakRssMb: number;
  target: string;
  met: boolean | null;
}

/**
 * `repeats` pairs of (trace read, simulation) on the same trace file, interleaved so that drift in the machine's
 * speed hits both sides of a pair alike.
 */
function speedCase(name: string, tracePath: string, clusterConfig: Record<string, unknown>, repeats: number, target: (r: SpeedRow) => [string, boolean | null]): SpeedRow {
  const scenario = { seed: 1, workload: traceWorkload(tracePath), cluster: clusterConfig };
  const rates: number[] = [];
  const ratios: number[] = [];
  let last: CaseResult | null = null;
  let peak = 0;
  for (let i = 0; i < repeats; i++) {
    const read = runCase({ kind: 'read', name: `${name} (trace read)`, scenario });
    const sim = runCase({ kind: 'simulate', name, scenario });
    rates.push(sim.requests / sim.wall_s);
    ratios.push(sim.wall_s / read.wall_s);
    peak = Math.max(peak, sim.peak_rss_mb);
    last = sim;
    log(`${name}: ${sim.wall_s.toFixed(2)} s (read ${read.wall_s.toFixed(2)} s)`);
  }
  const row: SpeedRow = {
    name,
    requests: last!.requests,
    eventsPerRequest: last!.events / last!.requests,
    requestsPerSecond: spread(rates),
    timesRead: spread(ratios),
    peakRssMb: peak,
    target: '',
    met: null,
  };
  [row.target, row.met] = target(row);
  return row;
}

const throughputTarget = (r: SpeedRow): [string, boolean] => [
  '≥ 500k req/s and ≤ 3× read (medians)',
  r.requestsPerSecond.median >= 500_000 && r.timesRead.median <= 3,
];
const noTarget = (): [string, null] => ['—', null];

function verdict(met: boolean | null): string {
  return met === null ? '' : met ? 'met' : 'not met';
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const repeatsArg = process.argv.indexOf('--repeats');
  const repeats = repeatsArg > 0 ? Math.max(3, Number(process.argv[repeatsArg + 1])) : 3;
  const onlyArg = process.argv.indexOf('--only');
  const only = onlyArg > 0 ? new Set(process.argv[onlyArg + 1].split(',')) : null;
  const want = (section: string) => only === null || only.has(section);
  const dir = mkdtempSync(join(tmpdir(), 'joulesim-bench-'));
  const out: string[] = [];
  const started = performance.now();
  // The machine is shared: the load says how far to trust absolute times (the ratios hold better).
  const loadAtStart = loadavg()[0];
  try {
    log('writing traces...');
    const under1m = join(dir, 'under-1m.csv');
    const over1m = join(dir, 'over-1m.csv');
    const under100k = join(dir, 'under-100k.csv');
    const tiny = join(dir, 'tiny-10.csv');
    const under20k = join(dir, 'under-20k.csv');
    await writeBenchTrace(under1m, 1_000_000, 16 * 4, 'bench-under');
    await writeBenchTrace(over1m, 1_000_000, 400, 'bench-over');
    await writeBenchTrace(under100k, 100_000, 16 * 4, 'bench-under-100k');
    await writeBenchTrace(tiny, 10, 4, 'bench-tiny');
    await writeBenchTrace(under20k, 20_000, 16 * 4, 'bench-under-20k');

    // 1. Throughput against the trace-read floor.
    const continuous = cluster(16, 'vllm', { kind: 'continuous' });
    const speed: SpeedRow[] = [];
    let plain1m: number | null = null;
    if (want('speed')) {
      speed.push(speedCase('1M, 16 replicas, continuous, underloaded (4 req/s per replica)', under1m, continuous, repeats, throughputTarget));
      plain1m = speed[0].peakRssMb;
      speed.push(speedCase('1M, 16 replicas, continuous, overloaded (400 req/s on 16)', over1m, continuous, repeats, throughputTarget));
      speed.push(speedCase('100k, 16 replicas, continuous', under100k, continuous, repeats, noTarget));
      speed.push(speedCase('100k, 16 replicas, static b32 (hf-eager)', under100k, cluster(16, 'hf-eager', { kind: 'static', batch_size: 32 }), repeats, noTarget));
      speed.push(speedCase('100k, 8 replicas × tp 2, continuous', under100k, { ...continuous, replicas: 8, tp: 2 }, repeats, noTarget));
    }
    if (want('speculative')) {
      // On a 20k trace, the size the speculative target was set on (a continuous base still runs one event per round).
      const reference = speedCase('20k, 16 replicas, continuous (reference for speculative)', under20k, continuous, repeats, noTarget);
      speed.push(reference);
      const speculative = { kind: 'speculative', draft_model: 'llama-3.2-1b', gamma: 4, acceptance: { kind: 'per_token', rate: 0.7 } };
      const withinTwo = (r: SpeedRow): [string, boolean] => {
        const base = reference.requestsPerSecond.median;
        return [`≥ ½ of continuous (${Math.round(base / 2).toLocaleString('en-US')} req/s, medians)`, r.requestsPerSecond.median >= base / 2];
      };
      speed.push(speedCase('20k, 16 replicas, speculative on static (hf-eager b32, 1B draft, γ 4, α 0.7)', under20k, cluster(16, 'hf-eager', { ...speculative, speculative_base: 'static', batch_size: 32 }), repeats, withinTwo));
      speed.push(speedCase('20k, 16 replicas, speculative on hf-paged (transformers-cb, 1B draft, γ 4, α 0.7)', under20k, cluster(16, 'hf-paged', speculative), repeats, withinTwo));
    }
    if (speed.length > 0) out.push('### Speed against the trace-read floor', '');
    if (speed.length > 0) out.push('| case | requests | events / request | simulated req/s (min / median / max) | × trace read (min / median / max) | peak RSS MB | target | |');
    if (speed.length > 0) out.push('| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |');
    for (const r of speed) {
      out.push(`| ${r.name} | ${r.requests.toLocaleString('en-US')} | ${r.eventsPerRequest.toFixed(2)} | ${fmt(r.requestsPerSecond, 0, true)} | ${fmt(r.timesRead, 2)} | ${r.peakRssMb.toFixed(0)} | ${r.target} | ${verdict(r.met)} |`);
    }

    // 2. Start-up: the whole `joulesim run` process on a 10-row trace.
    if (want('startup')) {
    const startups: number[] = [];
    const bareNode: number[] = [];
    for (let i = 0; i < Math.max(5, repeats); i++) {
      bareNode.push(timeProcess(['-e', '0']));
      startups.push(timeProcess([cliScript, 'run', '--trace', tiny]));
    }
    const startup = spread(startups);
    log(`start-up: ${fmt(startup, 3)} s`);
    out.push('', '### Start-up', '');
    out.push('| command | wall s (min / median / max) | target | |', '| --- | ---: | --- | --- |');
    out.push(`| \`node bin/joulesim.js run --trace <10-row trace>\` (whole process) | ${fmt(startup, 3)} | ≤ 0.25 s (median) | ${verdict(startup.median <= 0.25)} |`);
    out.push(`| \`node -e 0\` (bare Node, for scale) | ${fmt(spread(bareNode), 3)} | — | |`);
    }

    // 3. Memory with outputs on.
    if (want('memory')) {
    out.push('', '### Memory', '');
    out.push('| case | requests | wall s | peak RSS MB | target | |', '| --- | ---: | ---: | ---: | --- | --- |');
    const memoryRow = (name: string, r: CaseResult, target: string, met: boolean | null) =>
      out.push(`| ${name} | ${r.requests.toLocaleString('en-US')} | ${r.wall_s.toFixed(2)} | ${r.peak_rss_mb.toFixed(0)} | ${target} | ${verdict(met)} |`);
    const scenarioOn = (path: string) => ({ seed: 1, workload: traceWorkload(path), cluster: continuous });
    const events100k = runCase({ kind: 'simulate', name: 'trace events 100k', scenario: scenarioOn(under100k), traceEvents: join(dir, 'ev-100k.json') });
    rmSync(join(dir, 'ev-100k.json'), { force: true });
    const events1m = runCase({ kind: 'simulate', name: 'trace events 1M', scenario: scenarioOn(under1m), traceEvents: join(dir, 'ev-1m.json') });
    rmSync(join(dir, 'ev-1m.json'), { force: true });
    log(`--trace-events: 100k ${events100k.peak_rss_mb.toFixed(0)} MB, 1M ${events1m.peak_rss_mb.toFixed(0)} MB`);
    memoryRow('100k, continuous, `--trace-events`', events100k, '—', null);
    plain1m ??= runCase({ kind: 'simulate', name: 'plain 1M', scenario: scenarioOn(under1m) }).peak_rss_mb;
    memoryRow('1M, continuous, `--trace-events`', events1m, `bounded: within 1.5× of the same run without it (${plain1m.toFixed(0)} MB)`, events1m.peak_rss_mb <= 1.5 * plain1m);
    const outDir = join(dir, 'out-1m');
    const out1m = runCase({ kind: 'simulate', name: 'out 1M', scenario: scenarioOn(under1m), outDir });
    rmSync(outDir, { recursive: true, force: true });
    log(`--out 1M: ${out1m.peak_rss_mb.toFixed(0)} MB`);
    memoryRow('1M, continuous, `--out`', out1m, '—', null);
    if (!quick) {
      const big = join(dir, 'under-10m.csv');
      log('writing a 10M-row trace...');
      await writeBenchTrace(big, 10_000_000, 16 * 4, 'bench-under-10m');
      const out10m = runCase({ kind: 'simulate', name: 'out 10M', scenario: scenarioOn(big), outDir: join(dir, 'out-10m') });
      rmSync(join(dir, 'out-10m'), { recursive: true, force: true });
      log(`--out 10M: ${out10m.wall_s.toFixed(1)} s, ${out10m.peak_rss_mb.toFixed(0)} MB`);
      memoryRow('10M-row trace streamed, 16 replicas, continuous, `--out`', out10m, '≤ 500 MB', out10m.peak_rss_mb <= 500);
    }
    const queued = runCase({ kind: 'queued', name: 'queued', count: 1_000_000 });
    out.push('', `Queued request footprint (growth of JS heap + array buffers per request of 1M waiting requests in a replica's queue, after a full GC): ${queued.bytes_per_request!.toFixed(0)} B; target ≤ 64 B: ${verdict(queued.bytes_per_request! <= 64)}.`);
    }

    // 4. Many small simulations, where per-simulation set-up dominates (a 2 MiB latency-sample chunk per list once
    // made the paper reproduction 5× slower, unseen by the large cases).
    if (want('setup')) {
      const many = runCase({
        kind: 'many',
        name: 'many',
        count: 2000,
        scenario: { workload: { kind: 'synthetic', arrival: { process: 'offline' }, count: 20, lengths: { kind: 'fixed', input_tokens: 512, output_tokens: 64 } }, cluster: cluster(1, 'vllm', { kind: 'continuous' }) },
      });
      const paper = runCase({ kind: 'reproduce', name: 'reproduce' });
      log(`set-up: 2,000 small simulations ${many.wall_s.toFixed(2)} s, reproduce ${paper.wall_s.toFixed(2)} s`);
      out.push('', '### Many small simulations', '', '| case | simulations | wall s | simulations / s | peak RSS MB |', '| --- | ---: | ---: | ---: | ---: |');
      for (const [name, r] of [['2,000 simulations of 20 requests each, 1 replica, continuous', many], ['`joulesim reproduce` (every paper sweep)', paper]] as const) {
        out.push(`| ${name} | ${r.simulations!.toLocaleString('en-US')} | ${r.wall_s.toFixed(2)} | ${Math.round(r.simulations! / r.wall_s).toLocaleString('en-US')} | ${r.peak_rss_mb.toFixed(0)} |`);
      }
    }

    // 5. compare over cores. Like with like: both worker counts run in processes started with the same V8 flags.
    // One simulation keeps more than one core busy by itself (V8's parallel and concurrent GC and compiler threads),
    // so each flag set is a row: Node's defaults, and the garbage collector kept on each isolate's own thread.
    if (want('compare')) {
    const batchSizes = [32, 48, 64, 96, 128, 192, 256, 384];
    const compareScenario = { seed: 1, workload: traceWorkload(under100k), cluster: continuous };
    const flagSets: readonly (readonly string[])[] = [[], ['--single-threaded-gc']];
    const rows: string[] = [];
    for (const flags of flagSets) {
      const one: number[] = [];
      const two: number[] = [];
      const speedups: number[] = [];
      for (let i = 0; i < repeats; i++) {
        const a = runCase({ kind: 'compare', name: 'compare w1', scenario: compareScenario, vary: { 'batch-size': batchSizes }, workers: 1 }, flags);
        const b = runCase({ kind: 'compare', name: 'compare w2', scenario: compareScenario, vary: { 'batch-size': batchSizes }, workers: 2 }, flags);
        one.push(a.wall_s);
        two.push(b.wall_s);
        speedups.push(a.wall_s / b.wall_s);
        log(`compare 8 × 100k${flags.length ? ` (${flags.join(' ')})` : ''}: 1 worker ${a.wall_s.toFixed(2)} s, 2 workers ${b.wall_s.toFixed(2)} s`);
      }
      const speedup = spread(speedups);
      rows.push(`| ${flags.length ? flags.map((f) => `\`${f}\``).join(' ') : 'Node defaults'} | ${fmt(spread(one), 2)} | ${fmt(spread(two), 2)} | ${fmt(speedup, 2)} | ≥ 1.8× (median) | ${verdict(speedup.median >= 1.8)} |`);
    }
    out.push('', '### compare over worker threads (8 variants × 100k requests, `--vary batch-size=32,...,384`)', '');
    out.push('| V8 flags (both runs) | `--workers 1` s | `--workers 2` s | speed-up (min / median / max) | target | |', '| --- | ---: | ---: | ---: | --- | --- |');
    out.push(...rows);
    }
  } finally {
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const minutes = (performance.now() - started) / 60000;
  out.push(
    '',
    `${new Date().toISOString().slice(0, 10)}, \`npm run bench\`${quick ? ' --quick' : ''}${only ? ` --only ${[...only].join(',')}` : ''}, ${repeats} repeats, Node ${process.version}, ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; whole bench ${minutes.toFixed(1)} min; 1-minute load average ${loadAtStart.toFixed(2)} at the start, ${loadavg()[0].toFixed(2)} at the end.`,
  );
  process.stdout.write(out.join('\n') + '\n');
}

// `npm run bench -- sweep`: the sweep case alone (minutes), opt-in so the main benchmark stays short.
if (process.argv.includes('sweep')) await runSweepBench(process.argv.includes('--quick'));
else await main();
