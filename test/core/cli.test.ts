/**
 * Bad input through the CLI entry point: exit code 2 and exactly one line on stderr, naming the file or flag and
 * the place, with no stack trace.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../cliHarness.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'core');
const dir = mkdtempSync(join(tmpdir(), 'joulesim-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function scenarioFile(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

const tinyTrace = { kind: 'trace', path: join(fixtures, 'tiny.csv'), format: 'csv' };


/** Exit 2, nothing on stdout, one line on stderr (no stack trace); returns the line. */
async function expectOneLineError(...args: string[]): Promise<string> {
  const { code, stderr, stdout } = await cli(...args);
  expect(code).toBe(2);
  expect(stdout).toBe('');
  expect(stderr.endsWith('\n')).toBe(true);
  const lines = stderr.slice(0, -1).split('\n');
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(stderr.startsWith('joulesim: ')).toBe(true);
  return lines[0];
}

describe('CLI: bad inputs', () => {
  it('a valid tiny scenario runs (exit 0, JSON summary)', async () => {
    const { code, stdout, stderr } = await cli('run', scenarioFile('ok.json', { workload: tinyTrace }), '--json', '--no-progress');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary.requests_completed).toBe(3);
  });

  it('unknown GPU, model and stack in the scenario: the file, the JSON path, and the known ids', async () => {
    const gpu = scenarioFile('gpu.json', { workload: tinyTrace, cluster: { gpu: 'h900' } });
    expect(await expectOneLineError('run', gpu, '--no-progress')).toBe(
      `joulesim: ${gpu}:/cluster/gpu: unknown GPU 'h900'; known: a100-pcie, a100-sxm, a100-sxm-40gb, a6000, b200, h100-sxm, h200, l40s, rtx6000-ada`,
    );
    const model = scenarioFile('model.json', { workload: tinyTrace, cluster: { model: 'llama-9' } });
    const modelLine = await expectOneLineError('run', model, '--no-progress');
    expect(modelLine).toMatch(new RegExp(`^joulesim: ${model}:/cluster/model: unknown model architecture 'llama-9'; known: .*llama-3\\.1-8b`));
    const stack = scenarioFile('stack.json', { workload: tinyTrace, cluster: { stack: 'tgi' } });
    expect(await expectOneLineError('run', stack, '--no-progress')).toBe(
      `joulesim: ${stack}:/cluster/stack: unknown serving stack 'tgi'; known: hf-compile, hf-eager, hf-paged, vllm, vllm-eager`,
    );
  });

  it('unknown GPU given as a flag names the flag', async () => {
    const ok = scenarioFile('ok.json', { workload: tinyTrace });
    expect(await expectOneLineError('run', ok, '--gpu', 'h900', '--no-progress')).toMatch(/^joulesim: --gpu: unknown GPU 'h900'; known: .*h100-sxm/);
  });

  it('schema violation names the JSON path', async () => {
    const f = scenarioFile('replicas.json', { workload: tinyTrace, cluster: { replicas: 0 } });
    expect(await expectOneLineError('run', f, '--no-progress')).toBe(`joulesim: ${f}:/cluster/replicas: must be >= 1`);
    const g = scenarioFile('extra.json', { workload: tinyTrace, clusters: {} });
    expect(await expectOneLineError('run', g, '--no-progress')).toBe(`joulesim: ${g}:/: unknown property 'clusters'`);
  });

  it('invalid JSON, even when the parser quotes several lines of it', async () => {
    const f = scenarioFile('invalid.json', '{\n  "seed": 1,\n  "workload": }\n');
    expect(await expectOneLineError('run', f, '--no-progress')).toMatch(new RegExp(`^joulesim: ${f}: not valid JSON \\(`));
  });

  it('malformed trace row and negative lengths name the trace file and line', async () => {
    const badRow = scenarioFile('bad-row.json', { workload: { kind: 'trace', path: join(fixtures, 'bad-row.csv'), format: 'csv' } });
    expect(await expectOneLineError('run', badRow, '--no-progress')).toMatch(
      new RegExp(`^joulesim: ${join(fixtures, 'bad-row.csv')}:line 3: expected 3 comma-separated fields .* found 2: "0\\.5,200"$`),
    );
    const negative = scenarioFile('negative.json', { workload: { kind: 'trace', path: join(fixtures, 'negative-lengths.csv'), format: 'csv' } });
    expect(await expectOneLineError('run', negative, '--no-progress')).toBe(
      `joulesim: ${join(fixtures, 'negative-lengths.csv')}:line 3: input_tokens: expected a non-negative integer token count, found negative "-200"`,
    );
  });

  it('bad flag values, unknown flags, a missing scenario file', async () => {
    const ok = scenarioFile('ok.json', { workload: tinyTrace });
    expect(await expectOneLineError('run', ok, '--batch-size', 'abc')).toBe('joulesim: --batch-size: expected a positive integer, got "abc"');
    expect(await expectOneLineError('run', ok, '--batch-size', '0')).toBe('joulesim: --batch-size: expected a positive integer, got "0"');
    expect(await expectOneLineError('run', ok, '--power-cap-w', '-5')).toBe('joulesim: --power-cap-w: expected a positive number, got "-5"');
    expect(await expectOneLineError('run', ok, '--bogus')).toMatch(/unknown option '--bogus'/);
    expect(await expectOneLineError('run', ok, '--router', 'random')).toMatch(/'--router <kind>' argument 'random' is invalid/);
    const missing = join(dir, 'missing.json');
    expect(await expectOneLineError('run', missing)).toBe(`joulesim: ${missing}: cannot read the scenario file`);
  });
});
