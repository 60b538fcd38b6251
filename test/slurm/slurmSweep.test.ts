/**
 * The shipped Slurm job file on a real single-node Slurm (started by test/slurm/start-slurm.sh, which .ci/run calls
 * and which exports JOULESIM_SLURM_CONF): the job array and its dependent merge give the same bytes as a one-machine
 * run, and a task killed mid-run is completed by resubmitting, with no variant lost or run twice. Skipped, with the
 * reason, where no Slurm was started. Every wait is bounded.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { shardPositions } from '../../sim/sweep/shard.js';

const root = resolve(import.meta.dirname, '..', '..');
const conf = process.env.JOULESIM_SLURM_CONF;
const sweepFile = join(root, 'test', 'slurm', 'slurm-sweep.json');
const sbatchFile = join(root, 'examples', 'slurm', 'sweep.sbatch');
const SHARDS = 3;

function slurmProblem(): string | null {
  if (!conf) return 'JOULESIM_SLURM_CONF is not set (.ci/run starts a Slurm with test/slurm/start-slurm.sh and sets it)';
  const r = spawnSync('sinfo', ['-h', '-o', '%T'], { env: { ...process.env, SLURM_CONF: conf }, timeout: 15_000, encoding: 'utf8' });
  if (r.status !== 0) return `sinfo does not answer (${(r.stderr || r.error?.message || '').trim().split('\n')[0]})`;
  return null;
}

const problem = slurmProblem();
if (problem) console.warn(`joulesim: skipping the Slurm job-array test: ${problem}`);

const env = () => ({ ...process.env, SLURM_CONF: conf!, JOULESIM: `${process.execPath} ${join(root, 'bin', 'joulesim.js')}` });

function sh(cmd: string, args: string[], timeoutMs = 60_000): string {
  return execFileSync(cmd, args, { cwd: root, env: env(), timeout: timeoutMs, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `array job 12 (3 tasks), merge job 13; ...` → the two ids. */
function submit(out: string): { array: string; merge: string } {
  const text = sh('bash', [sbatchFile, 'submit', sweepFile, out, String(SHARDS)]);
  const m = /array job (\d+) .*merge job (\d+)/.exec(text);
  if (!m) throw new Error(`unexpected submit output: ${text}`);
  return { array: m[1], merge: m[2] };
}

function queued(ids: string[]): boolean {
  return sh('squeue', ['-h', '-o', '%i', '-j', ids.join(',')], 15_000).trim() !== '';
}

async function waitFor(what: string, done: () => boolean, limitMs: number): Promise<void> {
  const until = Date.now() + limitMs;
  while (!done()) {
    if (Date.now() > until) throw new Error(`timed out after ${limitMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every file under a folder (but the job logs), relative, sorted. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .filter((f) => !f.startsWith('logs'))
    .sort();
}

function expectSameBytes(a: string, b: string): void {
  expect(files(b)).toEqual(files(a));
  for (const f of files(a)) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), f).toBe(true);
}

describe.skipIf(problem !== null)('the example Slurm job array on a real Slurm', () => {
  const work = mkdtempSync(join(tmpdir(), 'joulesim-slurm-'));
  const one = join(work, 'one-machine');
  let plan: { variants: { id: string }[] };

  beforeAll(() => {
    // The jobs run the built CLI; build it from these sources so the test never exercises a stale dist/.
    sh('npm', ['run', 'build', '--silent'], 300_000);
    sh(process.execPath, [join(root, 'bin', 'joulesim.js'), 'sweep', 'run', sweepFile, '--out', one, '--workers', '1', '--no-progress'], 300_000);
    plan = JSON.parse(readFileSync(join(one, 'plan.json'), 'utf8'));
  }, 600_000);

  it('runs the array and the dependent merge: the same bytes as one machine', async () => {
    const out = join(work, 'array');
    const { array, merge } = submit(out);
    await waitFor('the array and merge jobs', () => !queued([array, merge]), 300_000);
    expect(existsSync(join(out, 'compare.json')), readFileSync(join(out, 'logs', 'merge.log'), 'utf8')).toBe(true);
    expectSameBytes(one, out);
  }, 400_000);

  it('a task killed mid-run is completed by resubmitting, nothing lost or run twice', async () => {
    const out = join(work, 'killed');
    const { array, merge } = submit(out);
    // Kill task 1 as soon as it has finished its first variant (and before its last).
    const mine = shardPositions(plan.variants.length, { index: 1, count: SHARDS, source: '' }).map((i) => plan.variants[i].id);
    const doneOf = () => mine.filter((id) => existsSync(join(out, 'variants', `${id}.json`))).length;
    await waitFor("task 1's first variant", () => doneOf() >= 1, 300_000);
    sh('scancel', ['--signal=KILL', `${array}_1`]);
    await waitFor('the rest of the array to end and the merge to be cancelled', () => !queued([array, merge]), 300_000);
    const lost = mine.length - doneOf();
    expect(lost).toBeGreaterThan(0);
    expect(existsSync(join(out, 'compare.json'))).toBe(false);

    const again = submit(out);
    await waitFor('the resubmitted array and merge', () => !queued([again.array, again.merge]), 300_000);
    expectSameBytes(one, out);
    expect(readdirSync(join(out, 'variants')).filter((f) => f.endsWith('.json')).sort()).toEqual(plan.variants.map((v) => `${v.id}.json`).sort());
    // The resubmitted tasks ran exactly the variants that had no result: the killed task's unfinished ones.
    const log = (i: number) => readFileSync(join(out, 'logs', `shard-${i}.log`), 'utf8');
    const ranAgain = [0, 1, 2].map((i) => {
      const runs = [...log(i).matchAll(/shard \d+\/\d+: (\d+) variants run, (\d+) already complete/g)];
      return Number(runs[runs.length - 1][1]);
    });
    expect(ranAgain).toEqual([0, lost, 0]);
  }, 700_000);
});
