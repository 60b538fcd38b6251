/**
 * The CLI under output faults: empty output flags, a full device, a read-only folder, a full disk, a reader that
 * closes the pipe, and Ctrl-C mid-run. Each ends in one line naming the flag or the file and the cause (or, for
 * Ctrl-C, saying it was interrupted), with nothing half-written left under a real name.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { oneLineError, smallScenario, tempDir } from '../compare/helpers.js';
import { canUnshareMounts, cliChild, cliCommandLine, inMountNamespace, startCliChild } from './childProcess.js';

const dir = tempDir('clifaults');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const scenario = join(dir, 'small.json');
writeFileSync(scenario, JSON.stringify(smallScenario()));

/** Every file under a folder, recursively (temporary files included). */
function filesUnder(d: string): string[] {
  if (!existsSync(d)) return [];
  return readdirSync(d, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** No stack trace: stderr is one `joulesim:` line. */
function expectOneLine(stderr: string): string {
  expect(stderr).toMatch(/^joulesim: [^\n]*\n$/);
  return stderr.trimEnd();
}

describe('empty output paths are errors naming the flag', () => {
  it('run --out "" and --trace-events ""', async () => {
    expect(await oneLineError('run', scenario, '--out', '', '--no-progress')).toBe('joulesim: --out: expected a path, got an empty string');
    expect(await oneLineError('run', scenario, '--trace-events', '', '--no-progress')).toBe('joulesim: --trace-events: expected a path, got an empty string');
  });

  it('compare --out "", estimate --out "", reproduce --out "" and calibrate fit --out ""', async () => {
    expect(await oneLineError('compare', scenario, '--vary', 'gpu=a100-sxm,h100-sxm', '--out', '', '--no-progress')).toBe('joulesim: --out: expected a path, got an empty string');
    expect(await oneLineError('estimate', scenario, '--out', '')).toBe('joulesim: --out: expected a path, got an empty string');
    expect(await oneLineError('reproduce', '--out', '', '--no-progress')).toBe('joulesim: --out: expected a path, got an empty string');
    expect(await oneLineError('calibrate', 'fit', 'x.json', '--out', '')).toBe('joulesim: --out: expected a path, got an empty string');
  });
});

describe.skipIf(!existsSync('/dev/full'))('a full device (/dev/full)', () => {
  it('--trace-events /dev/full: one line naming the file and ENOSPC, exit 2', async () => {
    const line = await oneLineError('run', scenario, '--trace-events', '/dev/full', '--no-progress');
    expect(line).toBe('joulesim: /dev/full: cannot write the trace-event file: no space left on the device (ENOSPC)');
  });

  it('--out inside /dev/full: the folder cannot exist, named against --out', async () => {
    const line = await oneLineError('run', scenario, '--out', '/dev/full/out', '--no-progress');
    expect(line).toMatch(/^joulesim: --out: cannot create the output folder \/dev\/full\/out: .*\((ENOTDIR|EEXIST)\)$/);
  });
});

describe('a reader that closes the pipe', () => {
  it('--trace-events /dev/stdout | head: no stack trace', { timeout: 240_000 }, () => {
    const r = spawnSync('sh', ['-c', `${cliCommandLine(['run', scenario, '--trace-events', '/dev/stdout', '--no-progress'])} | head -c 10 >/dev/null`], {
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr === '' || /^joulesim: \/dev\/stdout: [^\n]*EPIPE[^\n]*\n$/.test(r.stderr)).toBe(true);
  });

  it('run | head -1: quiet, no stack trace', { timeout: 240_000 }, () => {
    const r = spawnSync('sh', ['-c', `${cliCommandLine(['run', scenario, '--no-progress'])} | head -c 1 >/dev/null; exit 0`], { encoding: 'utf8', timeout: 240_000 });
    expect(r.stderr).toBe('');
  });
});

const unshare = canUnshareMounts();
describe.skipIf(!unshare)('a read-only folder and a full disk (mount namespace, no root needed)', () => {
  it('run --out on a read-only file system: one line naming --out and EROFS', { timeout: 240_000 }, () => {
    const ro = join(dir, 'ro');
    mkdirSync(ro, { recursive: true });
    const r = inMountNamespace(`mount --bind '${ro}' '${ro}' && mount -o remount,bind,ro '${ro}' && ${cliCommandLine(['run', scenario, '--out', join(ro, 'out'), '--no-progress'])}`);
    expect(r.status).toBe(2);
    expect(expectOneLine(r.stderr)).toBe(`joulesim: --out: cannot create the output folder ${join(ro, 'out')}: read-only file system (EROFS)`);
    expect(r.stdout).toBe('');
  });

  it('run --out and compare --out on a full disk: one line naming the file and ENOSPC; no output left', { timeout: 240_000 }, () => {
    const full = join(dir, 'full');
    mkdirSync(full, { recursive: true });
    // 64 kB: the run's requests.csv and report outgrow it.
    const mount = `mount -t tmpfs -o size=64k tmpfs '${full}'`;
    const run = inMountNamespace(`${mount} && ${cliCommandLine(['run', scenario, '--out', join(full, 'out'), '--no-progress'])}; echo "rc=$?"; find '${full}' -type f`);
    const [runErr] = [run.stderr];
    expect(runErr).not.toMatch(/\n\s+at /);
    expect(expectOneLine(runErr)).toMatch(new RegExp(`^joulesim: ${join(full, 'out')}/(requests\\.csv|report\\.html|timeseries\\.csv|summary\\.json): cannot write: no space left on the device \\(ENOSPC\\)$`));
    expect(run.stdout).toContain('rc=2');
    // find printed no file: nothing half-written, no temporary file.
    expect(run.stdout.trim().split('\n').filter((l) => l.startsWith('/'))).toEqual([]);

    const cmp = inMountNamespace(`${mount} && ${cliCommandLine(['compare', scenario, '--vary', 'gpu=a100-sxm,h100-sxm', '--out', join(full, 'cmp'), '--no-progress'])}; echo "rc=$?"; find '${full}' -type f`);
    expect(cmp.stderr).not.toMatch(/\n\s+at /);
    expect(expectOneLine(cmp.stderr)).toMatch(/: cannot write: no space left on the device \(ENOSPC\)( \(variant gpu=[a-z0-9-]+\))?$/);
    expect(cmp.stdout).toContain('rc=2');
    expect(cmp.stdout.trim().split('\n').filter((l) => l.startsWith('/') && !/\/0\d-gpu-[a-z0-9-]+\/(summary\.json|requests\.csv|timeseries\.csv|report\.html)$/.test(l))).toEqual([]);
  });
});

describe('Ctrl-C during a long run', () => {
  it('SIGINT mid-run: exit 130, one line, no output file left (complete or absent)', { timeout: 300_000 }, async () => {
    const big = join(dir, 'big.json');
    writeFileSync(
      big,
      JSON.stringify({
        seed: 1,
        workload: { kind: 'synthetic', arrival: { process: 'poisson', rate_per_s: 64 }, count: 20_000_000, lengths: { kind: 'fixed', input_tokens: 200, output_tokens: 50 } },
        cluster: { gpu: 'h100-sxm', model: 'llama-3.1-8b', stack: 'vllm', replicas: 16 },
      }),
    );
    const out = join(dir, 'interrupted');
    const traceFile = join(dir, 'interrupted.trace.json');
    const child = startCliChild(['run', big, '--out', out, '--trace-events', traceFile, '--no-progress']);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += String(d)));
    child.stdout!.resume();
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Wait until the run is writing (its requests.csv has grown under the temporary name), then interrupt.
    const deadline = Date.now() + 240_000;
    for (;;) {
      const growing = filesUnder(out).some((f) => f.endsWith('.joulesim-tmp'));
      if (growing || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 1000));
    child.kill('SIGINT');
    const code = await exited;
    expect(code).toBe(130);
    expect(stderr).toBe('joulesim: interrupted (SIGINT); unfinished output files removed\n');
    expect(filesUnder(out)).toEqual([]);
    expect(readdirSync(dir).filter((n) => n.includes('interrupted.trace') || n.includes('joulesim-tmp'))).toEqual([]);
  });

  it('a run that finishes writes every output under its real name and no temporary file', { timeout: 240_000 }, () => {
    const out = join(dir, 'complete');
    const r = cliChild(['run', scenario, '--out', out, '--trace-events', join(out, 'trace.json'), '--no-progress']);
    expect(r.status).toBe(0);
    expect(filesUnder(out).map((f) => f.slice(out.length + 1)).sort()).toEqual(['report.html', 'requests.csv', 'summary.json', 'timeseries.csv', 'trace.json']);
  });
});
