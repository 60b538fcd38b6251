/**
 * The facility model through the CLI: the summary block only when asked for, flags, compare axes, determinism,
 * and bad input (one line, exit 2, no output files left behind).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../cliHarness.js';
import { expectClose } from '../core/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'joulesim-facility-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

const synthetic = {
  kind: 'synthetic',
  arrival: { process: 'poisson', rate_per_s: 4 },
  duration_s: 120,
  lengths: { kind: 'uniform', input: { min: 20, max: 400 }, output: { min: 5, max: 150 } },
};
const base = file('base.json', { seed: 7, workload: synthetic, cluster: { gpu: 'h100-sxm', stack: 'vllm', replicas: 2 }, output: { interval_s: 5 } });

async function expectOneLineError(...args: string[]): Promise<string> {
  const { code, stderr, stdout } = await cli(...args);
  expect(code).toBe(2);
  expect(stdout).toBe('');
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
  return lines[0];
}

async function runJson(...args: string[]) {
  const { code, stdout, stderr } = await cli('run', ...args, '--json', '--no-progress');
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return JSON.parse(stdout);
}

describe('facility through the CLI', () => {
  it('a run without facility settings has no facility block; flags turn it on', async () => {
    expect((await runJson(base)).facility).toBeUndefined();
    const s = await runJson(base, '--node', 'dgx-h100', '--pue', '1.3', '--region', 'us-ciso', '--start', '2022-11-20T11:00:00Z', '--price-usd-per-kwh', '0.1');
    const f = s.facility;
    expect(f.node).toMatchObject({ type: 'dgx-h100', nodes: 1, replicas_per_node: 8, empty_gpu_slots: 6 });
    expect(f.provenance).toMatchObject({ gpu: 'calibrated', node: 'modelled' });
    expect(f.start_utc).toBe('2022-11-20T11:00:00Z');
    expect(f.energy_j.gpu).toBe(s.energy_j);
    expectClose(f.energy_j.facility, 1.3 * f.energy_j.it, 1e-12);
    expectClose(f.cost_usd, (0.1 * f.energy_j.facility) / 3.6e6, 1e-12);
    expect(f.operational_kgco2e).toBeGreaterThan(0);
    expect(f.embodied_kgco2e.total).toBeGreaterThan(0);
    expect(f.warnings.join(' ')).toMatch(/6 GPU slot\(s\)/);
  }, 60_000);

  it('same scenario and seed: byte-identical output files', async () => {
    const a = join(dir, 'det-a');
    const b = join(dir, 'det-b');
    for (const out of [a, b]) {
      const { code } = await cli('run', base, '--region', 'us-pjm', '--start', '2022-11-07T04:58:00Z', '--out', out, '--no-progress');
      expect(code).toBe(0);
    }
    for (const f of readdirSync(a)) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), f).toBe(true);
    const html = readFileSync(join(a, 'report.html'), 'utf8');
    expect(html).toContain('Grid carbon intensity');
    expect(html).toContain('Electricity price');
    expect(html).toMatch(/us-pjm-2022-11\.csv: 1 missing slot\(s\) filled/);
  }, 60_000);

  it('compare varies region, PUE and node type: each changes only what it should', async () => {
    const { code, stdout } = await cli(
      'compare', base, '--vary', 'region=us-ciso,us-pjm', '--vary', 'pue=1.1,1.5', '--vary', 'node-type=dgx-h100,dgx-a100',
      '--start', '2022-11-03T00:00:00Z', '--json', '--no-progress', '--workers', '1',
    );
    expect(code).toBe(0);
    const c = JSON.parse(stdout);
    const by = (label: string) => c.variants.find((v: { label: string }) => v.label === label).summary.facility;
    const ciso = by('region=us-ciso pue=1.1 node-type=dgx-h100');
    const pjm = by('region=us-pjm pue=1.1 node-type=dgx-h100');
    const pue15 = by('region=us-ciso pue=1.5 node-type=dgx-h100');
    const a100Node = by('region=us-ciso pue=1.1 node-type=dgx-a100');
    // Region: same energy, other carbon.
    expect(pjm.energy_j).toEqual(ciso.energy_j);
    expect(pjm.operational_kgco2e).not.toBe(ciso.operational_kgco2e);
    // PUE: same IT energy, facility in proportion.
    expect(pue15.energy_j.it).toBe(ciso.energy_j.it);
    expectClose(pue15.energy_j.facility / ciso.energy_j.facility, 1.5 / 1.1, 1e-12);
    // Node type: same GPU energy, another node.
    expect(a100Node.energy_j.gpu).toBe(ciso.energy_j.gpu);
    expect(a100Node.energy_j.node).not.toBe(ciso.energy_j.node);
    expect(a100Node.warnings.join(' ')).toMatch(/built around a100-sxm, not h100-sxm/);
    expect(c.variants[1].delta_pct.facility_energy_j).not.toBeNull();
  }, 120_000);
});

describe('facility: bad input', () => {
  it('unknown ids, both region and carbon, a replica wider than a node, a bad start', async () => {
    expect(await expectOneLineError('run', base, '--region', 'us-mars')).toMatch(/^joulesim: --region: unknown grid region 'us-mars'; known: us-ciso, us-pjm$/);
    expect(await expectOneLineError('run', base, '--node', 'dgx-h900')).toMatch(/--node: unknown node type 'dgx-h900'/);
    const both = file('both.json', { workload: synthetic, facility: { region: 'us-ciso', carbon_g_per_kwh: 300, start: '2022-11-03T00:00:00Z' } });
    expect(await expectOneLineError('run', both)).toMatch(/both\.json:\/facility: give region or carbon_g_per_kwh, not both/);
    const wide = file('wide.json', { workload: synthetic, cluster: { gpu: 'a100-sxm', tp: 2 }, facility: { node: 'pcie-server-4gpu', carbon_g_per_kwh: 300 } });
    expect(await expectOneLineError('run', wide, '--tp', '8')).toMatch(/a replica of 8 GPUs \(tp\) does not fit a pcie-server-4gpu node of 4 GPUs/);
    expect(await expectOneLineError('run', base, '--region', 'us-ciso', '--start', '2022-11-03 00:00:00')).toMatch(/\/facility\/start: expected a date-time with an offset/);
  }, 60_000);

  it('a constant or a series: a bad one is reported by what is wrong with it', async () => {
    expect(await expectOneLineError('run', base, '--pue', '0.5')).toMatch(/^joulesim: --pue: must be >= 1$/);
    const noColumn = file('nocolumn.json', { workload: synthetic, facility: { carbon_g_per_kwh: { file: 'ci.csv' } } });
    expect(await expectOneLineError('run', noColumn)).toMatch(/nocolumn\.json:\/facility\/carbon_g_per_kwh: missing required property 'column'$/);
  }, 60_000);

  it('a time series needs a wall-clock start: synthetic workloads must give one', async () => {
    expect(await expectOneLineError('run', base, '--region', 'us-ciso')).toMatch(/base\.json:\/facility\/start: this workload has no wall-clock dates/);
  }, 60_000);

  it('a series that does not cover the start fails before anything is written', async () => {
    const out = join(dir, 'early');
    const line = await expectOneLineError('run', base, '--region', 'us-ciso', '--start', '2023-11-16T18:00:00Z', '--out', out);
    expect(line).toMatch(/us-ciso-2022-11\.csv: covers 2022-11-01T00:00:00Z to 2022-12-01T00:00:00Z, but the run starts at 2023-11-16T18:00:00Z/);
    expect(existsSync(join(out, 'requests.csv'))).toBe(false);
  }, 60_000);

  it('a series that ends during the run: one line, and no requests.csv or summary left behind', async () => {
    const out = join(dir, 'late');
    const line = await expectOneLineError('run', base, '--region', 'us-ciso', '--start', '2022-11-30T23:59:00Z', '--out', out);
    expect(line).toMatch(/covers 2022-11-01T00:00:00Z to 2022-12-01T00:00:00Z, but the run needs .* to 2022-12-01T00:0/);
    expect(readdirSync(out)).toEqual([]);
  }, 60_000);
});
