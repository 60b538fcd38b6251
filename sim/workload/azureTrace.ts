/**
 * Azure LLM inference traces (Azure/AzurePublicDataset): header `TIMESTAMP,ContextTokens,GeneratedTokens`.
 * TIMESTAMP is a wall-clock date-time: the 2023 release writes `2023-11-16 18:15:46.6805900` (no offset,
 * 100 ns digits), the 2024 release `2024-05-10 00:00:00.009930+00:00`. Date.parse would truncate to
 * milliseconds, so timestamps are parsed here: whole seconds since 1970 (an exact integer) plus the fraction
 * from its digits, kept apart until the first row's time is subtracted. A timestamp without an offset is UTC.
 * Rows with zero output or zero input tokens are skipped and counted.
 */
import { InputError } from '../errors.js';
import type { RowParser, TraceAdapter, TraceRow } from './traceCommon.js';
import { hasColumns, parseTokenCountAt, requireColumns, show, splitFields, wrongFieldCount } from './traceCommon.js';

export const AZURE_COLUMNS = ['TIMESTAMP', 'ContextTokens', 'GeneratedTokens'] as const;

/** Days from 1970-01-01 to the given proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The decimal digit at s[i], or NaN. */
function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : NaN;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * Parses `YYYY-MM-DD[ T]HH:MM:SS[.digits][Z|±HH:MM|±HHMM|±HH]` in s[a, b) (default: all of s) into whole
 * seconds since 1970-01-01 UTC and a fraction in [0, 1) (up to 15 fractional digits are used). Returns false
 * if the text is not such a time.
 */
export function parseTimestamp(
  s: string,
  out: { seconds: number; fraction: number },
  a = 0,
  b = s.length,
): boolean {
  if (b - a < 19) return false;
  const year = digit(s, a) * 1000 + digit(s, a + 1) * 100 + digit(s, a + 2) * 10 + digit(s, a + 3);
  const month = digit(s, a + 5) * 10 + digit(s, a + 6);
  const day = digit(s, a + 8) * 10 + digit(s, a + 9);
  const hour = digit(s, a + 11) * 10 + digit(s, a + 12);
  const minute = digit(s, a + 14) * 10 + digit(s, a + 15);
  const second = digit(s, a + 17) * 10 + digit(s, a + 18);
  const sep = s.charCodeAt(a + 10);
  if (
    s.charCodeAt(a + 4) !== 45 || s.charCodeAt(a + 7) !== 45 || (sep !== 32 && sep !== 84) ||
    s.charCodeAt(a + 13) !== 58 || s.charCodeAt(a + 16) !== 58 ||
    !(month >= 1 && month <= 12) || !(day >= 1 && day <= daysInMonth(year, month)) ||
    !(hour <= 23) || !(minute <= 59) || !(second <= 60) || Number.isNaN(year)
  ) {
    return false;
  }
  let i = a + 19;
  let fraction = 0;
  if (i < b && s.charCodeAt(i) === 46) {
    i++;
    let digits = 0;
    let v = 0;
    for (; i < b; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      if (digits < 15) {
        v = v * 10 + c;
        digits++;
      }
    }
    if (digits === 0) return false;
    fraction = v / POW10[digits];
  }
  let offsetSeconds = 0;
  if (i < b) {
    const c = s.charCodeAt(i);
    if (c === 90 /* Z */) {
      i++;
    } else if (c === 43 /* + */ || c === 45 /* - */) {
      const sign = c === 43 ? 1 : -1;
      const oh = i + 2 < b ? digit(s, i + 1) * 10 + digit(s, i + 2) : NaN;
      i += 3;
      let om = 0;
      if (i < b) {
        if (s.charCodeAt(i) === 58) i++;
        om = i + 1 < b ? digit(s, i) * 10 + digit(s, i + 1) : NaN;
        i += 2;
      }
      if (!(oh <= 23) || !(om <= 59)) return false;
      offsetSeconds = sign * (oh * 3600 + om * 60);
    }
  }
  if (i !== b) return false;
  out.seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offsetSeconds;
  out.fraction = fraction;
  return true;
}

export const azureAdapter: TraceAdapter = {
  format: 'azure',
  hasHeader: true,
  unitSeconds: 1,
  expected: 'azure (header TIMESTAMP,ContextTokens,GeneratedTokens)',
  matches: (line) => hasColumns(line, AZURE_COLUMNS),
  createParser(file: string, header: string, headerLine: number): RowParser {
    const { indexes, columns } = requireColumns(file, headerLine, header, 'an Azure trace', AZURE_COLUMNS);
    const [it, ii, io] = indexes;
    const starts = new Int32Array(columns);
    const ends = new Int32Array(columns);
    return {
      parse(text: string, lineNumber: number, row: TraceRow): string | undefined {
        const found = splitFields(text, starts, ends);
        if (found !== columns) throw wrongFieldCount(file, lineNumber, text, columns, found, header);
        if (!parseTimestamp(text, row, starts[it], ends[it])) {
          const ts = text.slice(starts[it], ends[it]);
          if (!parseTimestamp(ts.trim(), row)) {
            throw new InputError(
              file,
              `line ${lineNumber}`,
              'TIMESTAMP: expected a date-time like "2023-11-16 18:15:46.6805900" or ' +
                `"2024-05-10 00:00:00.009930+00:00", found ${show(ts)}`,
            );
          }
        }
        row.inputTokens = parseTokenCountAt(text, starts[ii], ends[ii], file, lineNumber, 'ContextTokens');
        row.outputTokens = parseTokenCountAt(text, starts[io], ends[io], file, lineNumber, 'GeneratedTokens');
        if (row.outputTokens === 0) return 'zero output tokens';
        if (row.inputTokens === 0) return 'zero input tokens';
        return undefined;
      },
    };
  },
};
