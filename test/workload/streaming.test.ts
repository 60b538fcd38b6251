import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { openTrace } from '../../sim/workload/openTrace.js';
import { tempDir } from './helpers.js';

const tmp = tempDir();

/** A full GC, from --expose-gc if given, else by enabling it at run time. */
function getGc(): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

describe('streaming', () => {
  it('a 2-million-row CSV streams with heap growth far below the file size', { timeout: 300_000 }, () => {
    const rows = 2_000_000;
    const path = tmp.dir + '/big.csv';
    const fd = openSync(path, 'w');
    writeSync(fd, 'arrival_s,input_tokens,output_tokens\n');
    let chunk: string[] = [];
    for (let i = 0; i < rows; i++) {
      chunk.push(`${(i * 0.01).toFixed(3)},${100 + (i % 3000)},${1 + (i % 500)}`);
      if (chunk.length === 50_000) {
        writeSync(fd, chunk.join('\n') + '\n');
        chunk = [];
      }
    }
    closeSync(fd);
    const fileBytes = statSync(path).size;
    expect(fileBytes).toBeGreaterThan(30e6);

    const gc = getGc();
    gc?.();
    const before = process.memoryUsage().heapUsed;
    let peak = 0;
    let n = 0;
    let inputSum = 0;
    let last = 0;
    const src = openTrace(path);
    for (const r of src) {
      n++;
      inputSum += r.inputTokens;
      last = r.arrivalSeconds;
      if (n % 400_000 === 0) {
        gc?.();
        peak = Math.max(peak, process.memoryUsage().heapUsed - before);
      }
    }
    expect(n).toBe(rows);
    expect(src.report.rowsRead).toBe(rows);
    expect(last).toBeCloseTo((rows - 1) * 0.01, 6);
    expect(inputSum).toBeGreaterThan(0);
    if (gc) {
      // Live heap while streaming: about one decoded 1 MiB chunk and its line array, not the 40+ MB file.
      expect(peak).toBeLessThan(fileBytes / 5);
      expect(peak).toBeLessThan(8 * 2 ** 20);
    } else {
      peak = Math.max(peak, process.memoryUsage().heapUsed - before);
      expect(peak).toBeLessThan(fileBytes / 2);
    }
  });
});
