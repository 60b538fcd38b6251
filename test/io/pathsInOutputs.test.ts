/**
 * The same run from another working directory gives the same bytes, and no output records where anything is
 * installed: paths in outputs are relative to the scenario (or the package for bundled files).
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../sim/paths.js';
import { tempDir } from '../compare/helpers.js';
import { cliChild } from './childProcess.js';

const dir = tempDir('paths');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const project = join(dir, 'project');
mkdirSync(join(project, 'traces'), { recursive: true });
copyFileSync(fileURLToPath(new URL('../fixtures/core/tiny.csv', import.meta.url)), join(project, 'traces', 'tiny.csv'));
const scenario = join(project, 'scenario.json');
// No name: the summary then names the scenario by its file.
writeFileSync(
  scenario,
  JSON.stringify({ seed: 3, workload: { kind: 'trace', path: 'traces/tiny.csv' }, cluster: { gpu: 'h100-sxm', model: 'llama-3.1-8b', stack: 'vllm' }, output: { interval_s: 1 } }),
);
const elsewhere = tempDir('paths-cwd');
afterAll(() => rmSync(elsewhere, { recursive: true, force: true }));

function allFiles(d: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const e of readdirSync(d, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) files.set(join(e.parentPath, e.name).slice(d.length + 1), readFileSync(join(e.parentPath, e.name)));
  }
  return files;
}

function expectNoAbsolutePath(text: string, what: string): void {
  for (const p of [packageRoot, dir, elsewhere, tmpdir()]) expect(text.includes(p), `${what} contains ${p}`).toBe(false);
}

describe('outputs are the same bytes from any working directory', () => {
  it('run --out and stdout, from the scenario folder and from another folder', { timeout: 300_000 }, () => {
    const a = cliChild(['run', 'scenario.json', '--out', join(dir, 'run-a'), '--no-progress', '--json'], { cwd: project });
    const b = cliChild(['run', scenario, '--out', join(dir, 'run-b'), '--no-progress', '--json'], { cwd: elsewhere });
    expect(a.stderr).toBe('');
    expect(b.stderr).toBe('');
    expect(a.stdout).toBe(b.stdout);
    const summary = JSON.parse(a.stdout) as { scenario: string; workload: { description: string }; cost_model: { profile?: string } };
    expect(summary.scenario).toBe('scenario.json');
    expect(summary.workload.description).toBe('trace csv:traces/tiny.csv');
    expect(summary.cost_model.profile).toBe('calibration/profiles/h100-sxm/llama-3.1-8b/vllm.json');
    const fa = allFiles(join(dir, 'run-a'));
    const fb = allFiles(join(dir, 'run-b'));
    expect([...fa.keys()].sort()).toEqual(['report.html', 'requests.csv', 'summary.json', 'timeseries.csv']);
    for (const [name, bytes] of fa) {
      expect(bytes.equals(fb.get(name)!), name).toBe(true);
      expectNoAbsolutePath(bytes.toString('utf8'), name);
    }
  });

  it('compare --out, from two folders', { timeout: 300_000 }, () => {
    const args = (out: string) => ['compare', scenario, '--vary', 'gpu=a100-sxm,h100-sxm', '--out', out, '--workers', '1', '--no-progress'];
    const a = cliChild(args(join(dir, 'cmp-a')), { cwd: project });
    const b = cliChild(args(join(dir, 'cmp-b')), { cwd: elsewhere });
    expect(a.status).toBe(0);
    expect(b.status).toBe(0);
    const fa = allFiles(join(dir, 'cmp-a'));
    const fb = allFiles(join(dir, 'cmp-b'));
    expect(fa.size).toBe(10);
    for (const [name, bytes] of fa) {
      expect(bytes.equals(fb.get(name)!), name).toBe(true);
      expectNoAbsolutePath(bytes.toString('utf8'), name);
    }
    // stdout differs only in the folder it says it wrote to.
    const table = (s: string) => s.replace(/^wrote .*$/m, '');
    expect(table(a.stdout)).toBe(table(b.stdout));
    expectNoAbsolutePath(table(a.stdout), 'compare stdout');
  });

  it('the default scenario: stdout names bundled files relative to the package', { timeout: 300_000 }, () => {
    const a = cliChild(['run', '--no-progress', '--json'], { cwd: packageRoot });
    const b = cliChild(['run', '--no-progress', '--json'], { cwd: elsewhere });
    expect(a.status).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expectNoAbsolutePath(a.stdout, 'summary');
    const summary = JSON.parse(a.stdout) as { workload: { description: string } };
    expect(summary.workload.description).toBe('trace azure:traces/AzureLLMInferenceTrace_conv.csv');
  });
});
