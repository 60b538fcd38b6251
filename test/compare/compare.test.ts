/**
 * `compare`: the cross product on the same workload and seed, the same bytes on worker threads as one by one,
 * power caps as a what-if, provenance on every row, and bad input as one line with exit code 2.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareJson, runCompare } from '../../sim/compare/compare.js';
import { summaryJson } from '../../sim/report/summary.js';
import { runScenario } from '../../sim/run/runScenario.js';
import { parseScenario } from '../../sim/scenario/loadScenario.js';
import { cli, oneLineError, smallScenario, tempDir } from './helpers.js';

const base = { raw: smallScenario(), file: 'small.json', baseDir: process.cwd() };
const axes = { gpu: ['a100-sxm', 'h100-sxm'], 'batch-size': [8, 64] } as const;

describe('compare on worker threads', () => {
  it('gives byte-identical outputs to running the variants one by one', { timeout: 300_000 }, async () => {
    const dirA = tempDir('cmp-par');
    const dirB = tempDir('cmp-seq');
    const par = await runCompare(base, axes, { workers: 2, outDir: dirA });
    const seq = await runCompare(base, axes, { workers: 1, outDir: dirB });
    expect(par.workers).toBe(2);
    expect(seq.workers).toBe(1);
    expect(par.result.variants.map((v) => v.label)).toEqual([
      'gpu=a100-sxm batch-size=8',
      'gpu=a100-sxm batch-size=64',
      'gpu=h100-sxm batch-size=8',
      'gpu=h100-sxm batch-size=64',
    ]);
    for (let i = 0; i < 4; i++) expect(summaryJson(par.result.variants[i].summary)).toBe(summaryJson(seq.result.variants[i].summary));
    expect(compareJson(par.result)).toBe(compareJson(seq.result));
    // Every file of every folder, byte for byte.
    const files = (d: string) => readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(d.length)).sort();
    expect(files(dirA)).toEqual(files(dirB));
    expect(files(dirA)).toContain('/02-gpu-a100-sxm-batch-size-64/summary.json');
    for (const f of files(dirA)) expect(readFileSync(join(dirA, f)).equals(readFileSync(join(dirB, f))), f).toBe(true);
    // Three lanes (this thread and two workers) over four variants: the same bytes again.
    const dirC = tempDir('cmp-par3');
    const par3 = await runCompare(base, axes, { workers: 3, outDir: dirC });
    expect(par3.workers).toBe(3);
    expect(files(dirC)).toEqual(files(dirB));
    for (const f of files(dirC)) expect(readFileSync(join(dirC, f)).equals(readFileSync(join(dirB, f))), f).toBe(true);
    for (const d of ['01-gpu-a100-sxm-batch-size-8', '04-gpu-h100-sxm-batch-size-64']) {
      for (const f of ['summary.json', 'requests.csv', 'timeseries.csv', 'report.html']) expect(existsSync(join(dirA, d, f)), `${d}/${f}`).toBe(true);
    }
    expect(existsSync(join(dirA, 'compare.json'))).toBe(true);
    expect(existsSync(join(dirA, 'report.html'))).toBe(true);
  });

  it('each variant is the run the merged scenario gives on its own (same workload, same seed)', { timeout: 300_000 }, async () => {
    const { result } = await runCompare(base, { gpu: ['b200'], 'power-cap-w': [500] }, { workers: 1 });
    const alone = runScenario(parseScenario(smallScenario({ cluster: { gpu: 'b200', model: 'llama-3.1-8b', stack: 'vllm', power_cap_w: 500 } }), 'small.json', process.cwd()));
    expect(summaryJson(result.variants[0].summary)).toBe(summaryJson(alone.summary));
    expect(result.variants[0].summary.workload.requests).toBe(80);
  });

  it('reports Δ% against the first variant and the cost provenance of each', async () => {
    const { result } = await runCompare(base, { gpu: ['h100-sxm', 'a100-sxm'] }, { workers: 1 });
    const [h, a] = result.variants;
    expect(h.delta_pct.energy_j).toBe(0);
    const expected = (100 * (a.summary.energy_j - h.summary.energy_j)) / h.summary.energy_j;
    expect(Math.abs(a.delta_pct.energy_j! - expected)).toBeLessThanOrEqual(0.005 + 1e-9);
    for (const v of result.variants) expect(['calibrated', 'transferred', 'datasheet']).toContain(v.summary.cost_model.kind);
    expect(a.summary.cost_model.kind).not.toBe('calibrated');
    expect(result.variants.every((v) => v.summary.input_tokens === h.summary.input_tokens)).toBe(true);
  });
});

describe('power capping as a what-if', () => {
  it('a lower cap stretches capped steps: slower, never above the cap', async () => {
    const { result } = await runCompare(base, { 'power-cap-w': [700, 500, 350] }, { workers: 1 });
    const [c700, c500, c350] = result.variants;
    expect(result.variants.map((v) => v.power_cap_w)).toEqual([700, 500, 350]);
    expect(c500.summary.ttft_s.p50).toBeGreaterThan(c700.summary.ttft_s.p50);
    expect(c350.summary.ttft_s.p50).toBeGreaterThan(c500.summary.ttft_s.p50);
    expect(c350.summary.e2e_s.p99).toBeGreaterThan(c700.summary.e2e_s.p99);
    // Average power while busy can never exceed the cap.
    for (const v of result.variants) expect(v.summary.avg_power_w).toBeLessThanOrEqual(v.power_cap_w + 1e-9);
    expect(c350.summary.makespan_s).toBeGreaterThanOrEqual(c700.summary.makespan_s);
    // Energy need not rise: slower steps also mean bigger continuous batches (fewer weight reads per token).
    expect(c350.summary.energy_j).toBeGreaterThan(0);
  });

  it('a cap above the board limit uses the board limit, and says so', async () => {
    const { result } = await runCompare(base, { gpu: ['a100-sxm'], 'power-cap-w': [700] }, { workers: 1 });
    expect(result.variants[0].power_cap_w).toBe(400);
  });

  it('a cap below the busy floor fails before anything runs, naming the variant', async () => {
    await expect(runCompare(base, { 'power-cap-w': [700, 100] }, { workers: 2 })).rejects.toThrow(
      /small\.json:\/cluster\/power_cap_w: a cap of 100 W is below the .* \(variant power-cap-w=100\)$/,
    );
  });
});

describe('joulesim compare (CLI)', () => {
  const dir = tempDir('cmp-cli');
  const file = join(dir, 'base.json');
  writeFileSync(file, JSON.stringify(smallScenario()));

  it('prints one row per variant with provenance and Δ%', async () => {
    const { code, stdout, stderr } = await cli('compare', file, '--vary', 'gpu=a100-sxm,b200', '--vary', 'scheduler=continuous', '--no-progress', '--workers', '1');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^variant\s+cost model\s+energy\s+J\/token\s+TTFT p50\/p99 (ms|s)\s+e2e p50\/p99 (ms|s)\s+tok\/s\s+Δ energy/);
    expect(lines[2]).toMatch(/^gpu=a100-sxm scheduler=continuous\s+(calibrated|transferred|datasheet)\s.*\s0\.0%/);
    expect(lines[3]).toMatch(/^gpu=b200 scheduler=continuous\s+(calibrated|transferred|datasheet)\s.*%$/);
    expect(stdout).toMatch(/cost model (calibrated|transferred|datasheet): /);
  });

  it('--json prints compare.json; --out writes the folders', async () => {
    const out = join(dir, 'out');
    const { code, stdout } = await cli('compare', file, '--vary', 'power-cap-w=700,400', '--json', '--out', out, '--no-progress', '--workers', '1');
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout);
    expect(parsed.format).toBe('joulesim-compare/1');
    expect(parsed.variants).toHaveLength(2);
    expect(parsed.variants[1].dir).toBe('02-power-cap-w-400');
    expect(readFileSync(join(out, 'compare.json'), 'utf8')).toBe(stdout);
    expect(JSON.parse(readFileSync(join(out, '02-power-cap-w-400', 'summary.json'), 'utf8'))).toEqual(parsed.variants[1].summary);
  });

  it('bad input: one line, exit 2', async () => {
    expect(await oneLineError('compare', file, '--vary', 'gpu=a100-sxm,h300')).toMatch(/^joulesim: --vary gpu: unknown GPU 'h300'; known: /);
    expect(await oneLineError('compare', file, '--vary', 'colour=red')).toMatch(/^joulesim: --vary: unknown key 'colour'; known: gpu, /);
    expect(await oneLineError('compare', file, '--vary', 'batch-size=8,x')).toMatch(/^joulesim: --vary batch-size: expected a positive integer, got "x"$/);
    expect(await oneLineError('compare', file, '--vary', 'scheduler=fifo')).toMatch(/^joulesim: --vary scheduler: unknown value "fifo"/);
    expect(await oneLineError('compare', file)).toMatch(/^joulesim: --vary: nothing to compare/);
    expect(await oneLineError('compare', file, '--vary', 'gpu=b200', '--vary', 'gpu=h200')).toMatch(/given twice/);
    expect(await oneLineError('compare', join(dir, 'missing.json'), '--vary', 'gpu=b200')).toMatch(/missing\.json: cannot read the scenario file$/);
    expect(await oneLineError('compare', file, '--vary', 'tp=1', '--workers', '0')).toMatch(/^joulesim: --workers: expected a positive integer/);
    expect(await oneLineError('compare', file, '--vary', 'model=qwen1.5-32b', '--vary', 'gpu=a6000')).toMatch(/\(variant model=qwen1\.5-32b gpu=a6000\)$/);
  });
});
