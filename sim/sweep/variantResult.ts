/**
 * One variant's result file, `variants/<id>.json`: written atomically as the variant finishes, so its presence
 * means the variant is complete, and carrying the sweep's fingerprint, so it cannot be mistaken for another
 * sweep's.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import type { RunReportData } from '../report/reportData.js';
import type { Summary } from '../report/summary.js';
import { readJsonFile } from './loadSweep.js';

export const RESULT_FORMAT = 'joulesim-sweep-result/1';
export const VARIANTS_DIR = 'variants';
export const PLAN_FILE = 'plan.json';
/** Result file names: the id and `.json`; anything else in the folder (partial writes) is not a result. */
export const RESULT_NAME = /^([0-9a-f]{12})\.json$/;

export interface VariantResult {
  readonly format: typeof RESULT_FORMAT;
  readonly sweep: string;
  readonly joulesim: string;
  readonly id: string;
  readonly label: string;
  readonly power_cap_w: number;
  readonly summary: Summary;
  /** What the merged report.html overlays; null in sweeps too large to overlay. */
  readonly report: RunReportData | null;
}

export function resultPath(outDir: string, id: string): string {
  return join(outDir, VARIANTS_DIR, `${id}.json`);
}

/** Two-space JSON with non-finite numbers (an empty quantile) as null, as compare.json writes them. */
export function resultJson(r: VariantResult): string {
  return JSON.stringify(r, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';
}

/** Reads a result and checks it belongs to this sweep and variant. */
export function readResult(path: string, fingerprint: string, id: string): VariantResult {
  const r = readJsonFile(path, 'variant result') as Partial<VariantResult> | null;
  if (r === null || typeof r !== 'object' || r.format !== RESULT_FORMAT) throw new InputError(path, '', `not a joulesim sweep result (format ${JSON.stringify(r?.format)})`);
  if (r.sweep !== fingerprint) throw new InputError(path, '', `result of a different sweep (fingerprint ${String(r.sweep).slice(0, 12)}…, expected ${fingerprint.slice(0, 12)}…)`);
  if (r.id !== id) throw new InputError(path, '', `holds variant ${String(r.id)}, not ${id}`);
  return r as VariantResult;
}

export function hasResult(outDir: string, id: string): boolean {
  return existsSync(resultPath(outDir, id));
}
