/**
 * The paper's experiments: every scenarios/paper file validates, sweeps expand as documented, and
 * `joulesim reproduce --json` (on a reduced size) gives one or more entries per finding with the required keys.
 * Also the `estimate` command's flags and JSON.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../sim/errors.js';
import { scenariosDir } from '../../sim/paths.js';
import { mechanismAvailable } from '../../sim/reproduce/runSweeps.js';
import { loadSweep, parseSweep } from '../../sim/reproduce/sweeps.js';
import { buildSimulation } from '../../sim/run/buildSimulation.js';
import { loadScenario, parseScenario } from '../../sim/scenario/loadScenario.js';
import { cli } from '../cliHarness.js';

const paperDir = join(scenariosDir, 'paper');
const sweepsDir = join(paperDir, 'sweeps');
const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'core');
const tmp = mkdtempSync(join(tmpdir(), 'joulesim-reproduce-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));


describe('scenarios/paper', () => {
  const scenarioFiles = readdirSync(paperDir).filter((f) => f.endsWith('.json'));
  const sweepFiles = readdirSync(sweepsDir).filter((f) => f.endsWith('.sweep.json'));

  it('has the experiments', () => {
    expect(scenarioFiles.length).toBeGreaterThanOrEqual(15);
    expect(sweepFiles.sort()).toEqual(
      expect.arrayContaining(['fig1-input.sweep.json', 'fig1-output.sweep.json', 'fig3-frameworks.sweep.json', 'fig2-moe.sweep.json', 'fig4-tp.sweep.json', 'fig7-online-offline.sweep.json', 'nlp-tasks.sweep.json', 'table4.sweep.json', 'spec-decoding.sweep.json']),
    );
    expect(readdirSync(sweepsDir).filter((f) => !f.endsWith('.sweep.json'))).toEqual([]);
  });

  it.each(scenarioFiles)('%s validates against the scenario schema and builds', (f) => {
    const loaded = loadScenario(join(paperDir, f));
    expect(loaded.scenario.name).toBeTruthy();
    expect(() => buildSimulation(loaded)).not.toThrow();
  });

  it.each(sweepFiles)('%s validates, and every point is a valid scenario', (f) => {
    const sweep = loadSweep(join(sweepsDir, f));
    expect(sweep.points.length).toBeGreaterThan(0);
    const needs = sweep.sweep.requires ?? [];
    if (!needs.every((m) => mechanismAvailable(m))) return;
    for (const p of sweep.points) {
      const raw = JSON.parse(readFileSync(p.baseFile, 'utf8'));
      expect(() => parseScenario(raw, p.baseFile, dirname(p.baseFile), p.overrides), p.key).not.toThrow();
    }
  });
});

describe('sweep files', () => {
  const base = join(paperDir, 'fig1-vllm-a6000.json');
  it('expand to the cross product of their axes (path values, variants, bases)', () => {
    const s = parseSweep(
      {
        format: 'joulesim-sweep/1',
        id: 'x',
        title: 'x',
        axes: [
          { name: 'task', bases: { a: base, b: join(paperDir, 'fig8-hf-a6000.json') } },
          { name: 'batch', path: 'cluster.scheduler.batch_size', values: [1, 8] },
          { name: 'gpu', variants: { slow: { cluster: { gpu: 'a6000' } }, fast: { cluster: { gpu: 'a100-pcie' } } } },
        ],
      },
      join(sweepsDir, 'x.sweep.json'),
    );
    expect(s.points).toHaveLength(8);
    expect(s.points[0]).toMatchObject({ key: 'task=a batch=1 gpu=slow', baseFile: base, overrides: { cluster: { scheduler: { batch_size: 1 }, gpu: 'a6000' } } });
    expect(s.points[7].key).toBe('task=b batch=8 gpu=fast');
  });

  it('bad sweeps are InputErrors naming the place', () => {
    expect(() => parseSweep({ format: 'joulesim-sweep/1', id: 'x', title: 'x', base: 'a.json', axes: [{ name: 'b', path: 'Bad Path', values: [1] }] }, 'x.sweep.json')).toThrow(InputError);
    expect(() => parseSweep({ format: 'joulesim-sweep/1', id: 'x', title: 'x', axes: [{ name: 'b', path: 'cluster.tp', values: [1] }] }, 'x.sweep.json')).toThrow(/base/);
    expect(() => parseSweep({ format: 'joulesim-sweep/2', id: 'x', title: 'x', base: 'a.json', axes: [] }, 'x.sweep.json')).toThrow(InputError);
  });
});

describe('joulesim reproduce', () => {
  it('--json on a reduced size: one or more entries per finding (1-9 and Table 4) with the required keys; --out writes the report', async () => {
    const out = join(tmp, 'report');
    const { code, stdout, stderr } = await cli('reproduce', '--json', '--requests', '12', '--no-progress', '--out', out);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as Record<string, unknown>[];
    const findings = new Set(rows.map((r) => r.finding));
    for (const f of ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'T4']) expect(findings.has(f), `finding ${f}`).toBe(true);
    for (const r of rows) {
      for (const k of ['finding', 'metric', 'paper_value', 'joulesim_value', 'direction_matches']) expect(r, `${String(r.id)} lacks ${k}`).toHaveProperty(k);
      expect(typeof r.metric).toBe('string');
      expect(['number', 'string']).toContain(typeof r.paper_value);
      expect(typeof r.cost_source).toBe('string');
      if (r.status === 'simulated') {
        expect(typeof r.direction_matches).toBe('boolean');
        expect(r.joulesim_value).not.toBeNull();
      } else {
        expect(r.direction_matches).toBeNull();
        expect(r.joulesim_value).toBeNull();
        expect(String(r.note)).toMatch(/not yet simulated/);
      }
      if (r.agreement === 'disagrees' || r.agreement === 'direction only') expect(String(r.disagreement)).toMatch(/joulesim/);
    }
    // Table 4's six numbers are the paper's.
    const t4 = Object.fromEntries(rows.filter((r) => r.finding === 'T4').map((r) => [r.id, r.paper_value]));
    expect(t4).toEqual({
      'T4.burstgpt-hf-eager': 506.52,
      'T4.burstgpt-vllm': 63.75,
      'T4.azure-code-hf-eager': 102.79,
      'T4.azure-code-vllm': 26.59,
      'T4.azure-conv-hf-eager': 490.23,
      'T4.azure-conv-vllm': 64.22,
    });
    for (const f of ['report.html', 'report.md', 'findings.json', 'points.json', 'meta.json']) expect(existsSync(join(out, f)), f).toBe(true);
    const figures = readdirSync(join(out, 'figures'));
    expect(figures).toEqual(expect.arrayContaining(['fig1-input.svg', 'fig1-output.svg', 'fig3-frameworks.svg', 'table4-savings.svg']));
    for (const f of figures) expect(readFileSync(join(out, 'figures', f), 'utf8')).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/<svg/);
    expect(html).not.toMatch(/<script/);
    expect(JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8')).max_requests).toBe(12);
  }, 120_000);
});

describe('joulesim estimate', () => {
  it('--json on a trace, with the run command’s flags', async () => {
    const { code, stdout, stderr } = await cli('estimate', '--trace', join(fixtures, 'tiny.csv'), '--gpu', 'a6000', '--stack', 'hf-eager', '--cost-model', 'roofline', '--flops-hw', 'sparse', '--json');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const e = JSON.parse(stdout);
    expect(e).toMatchObject({ gpu: 'a6000', stack: 'hf-eager', batching: 'static', flops_hw: { choice: 'sparse', tflops: 309.7 }, requests: { total: 3, included: 3 } });
    expect(e.cost_model.kind).toBe('datasheet');
    expect(e.e_total_j).toBeGreaterThan(0);
    expect(e.binning_error_pct).toBeTypeOf('number');
  });

  it('the table, and --out writes estimate.json and cells.csv', async () => {
    const out = join(tmp, 'estimate');
    const { code, stdout } = await cli('estimate', '--trace', join(fixtures, 'tiny.csv'), '--gpu', 'a6000', '--stack', 'vllm', '--out', out);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Ê_total/);
    expect(stdout).toMatch(/binning error/);
    expect(readFileSync(join(out, 'cells.csv'), 'utf8').split('\n')[0]).toBe('input_bin,output_bin,requests,batch_size,batches,e_batch_j,batch_seconds,flops_per_request,e_total_j,e_optimal_j');
    expect(JSON.parse(readFileSync(join(out, 'estimate.json'), 'utf8')).batching).toBe('continuous');
  });

  it('a bad --flops-hw is one line on stderr, exit 2', async () => {
    const { code, stderr, stdout } = await cli('estimate', '--flops-hw', 'fast');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('joulesim: --flops-hw: expected dense, sparse or a positive number of TFLOP/s, got "fast"\n');
  });
});

describe('findings without their sweeps', () => {
  it('every finding still has an entry, marked not yet simulated', async () => {
    const { computeFindings } = await import('../../sim/reproduce/findings.js');
    const { Results } = await import('../../sim/reproduce/results.js');
    const detail = 'needs speculative, which this tree does not have yet';
    const rows = computeFindings(
      new Results([{ id: 'spec-decoding', title: 's', findings: ['2'], mode: 'run', variants: [], status: 'not yet simulated', detail, points: [] }]),
    );
    for (const f of ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'T4']) expect(rows.some((r) => r.finding === f), `finding ${f}`).toBe(true);
    const spec = rows.filter((r) => r.finding === '2');
    expect(spec.map((r) => r.paper_value)).toEqual([29.14, 25.65]);
    for (const r of spec) expect(r).toMatchObject({ status: 'not yet simulated', joulesim_value: null, direction_matches: null, agreement: 'not yet simulated' });
    expect(String(spec[0].note)).toContain(detail);
    // Only the memory-model row (which needs no sweep) is simulated.
    expect(rows.filter((r) => r.status === 'simulated').map((r) => r.id)).toEqual(['4.vllm-batch-fits']);
  });
});
