/**
 * `npm run bench -- sweep`: a 1,000-variant sweep (4 GPUs × 5 batch limits × 5 power caps × 10 replica counts) over
 * one 100k-request trace, run as a batch system would: a tenth of it as one task on one core (the time per
 * variant), the whole of it as two tasks at once on two cores, then the merge. Reports the time per variant, a
 * task's fixed overhead (start, plan, fingerprint, checking results), peak memory per task and the merged output's
 * size. `--quick` runs a 40-variant version of the same sweep whole on one core (and on two worker threads).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeTrace } from './writeTrace.js';

const taskScript = fileURLToPath(new URL('./sweepTask.js', import.meta.url));

interface TaskResult {
  code: number;
  wall_s: number;
  peak_rss_mb: number;
}

function startTask(args: string[]): Promise<TaskResult> {
  return new Promise((resolve, reject) => {
    const r = spawnSync(process.execPath, [taskScript, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const last = (r.stderr ?? '').trimEnd().split('\n').pop() ?? '';
    try {
      const t = JSON.parse(last) as TaskResult;
      if (t.code !== 0) reject(new Error(`joulesim ${args.join(' ')} exited ${t.code}: ${r.stderr.slice(-2000)}`));
      resolve(t);
    } catch {
      reject(new Error(`joulesim ${args.join(' ')} failed: ${(r.stderr ?? '').slice(-2000)}`));
    }
  });
}

/** Two tasks at once, each its own process (as two array tasks on two cores). */
async function parallelTasks(argsList: string[][]): Promise<TaskResult[]> {
  const { spawn } = await import('node:child_process');
  return Promise.all(
    argsList.map(
      (args) =>
        new Promise<TaskResult>((resolve, reject) => {
          const child = spawn(process.execPath, [taskScript, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
          let err = '';
          child.stderr.on('data', (d) => {
            err = (err + String(d)).slice(-4000);
          });
          child.on('close', () => {
            try {
              const t = JSON.parse(err.trimEnd().split('\n').pop() ?? '') as TaskResult;
              if (t.code !== 0) reject(new Error(`task ${args.join(' ')} exited ${t.code}: ${err}`));
              else resolve(t);
            } catch {
              reject(new Error(`task ${args.join(' ')} failed: ${err}`));
            }
          });
        }),
    ),
  );
}

function folderBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((sum, e) => sum + statSync(join(e.parentPath, e.name)).size, 0);
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

export async function runSweepBench(quick: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'joulesim-sweep-bench-'));
  try {
    process.stderr.write('  writing a 100k-row trace...\n');
    await writeTrace(join(dir, 'trace-100k.csv'), 100_000, 64);
    const sweep = {
      format: 'joulesim-sweep/1',
      name: 'bench: 1,000 variants over a 100k-request trace',
      base: {
        name: 'bench sweep base',
        seed: 1,
        workload: { kind: 'trace', path: 'trace-100k.csv', format: 'csv' },
        cluster: { gpu: 'h100-sxm', model: 'llama-3.1-8b', stack: 'vllm', router: 'least_outstanding', scheduler: { kind: 'continuous' } },
      },
      axes: [
        { vary: 'gpu', values: quick ? ['h100-sxm', 'b200'] : ['a100-sxm', 'h100-sxm', 'h200', 'b200'] },
        { vary: 'batch-size', values: quick ? [64, 256] : [32, 64, 128, 256, 512] },
        { vary: 'power-cap-w', values: quick ? [400, 700] : [300, 400, 500, 600, 700] },
        { vary: 'replicas', values: quick ? [16, 32, 48, 64, 80] : [16, 20, 24, 28, 32, 40, 48, 56, 64, 80] },
      ],
      filters: [{ drop: 'cap_below_busy_floor' }],
    };
    const sweepFile = join(dir, 'sweep.json');
    writeFileSync(sweepFile, JSON.stringify(sweep, null, 2));

    const plan = await startTask(['sweep', 'plan', sweepFile]);
    process.stderr.write(`  plan: ${plan.wall_s.toFixed(2)} s\n`);
    // One core: a tenth of the sweep (every 10th variant, so the same mix of settings) in one task; the whole sweep
    // on one core is that time × 10, which on a shared 2-core machine would take most of an hour to confirm.
    const sliceCount = quick ? 1 : 10;
    const slice = join(dir, 'one-core');
    process.stderr.write(`  one task, one core, shard 0/${sliceCount}...\n`);
    const single = await startTask(['sweep', 'run', sweepFile, '--shard', `0/${sliceCount}`, '--out', slice, '--workers', '1', '--no-progress']);
    const sliceVariants = readdirSync(join(slice, 'variants')).length;
    process.stderr.write(`  ${sliceVariants} variants: ${single.wall_s.toFixed(1)} s, peak RSS ${single.peak_rss_mb.toFixed(0)} MB\n`);

    // Two cores: the whole sweep as two tasks at once (two array tasks), sharing one folder, then the merge.
    const whole = join(dir, 'two-cores');
    process.stderr.write('  two tasks at once (two shards, two cores)...\n');
    const t0 = performance.now();
    const shards = await parallelTasks([0, 1].map((i) => ['sweep', 'run', sweepFile, '--shard', `${i}/2`, '--out', whole, '--workers', '1', '--no-progress']));
    const twoWall = (performance.now() - t0) / 1000;
    const variants = readdirSync(join(whole, 'variants')).length;
    process.stderr.write(`  two tasks: ${variants} variants in ${twoWall.toFixed(1)} s\n`);
    const merge = await startTask(['sweep', 'merge', whole, '--out', whole]);
    // A task whose variants are all complete: what every task pays before its first variant (start, plan,
    // fingerprinting the trace, checking its results).
    const rerun = await startTask(['sweep', 'run', sweepFile, '--shard', '0/2', '--out', whole, '--workers', '1', '--no-progress']);
    // The slice's results are the same bytes as the same variants run in the two-task folder.
    const same = readdirSync(join(slice, 'variants')).every((f) => readFileSync(join(slice, 'variants', f)).equals(readFileSync(join(whole, 'variants', f))));
    let twoThreads: TaskResult | null = null;
    if (quick) {
      process.stderr.write('  one task, two worker threads...\n');
      twoThreads = await startTask(['sweep', 'run', sweepFile, '--out', join(dir, 'threads'), '--workers', '2', '--no-progress']);
    }

    const perVariant = single.wall_s / sliceVariants;
    const rows = [
      ['variants', `${variants} (plan: ${plan.wall_s.toFixed(2)} s)`],
      [
        `1 core: one task, \`--shard 0/${sliceCount}\` (${sliceVariants} variants)`,
        `${single.wall_s.toFixed(1)} s, **${perVariant.toFixed(2)} s per variant**; the whole sweep on 1 core ≈ ${(perVariant * variants).toFixed(0)} s${quick ? '' : ' (× 10, not run)'}; peak RSS ${single.peak_rss_mb.toFixed(0)} MB`,
      ],
      [
        '2 cores: two tasks at once (`--shard 0/2`, `1/2`), one folder',
        `**${twoWall.toFixed(1)} s** wall (tasks ${shards.map((x) => x.wall_s.toFixed(1)).join(' s, ')} s), ${(twoWall / variants).toFixed(2)} s per variant; peak RSS ${shards.map((x) => x.peak_rss_mb.toFixed(0)).join(' / ')} MB`,
      ],
      ['merge', `${merge.wall_s.toFixed(2)} s, peak RSS ${merge.peak_rss_mb.toFixed(0)} MB`],
      ['per-task overhead (a task with nothing left to run: start, plan, trace fingerprint, result checks)', `${rerun.wall_s.toFixed(2)} s`],
      ...(twoThreads ? [['1 task, 2 worker threads (whole sweep)', `${twoThreads.wall_s.toFixed(1)} s, peak RSS ${twoThreads.peak_rss_mb.toFixed(0)} MB`]] : []),
      [
        'merged output',
        `${mb(folderBytes(whole))} MB in all: compare.json ${mb(statSync(join(whole, 'compare.json')).size)} MB, report.html ${mb(statSync(join(whole, 'report.html')).size)} MB, table.txt ${mb(statSync(join(whole, 'table.txt')).size)} MB, variants/ ${mb(folderBytes(join(whole, 'variants')))} MB`,
      ],
      ['1-core slice = same variants in the 2-task folder, byte for byte', same ? 'yes' : 'NO'],
    ];
    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    process.stdout.write(
      `| sweep bench | measured |\n| --- | --- |\n${rows.map(([k, v]) => `| ${k} | ${v} |`).join('\n')}\n\nnode ${process.version}, ${cpus().length} × ${cpu}, ${new Date().toISOString().slice(0, 10)}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
