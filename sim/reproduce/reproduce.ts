/**
 * `joulesim reproduce`: runs every sweep of scenarios/paper/sweeps/, turns the results into the paper's findings
 * (paper number, joulesim number, direction, cost source, disagreement), and writes the report and figures.
 */
import { readFileSync } from 'node:fs';
import { ensureOutputDir, writeOutputFiles } from '../io/outputFile.js';
import { cpus, platform, release } from 'node:os';
import { join } from 'node:path';
import { packageRoot, scenariosDir } from '../paths.js';
import { buildFigures, type Figure } from './figures.js';
import { computeFindings, type FindingRow } from './findings.js';
import { renderHtml, renderMarkdown } from './report.js';
import { Results } from './results.js';
import { runSweep, type SweepOutcome } from './runSweeps.js';
import { loadSweeps } from './sweeps.js';

export const PAPER_SWEEPS_DIR = join(scenariosDir, 'paper', 'sweeps');

export interface ReproduceOptions {
  readonly sweepsDir?: string;
  /** Cap every configuration's request count (quick reduced runs; the report says so). */
  readonly maxRequests?: number;
  readonly onSweep?: (id: string, index: number, total: number, seconds: number) => void;
  /** The command line, for the report. */
  readonly command?: string;
}

export interface ReproduceMeta {
  readonly date: string;
  readonly joulesim_version: string;
  readonly node: string;
  readonly machine: string;
  readonly command: string;
  readonly seconds: number;
  readonly max_requests: number | null;
  readonly sweeps: { id: string; points: number; simulated: number; status: string; seconds: number; detail?: string }[];
}

export interface ReproduceOutput {
  readonly findings: FindingRow[];
  readonly sweeps: SweepOutcome[];
  readonly results: Results;
  readonly meta: ReproduceMeta;
}

export function reproduce(opts: ReproduceOptions = {}): ReproduceOutput {
  // The wall clock is read for the report's date and timings only; no simulation sees it.
  const started = Date.now();
  const loaded = loadSweeps(opts.sweepsDir ?? PAPER_SWEEPS_DIR);
  const sweeps: SweepOutcome[] = [];
  const timing: ReproduceMeta['sweeps'] = [];
  loaded.forEach((s, i) => {
    const t = Date.now();
    const out = runSweep(s, { maxRequests: opts.maxRequests });
    sweeps.push(out);
    const seconds = (Date.now() - t) / 1000;
    timing.push({
      id: out.id,
      points: out.points.length,
      simulated: out.points.filter((p) => p.status === 'ok').length,
      status: out.status,
      seconds,
      ...(out.detail ? { detail: out.detail } : {}),
    });
    opts.onSweep?.(out.id, i + 1, loaded.length, seconds);
  });
  const results = new Results(sweeps);
  const findings = computeFindings(results);
  const version = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  const cpu = cpus();
  const meta: ReproduceMeta = {
    date: new Date(started).toISOString(),
    joulesim_version: version,
    node: process.version,
    machine: `${platform()} ${release()}, ${cpu.length} × ${cpu[0]?.model?.trim() ?? 'unknown CPU'}`,
    command: opts.command ?? 'joulesim reproduce',
    seconds: (Date.now() - started) / 1000,
    max_requests: opts.maxRequests ?? null,
    sweeps: timing,
  };
  return { findings, sweeps, results, meta };
}

/** The `--json` list: one object per metric, the required keys first. */
export function findingsJson(findings: readonly FindingRow[]): string {
  return JSON.stringify(findings, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
}

export function writeReport(out: ReproduceOutput, dir: string): { figures: Figure[] } {
  ensureOutputDir(join(dir, 'figures'), '--out');
  const figures = buildFigures(out.results, out.findings);
  const finite = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v);
  writeOutputFiles([
    ...figures.map((f) => ({ path: join(dir, 'figures', f.file), content: f.svg })),
    { path: join(dir, 'findings.json'), content: findingsJson(out.findings) + '\n' },
    { path: join(dir, 'meta.json'), content: JSON.stringify(out.meta, null, 2) + '\n' },
    { path: join(dir, 'points.json'), content: JSON.stringify(out.sweeps, finite) + '\n' },
    { path: join(dir, 'report.md'), content: renderMarkdown(out.findings, out.meta, figures) },
    { path: join(dir, 'report.html'), content: renderHtml(out.findings, out.meta, figures, out.sweeps) },
  ]);
  return { figures };
}
