/**
 * `joulesim compare BASE.json --vary KEY=V1,V2 [--vary ...]`: the table on stdout (or `--json`), and with
 * `--out DIR` a folder per variant plus compare.json and report.html.
 */
import { dirname, join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { InputError } from '../errors.js';
import { compareJson, runCompare } from './compare.js';
import { compareTable } from './compareTable.js';
import { type Axis, checkAxes, parseVaryFlag, VARY_KEYS } from './vary.js';
import { outputPath } from '../io/outputFile.js';
import { displayPath } from '../io/displayPath.js';

export interface CompareFlags {
  vary?: string[];
  trace?: string;
  traceFormat?: string;
  offline?: boolean;
  seed?: number;
  costModel?: string;
  maxRunSteps?: number;
  workers?: number;
  json?: boolean;
  out?: string;
  progress?: boolean;
  node?: string;
  pue?: number;
  region?: string;
  regions?: string;
  start?: string;
  priceUsdPerKwh?: number;
  lifetimeYears?: number;
}

function positiveNumber(flag: string, min = 0) {
  return (value: string): number => {
    const x = Number(value);
    if (value.trim() === '' || !Number.isFinite(x) || x < min || x <= 0) throw new InputError(flag, '', `expected a number${min > 0 ? ` of at least ${min}` : ' above 0'}, got "${value}"`);
    return x;
  };
}

/** What the run command already knows how to do, handed in so this module does not import the CLI's. */
export interface CompareCommandDeps {
  readonly defaultScenario: string;
  readScenarioJson(path: string): unknown;
  overridesFromFlags(f: CompareFlags): { overrides: Record<string, unknown>; workload?: Record<string, unknown> };
}

function positiveInteger(flag: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new InputError(flag, '', `expected a positive integer, got "${value}"`);
    return Number(value);
  };
}

export async function compareCommand(scenarioPath: string | undefined, flags: CompareFlags, deps: CompareCommandDeps): Promise<void> {
  const varyFlags = flags.vary ?? [];
  if (varyFlags.length === 0) throw new InputError('--vary', '', `nothing to compare; give at least one --vary KEY=V1,V2 (keys: ${VARY_KEYS.join(', ')})`);
  const axes: Axis[] = checkAxes(varyFlags.map((f) => {
    const { key, values } = parseVaryFlag(f);
    return { key, values };
  }));
  const out = outputPath('--out', flags.out);
  const path = scenarioPath ? resolve(scenarioPath) : deps.defaultScenario;
  const raw = deps.readScenarioJson(path);
  const { overrides, workload } = deps.overridesFromFlags(flags);
  const base = workload && typeof raw === 'object' && raw !== null ? { ...(raw as Record<string, unknown>), workload } : raw;
  const started = Date.now();
  // Progress is for the person watching; it reads the wall clock but never feeds a simulation.
  const onVariantDone =
    flags.progress === false
      ? undefined
      : (done: number, total: number, label: string) =>
          process.stderr.write(`joulesim: variant ${done}/${total} done (${label}), ${((Date.now() - started) / 1000).toFixed(1)} s elapsed\n`);
  const { result, workers } = await runCompare(
    { raw: base, file: scenarioPath ?? displayPath(path), baseDir: dirname(path), overrides },
    axes,
    { outDir: out, workers: flags.workers, onVariantDone },
  );
  if (flags.progress !== false) {
    process.stderr.write(`joulesim: ${result.variants.length} variants on ${workers === 1 ? 'this thread' : `${workers} worker threads`} in ${((Date.now() - started) / 1000).toFixed(2)} s\n`);
  }
  process.stdout.write(flags.json ? compareJson(result) + '\n' : compareTable(result));
  if (out && !flags.json) {
    process.stdout.write(`wrote ${join(out, 'compare.json')}, ${join(out, 'report.html')} and a folder per variant\n`);
  }
}

export function registerCompareCommand(program: Command, deps: CompareCommandDeps): void {
  program
    .command('compare')
    .description('Run what-if variants of a scenario (the cross product of every --vary) on the same workload and seed, side by side.')
    .argument('[scenario]', 'base scenario JSON file (default: scenarios/default.json)')
    .option(
      '--vary <key=values>',
      `a comma-separated list of values for one key, repeatable; keys: ${VARY_KEYS.join(', ')} (e.g. --vary gpu=a100-sxm,h100-sxm,b200 --vary power-cap-w=300,400,700)`,
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--trace <file>', 'replay this trace instead of the scenario workload')
    .addOption(new Option('--trace-format <format>', 'override trace format detection').choices(['auto', 'csv', 'azure', 'burstgpt', 'mooncake']))
    .option('--offline', 'every request arrives at t = 0 (the paper setting)')
    .option('--seed <n>', 'seed for every random draw', (v) => {
      if (!/^\d+$/.test(v)) throw new InputError('--seed', '', `expected a non-negative integer, got "${v}"`);
      return Number(v);
    })
    .addOption(new Option('--cost-model <mode>', 'calibrated profile, transferred profile or datasheet roofline').choices(['auto', 'calibrated', 'roofline']))
    .option('--max-run-steps <n>', 'longest decode run priced as one event', positiveInteger('--max-run-steps'))
    .option('--node <id>', 'facility, for every variant: node type around the GPUs (vary it with --vary node-type=...)')
    .option('--pue <x>', 'facility, for every variant: PUE (vary it with --vary pue=...)', positiveNumber('--pue', 1))
    .option('--region <id>', 'facility, for every variant: grid region (vary it with --vary region=...)')
    .option('--regions <groups>', 'facility, for every variant: replicas in several grid regions, REGION:N joined by + (us-ciso:2+us-pjm:2; vary it with --vary regions=...)')
    .option('--start <time>', "facility: wall-clock time of the run's t = 0, e.g. 2022-11-16T18:00:00Z (default: the trace's own dates)")
    .option('--price-usd-per-kwh <usd>', 'facility: a constant electricity price', (v) => {
      const x = Number(v);
      if (v.trim() === '' || !Number.isFinite(x) || x < 0) throw new InputError('--price-usd-per-kwh', '', `expected a non-negative number, got "${v}"`);
      return x;
    })
    .option('--lifetime-years <y>', 'facility: years the embodied carbon is spread over', positiveNumber('--lifetime-years'))
    .option('--workers <n>', 'variants run at once: this thread and N - 1 worker threads (default: min(variants, available CPUs); 1 = one after another in this thread)', positiveInteger('--workers'))
    .option('--json', 'print compare.json on stdout instead of the table')
    .option('--out <dir>', 'write a folder per variant (summary.json, requests.csv, timeseries.csv, report.html), compare.json and report.html')
    .option('--no-progress', 'no progress lines on stderr')
    .action((scenario: string | undefined, flags: CompareFlags) => compareCommand(scenario, flags, deps));
}
