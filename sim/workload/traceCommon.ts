/**
 * What the trace adapters share: the adapter interface the streaming driver (openTrace.ts) calls, the scratch
 * row they fill, and field parsers whose error messages name the line, the column, what was expected and what
 * was found.
 */
import { InputError } from '../errors.js';

export type ConcreteTraceFormat = 'csv' | 'azure' | 'burstgpt' | 'mooncake';

/**
 * One parsed row, written in place by a RowParser (no allocation per row). The row's time is
 * `(seconds + fraction) × adapter.unitSeconds` on the trace's own clock; it is kept as two numbers so that
 * wall-clock timestamps (~1.7e9 s since 1970) lose no sub-microsecond precision when the first row's time is
 * subtracted: the driver computes `((seconds − seconds₀) + (fraction − fraction₀)) × unitSeconds`.
 */
export interface TraceRow {
  seconds: number;
  fraction: number;
  inputTokens: number;
  outputTokens: number;
  /** Prefix block ids of the row (RequestSpec.prefixBlockIds), or null when the format or row has none. */
  prefixBlockIds: number[] | null;
}

export interface RowParser {
  /**
   * Parses one non-blank data line into `row`. Returns undefined for a request, or the reason the row is
   * skipped (counted in WorkloadReport.skipped). Throws InputError for a malformed row.
   */
  parse(text: string, lineNumber: number, row: TraceRow): string | undefined;
}

export interface TraceAdapter {
  readonly format: ConcreteTraceFormat;
  /** Whether the first non-blank line is a header (false for JSON lines, whose first line is a row). */
  readonly hasHeader: boolean;
  /** Multiply (seconds + fraction) by this to get seconds (0.001 for millisecond clocks). */
  readonly unitSeconds: number;
  /** Tokens per prefix block, for formats whose rows carry prefix block ids. */
  readonly prefixBlockTokens?: number;
  /** Human description of the expected header, for error messages. */
  readonly expected: string;
  /** Whether a first line looks like this format (auto-detection). */
  matches(firstLine: string): boolean;
  /** Validates the header (or first line) and returns the row parser; throws InputError when it does not fit. */
  createParser(file: string, firstLine: string, lineNumber: number): RowParser;
}

/** Lines shown in messages are cut to this many characters. */
const SHOW_MAX = 120;

export function show(text: string): string {
  return JSON.stringify(text.length > SHOW_MAX ? text.slice(0, SHOW_MAX) + '…' : text);
}

export function isBlank(text: string): boolean {
  // Fast path: a row starts with a non-space character.
  return text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim().length === 0);
}

/** Header names: trimmed, surrounding double quotes removed, lower case. */
export function headerNames(line: string): string[] {
  return line.split(',').map((name) => {
    let n = name.trim();
    if (n.length >= 2 && n.startsWith('"') && n.endsWith('"')) n = n.slice(1, -1).trim();
    return n.toLowerCase();
  });
}

/** Index of each required column (matched case-insensitively), or the names that are missing. */
export function findColumns(
  names: readonly string[],
  required: readonly string[],
): { indexes: number[]; missing: string[] } {
  const indexes: number[] = [];
  const missing: string[] = [];
  for (const r of required) {
    const i = names.indexOf(r.toLowerCase());
    indexes.push(i);
    if (i < 0) missing.push(r);
  }
  return { indexes, missing };
}

export function hasColumns(line: string, required: readonly string[]): boolean {
  return findColumns(headerNames(line), required).missing.length === 0;
}

/**
 * Checks a header and returns the indexes of the required columns (in the order given) and the column count.
 * Throws InputError naming the missing columns.
 */
export function requireColumns(
  file: string,
  lineNumber: number,
  line: string,
  format: string,
  required: readonly string[],
): { indexes: number[]; columns: number } {
  const names = headerNames(line);
  const { indexes, missing } = findColumns(names, required);
  if (missing.length > 0) {
    throw new InputError(
      file,
      `line ${lineNumber}`,
      `expected ${format} header with columns ${required.join(', ')}; ` +
        `missing ${missing.map((m) => JSON.stringify(m)).join(', ')} in header ${show(line)}`,
    );
  }
  return { indexes, columns: names.length };
}

export function wrongFieldCount(
  file: string,
  lineNumber: number,
  text: string,
  expected: number,
  found: number,
  header: string,
): InputError {
  return new InputError(
    file,
    `line ${lineNumber}`,
    `expected ${expected} comma-separated fields (as in the header ${show(header)}), found ${found}: ${show(text)}`,
  );
}

/**
 * A decimal number as people write it: optional sign, digits with an optional fraction, optional exponent. Number()
 * also reads `0x10`, `0b11`, `0o7` and `Infinity`, which in a trace are mistakes, not numbers.
 */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function isDecimal(t: string): boolean {
  return DECIMAL.test(t);
}

/**
 * The largest time accepted, in the trace's own unit: beyond 1e15 a double cannot tell whole units apart (2^53 ≈
 * 9e15), so such a value is a corrupt field, not a clock reading.
 */
export const MAX_ABS_TIME = 1e15;

/** The largest token count accepted: lengths are held in Int32Arrays when resampled. */
export const MAX_TOKENS = 0x7fffffff;

/**
 * A token count: a non-negative integer. Pure digit strings take a fast path without Number(); anything else
 * (spaces, `12.0`, `1e3`) goes through Number() and is accepted only if it is a non-negative integer.
 */
export function parseTokenCount(s: string, file: string, lineNumber: number, column: string): number {
  const n = s.length;
  if (n > 0 && n <= 9) {
    let v = 0;
    let i = 0;
    for (; i < n; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
    }
    if (i === n) return v;
  }
  const t = s.trim();
  const v = t.length === 0 || !isDecimal(t) ? NaN : Number(t);
  if (Number.isInteger(v) && v >= 0 && v <= MAX_TOKENS) return v;
  let problem: string;
  if (t.length === 0) problem = 'an empty field';
  else if (Number.isNaN(v)) problem = `${Number.isNaN(Number(t)) ? 'non-numeric' : 'non-decimal'} ${show(s)}`;
  else if (v < 0) problem = `negative ${show(s)}`;
  else if (!Number.isFinite(v) || v > MAX_TOKENS) problem = `${show(s)}, larger than ${MAX_TOKENS}`;
  else problem = `non-integer ${show(s)}`;
  throw new InputError(file, `line ${lineNumber}`, `${column}: expected a non-negative integer token count, found ${problem}`);
}

/**
 * Splits a CSV line on commas without allocating: writes the bounds of the first `starts.length` fields into
 * `starts`/`ends` (field k is text[starts[k], ends[k])) and returns how many fields the line has.
 */
export function splitFields(text: string, starts: Int32Array, ends: Int32Array): number {
  const max = starts.length;
  let a = 0;
  let k = 0;
  for (;;) {
    const c = text.indexOf(',', a);
    if (k < max) {
      starts[k] = a;
      ends[k] = c < 0 ? text.length : c;
    }
    k++;
    if (c < 0) return k;
    a = c + 1;
  }
}

/** A token count in text[a, b): the fast path of parseTokenCount without taking a substring. */
export function parseTokenCountAt(text: string, a: number, b: number, file: string, lineNumber: number, column: string): number {
  const n = b - a;
  if (n > 0 && n <= 9) {
    let v = 0;
    let i = a;
    for (; i < b; i++) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
    }
    if (i === b) return v;
  }
  return parseTokenCount(text.slice(a, b), file, lineNumber, column);
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * A time in text[a, b). Plain decimals (`-`? digits, `.` digits?, at most 15 digits) take Clinger's fast path:
 * an integer mantissa below 2^53 divided by an exact power of ten is correctly rounded, so the result is the
 * same double Number() gives. Anything else (exponents, spaces, long mantissas) goes through Number().
 */
export function parseTimeAt(text: string, a: number, b: number, file: string, lineNumber: number, column: string, unit: string): number {
  let i = a;
  let negative = false;
  if (i < b && text.charCodeAt(i) === 45) {
    negative = true;
    i++;
  }
  let m = 0;
  let digits = 0;
  let fractionDigits = -1;
  for (; i < b; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 && fractionDigits < 0) {
      fractionDigits = 0;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9) break;
    m = m * 10 + d;
    digits++;
    if (fractionDigits >= 0) fractionDigits++;
  }
  // 15 digits keep the value below MAX_ABS_TIME.
  if (i === b && digits > 0 && digits <= 15) {
    const v = fractionDigits > 0 ? m / POW10[fractionDigits] : m;
    return negative ? -v : v;
  }
  return parseTime(text.slice(a, b), file, lineNumber, column, unit);
}

/** A time as a decimal number within ±MAX_ABS_TIME (negative allowed: only differences matter). */
export function parseTime(s: string, file: string, lineNumber: number, column: string, unit: string): number {
  const t = s.trim();
  const v = t.length === 0 || !isDecimal(t) ? NaN : Number(t);
  if (Math.abs(v) <= MAX_ABS_TIME) return v;
  const problem = t.length === 0 ? 'an empty field' : Number.isNaN(v) ? show(s) : `${show(s)}, beyond ±${MAX_ABS_TIME}`;
  throw new InputError(file, `line ${lineNumber}`, `${column}: expected a time in ${unit} (a decimal number), found ${problem}`);
}
