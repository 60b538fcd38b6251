/**
 * `joulesim calibrate validate RUN_DIR...`: replays measured end-to-end runs (calibration/validation/<name>/ with
 * run.json and workload.csv) through the simulator with the matching calibrated profile, and sets measured and
 * simulated side by side with the % error of energy, makespan, mean power, TTFT and end-to-end latency.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../../sim/errors.js';
import { runScenario } from '../../sim/run/runScenario.js';
import { parseScenario } from '../../sim/scenario/loadScenario.js';
import { formatDuration, formatEnergy, formatPower } from '../../sim/report/units.js';

interface MeasuredRequest {
  id: number;
  arrival_s: number;
  first_token_s: number;
  finish_s: number;
}

export interface ValidationRun {
  format: string;
  name: string;
  gpu: string;
  model: string;
  stack: string;
  scheduler: Record<string, unknown> & { kind: 'static' | 'continuous' };
  mode: 'offline' | 'online';
  command?: string;
  /** Whether the timed pass ran attention shapes already seen by the process: "warm" after a full untimed warm-up. */
  shape_cache?: 'cold' | 'warm';
  warmup?: string;
  measured: {
    makespan_s: number;
    energy_j: number;
    avg_power_w: number;
    requests: MeasuredRequest[];
    repeats?: { makespan_s: number; energy_j: number }[];
  };
}

export interface MetricComparison {
  readonly metric: string;
  readonly measured: number;
  readonly simulated: number;
  readonly error_pct: number;
  /** Spread of the measured value across repeats (max − min over mean, %), where repeats were recorded. */
  readonly measured_spread_pct?: number;
}

export interface RunValidation {
  readonly name: string;
  readonly dir: string;
  readonly cost_model: string;
  readonly metrics: MetricComparison[];
  readonly warnings: string[];
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function readRun(dir: string): ValidationRun {
  const path = join(dir, 'run.json');
  if (!existsSync(path)) throw new InputError(dir, '', 'no run.json in this folder');
  let run: ValidationRun;
  try {
    run = JSON.parse(readFileSync(path, 'utf8')) as ValidationRun;
  } catch (e) {
    throw new InputError(path, '', `not valid JSON (${(e as Error).message})`);
  }
  for (const key of ['gpu', 'model', 'stack', 'scheduler', 'mode', 'measured'] as const) {
    if (run[key] === undefined) throw new InputError(path, `/${key}`, 'missing');
  }
  if (!Array.isArray(run.measured.requests) || run.measured.requests.length === 0) {
    throw new InputError(path, '/measured/requests', 'expected the per-request times');
  }
  return run;
}

/** Scheduler fields of run.json that map onto the scenario's scheduler section. */
const SCHEDULER_KEYS = ['kind', 'batch_size', 'max_batched_tokens', 'chunked_prefill', 'kv_block_tokens', 'kv_blocks', 'group_by_length_bins'];

/**
 * The run's attention-shape cache: as run.json says, else warm when the timed pass followed a full untimed pass of the
 * same workload (`warmup: "full"`: the eager runs and the paged offline run), else cold (online serving).
 */
export function runShapeCache(run: Pick<ValidationRun, 'shape_cache' | 'warmup'>): 'cold' | 'warm' {
  return run.shape_cache ?? (run.warmup === 'full' ? 'warm' : 'cold');
}

/**
 * The run folders named by the arguments: a folder holding run.json is one run; a folder of run folders (e.g.
 * calibration/validation) stands for every sub-folder that holds a run.json, in name order.
 */
export function expandRunDirs(args: readonly string[]): string[] {
  const dirs: string[] = [];
  for (const arg of args) {
    if (existsSync(join(arg, 'run.json'))) {
      dirs.push(arg);
      continue;
    }
    let subs: string[] = [];
    try {
      subs = readdirSync(arg, { withFileTypes: true })
        .filter((e) => e.isDirectory() && existsSync(join(arg, e.name, 'run.json')))
        .map((e) => join(arg, e.name))
        .sort();
    } catch {
      throw new InputError(arg, '', 'no such folder');
    }
    if (subs.length === 0) throw new InputError(arg, '', 'no run.json in this folder or in its sub-folders');
    dirs.push(...subs);
  }
  return dirs;
}

export function validateRun(dirArg: string, profile?: string): RunValidation {
  const dir = resolve(dirArg);
  const run = readRun(dir);
  const scheduler = Object.fromEntries(Object.entries(run.scheduler).filter(([k]) => SCHEDULER_KEYS.includes(k)));
  const raw = {
    name: run.name ?? dir,
    seed: 1,
    workload: { kind: 'trace', path: join(dir, 'workload.csv'), format: 'csv', offline: run.mode === 'offline' },
    cluster: {
      gpu: run.gpu,
      model: run.model,
      stack: run.stack,
      cost_model: 'calibrated',
      ...(profile ? { profile: resolve(profile) } : {}),
      shape_cache: runShapeCache(run),
      scheduler,
    },
    output: { interval_s: 1 },
  };
  const loaded = parseScenario(raw, join(dir, 'run.json'), dir);
  const { summary } = runScenario(loaded);
  const m = run.measured;
  const req = m.requests;
  const spread = (pick: (r: { makespan_s: number; energy_j: number }) => number) => {
    if (!m.repeats || m.repeats.length < 2) return undefined;
    const xs = m.repeats.map(pick);
    return (100 * (Math.max(...xs) - Math.min(...xs))) / mean(xs);
  };
  const compare = (metric: string, measured: number, simulated: number, measured_spread_pct?: number): MetricComparison => ({
    metric,
    measured,
    simulated,
    error_pct: (100 * (simulated - measured)) / measured,
    ...(measured_spread_pct !== undefined ? { measured_spread_pct } : {}),
  });
  return {
    name: run.name,
    dir: dirArg,
    cost_model: summary.cost_model.description,
    metrics: [
      compare('energy_j', m.energy_j, summary.energy_j, spread((r) => r.energy_j)),
      compare('makespan_s', m.makespan_s, summary.makespan_s, spread((r) => r.makespan_s)),
      compare('avg_power_w', m.avg_power_w, summary.avg_power_w),
      compare('ttft_mean_s', mean(req.map((r) => r.first_token_s - r.arrival_s)), summary.ttft_s.mean),
      compare('e2e_mean_s', mean(req.map((r) => r.finish_s - r.arrival_s)), summary.e2e_s.mean),
    ],
    warnings: summary.warnings,
  };
}

export function validationTable(results: readonly RunValidation[]): string {
  const lines = ['run                                  metric        measured    simulated    error %   spread %'];
  for (const r of results) {
    for (const c of r.metrics) {
      lines.push(
        `${r.name.slice(0, 36).padEnd(36)} ${c.metric.padEnd(12)} ${c.measured.toPrecision(5).padStart(10)} ${c.simulated.toPrecision(5).padStart(12)} ${c.error_pct.toFixed(2).padStart(10)} ${c.measured_spread_pct === undefined ? '         -' : c.measured_spread_pct.toFixed(2).padStart(10)}`,
      );
    }
    for (const w of r.warnings) lines.push(`  warning: ${w}`);
  }
  return lines.join('\n') + '\n';
}

/** The same comparison as a Markdown table (one row per run), as the README shows it. */
export function validationMarkdown(results: readonly RunValidation[]): string {
  const format: Record<string, (x: number) => string> = {
    energy_j: formatEnergy,
    makespan_s: formatDuration,
    avg_power_w: formatPower,
    ttft_mean_s: formatDuration,
    e2e_mean_s: formatDuration,
  };
  const cell = (r: RunValidation, metric: string) => {
    const c = r.metrics.find((m) => m.metric === metric);
    if (!c) return '-';
    const spread = c.measured_spread_pct === undefined ? '' : ` (spread ${c.measured_spread_pct.toFixed(1)}%)`;
    return `${format[metric](c.measured)} / ${format[metric](c.simulated)} / **${c.error_pct >= 0 ? '+' : ''}${c.error_pct.toFixed(1)}%**${spread}`;
  };
  const lines = [
    '| run | energy (measured / simulated / error) | makespan | mean power | mean TTFT | mean end-to-end |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of results) {
    lines.push(`| ${r.name} | ${cell(r, 'energy_j')} | ${cell(r, 'makespan_s')} | ${cell(r, 'avg_power_w')} | ${cell(r, 'ttft_mean_s')} | ${cell(r, 'e2e_mean_s')} |`);
  }
  return lines.join('\n') + '\n';
}
