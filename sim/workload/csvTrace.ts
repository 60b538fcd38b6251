/**
 * Plain CSV trace: a header naming `arrival_s,input_tokens,output_tokens` (any order, extra columns ignored,
 * matched case-insensitively), then one request per row. `arrival_s` is seconds on any clock; the first row
 * maps to t = 0. Fields are split on commas: quoted fields are not supported (none of the columns read needs
 * them). Rows with zero output or zero input tokens are skipped and counted.
 */
import type { RowParser, TraceAdapter, TraceRow } from './traceCommon.js';
import { hasColumns, parseTimeAt, parseTokenCountAt, requireColumns, splitFields, wrongFieldCount } from './traceCommon.js';

export const CSV_COLUMNS = ['arrival_s', 'input_tokens', 'output_tokens'] as const;

export const csvAdapter: TraceAdapter = {
  format: 'csv',
  hasHeader: true,
  unitSeconds: 1,
  expected: 'csv (header arrival_s,input_tokens,output_tokens)',
  matches: (line) => hasColumns(line, CSV_COLUMNS),
  createParser(file: string, header: string, headerLine: number): RowParser {
    const { indexes, columns } = requireColumns(file, headerLine, header, 'a plain CSV', CSV_COLUMNS);
    const [ia, ii, io] = indexes;
    const starts = new Int32Array(columns);
    const ends = new Int32Array(columns);
    return {
      parse(text: string, lineNumber: number, row: TraceRow): string | undefined {
        const found = splitFields(text, starts, ends);
        if (found !== columns) throw wrongFieldCount(file, lineNumber, text, columns, found, header);
        row.seconds = parseTimeAt(text, starts[ia], ends[ia], file, lineNumber, 'arrival_s', 'seconds');
        row.fraction = 0;
        row.inputTokens = parseTokenCountAt(text, starts[ii], ends[ii], file, lineNumber, 'input_tokens');
        row.outputTokens = parseTokenCountAt(text, starts[io], ends[io], file, lineNumber, 'output_tokens');
        if (row.outputTokens === 0) return 'zero output tokens';
        if (row.inputTokens === 0) return 'zero input tokens';
        return undefined;
      },
    };
  },
};
