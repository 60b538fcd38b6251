/**
 * Sharded runs and merges: the same bytes as one machine whatever the sharding and whichever folder runs it, a rerun
 * that only fills gaps, results that are complete or absent, and merges that refuse foreign, duplicated and
 * missing results.
 */
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSweep } from '../../sim/sweep/loadSweep.js';
import { mergeSweep } from '../../sim/sweep/sweepMerge.js';
import { planSweep } from '../../sim/sweep/sweepPlan.js';
import { runSweepShard } from '../../sim/sweep/sweepRun.js';
import { cli, oneLineError, smallSweep, tempDir, writeSweep } from './helpers.js';

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

function expectSameBytes(a: string, b: string): void {
  expect(files(b)).toEqual(files(a));
  for (const f of files(a)) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), f).toBe(true);
}

const shard = (index: number, count: number) => ({ index, count, source: 'test' });

describe('sweep run and merge', () => {
  const sweepFile = writeSweep(smallSweep());
  const one = join(tempDir('sweep-one'), 'out');
  const oneRun = runSweepShard(loadSweep(sweepFile), { outDir: one, shard: shard(0, 1), workers: 1 });

  it('one machine: plan.json, a result per variant, and the merged compare.json, table.txt, report.html', async () => {
    const r = await oneRun;
    expect(r.ran).toBe(8);
    const plan = JSON.parse(readFileSync(join(one, 'plan.json'), 'utf8'));
    expect(files(one)).toEqual(['compare.json', 'plan.json', 'report.html', 'table.txt', ...plan.variants.map((v: { id: string }) => `variants/${v.id}.json`).sort()]);
    const cmp = JSON.parse(readFileSync(join(one, 'compare.json'), 'utf8'));
    expect(cmp.format).toBe('joulesim-compare/1');
    expect(cmp.variants.map((v: { label: string }) => v.label)).toEqual(plan.variants.map((v: { label: string }) => v.label));
    expect(cmp.variants.map((v: { id: string }) => v.id)).toEqual(plan.variants.map((v: { id: string }) => v.id));
    expect(cmp.variants[0].delta_pct.energy_j).toBe(0);
    expect(cmp.sweep).toMatchObject({ name: 'test sweep', variants_planned: 8, dropped: [], missing: [] });
    // Few variants: the report overlays every run's series.
    expect(readFileSync(join(one, 'report.html'), 'utf8')).toContain('id="cmp-power"');
    expect(readFileSync(join(one, 'table.txt'), 'utf8')).toContain('gpu=a100-sxm batch-size=64 prefill=whole');
  }, 120_000);

  it('3 shards in 3 folders, merged, are the same bytes as one machine; so are 3 shards sharing one folder on 2 threads', async () => {
    await oneRun;
    const base = tempDir('sweep-shards');
    const dirs = [0, 1, 2].map((i) => join(base, `s${i}`));
    for (let i = 0; i < 3; i++) {
      const r = await runSweepShard(loadSweep(sweepFile), { outDir: dirs[i], shard: shard(i, 3), workers: 1 });
      expect(r.assigned).toBe(i < 2 ? 3 : 2);
    }
    const merged = join(base, 'merged');
    mergeSweep(dirs, merged, {});
    expectSameBytes(one, merged);

    const shared = join(base, 'shared');
    for (const i of [2, 0, 1]) await runSweepShard(loadSweep(sweepFile), { outDir: shared, shard: shard(i, 3), workers: 2 });
    mergeSweep([shared], shared, {});
    expectSameBytes(one, shared);
  }, 300_000);

  it('the same sweep file run from another folder gives the same bytes', async () => {
    await oneRun;
    const elsewhere = writeSweep(smallSweep(), 'sweep.json', tempDir('sweep-elsewhere'));
    const out = join(tempDir('sweep-elsewhere-out'), 'deep', 'out');
    await runSweepShard(loadSweep(elsewhere), { outDir: out, shard: shard(0, 1), workers: 1 });
    expectSameBytes(one, out);
  }, 120_000);

  it('a rerun skips complete variants and runs only the missing one; partial writes are ignored', async () => {
    await oneRun;
    const dir = join(tempDir('sweep-rerun'), 'out');
    cpSync(one, dir, { recursive: true });
    const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8'));
    const gone = plan.variants[5].id;
    rmSync(join(dir, 'variants', `${gone}.json`));
    // What a task killed mid-write leaves behind.
    writeFileSync(join(dir, 'variants', `.tmp-host-123-${gone}.json`), '{"format": "joulesim-sweep-res');
    const kept = plan.variants[0].id;
    const before = statSync(join(dir, 'variants', `${kept}.json`)).mtimeMs;
    const lines: string[] = [];
    const r = await runSweepShard(loadSweep(sweepFile), { outDir: dir, shard: shard(0, 1), workers: 1, onProgress: (l) => lines.push(l) });
    expect([r.ran, r.skipped]).toEqual([1, 7]);
    expect(lines[0]).toMatch(/8 of 8 variants, 7 already complete, 1 to run/);
    expect(lines[1]).toContain(gone);
    expect(statSync(join(dir, 'variants', `${kept}.json`)).mtimeMs).toBe(before);
    rmSync(join(dir, 'variants', `.tmp-host-123-${gone}.json`));
    expectSameBytes(one, dir);
  }, 120_000);

  it('refuses to run into a folder that holds another sweep', async () => {
    await oneRun;
    const other = writeSweep(smallSweep({ name: 'another sweep' }));
    const line = await oneLineError('sweep', 'run', other, '--out', one, '--no-progress');
    expect(line).toMatch(/plan.json: holds a different sweep \(fingerprint [0-9a-f]{12}…, this sweep [0-9a-f]{12}…\); use a fresh --out folder$/);
  }, 120_000);

  it('merge refuses duplicated, missing, foreign and repeated folders with one line; --allow-missing lists the missing', async () => {
    await oneRun;
    const base = tempDir('sweep-refuse');
    const a = join(base, 'a');
    const b = join(base, 'b');
    await runSweepShard(loadSweep(sweepFile), { outDir: a, shard: shard(0, 2), workers: 1 });
    await runSweepShard(loadSweep(sweepFile), { outDir: b, shard: shard(1, 2), workers: 1 });
    const out = join(base, 'merged');

    expect(await oneLineError('sweep', 'merge', a, '--out', out)).toMatch(/^joulesim: .*a: 4 of 8 variants missing: [0-9a-f]{12} \(gpu=h100-sxm batch-size=8 prefill=whole\), .*; rerun their shards, or merge with --allow-missing$/);
    expect(await oneLineError('sweep', 'merge', a, b, a, '--out', out)).toMatch(/a: given twice \(same folder as .*a\); each shard folder once$/);
    expect(await oneLineError('sweep', 'merge', a, one, '--out', out)).toMatch(/variants\/[0-9a-f]{12}\.json: variant [0-9a-f]{12} \(.*\) is also in .*a; merge each variant from one folder$/);

    const foreign = join(base, 'foreign');
    await runSweepShard(loadSweep(writeSweep(smallSweep({ name: 'another sweep' }))), { outDir: foreign, shard: shard(1, 2), workers: 1 });
    expect(await oneLineError('sweep', 'merge', a, foreign, '--out', out)).toMatch(/foreign\/plan.json: a different sweep from .*a \(fingerprint/);

    const old = join(base, 'old');
    cpSync(b, old, { recursive: true });
    const plan = JSON.parse(readFileSync(join(old, 'plan.json'), 'utf8'));
    writeFileSync(join(old, 'plan.json'), JSON.stringify({ ...plan, joulesim: '0.0.9' }));
    expect(await oneLineError('sweep', 'merge', a, old, '--out', out)).toMatch(/old\/plan.json: written by joulesim 0.0.9; this is joulesim .*: merge with the version that ran the sweep$/);

    // A result file copied in from another sweep (ids follow settings, so it lands on this sweep's name for that
    // variant) is refused by its fingerprint.
    const mixed = join(base, 'mixed');
    cpSync(b, mixed, { recursive: true });
    const foreignResult = readdirSync(join(foreign, 'variants'))[0];
    cpSync(join(foreign, 'variants', foreignResult), join(mixed, 'variants', foreignResult));
    expect(await oneLineError('sweep', 'merge', a, mixed, '--out', out)).toMatch(/mixed\/variants\/[0-9a-f]{12}\.json: result of a different sweep \(fingerprint [0-9a-f]{12}…, expected [0-9a-f]{12}…\)$/);

    expect(await oneLineError('sweep', 'merge', a, b, '--out', foreign)).toMatch(/^joulesim: --out: .*foreign holds another sweep \(.*plan.json\); merge into a fresh folder$/);

    const partial = await cli('sweep', 'merge', a, '--out', out, '--allow-missing');
    expect(partial.code).toBe(0);
    expect(partial.stderr.trimEnd().split('\n')).toHaveLength(4);
    expect(partial.stderr).toMatch(/^joulesim: missing [0-9a-f]{12} \(gpu=h100-sxm batch-size=8 prefill=whole\)$/m);
    const cmp = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8'));
    expect(cmp.variants).toHaveLength(4);
    expect(cmp.sweep.missing).toHaveLength(4);

    mergeSweep([a, b], join(base, 'full'), {});
    expectSameBytes(one, join(base, 'full'));
  }, 300_000);

  it('bad output folders and shard flags: one line, exit 2', async () => {
    const blocker = join(tempDir('sweep-bad'), 'file');
    writeFileSync(blocker, 'x');
    expect(await oneLineError('sweep', 'run', sweepFile, '--out', join(blocker, 'out'), '--no-progress')).toMatch(/^joulesim: --out: cannot create .*file\/out \(ENOTDIR\)$/);
    expect(await oneLineError('sweep', 'run', sweepFile, '--out', join(blocker, 'x'), '--shard', '3/3')).toMatch(/^joulesim: --shard: shard index 3 is not below the shard count 3/);
    expect(await oneLineError('sweep', 'merge', join(blocker, 'nothing'), '--out', blocker)).toMatch(/nothing: no such folder$/);
  });

  it('`sweep run --shard` on the command line prints what it did; progress goes to stderr', async () => {
    const out = join(tempDir('sweep-cli'), 'out');
    const r = await cli('sweep', 'run', sweepFile, '--shard', '1/4', '--out', out, '--workers', '1');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^shard 1\/4: 2 variants run, 0 already complete, results in .*variants\n$/);
    expect(r.stderr).toMatch(/^joulesim: sweep shard 1\/4 \(--shard 1\/4\): 2 of 8 variants, 0 already complete, 2 to run, [\d.]+ s$/m);
    expect(r.stderr).toMatch(/^joulesim: sweep shard 1\/4: 2\/2 done \(.*, [0-9a-f]{12}\), [\d.]+ s$/m);
    const { plan } = await planSweep(loadSweep(sweepFile));
    expect(readdirSync(join(out, 'variants')).sort()).toEqual([plan.variants[1].id, plan.variants[5].id].map((id) => `${id}.json`).sort());
  }, 120_000);
});
