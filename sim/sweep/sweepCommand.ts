/**
 * `joulesim sweep plan|run|merge`: a sweep file's variants, one shard of them run into a folder, and shard folders
 * joined into one comparison. Progress goes to stderr; tables and plans to stdout.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { compareJson } from '../compare/compare.js';
import { InputError } from '../errors.js';
import { loadSweep } from './loadSweep.js';
import { mergeSweep } from './sweepMerge.js';
import { planJson, planSweep } from './sweepPlan.js';
import { runSweepShard } from './sweepRun.js';
import { resolveShard, shardPositions } from './shard.js';

function positiveInteger(flag: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new InputError(flag, '', `expected a positive integer, got "${value}"`);
    return Number(value);
  };
}

interface PlanFlags {
  json?: boolean;
  shardCount?: number;
}

async function planCommand(file: string, flags: PlanFlags): Promise<void> {
  const { plan } = await planSweep(loadSweep(file));
  if (flags.json) {
    process.stdout.write(planJson(plan));
    return;
  }
  const out: string[] = [`sweep ${plan.name}: ${plan.variants.length} variants to run, ${plan.dropped.length} dropped (fingerprint ${plan.fingerprint.slice(0, 12)}, joulesim ${plan.joulesim})`];
  const shards = flags.shardCount;
  const shardOf = new Map<number, number>();
  if (shards !== undefined) {
    for (let s = 0; s < shards; s++) for (const i of shardPositions(plan.variants.length, { index: s, count: shards, source: '' })) shardOf.set(i, s);
  }
  plan.variants.forEach((v, i) => out.push(`${v.id}  ${shards !== undefined ? `shard ${shardOf.get(i)}/${shards}  ` : ''}${v.label}`));
  for (const d of plan.dropped) out.push(`dropped ${d.id}  ${d.label}  (${d.filter}: ${d.reason})`);
  if (shards !== undefined && shards > plan.variants.length) out.push(`note: ${shards - plan.variants.length} of the ${shards} shards get no variant`);
  process.stdout.write(out.join('\n') + '\n');
}

interface RunFlags {
  shard?: string;
  shardCount?: number;
  out: string;
  workers?: number;
  progress?: boolean;
  json?: boolean;
}

async function runCommand(file: string, flags: RunFlags): Promise<void> {
  const shard = resolveShard(flags.shard, flags.shardCount, process.env);
  const started = Date.now();
  // Progress is for the person watching; it reads the wall clock but never feeds a simulation.
  const onProgress = flags.progress === false ? undefined : (line: string) => process.stderr.write(`joulesim: ${line}, ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  const outcome = await runSweepShard(loadSweep(file), { outDir: flags.out, shard, workers: flags.workers, onProgress });
  if (shard.count === 1) {
    const merged = join(flags.out, flags.json ? 'compare.json' : 'table.txt');
    process.stdout.write(readFileSync(merged, 'utf8'));
    if (!flags.json) process.stdout.write(`wrote ${join(flags.out, 'compare.json')}, table.txt, report.html, plan.json and variants/\n`);
  } else if (!flags.json) {
    process.stdout.write(`shard ${shard.index}/${shard.count}: ${outcome.ran} variants run, ${outcome.skipped} already complete, results in ${join(flags.out, 'variants')}\n`);
  }
}

interface MergeFlags {
  out: string;
  allowMissing?: boolean;
  json?: boolean;
}

function mergeCommand(dirs: string[], flags: MergeFlags): void {
  const { result, table, missing } = mergeSweep(dirs, flags.out, { allowMissing: flags.allowMissing });
  for (const m of missing) process.stderr.write(`joulesim: missing ${m.id} (${m.label})\n`);
  process.stdout.write(flags.json ? compareJson(result) + '\n' : table);
  if (!flags.json) process.stdout.write(`wrote ${join(flags.out, 'compare.json')}, table.txt, report.html${missing.length ? ` (${missing.length} variants missing)` : ''}\n`);
}

export function registerSweepCommand(program: Command): void {
  const sweep = program.command('sweep').description('Sweeps too big for one machine: plan a sweep file, run it in shards (Slurm arrays, Kubernetes Indexed Jobs), merge the shards.');
  sweep
    .command('plan')
    .description('Print how many variants a sweep file has, their stable ids, and what its filters drop and why.')
    .argument('<sweep>', 'sweep JSON file')
    .option('--shard-count <n>', 'also show which of N shards runs each variant', positiveInteger('--shard-count'))
    .option('--json', 'print plan.json')
    .action((file: string, flags: PlanFlags) => planCommand(file, flags));
  sweep
    .command('run')
    .description('Run one shard of a sweep into --out (the whole sweep, merged, when there is one shard). Complete variants are skipped, so a failed task is simply rerun.')
    .argument('<sweep>', 'sweep JSON file')
    .option('--shard <i/n>', 'run the i-th of n slices, 0 ≤ i < n (default: SLURM_ARRAY_TASK_ID / JOB_COMPLETION_INDEX, else the whole sweep)')
    .option('--shard-count <n>', 'the number of shards when the index comes from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job’s completions)', positiveInteger('--shard-count'))
    .requiredOption('--out <dir>', 'folder for plan.json and variants/<id>.json (may be shared by every shard)')
    .option('--workers <n>', 'variants run at once: this thread and N - 1 worker threads (default: min(variants to run, available CPUs))', positiveInteger('--workers'))
    .option('--json', 'with one shard: print compare.json instead of the table')
    .option('--no-progress', 'no progress lines on stderr')
    .action((file: string, flags: RunFlags) => runCommand(file, flags));
  sweep
    .command('merge')
    .description('Join shard folders into compare.json, table.txt and report.html (the same bytes as a one-machine run).')
    .argument('<dirs...>', 'shard output folders')
    .requiredOption('--out <dir>', 'folder for the merged outputs (may be one of the shard folders)')
    .option('--allow-missing', 'merge what is there and list the missing variants on stderr')
    .option('--json', 'print compare.json instead of the table')
    .action((dirs: string[], flags: MergeFlags) => mergeCommand(dirs, flags));
}
