/**
 * BurstGPT traces (HPMLL/BurstGPT): header `Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type`
 * (columns found by name; Model, Total tokens and Log Type are not used). Timestamp is seconds since the start
 * of the collection. BurstGPT records a failed request with `Response tokens` = 0 (often with 0 request tokens
 * too): such rows are skipped and counted as `failed (Response tokens = 0)`; rows with request tokens = 0 and a
 * response are skipped as `zero input tokens`.
 */
import type { RowParser, TraceAdapter, TraceRow } from './traceCommon.js';
import { hasColumns, parseTimeAt, parseTokenCountAt, requireColumns, splitFields, wrongFieldCount } from './traceCommon.js';

export const BURSTGPT_COLUMNS = ['Timestamp', 'Request tokens', 'Response tokens'] as const;

export const BURSTGPT_FAILED = 'failed (Response tokens = 0)';

export const burstgptAdapter: TraceAdapter = {
  format: 'burstgpt',
  hasHeader: true,
  unitSeconds: 1,
  expected: 'burstgpt (header Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type)',
  matches: (line) => hasColumns(line, BURSTGPT_COLUMNS),
  createParser(file: string, header: string, headerLine: number): RowParser {
    const { indexes, columns } = requireColumns(file, headerLine, header, 'a BurstGPT', BURSTGPT_COLUMNS);
    const [it, ii, io] = indexes;
    const starts = new Int32Array(columns);
    const ends = new Int32Array(columns);
    return {
      parse(text: string, lineNumber: number, row: TraceRow): string | undefined {
        const found = splitFields(text, starts, ends);
        if (found !== columns) throw wrongFieldCount(file, lineNumber, text, columns, found, header);
        row.seconds = parseTimeAt(text, starts[it], ends[it], file, lineNumber, 'Timestamp', 'seconds');
        row.fraction = 0;
        row.inputTokens = parseTokenCountAt(text, starts[ii], ends[ii], file, lineNumber, 'Request tokens');
        row.outputTokens = parseTokenCountAt(text, starts[io], ends[io], file, lineNumber, 'Response tokens');
        if (row.outputTokens === 0) return BURSTGPT_FAILED;
        if (row.inputTokens === 0) return 'zero input tokens';
        return undefined;
      },
    };
  },
};
