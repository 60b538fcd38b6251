/**
 * Trace replay as a RequestSource: streams a trace file row by row (constant memory) through its format's
 * adapter. Each iteration re-opens the file and resets the report. Arrivals are seconds after the first data
 * row (skipped rows included: the first row is the trace's t = 0 even if it is not a request), times
 * `timeScale`. Times must not go backwards: rows are streamed, never sorted.
 */
import { statSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { TraceFormat } from './workloadSchema.js';
import { LineReader } from './lineReader.js';
import type { RequestSource, RequestSpec, WorkloadReport } from './request.js';
import type { TraceAdapter, TraceRow } from './traceCommon.js';
import { isBlank, show } from './traceCommon.js';
import type { ConcreteTraceFormat } from './traceFormat.js';
import { resolveTraceFormat, traceAdapters } from './traceFormat.js';
import { displayPath } from '../io/displayPath.js';

export interface TraceOptions {
  /** Every request arrives at t = 0 (time order is then not checked). */
  readonly offline?: boolean;
  /** Yield at most this many requests (skipped rows do not count). */
  readonly limit?: number;
  /** Multiply arrival times by this (0.5 = twice the request rate). Default 1. */
  readonly timeScale?: number;
  /** Read buffer size in bytes (tests); default 1 MiB. */
  readonly bufferSize?: number;
  /** The longest line accepted (tests); default lineReader's DEFAULT_MAX_LINE_BYTES. */
  readonly maxLineBytes?: number;
  /**
   * How the description names the file (default: displayPath of `path`): the path as the scenario wrote it, so the
   * same scenario gives the same summary from any working directory.
   */
  readonly displayName?: string;
}

/** A trace RequestSource that also says which format it is read as. */
export interface TraceSource extends RequestSource {
  readonly format: ConcreteTraceFormat;
  readonly path: string;
}

function openReader(path: string, opts: TraceOptions): LineReader {
  try {
    if (statSync(path).isDirectory()) throw new InputError(path, '', 'cannot read trace: is a directory, not a file');
    return new LineReader(path, { bufferSize: opts.bufferSize, maxLineBytes: opts.maxLineBytes });
  } catch (e) {
    if (e instanceof InputError) throw e;
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.message;
    throw new InputError(path, '', `cannot read trace: ${why}`);
  }
}

/** The first non-blank line and its number; undefined for an empty file. */
function firstLine(reader: LineReader): { text: string; lineNumber: number } | undefined {
  for (let t = reader.next(); t !== undefined; t = reader.next()) {
    if (!isBlank(t)) return { text: t, lineNumber: reader.lineNumber };
  }
  return undefined;
}

/**
 * The longest span a trace may cover, first row to last: about three years. Longer is a corrupt time field (an
 * arrival of 1e300 would otherwise become a makespan of 1e300 s), not a workload.
 */
export const MAX_TRACE_SPAN_SECONDS = 1e8;

function fmtSeconds(s: number): string {
  return `${Number(s.toPrecision(12))} s`;
}

/**
 * Opens a trace. The format is detected (or checked, when explicit) and the header validated now, so a bad
 * header fails at load time; rows are read lazily on iteration.
 */
export function openTrace(path: string, format: TraceFormat = 'auto', opts: TraceOptions = {}): TraceSource {
  const offline = opts.offline === true;
  const limit = opts.limit ?? Infinity;
  const timeScale = opts.timeScale ?? 1;
  if (!(limit === Infinity || (Number.isInteger(limit) && limit >= 1))) {
    throw new InputError(path, '', `limit must be a positive integer, got ${limit}`);
  }
  if (!(Number.isFinite(timeScale) && timeScale > 0)) {
    throw new InputError(path, '', `time scale must be a positive number, got ${timeScale}`);
  }

  const probe = openReader(path, opts);
  let adapter: TraceAdapter;
  try {
    const head = firstLine(probe);
    if (head === undefined) throw new InputError(path, '', 'empty trace: no header and no rows, nothing to simulate');
    adapter = traceAdapters[resolveTraceFormat(path, head.text, head.lineNumber, format)];
    adapter.createParser(path, head.text, head.lineNumber);
    if (adapter.hasHeader && firstLine(probe) === undefined) {
      throw new InputError(path, '', `has a header (line ${head.lineNumber}) but no rows: nothing to simulate`);
    }
  } finally {
    probe.close();
  }

  let description = `trace ${adapter.format}:${opts.displayName ?? displayPath(path)}`;
  if (offline) description += ', offline';
  if (timeScale !== 1) description += `, time ×${timeScale}`;
  if (limit !== Infinity) description += `, first ${limit} requests`;
  const report: WorkloadReport = { description, rowsRead: 0, requestsYielded: 0, skipped: {} };

  function* iterate(): Generator<RequestSpec, void, undefined> {
    report.rowsRead = 0;
    report.requestsYielded = 0;
    for (const k of Object.keys(report.skipped)) delete report.skipped[k];
    if (limit < 1) return;
    const reader = openReader(path, opts);
    try {
      const head = firstLine(reader);
      if (head === undefined) return;
      const parser = adapter.createParser(path, head.text, head.lineNumber);
      const unit = adapter.unitSeconds;
      const row: TraceRow = { seconds: 0, fraction: 0, inputTokens: 0, outputTokens: 0, prefixBlockIds: null };
      const prefixBlockTokens = adapter.prefixBlockTokens;
      const skipped = report.skipped;
      let text: string | undefined = adapter.hasHeader ? reader.next() : head.text;
      let lineNumber = adapter.hasHeader ? reader.lineNumber : head.lineNumber;
      let first = true;
      let seconds0 = 0;
      let fraction0 = 0;
      let previous = 0;
      let previousLine = 0;
      let id = 0;
      for (; text !== undefined; text = reader.next(), lineNumber = reader.lineNumber) {
        if (isBlank(text)) continue;
        report.rowsRead++;
        const skip = parser.parse(text, lineNumber, row);
        if (first) {
          first = false;
          seconds0 = row.seconds;
          fraction0 = row.fraction;
          // Only Azure rows are dates; the other formats count seconds from an unstated origin.
          if (adapter.format === 'azure') report.wallClockStartEpochSeconds = seconds0 + fraction0;
        }
        const t = (row.seconds - seconds0 + (row.fraction - fraction0)) * unit;
        if (!(Math.abs(t) <= MAX_TRACE_SPAN_SECONDS)) {
          throw new InputError(
            path,
            `line ${lineNumber}`,
            `this row is ${fmtSeconds(t)} from the first row; a trace may span at most ${MAX_TRACE_SPAN_SECONDS} s (about 3 years): ${show(text)}`,
          );
        }
        if (!offline) {
          if (t < previous) {
            throw new InputError(
              path,
              `line ${lineNumber}`,
              `time goes backwards: this row is at ${fmtSeconds(t)} after the first row, the row on line ` +
                `${previousLine} at ${fmtSeconds(previous)}; traces are streamed, not sorted, so rows must be in ` +
                `non-decreasing time order (sort the file by time first): ${show(text)}`,
            );
          }
          previous = t;
          previousLine = lineNumber;
        }
        if (skip !== undefined) {
          skipped[skip] = (skipped[skip] ?? 0) + 1;
          continue;
        }
        report.requestsYielded++;
        const arrivalSeconds = offline ? 0 : t * timeScale;
        // Two literal shapes, no spread: this is the hot path of a 10-million-row trace.
        yield row.prefixBlockIds !== null && prefixBlockTokens !== undefined
          ? { id: id++, arrivalSeconds, inputTokens: row.inputTokens, outputTokens: row.outputTokens, prefixBlockIds: row.prefixBlockIds, prefixBlockTokens }
          : { id: id++, arrivalSeconds, inputTokens: row.inputTokens, outputTokens: row.outputTokens };
        if (id >= limit) return;
      }
    } finally {
      reader.close();
    }
  }

  return {
    report,
    format: adapter.format,
    path,
    [Symbol.iterator]: iterate,
  };
}
