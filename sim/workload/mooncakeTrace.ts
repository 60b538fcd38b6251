/**
 * Mooncake traces (kvcache-ai/Mooncake, FAST'25 release): JSON lines
 * `{"timestamp": ms, "input_length": n, "output_length": n, "hash_ids": [...]}`. There is no header: the first
 * line is already a request. `hash_ids` name the prompt's 512-token blocks, each hash covering its block and every
 * block before it (the trace's README), and become the request's prefix block ids (prefix caching); a row without
 * them has none. Rows with zero output or zero input tokens are skipped and counted.
 */
import { InputError } from '../errors.js';
import type { RowParser, TraceAdapter, TraceRow } from './traceCommon.js';
import { MAX_ABS_TIME, parseTokenCount, show } from './traceCommon.js';

const EXPECTED = 'a JSON object {"timestamp": ms, "input_length": n, "output_length": n, ...}';

function isMooncakeObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'timestamp' in v && 'input_length' in v && 'output_length' in v;
}

function tokens(v: unknown, file: string, lineNumber: number, key: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === 'number' || typeof v === 'string') return parseTokenCount(String(v), file, lineNumber, key);
  throw new InputError(file, `line ${lineNumber}`, `${key}: expected a non-negative integer token count, found ${show(JSON.stringify(v) ?? String(v))}`);
}

/** Tokens per hash_ids block in the Mooncake traces. */
export const MOONCAKE_BLOCK_TOKENS = 512;

function hashIds(v: unknown, file: string, lineNumber: number): number[] | null {
  if (v === undefined) return null;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)) {
    throw new InputError(file, `line ${lineNumber}`, `hash_ids: expected an array of non-negative integers, found ${show(JSON.stringify(v) ?? String(v))}`);
  }
  return v as number[];
}

export const mooncakeAdapter: TraceAdapter = {
  format: 'mooncake',
  hasHeader: false,
  unitSeconds: 0.001,
  prefixBlockTokens: MOONCAKE_BLOCK_TOKENS,
  expected: `mooncake (JSON lines: ${EXPECTED})`,
  matches(line: string): boolean {
    if (line.trimStart().charCodeAt(0) !== 123 /* { */) return false;
    try {
      return isMooncakeObject(JSON.parse(line));
    } catch {
      return false;
    }
  },
  createParser(file: string): RowParser {
    return {
      parse(text: string, lineNumber: number, row: TraceRow): string | undefined {
        let v: unknown;
        try {
          v = JSON.parse(text);
        } catch (e) {
          throw new InputError(file, `line ${lineNumber}`, `expected ${EXPECTED}, found invalid JSON (${(e as Error).message}): ${show(text)}`);
        }
        if (!isMooncakeObject(v)) {
          throw new InputError(file, `line ${lineNumber}`, `expected ${EXPECTED}, found ${show(text)}`);
        }
        const t = v.timestamp;
        if (typeof t !== 'number' || !(Math.abs(t) <= MAX_ABS_TIME)) {
          throw new InputError(file, `line ${lineNumber}`, `timestamp: expected a time in milliseconds (a number within ±${MAX_ABS_TIME}), found ${show(JSON.stringify(t) ?? String(t))}`);
        }
        row.seconds = t;
        row.fraction = 0;
        row.inputTokens = tokens(v.input_length, file, lineNumber, 'input_length');
        row.outputTokens = tokens(v.output_length, file, lineNumber, 'output_length');
        row.prefixBlockIds = hashIds(v.hash_ids, file, lineNumber);
        if (row.outputTokens === 0) return 'zero output tokens';
        if (row.inputTokens === 0) return 'zero input tokens';
        return undefined;
      },
    };
  },
};
