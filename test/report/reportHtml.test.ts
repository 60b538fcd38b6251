/**
 * report.html without a browser: one self-contained file (nothing fetched), the charts it promises, the provenance
 * on show, and the same bytes for the same run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCompare } from '../../sim/compare/compare.js';
import { runScenario } from '../../sim/run/runScenario.js';
import { parseScenario } from '../../sim/scenario/loadScenario.js';
import { cli, smallScenario, tempDir } from '../compare/helpers.js';

function selfContained(html: string): void {
  expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
  // Nothing loaded from anywhere: no external scripts, styles, images or fonts.
  expect(html).not.toMatch(/<link\b|<img\b|<iframe\b|\bsrc=|@import|url\((?!#)/i);
  const urls = html.match(/https?:\/\/[^\s"'<)]+/g) ?? [];
  expect(urls.filter((u) => u !== 'http://www.w3.org/2000/svg')).toEqual([]);
}

const count = (html: string, re: RegExp) => (html.match(re) ?? []).length;

describe('run report', () => {
  const dir = tempDir('html');
  const scenario = smallScenario({ cluster: { gpu: 'h100-sxm', model: 'llama-3.1-8b', stack: 'vllm', replicas: 2 } });

  it('run --out writes a self-contained report with every chart', async () => {
    const file = join(dir, 's.json');
    writeFileSync(file, JSON.stringify(scenario));
    const out = join(dir, 'out');
    const { code } = await cli('run', file, '--out', out, '--no-progress', '--json');
    expect(code).toBe(0);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    selfContained(html);
    for (const id of ['power-r0', 'power-r1', 'power-total', 'energy-cumulative', 'requests', 'cdf-ttft', 'cdf-tpot', 'cdf-e2e', 'run-scatter-input', 'run-scatter-output']) {
      expect(html, id).toContain(`<svg class="chart" id="${id}"`);
    }
    expect(count(html, /<path class="area"/g)).toBe(9);
    expect(html).toMatch(/<path class="dots" data-series="0" data-points="80"/);
    expect(html).toMatch(/class="provenance prov-(calibrated|transferred|datasheet|extrapolated)"/);
    expect(html).toContain('power (W)');
    expect(html).toContain('fraction of requests');
  });

  it('the same run gives the same bytes', () => {
    const a = runScenario(parseScenario(structuredClone(scenario), 's.json', dir), { outDir: join(dir, 'a') });
    const b = runScenario(parseScenario(structuredClone(scenario), 's.json', dir), { outDir: join(dir, 'b') });
    expect(a.report).toEqual(b.report);
    expect(readFileSync(join(dir, 'a', 'report.html')).equals(readFileSync(join(dir, 'b', 'report.html')))).toBe(true);
  });
});

describe('compare report', () => {
  it('overlays the variants and shows each one’s provenance', async () => {
    const dir = tempDir('html-cmp');
    const { result } = await runCompare({ raw: smallScenario(), file: 's.json', baseDir: dir }, { gpu: ['a100-sxm', 'h100-sxm', 'b200'] }, { workers: 1, outDir: dir });
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    selfContained(html);
    for (const id of ['cmp-energy', 'cmp-jpt', 'cmp-power', 'cmp-energy-cumulative', 'cmp-running', 'cmp-queued', 'cmp-cdf-ttft', 'cmp-cdf-tpot', 'cmp-cdf-e2e', 'cmp-scatter-input', 'cmp-scatter-output']) {
      expect(html, id).toContain(`id="${id}"`);
    }
    // One line per variant on each overlaid line chart, one dot series per variant on each scatter.
    expect(count(html, /<path class="line" data-series="2"/g)).toBe(7);
    expect(count(html, /<path class="dots"/g)).toBe(6);
    for (const v of result.variants) {
      expect(html).toContain(`<a href="${v.dir}/report.html">${v.label}</a>`);
      expect(html).toContain(`<span class="badge ${v.summary.cost_model.kind}">`);
    }
  });
});
