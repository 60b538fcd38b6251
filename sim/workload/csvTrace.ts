/**
 * Plain CSV trace: a header naming `arrival_s,input_tokens,output_tokens` (any order, extra columns ignored,
 * matched case-insensitively), then one request per row. `arrival_s` is seconds on any clock; the first row
 * maps to t = 0. Fields are split on commas: quoted fields are not supported (none of the columns read needs
 * them). Rows with zero output or zero input tokens are skipped and counted.
 *
 * Optional prefix columns feed prefix caching: `prefix_id` (any text without commas; empty: no shared prefix) and
 * `prefix_tokens` (how many leading prompt tokens are that prefix's). Requests with the same prefix id share their
 * first min(prefix_tokens) tokens: the prefix becomes blocks of CSV_PREFIX_BLOCK_TOKENS tokens, block k of prefix
 * id p named ordinal(p) · 2^21 + k (ordinals in order of first appearance, so the same file gives the same ids).
 */
import { InputError } from '../errors.js';
import type { RowParser, TraceAdapter, TraceRow } from './traceCommon.js';
import { findColumns, hasColumns, headerNames, parseTimeAt, parseTokenCountAt, requireColumns, show, splitFields, wrongFieldCount } from './traceCommon.js';

export const CSV_COLUMNS = ['arrival_s', 'input_tokens', 'output_tokens'] as const;
export const CSV_PREFIX_COLUMNS = ['prefix_id', 'prefix_tokens'] as const;
/** vLLM's KV block: a prefix is shared in whole blocks of this many tokens. */
export const CSV_PREFIX_BLOCK_TOKENS = 16;
/** Room for 2^21 blocks (33M tokens) per prefix id. */
const BLOCKS_PER_ID = 2 ** 21;

/** Block ids of one row's prefix; null when it has none. */
function prefixIds(ordinals: Map<string, number>, id: string, prefixTokens: number, inputTokens: number, file: string, lineNumber: number): number[] | null {
  if (id === '') return null;
  if (prefixTokens > inputTokens) throw new InputError(file, `line ${lineNumber}`, `prefix_tokens: ${prefixTokens} exceeds input_tokens ${inputTokens}`);
  let ordinal = ordinals.get(id);
  if (ordinal === undefined) {
    ordinal = ordinals.size;
    ordinals.set(id, ordinal);
  }
  const blocks = Math.floor(prefixTokens / CSV_PREFIX_BLOCK_TOKENS);
  const ids = new Array<number>(blocks);
  for (let k = 0; k < blocks; k++) ids[k] = ordinal * BLOCKS_PER_ID + k;
  return blocks > 0 ? ids : null;
}

export const csvAdapter: TraceAdapter = {
  format: 'csv',
  hasHeader: true,
  unitSeconds: 1,
  prefixBlockTokens: CSV_PREFIX_BLOCK_TOKENS,
  expected: 'csv (header arrival_s,input_tokens,output_tokens)',
  matches: (line) => hasColumns(line, CSV_COLUMNS),
  createParser(file: string, header: string, headerLine: number): RowParser {
    const { indexes, columns } = requireColumns(file, headerLine, header, 'a plain CSV', CSV_COLUMNS);
    const [ia, ii, io] = indexes;
    const [ip, it] = findColumns(headerNames(header), CSV_PREFIX_COLUMNS).indexes;
    if ((ip < 0) !== (it < 0)) {
      throw new InputError(file, `line ${headerLine}`, `prefix columns come in a pair: give both prefix_id and prefix_tokens, or neither, in header ${show(header)}`);
    }
    const ordinals = new Map<string, number>();
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
        if (ip >= 0) {
          const id = text.slice(starts[ip], ends[ip]).trim();
          const prefixTokens = id === '' ? 0 : parseTokenCountAt(text, starts[it], ends[it], file, lineNumber, 'prefix_tokens');
          row.prefixBlockIds = prefixIds(ordinals, id, prefixTokens, row.inputTokens, file, lineNumber);
        }
        if (row.outputTokens === 0) return 'zero output tokens';
        if (row.inputTokens === 0) return 'zero input tokens';
        return undefined;
      },
    };
  },
};
