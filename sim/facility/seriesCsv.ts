/**
 * Reads a time series (carbon intensity, price, PUE) from a CSV file with a timestamp column: the resolution is
 * the smallest spacing between rows and every row must sit on that grid; short gaps (missing rows or empty cells,
 * up to `maxGapSeconds`) are filled by linear interpolation between their neighbours and counted; longer ones,
 * time going backwards, duplicates and bad numbers are InputErrors naming the file and line.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import { formatUtc, hasOffset, isKnownZone, parseWallClock } from './wallClock.js';
import { StepSeries } from './stepSeries.js';

export interface SeriesCsvOptions {
  readonly timeColumn: string;
  readonly valueColumn: string;
  /** Zone of timestamps written without an offset ('UTC', '+05:30', an IANA name). */
  readonly timezone?: string;
  /** Longest gap filled by interpolation (default: three resolution steps). */
  readonly maxGapSeconds?: number;
  /** Multiplies every value (units: e.g. 0.001 for $/MWh to $/kWh). */
  readonly scale?: number;
  /** Where the options came from, for messages about them (a scenario path). */
  readonly source: string;
  /** How the file is named in messages and summaries (default: the path). */
  readonly label?: string;
}

function splitCsvLine(line: string): string[] {
  return line.split(',').map((f) => {
    const t = f.trim();
    return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).trim() : t;
  });
}

export function readSeriesCsv(path: string, opts: SeriesCsvOptions): StepSeries {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(path, '', `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (opts.timezone !== undefined && !isKnownZone(opts.timezone)) {
    throw new InputError(opts.source, 'timezone', `unknown time zone '${opts.timezone}' (use UTC, ±HH:MM or an IANA name like America/Los_Angeles)`);
  }
  const lines = text.split(/\r?\n/);
  let headerAt = lines.findIndex((l) => l.trim().length > 0);
  if (headerAt < 0) throw new InputError(path, '', 'empty file');
  const names = splitCsvLine(lines[headerAt]).map((n) => n.toLowerCase());
  const ti = names.indexOf(opts.timeColumn.toLowerCase());
  const vi = names.indexOf(opts.valueColumn.toLowerCase());
  for (const [i, col, what] of [[ti, opts.timeColumn, 'time'], [vi, opts.valueColumn, 'value']] as const) {
    if (i < 0) throw new InputError(path, `line ${headerAt + 1}`, `no ${what} column '${col}' in the header (columns: ${names.join(', ')})`);
  }
  const times: number[] = [];
  const values: number[] = [];
  const lineOf: number[] = [];
  const scale = opts.scale ?? 1;
  for (let i = headerAt + 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim().length === 0) continue;
    const fields = splitCsvLine(line);
    const where = `line ${i + 1}`;
    if (fields.length !== names.length) throw new InputError(path, where, `expected ${names.length} fields, found ${fields.length}`);
    const ts = fields[ti];
    const t = parseWallClock(ts, opts.timezone);
    if (Number.isNaN(t)) {
      if (opts.timezone === undefined && !hasOffset(ts) && !Number.isNaN(parseWallClock(ts, 'UTC'))) {
        throw new InputError(path, where, `${opts.timeColumn} '${ts}' has no UTC offset: give the series a timezone (UTC, ±HH:MM or an IANA name)`);
      }
      throw new InputError(path, where, `${opts.timeColumn}: expected a date-time like 2022-11-01 00:00:00+00:00, found '${ts}'`);
    }
    const raw = fields[vi];
    let v = Number.NaN;
    if (raw !== '') {
      v = Number(raw);
      if (!Number.isFinite(v) || v < 0) throw new InputError(path, where, `${opts.valueColumn}: expected a non-negative number, found '${raw}'`);
      v *= scale;
    }
    if (times.length > 0 && !(t > times[times.length - 1])) {
      throw new InputError(path, where, `${opts.timeColumn} ${formatUtc(t)} is not after the previous row's ${formatUtc(times[times.length - 1])} (rows must be in time order, no duplicates)`);
    }
    times.push(t);
    values.push(v);
    lineOf.push(i + 1);
  }
  if (times.length === 0) throw new InputError(path, '', 'no data rows');
  let step = Infinity;
  for (let k = 1; k < times.length; k++) step = Math.min(step, times[k] - times[k - 1]);
  if (!Number.isFinite(step)) step = 3600;
  const from = times[0];
  const slots = Math.round((times[times.length - 1] - from) / step) + 1;
  const grid = new Float64Array(slots).fill(Number.NaN);
  for (let k = 0; k < times.length; k++) {
    const pos = (times[k] - from) / step;
    const slot = Math.round(pos);
    if (Math.abs(pos - slot) > 1e-6) {
      throw new InputError(path, `line ${lineOf[k]}`, `${formatUtc(times[k])} is off the series' ${step}-second grid that starts at ${formatUtc(from)}`);
    }
    grid[slot] = values[k];
  }
  const maxGapSlots = Math.floor((opts.maxGapSeconds ?? 3 * step) / step + 1e-9);
  let filled = 0;
  for (let k = 0; k < slots; ) {
    if (!Number.isNaN(grid[k])) {
      k++;
      continue;
    }
    let end = k;
    while (end < slots && Number.isNaN(grid[end])) end++;
    const gap = end - k;
    if (k === 0 || end === slots || gap > maxGapSlots) {
      const line = lineOf[times.findIndex((t) => t >= from + k * step)] ?? lineOf[lineOf.length - 1];
      throw new InputError(
        path,
        `line ${line}`,
        `no ${opts.valueColumn} for ${gap * step} s from ${formatUtc(from + k * step)}; gaps longer than ${maxGapSlots * step} s are not filled (max_gap_s)`,
      );
    }
    const before = grid[k - 1];
    const after = grid[end];
    for (let j = 0; j < gap; j++) grid[k + j] = before + ((after - before) * (j + 1)) / (gap + 1);
    filled += gap;
    k = end;
  }
  return new StepSeries(from, step, grid, opts.label ?? path, filled);
}
