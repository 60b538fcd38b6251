/**
 * Sweep plans: stable ids that follow the settings (not the order they are listed in), filters that record why a
 * variant was dropped, patches applied as written, and bad sweep files as one line naming the file and place.
 */
import { appendFileSync, cpSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summaryJson } from '../../sim/report/summary.js';
import { runScenario } from '../../sim/run/runScenario.js';
import { parseScenario } from '../../sim/scenario/loadScenario.js';
import { canonicalJson } from '../../sim/sweep/canonicalJson.js';
import { loadSweep } from '../../sim/sweep/loadSweep.js';
import { applyMergePatch, applyPatches } from '../../sim/sweep/scenarioPatch.js';
import { planSweep } from '../../sim/sweep/sweepPlan.js';
import { cli, oneLineError, smallScenario, smallSweep, tempDir, writeSweep } from './helpers.js';

const root = resolve(import.meta.dirname, '..', '..');
const plan = async (sweep: unknown) => (await planSweep(loadSweep(writeSweep(sweep)))).plan;
const idsByLabel = (p: Awaited<ReturnType<typeof plan>>) => Object.fromEntries(p.variants.map((v) => [v.label.split(' ').sort().join(' '), v.id]));

describe('scenario patches', () => {
  it('merge patches merge objects, replace the rest and delete on null (RFC 7396)', () => {
    const base = { a: { b: 1, c: [1, 2] }, d: 'x' };
    expect(applyMergePatch(base, { a: { c: [3], e: true }, d: null })).toEqual({ a: { b: 1, c: [3], e: true } });
    expect(base).toEqual({ a: { b: 1, c: [1, 2] }, d: 'x' });
  });

  it('JSON Patch add / replace / remove on pointers, with ~1 and ~0 escapes (RFC 6902)', () => {
    const doc = { cluster: { scheduler: { kind: 'static' }, 'a/b': 1, 'c~d': [1, 2] } };
    const out = applyPatches(doc, [{ json_patch: [
      { op: 'replace', path: '/cluster/scheduler/kind', value: 'continuous' },
      { op: 'add', path: '/cluster/scheduler/batch_size', value: 32 },
      { op: 'remove', path: '/cluster/a~1b' },
      { op: 'add', path: '/cluster/c~0d/-', value: 3 },
    ] }], () => ({ file: 'f', place: 'p' }));
    expect(out).toEqual({ cluster: { scheduler: { kind: 'continuous', batch_size: 32 }, 'c~d': [1, 2, 3] } });
    expect(() => applyPatches(doc, [{ json_patch: [{ op: 'replace', path: '/cluster/nothing/x', value: 1 }] }], () => ({ file: 'sweep.json', place: '/axes/2/patches/0' }))).toThrow(
      'sweep.json:/axes/2/patches/0: json_patch replace /cluster/nothing/x: no object at "nothing" to patch into',
    );
  });

  it('canonical JSON does not depend on key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(canonicalJson({ a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 }));
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }));
  });
});

describe('sweep plan', () => {
  it('the cross product in order, first axis outermost, with ids of 12 hex digits', async () => {
    const p = await plan(smallSweep());
    expect(p.variants).toHaveLength(8);
    expect(p.variants[0].label).toBe('gpu=h100-sxm batch-size=8 prefill=chunked');
    expect(p.variants[7].label).toBe('gpu=a100-sxm batch-size=64 prefill=whole');
    expect(p.variants[1].settings).toEqual({ gpu: 'h100-sxm', 'batch-size': 8, prefill: 'whole' });
    for (const v of p.variants) expect(v.id).toMatch(/^[0-9a-f]{12}$/);
    expect(new Set(p.variants.map((v) => v.id)).size).toBe(8);
    expect(p.axes).toEqual([
      { key: 'gpu', values: ['h100-sxm', 'a100-sxm'] },
      { key: 'batch-size', values: [8, 64] },
      { key: 'prefill', values: ['chunked', 'whole'] },
    ]);
  });

  it('ids follow the settings, not the order of axes or values, nor the other values listed', async () => {
    const s = smallSweep() as { axes: Record<string, unknown>[] };
    const a = idsByLabel(await plan(s));
    const reordered = { ...s, axes: [{ ...s.axes[2], patches: [...(s.axes[2].patches as unknown[])].reverse() }, { vary: 'batch-size', values: [64, 8] }, s.axes[0]] };
    expect(idsByLabel(await plan(reordered))).toEqual(a);
    // Adding a value leaves the existing variants' ids alone.
    const more = { ...s, axes: [{ vary: 'gpu', values: ['b200', 'h100-sxm', 'a100-sxm'] }, s.axes[1], s.axes[2]] };
    const b = idsByLabel(await plan(more));
    for (const [label, id] of Object.entries(a)) expect(b[label]).toBe(id);
    // A value written differently but meaning the same (" 8" for 8) is the same setting.
    const spelled = { ...s, axes: [s.axes[0], { vary: 'batch-size', values: [' 8', '64'] }, s.axes[2]] };
    expect(idsByLabel(await plan(spelled))).toEqual(a);
  });

  it('editing a patch gives its variants new ids (their old results no longer apply)', async () => {
    const s = smallSweep() as { axes: Record<string, unknown>[] };
    const a = await plan(s);
    const edited = { ...s, axes: [s.axes[0], s.axes[1], { name: 'prefill', patches: [{ label: 'chunked', merge: { cluster: { scheduler: { chunked_prefill: true, max_batched_tokens: 4096 } } } }, (s.axes[2].patches as unknown[])[1]] }] };
    const b = await plan(edited);
    expect(b.variants.filter((v, i) => v.id === a.variants[i].id).map((v) => v.settings.prefill)).toEqual(['whole', 'whole', 'whole', 'whole']);
    expect(b.fingerprint).not.toBe(a.fingerprint);
  });

  it('a variant runs its patched scenario: the same summary as that scenario run on its own', async () => {
    const loaded = loadSweep(writeSweep(smallSweep()));
    const { runnable } = await planSweep(loaded);
    const v = runnable.find((x) => x.label === 'gpu=a100-sxm batch-size=64 prefill=whole')!;
    const viaSweep = runScenario(parseScenario(structuredClone(v.raw), loaded.baseFile, loaded.baseDir));
    const direct = smallScenario({ cluster: { gpu: 'a100-sxm', model: 'llama-3.1-8b', stack: 'vllm', scheduler: { kind: 'continuous', chunked_prefill: false, batch_size: 64 } } });
    const alone = runScenario(parseScenario(direct, loaded.baseFile, loaded.baseDir));
    expect(summaryJson(viaSweep.summary)).toBe(summaryJson(alone.summary));
  });

  it('filters drop what cannot run and record why', async () => {
    const p = await plan(
      smallSweep({
        axes: [
          { vary: 'gpu', values: ['h100-sxm', 'a6000'] },
          { vary: 'model', values: ['llama-3.1-8b', 'qwen1.5-32b'] },
          { vary: 'power-cap-w', values: [700, 100] },
        ],
        filters: [
          { drop: 'model_does_not_fit' },
          { drop: 'cap_below_busy_floor' },
          { drop: 'where', match: { gpu: 'h100-sxm', model: ['qwen1.5-32b'] }, reason: 'not in this study' },
        ],
      }),
    );
    // The a6000 draws less than 100 W busy, so that cap is possible there.
    expect(p.variants.map((v) => v.label)).toEqual([
      'gpu=h100-sxm model=llama-3.1-8b power-cap-w=700',
      'gpu=a6000 model=llama-3.1-8b power-cap-w=700',
      'gpu=a6000 model=llama-3.1-8b power-cap-w=100',
    ]);
    const why = Object.fromEntries(p.dropped.map((d) => [d.label, `${d.filter}: ${d.reason}`]));
    expect(why['gpu=h100-sxm model=llama-3.1-8b power-cap-w=100']).toMatch(/^cap_below_busy_floor: a cap of 100 W is below the \d+ W a busy h100-sxm draws/);
    expect(why['gpu=h100-sxm model=qwen1.5-32b power-cap-w=700']).toBe('where: not in this study');
    expect(why['gpu=a6000 model=qwen1.5-32b power-cap-w=700']).toMatch(/^model_does_not_fit: qwen1.5-32b weights need 65.0 GB per GPU at tp 1; a6000 has/);
    expect(p.dropped).toHaveLength(5);
  });

  it('a variant that cannot run and no filter drops fails the plan with one line naming it', async () => {
    const file = writeSweep(smallSweep({ axes: [{ vary: 'gpu', values: ['h100-sxm', 'a6000'] }, { vary: 'model', values: ['qwen1.5-32b'] }] }));
    const line = await oneLineError('sweep', 'plan', file);
    expect(line).toMatch(/qwen1.5-32b weights need .* \(variant gpu=a6000 model=qwen1.5-32b; drop such variants with a filter in .*sweep.json\)$/);
  });

  it('bad sweep files: one line naming the file and place, exit 2', async () => {
    expect(await oneLineError('sweep', 'plan', writeSweep({ ...smallSweep(), format: 'joulesim-sweep/9' }))).toMatch(/sweep.json:\/format: must be equal to constant$/);
    expect(await oneLineError('sweep', 'plan', writeSweep(smallSweep({ axes: [{ vary: 'gpu', values: ['h300'] }] })))).toMatch(/sweep.json:\/axes\/0\/values: unknown GPU 'h300'/);
    expect(await oneLineError('sweep', 'plan', writeSweep(smallSweep({ axes: [{ vary: 'gpu', values: ['h100-sxm'] }, { vary: 'gpu', values: ['b200'] }] })))).toMatch(/\/axes\/1: axis 'gpu' appears twice/);
    expect(await oneLineError('sweep', 'plan', writeSweep(smallSweep({ filters: [{ drop: 'where', match: { gpus: 'a' }, reason: 'x' }] })))).toMatch(/\/filters\/0\/match: no axis named 'gpus'/);
    expect(await oneLineError('sweep', 'plan', writeSweep(smallSweep({ axes: [{ name: 'p', patches: [{ label: 'a', merge: {} }, { label: 'a', merge: { seed: 1 } }] }] })))).toMatch(/\/axes\/0\/patches\/1\/label: label 'a' is used twice in axis 'p'$/);
    expect(await oneLineError('sweep', 'plan', writeSweep(smallSweep({ axes: [{ name: 'p', patches: [{ label: 'a', merge: { cluster: { replicas: 0 } } }] }] })))).toMatch(/\/cluster\/replicas: must be >= 1 \(variant p=a/);
    expect(await oneLineError('sweep', 'plan', '/nonexistent/sweep.json')).toMatch(/\/nonexistent\/sweep.json: cannot read the sweep file/);
    expect(await oneLineError('sweep', 'plan', writeSweep(smallSweep({ base: 'missing.json' })))).toMatch(/missing.json: cannot read the base scenario/);
  });

  it('a policy module named by a patch is part of the fingerprint: editing its code refuses the old results', async () => {
    const dir = tempDir('sweep-policy');
    mkdirSync(join(dir, 'policies'));
    cpSync(join(root, 'examples', 'policies', 'twoChoicesRouter.js'), join(dir, 'policies', 'router.js'));
    const sweep = smallSweep({
      axes: [{ name: 'router', patches: [{ label: 'rr', merge: { cluster: { router: 'round_robin' } } }, { label: 'two', merge: { cluster: { router: { module: './policies/router.js', options: { choices: 2 } } } } }] }],
    });
    const file = writeSweep(sweep, 'sweep.json', dir);
    const before = (await planSweep(loadSweep(file))).plan;
    appendFileSync(join(dir, 'policies', 'router.js'), '\n// edited\n');
    const after = (await planSweep(loadSweep(file))).plan;
    expect(after.variants.map((v) => v.id)).toEqual(before.variants.map((v) => v.id));
    expect(after.fingerprint).not.toBe(before.fingerprint);
  });

  it('the shipped example sweeps plan without error', async () => {
    const examples = readdirSync(join(root, 'examples', 'sweeps')).filter((f) => f.endsWith('.json'));
    expect(examples.length).toBeGreaterThan(0);
    for (const f of examples) expect((await planSweep(loadSweep(join(root, 'examples', 'sweeps', f)))).plan.variants.length, f).toBeGreaterThan(0);
    expect((await planSweep(loadSweep(join(root, 'test', 'slurm', 'slurm-sweep.json')))).plan.variants).toHaveLength(12);
  });

  it('`sweep plan` prints the count, the ids with their shard, and what was dropped', async () => {
    const file = writeSweep(smallSweep({ filters: [{ drop: 'where', match: { gpu: 'a100-sxm', 'batch-size': 64 }, reason: 'too slow' }] }));
    const { code, stdout } = await cli('sweep', 'plan', file, '--shard-count', '4');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^sweep test sweep: 6 variants to run, 2 dropped \(fingerprint [0-9a-f]{12}, joulesim /);
    expect(lines[1]).toMatch(/^[0-9a-f]{12} {2}shard 0\/4 {2}gpu=h100-sxm batch-size=8 prefill=chunked$/);
    expect(lines[5]).toMatch(/shard 0\/4 {2}gpu=a100-sxm batch-size=8 prefill=chunked$/);
    expect(lines.filter((l) => l.startsWith('dropped '))).toHaveLength(2);
    expect(lines[7]).toMatch(/^dropped [0-9a-f]{12} {2}gpu=a100-sxm batch-size=64 prefill=chunked {2}\(where: too slow\)$/);
    const json = await cli('sweep', 'plan', file, '--json');
    expect(JSON.parse(json.stdout).variants).toHaveLength(6);
  });
});
