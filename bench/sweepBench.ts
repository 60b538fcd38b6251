/**
 * `npm run bench -- sweep`: a 1,000-variant sweep (4 GPUs × 5 batch limits × 5 power caps × 10 replica counts) over
 * one 100k-request trace, run as a batch system would: one task on one core, two tasks (shards) at once on two
 * cores, then the merge. Reports the time per variant, a task's fixed overhead (start, plan, fingerprint, checking
 * results), peak memory per task and the merged output's size. `--quick` runs a 40-variant slice of the same sweep
 * (and also one task on two worker threads).
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
    const one = join(dir, 'one');
    process.stderr.write('  one task, one core...\n');
    const single = await startTask(['sweep', 'run', sweepFile, '--out', one, '--workers', '1', '--no-progress']);
    const variants = readdirSync(join(one, 'variants')).length;
    process.stderr.write(`  ${variants} variants: ${single.wall_s.toFixed(1)} s, peak RSS ${single.peak_rss_mb.toFixed(0)} MB\n`);
    // A task whose variants are all complete: what every task pays before its first variant (start, plan,
    // fingerprinting the trace, checking results) plus the merge of a one-shard sweep.
    const rerun = await startTask(['sweep', 'run', sweepFile, '--out', one, '--workers', '1', '--no-progress']);

    const sharded = join(dir, 'sharded');
    process.stderr.write('  two tasks at once (two shards, two cores)...\n');
    const t0 = performance.now();
    const shards = await parallelTasks([0, 1].map((i) => ['sweep', 'run', sweepFile, '--shard', `${i}/2`, '--out', sharded, '--workers', '1', '--no-progress']));
    const twoWall = (performance.now() - t0) / 1000;
    process.stderr.write(`  two tasks: ${twoWall.toFixed(1)} s\n`);
    const merge = await startTask(['sweep', 'merge', sharded, '--out', sharded]);
    // Worker threads in one task are the other way to use two cores; skipped in the full run to keep it short.
    let twoThreads: TaskResult | null = null;
    if (quick) {
      process.stderr.write('  one task, two worker threads...\n');
      twoThreads = await startTask(['sweep', 'run', sweepFile, '--out', join(dir, 'threads'), '--workers', '2', '--no-progress']);
    }

    const same = ['compare.json', 'report.html', 'table.txt'].every((f) => readFileSync(join(one, f)).equals(readFileSync(join(sharded, f))));
    const rows = [
      ['variants run', `${variants} (${readdirSync(join(one, 'variants')).length} results; plan ${plan.wall_s.toFixed(2)} s)`],
      ['1 task, 1 core (`--workers 1`), incl. its merge', `${single.wall_s.toFixed(1)} s, ${(single.wall_s / variants).toFixed(3)} s per variant, peak RSS ${single.peak_rss_mb.toFixed(0)} MB`],
      ['2 tasks at once (`--shard 0/2`, `1/2`), 2 cores', `${twoWall.toFixed(1)} s wall (${shards.map((s) => s.wall_s.toFixed(1)).join(' s, ')} s), peak RSS ${shards.map((s) => s.peak_rss_mb.toFixed(0)).join(' / ')} MB; merge ${merge.wall_s.toFixed(2)} s, ${merge.peak_rss_mb.toFixed(0)} MB; merged = one task's bytes: ${same ? 'yes' : 'NO'}`],
      ['1 task, 2 worker threads', twoThreads ? `${twoThreads.wall_s.toFixed(1)} s, peak RSS ${twoThreads.peak_rss_mb.toFixed(0)} MB` : 'not run (--quick only)'],
      ['per-task overhead (a task with nothing left to run: start, plan, fingerprint, result checks, merge)', `${rerun.wall_s.toFixed(2)} s`],
      [
        'merged output',
        `${mb(folderBytes(one))} MB in all: compare.json ${mb(statSync(join(one, 'compare.json')).size)} MB, report.html ${mb(statSync(join(one, 'report.html')).size)} MB, table.txt ${mb(statSync(join(one, 'table.txt')).size)} MB, variants/ ${mb(folderBytes(join(one, 'variants')))} MB`,
      ],
    ];
    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    process.stdout.write(
      `| sweep bench | measured |\n| --- | --- |\n${rows.map(([k, v]) => `| ${k} | ${v} |`).join('\n')}\n\nnode ${process.version}, ${cpus().length} × ${cpu}, ${new Date().toISOString().slice(0, 10)}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
