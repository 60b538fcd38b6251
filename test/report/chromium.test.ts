/**
 * report.html in a real headless Chromium: the page loads from file:// with no network, its script runs without
 * errors, every chart's SVG is in the DOM with drawn paths, the legend and cursor readout respond, and a
 * screenshot renders. Skipped, saying why, when no Chromium is installed (set JOULESIM_CHROMIUM to its path, or
 * install Debian's `chromium`). Set JOULESIM_SCREENSHOTS=DIR to keep the screenshots for a look.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCompare } from '../../sim/compare/compare.js';
import { runScenario } from '../../sim/run/runScenario.js';
import { parseScenario } from '../../sim/scenario/loadScenario.js';
import { smallScenario, tempDir } from '../compare/helpers.js';

function findChromium(): string | null {
  const env = process.env.JOULESIM_CHROMIUM;
  if (env) return env;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return null;
}

const chromium = findChromium();
if (!chromium) {
  console.warn('joulesim: skipping the headless-browser checks of report.html: no chromium found (apt-get install chromium, or set JOULESIM_CHROMIUM)');
}

function browse(mode: string[], url: string): { stdout: string; console: string[] } {
  const profile = tempDir('chromium-profile');
  const r = spawnSync(
    chromium!,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--hide-scrollbars',
      `--user-data-dir=${profile}`,
      '--enable-logging=stderr',
      '--v=0',
      ...mode,
      url,
    ],
    { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 },
  );
  if (r.error) throw r.error;
  // Page console output (script errors, SVG attribute errors) comes as `...:CONSOLE(...)] "message"` lines.
  const consoleLines = r.stderr.split('\n').filter((l) => /:CONSOLE[:(]/.test(l));
  return { stdout: r.stdout, console: consoleLines };
}

function bodyAttrs(dom: string): Record<string, string> {
  const body = /<body([^>]*)>/.exec(dom)?.[1] ?? '';
  return Object.fromEntries([...body.matchAll(/([\w-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
}

/** A copy of the page with a script that clicks a legend entry and moves the cursor over a chart, then reports. */
function withInteraction(html: string, chartId: string): string {
  const probe = `<script>
(function () {
  var svg = document.getElementById(${JSON.stringify(chartId)});
  var item = svg.querySelector('.legend-item');
  item.dispatchEvent(new MouseEvent('click', { bubbles: true }));
  var key = item.getAttribute('data-series');
  var hidden = svg.querySelectorAll('.data .off[data-series="' + key + '"]').length;
  var r = svg.querySelector('rect.hover').getBoundingClientRect();
  svg.querySelector('rect.hover').dispatchEvent(new MouseEvent('mousemove', { clientX: r.left + r.width / 2, clientY: r.top + r.height / 2, bubbles: true }));
  var readout = svg.querySelector('.readout');
  document.body.setAttribute('data-probe', [hidden, item.getAttribute('aria-pressed'), readout.getAttribute('visibility'), readout.querySelector('text').textContent].join('|'));
})();
</script></body>`;
  return html.replace('</body>', probe);
}

describe.skipIf(!chromium)('report.html in headless Chromium', () => {
  const dir = tempDir('chromium');
  const keep = process.env.JOULESIM_SCREENSHOTS;

  function check(path: string, expectedCharts: number): string {
    const { stdout: dom, console: messages } = browse(['--dump-dom'], pathToFileURL(path).href);
    expect(messages, 'console messages (script or SVG errors)').toEqual([]);
    const attrs = bodyAttrs(dom);
    expect(attrs['data-report-ready']).toBe('1');
    expect(attrs['data-js-errors']).toBeUndefined();
    expect(attrs['data-charts']).toBe(String(expectedCharts));
    expect((dom.match(/<svg class="chart/g) ?? []).length).toBe(expectedCharts);
    // Every drawn series has geometry; every chart has tick labels and axis titles.
    for (const m of dom.matchAll(/<path class="(line|area|dots)"[^>]*\sd="([^"]*)"/g)) expect(m[2].length, m[0].slice(0, 80)).toBeGreaterThan(10);
    expect((dom.match(/<text class="axis-label"/g) ?? []).length).toBeGreaterThanOrEqual(expectedCharts);
    expect((dom.match(/<text class="tick"/g) ?? []).length).toBeGreaterThan(expectedCharts * 4);
    return dom;
  }

  function screenshot(path: string, name: string): void {
    const png = join(dir, name);
    browse([`--screenshot=${png}`, '--window-size=1400,2600'], pathToFileURL(path).href);
    const bytes = readFileSync(png);
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(bytes.length).toBeGreaterThan(50_000);
    if (keep) {
      mkdirSync(keep, { recursive: true });
      copyFileSync(png, join(keep, name));
    }
  }

  it('a run report: loads, no errors, every chart drawn, legend and readout respond, screenshot renders', () => {
    const out = join(dir, 'run');
    const scenario = smallScenario({ cluster: { gpu: 'h100-sxm', model: 'llama-3.1-8b', stack: 'vllm', replicas: 2 } });
    runScenario(parseScenario(scenario, 's.json', dir), { outDir: out });
    const page = join(out, 'report.html');
    // The page plus a probe script that clicks a legend entry and moves the cursor (the page's own script runs first).
    const probePage = join(dir, 'probe.html');
    writeFileSync(probePage, withInteraction(readFileSync(page, 'utf8'), 'requests'));
    const dom = check(probePage, 10);
    expect((dom.match(/<path class="area"/g) ?? []).length).toBe(9);
    const [hidden, pressed, visibility, text] = (bodyAttrs(dom)['data-probe'] ?? '').split('|');
    expect(hidden).toBe('1');
    expect(pressed).toBe('false');
    expect(visibility).toBe('visible');
    expect(text).toMatch(/^[\d.,]+ s, {2}[\d.,]+ requests$/);
    screenshot(page, 'run-report.png');
  }, 60_000);

  it('a compare report: every variant overlaid, no errors, screenshot renders', async () => {
    const out = join(dir, 'cmp');
    await runCompare({ raw: smallScenario(), file: 's.json', baseDir: dir }, { gpu: ['a100-sxm', 'h100-sxm', 'b200'] }, { workers: 1, outDir: out });
    const page = join(out, 'report.html');
    const dom = check(page, 11);
    expect((dom.match(/<path class="dots"/g) ?? []).length).toBe(6);
    expect((dom.match(/<rect class="bar"/g) ?? []).length).toBeGreaterThanOrEqual(9);
    screenshot(page, 'compare-report.png');
  }, 60_000);
});
