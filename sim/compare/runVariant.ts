/**
 * One variant of a comparison, as a plain-data job: what a worker thread receives and returns (structured clone),
 * and what the in-process path runs too, so both give the same bytes.
 */
import { isInputError } from '../errors.js';
import type { RunReportData } from '../report/reportData.js';
import type { Summary } from '../report/summary.js';
import { runScenario, runScenarioInSlices } from '../run/runScenario.js';
import { parseScenario } from '../scenario/loadScenario.js';
import { loadScenarioPolicies } from '../scenario/loadPolicies.js';

export interface VariantJob {
  readonly index: number;
  /** The base scenario as read from its file (or given to the API), before any override. */
  readonly raw: unknown;
  /** For messages, and the summary's name when the scenario has none. */
  readonly file: string;
  /** Relative paths in the scenario resolve against this folder. */
  readonly baseDir: string;
  /** Partial scenario merged over `raw`: the base's own overrides, then the variant's. */
  readonly overrides: Record<string, unknown>;
  /** Folder for summary.json, requests.csv, timeseries.csv and report.html; none writes nothing. */
  readonly outDir?: string;
  /** Collect what report.html draws (default true); a large sweep only keeps summaries. */
  readonly report?: boolean;
}

export interface VariantOutcome {
  readonly index: number;
  readonly summary: Summary;
  /** The per-GPU power limit the run used. */
  readonly powerCapWatts: number;
  /** Null when the job asked for no report. */
  readonly report: RunReportData | null;
}

/** What crosses back from a worker when a job fails: an InputError's parts (one line for the CLI), or a message. */
export type VariantFailure =
  | { readonly index: number; readonly input: { file: string; place: string; detail: string } }
  | { readonly index: number; readonly internal: string };

/**
 * Runs one job. `sliced`: return to the event loop every so many events (the same simulation, the same bytes), so a
 * thread that also hands jobs to workers keeps them fed.
 */
export async function runVariantJob(job: VariantJob, opts: { readonly sliced?: boolean } = {}): Promise<VariantOutcome> {
  const loaded = parseScenario(structuredClone(job.raw), job.file, job.baseDir, job.overrides);
  const report = job.report ?? true;
  const runOptions = { outDir: job.outDir, report, plugins: await loadScenarioPolicies(loaded) };
  const out = opts.sliced ? await runScenarioInSlices(loaded, runOptions) : runScenario(loaded, runOptions);
  return { index: job.index, summary: out.summary, powerCapWatts: out.resolved.cost.powerCapWatts, report: report ? out.report! : null };
}

export function describeFailure(index: number, e: unknown): VariantFailure {
  if (isInputError(e)) return { index, input: { file: e.file, place: e.place, detail: e.detail } };
  const err = e as Error;
  return { index, internal: `${err?.message ?? String(e)}${err?.stack ? `\n${err.stack}` : ''}` };
}
