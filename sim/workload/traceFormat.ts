/**
 * Trace format detection from the first non-blank line (a CSV header, or the first JSON line). An explicit
 * format skips detection; the adapter then checks that the header fits that format.
 */
import { InputError } from '../errors.js';
import type { TraceFormat } from './workloadSchema.js';
import { azureAdapter } from './azureTrace.js';
import { burstgptAdapter } from './burstgptTrace.js';
import { csvAdapter } from './csvTrace.js';
import { mooncakeAdapter } from './mooncakeTrace.js';
import type { ConcreteTraceFormat, TraceAdapter } from './traceCommon.js';
import { show } from './traceCommon.js';

export type { ConcreteTraceFormat } from './traceCommon.js';

export const traceAdapters: Readonly<Record<ConcreteTraceFormat, TraceAdapter>> = {
  csv: csvAdapter,
  azure: azureAdapter,
  burstgpt: burstgptAdapter,
  mooncake: mooncakeAdapter,
};

/** The formats the first line fits (normally one; several when a header holds the columns of more than one). */
export function matchingTraceFormats(firstLine: string): ConcreteTraceFormat[] {
  return (Object.keys(traceAdapters) as ConcreteTraceFormat[]).filter((f) => traceAdapters[f].matches(firstLine));
}

/** The single format the first line fits, or undefined (none or several). */
export function detectTraceFormat(firstLine: string): ConcreteTraceFormat | undefined {
  const m = matchingTraceFormats(firstLine);
  return m.length === 1 ? m[0] : undefined;
}

/**
 * The format to read a file with: `format` itself unless it is 'auto', else the one the first line fits.
 * Throws InputError(file, 'line N', ...) for an unrecognised or ambiguous first line.
 */
export function resolveTraceFormat(
  file: string,
  firstLine: string,
  lineNumber: number,
  format: TraceFormat,
): ConcreteTraceFormat {
  if (format !== 'auto') {
    if (!(format in traceAdapters)) {
      throw new InputError(file, '', `unknown trace format ${JSON.stringify(format)}; expected auto or one of: ${Object.keys(traceAdapters).join(', ')}`);
    }
    return format;
  }
  const m = matchingTraceFormats(firstLine);
  if (m.length === 1) return m[0];
  if (m.length > 1) {
    throw new InputError(
      file,
      `line ${lineNumber}`,
      `trace header ${show(firstLine)} fits several formats (${m.join(', ')}); set the format explicitly`,
    );
  }
  const expected = Object.values(traceAdapters).map((a) => a.expected).join('; ');
  throw new InputError(file, `line ${lineNumber}`, `unrecognised trace header ${show(firstLine)}; expected one of: ${expected}`);
}
