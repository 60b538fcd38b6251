import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRequestSource, limitSource, offlineSource } from '../../sim/workload/createRequestSource.js';
import { loadTraceLengths } from '../../sim/workload/lengths.js';
import { all, fixtures, inputError, shippedTraces, tempDir } from './helpers.js';

const tmp = tempDir();
mkdirSync(join(tmp.dir, 'traces'));
copyFileSync(join(fixtures, 'plain.csv'), join(tmp.dir, 'traces', 'plain.csv'));

describe('createRequestSource', () => {
  it('trace: relative path resolves against baseDir; format, limit, time_scale, offline', () => {
    const src = createRequestSource({ kind: 'trace', path: 'traces/plain.csv', format: 'auto' }, { baseDir: tmp.dir, seed: 1 });
    expect(all(src).map((r) => r.arrivalSeconds)).toEqual([0, 0.5, 9.875]);
    const scaled = createRequestSource({ kind: 'trace', path: 'traces/plain.csv', format: 'csv', time_scale: 2, limit: 2 }, { baseDir: tmp.dir, seed: 1 });
    expect(all(scaled).map((r) => r.arrivalSeconds)).toEqual([0, 1]);
    const offline = createRequestSource({ kind: 'trace', path: join(tmp.dir, 'traces/plain.csv'), format: 'auto', offline: true }, { baseDir: '/elsewhere', seed: 1 });
    expect(all(offline).map((r) => r.arrivalSeconds)).toEqual([0, 0, 0]);
  });

  it('missing trace file: InputError at /workload/path', () => {
    const e = inputError(() => createRequestSource({ kind: 'trace', path: 'traces/missing.csv', format: 'auto' }, { baseDir: tmp.dir, seed: 1, file: 'my.json' }));
    expect(e.file).toBe('my.json');
    expect(e.place).toBe('/workload/path');
    expect(e.detail).toMatch(/^no such file ".*traces\/missing.csv"/);
    const e2 = inputError(() => createRequestSource({ kind: 'trace', path: 'traces', format: 'auto' }, { baseDir: tmp.dir, seed: 1 }));
    expect(e2.message).toMatch(/^scenario:\/workload\/path: .* is not a file/);
  });

  it('synthetic: scenario seed by default, own seed when given; offline flag', () => {
    const cfg = { kind: 'synthetic', arrival: { process: 'poisson', rate_per_s: 2 }, count: 100, lengths: { kind: 'fixed', input_tokens: 5, output_tokens: 6 } } as const;
    const a = all(createRequestSource(cfg, { baseDir: tmp.dir, seed: 11 }));
    const b = all(createRequestSource({ ...cfg, seed: 11 }, { baseDir: tmp.dir, seed: 999 }));
    const c = all(createRequestSource(cfg, { baseDir: tmp.dir, seed: 12 }));
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    const off = createRequestSource({ ...cfg, offline: true }, { baseDir: tmp.dir, seed: 11 });
    expect(all(off).every((r) => r.arrivalSeconds === 0 && r.inputTokens === 5 && r.outputTokens === 6)).toBe(true);
    expect(off.report.description).toMatch(/synthetic poisson 2\/s, 100 requests, arrivals forced to t = 0, lengths fixed 5 in, 6 out, seed 11/);
  });

  it('synthetic with lengths resampled jointly from a shipped trace', () => {
    const src = createRequestSource(
      { kind: 'synthetic', arrival: { process: 'gamma', rate_per_s: 5, cv: 3 }, count: 2000, lengths: { kind: 'trace', path: 'traces/AzureLLMInferenceTrace_conv.csv' } },
      { baseDir: join(shippedTraces, '..'), seed: 3 },
    );
    const lengths = loadTraceLengths(join(shippedTraces, 'AzureLLMInferenceTrace_conv.csv'));
    const pairs = new Set<string>();
    for (let i = 0; i < lengths.count; i++) pairs.add(`${lengths.input[i]},${lengths.output[i]}`);
    const got = all(src);
    expect(got.length).toBe(2000);
    expect(got.every((r) => pairs.has(`${r.inputTokens},${r.outputTokens}`))).toBe(true);
    expect(new Set(got.map((r) => `${r.inputTokens},${r.outputTokens}`)).size).toBeGreaterThan(500);
    expect(lengths.input).toBeInstanceOf(Int32Array);
    expect(lengths.count + Object.values(lengths.report.skipped).reduce((x, y) => x + y, 0)).toBe(19_366);
  });

  it('synthetic with a missing lengths trace: InputError at /workload/lengths/path', () => {
    const e = inputError(() =>
      createRequestSource(
        { kind: 'synthetic', arrival: { process: 'offline' }, count: 1, lengths: { kind: 'trace', path: 'nope.csv' } },
        { baseDir: tmp.dir, seed: 1, file: 'sc.json' },
      ),
    );
    expect(e.place).toBe('/workload/lengths/path');
    expect(e.file).toBe('sc.json');
  });

  it('offlineSource and limitSource wrappers', () => {
    const base = createRequestSource({ kind: 'trace', path: 'traces/plain.csv', format: 'auto' }, { baseDir: tmp.dir, seed: 1 });
    const off = offlineSource(base);
    expect(all(off).map((r) => [r.id, r.arrivalSeconds, r.inputTokens])).toEqual([[0, 0, 512], [1, 0, 128], [2, 0, 2048]]);
    expect(off.report.requestsYielded).toBe(3);
    expect(off.report.description).toMatch(/, offline$/);
    const lim = limitSource(base, 1);
    expect(all(lim)).toEqual([{ id: 0, arrivalSeconds: 0, inputTokens: 512, outputTokens: 20 }]);
    expect(lim.report.requestsYielded).toBe(1);
    expect(lim.report.rowsRead).toBe(1);
    expect(all(limitSource(base, 0))).toEqual([]);
  });
});
