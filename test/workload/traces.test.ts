import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { daysFromCivil, parseTimestamp } from '../../sim/workload/azureTrace.js';
import { openTrace } from '../../sim/workload/openTrace.js';
import { all, arrivals, fixtures, inputError, shippedTraces, tempDir } from './helpers.js';

const tmp = tempDir();

describe('plain CSV trace', () => {
  const path = join(fixtures, 'plain.csv');

  it('reads columns by name in any order, ignores extra columns, first row at t = 0', () => {
    const src = openTrace(path);
    expect(src.format).toBe('csv');
    expect(all(src)).toEqual([
      { id: 0, arrivalSeconds: 0, inputTokens: 512, outputTokens: 20 },
      { id: 1, arrivalSeconds: 0.5, inputTokens: 128, outputTokens: 5 },
      { id: 2, arrivalSeconds: 9.875, inputTokens: 2048, outputTokens: 1 },
    ]);
    expect(src.report.rowsRead).toBe(5);
    expect(src.report.requestsYielded).toBe(3);
    expect(src.report.skipped).toEqual({ 'zero output tokens': 1, 'zero input tokens': 1 });
    expect(src.report.description).toContain('trace csv:');
  });

  it('re-iterating re-reads the file: same requests, report reset', () => {
    const src = openTrace(path);
    const first = all(src);
    const second = all(src);
    expect(second).toEqual(first);
    expect(src.report.rowsRead).toBe(5);
    expect(src.report.skipped).toEqual({ 'zero output tokens': 1, 'zero input tokens': 1 });
  });

  it('timeScale, offline and limit', () => {
    expect(arrivals(openTrace(path, 'auto', { timeScale: 0.5 }))).toEqual([0, 0.25, 4.9375]);
    expect(arrivals(openTrace(path, 'csv', { offline: true }))).toEqual([0, 0, 0]);
    const limited = openTrace(path, 'auto', { limit: 2 });
    expect(all(limited).map((r) => r.inputTokens)).toEqual([512, 128]);
    expect(limited.report.requestsYielded).toBe(2);
    expect(limited.report.rowsRead).toBe(2);
    expect(limited.report.description).toContain('first 2 requests');
  });

  it('CRLF line ends, no trailing newline, blank lines, tiny read buffer', () => {
    const p = tmp.write('crlf.csv', 'arrival_s,input_tokens,output_tokens\r\n0.5,10,2\r\n\r\n1.25,20,3\r\n2,30,4');
    for (const bufferSize of [1, 2, 5, 1 << 20]) {
      const src = openTrace(p, 'auto', { bufferSize });
      expect(all(src)).toEqual([
        { id: 0, arrivalSeconds: 0, inputTokens: 10, outputTokens: 2 },
        { id: 1, arrivalSeconds: 0.75, inputTokens: 20, outputTokens: 3 },
        { id: 2, arrivalSeconds: 1.5, inputTokens: 30, outputTokens: 4 },
      ]);
      expect(src.report.rowsRead).toBe(3);
    }
  });

  it('accepts integer-valued fields written loosely (spaces, 12.0, exponents)', () => {
    const p = tmp.write('loose.csv', 'arrival_s,input_tokens,output_tokens\n1e1, 12 ,3.0\n 10.5,7,8\n');
    expect(all(openTrace(p))).toEqual([
      { id: 0, arrivalSeconds: 0, inputTokens: 12, outputTokens: 3 },
      { id: 1, arrivalSeconds: 0.5, inputTokens: 7, outputTokens: 8 },
    ]);
  });

  const header = 'arrival_s,input_tokens,output_tokens\n';
  const bad: [string, string, RegExp][] = [
    ['wrong column count', '0,1,2\n1,2\n', /line 3: expected 3 comma-separated fields .* found 2: "1,2"/],
    ['too many columns', '0,1,2\n\n1,2,3,4\n', /line 4: expected 3 comma-separated fields .* found 4/],
    ['non-numeric tokens', '0,1,2\n1,abc,2\n', /line 3: input_tokens: expected a non-negative integer token count, found non-numeric "abc"/],
    ['negative tokens', '0,1,2\n1,2,3\n2,5,-4\n', /line 4: output_tokens: expected a non-negative integer token count, found negative "-4"/],
    ['non-integer tokens', '0,1.5,2\n', /line 2: input_tokens: expected a non-negative integer token count, found non-integer "1.5"/],
    ['empty token field', '0,,2\n', /line 2: input_tokens: expected a non-negative integer token count, found an empty field/],
    ['NaN time', '0,1,2\nNaN,1,2\n', /line 3: arrival_s: expected a time in seconds \(a decimal number\), found "NaN"/],
    ['non-numeric time', '0,1,2\n1,1,2\nsoon,1,2\n', /line 4: arrival_s: expected a time in seconds .* found "soon"/],
    ['empty time', ',1,2\n', /line 2: arrival_s: expected a time in seconds .* found an empty field/],
    ['hexadecimal time', '0,1,2\n0x10,1,2\n', /line 3: arrival_s: expected a time in seconds \(a decimal number\), found "0x10"/],
    ['binary time', '0b1,1,2\n', /line 2: arrival_s: .* found "0b1"/],
    ['infinite time', '0,1,2\nInfinity,1,2\n', /line 3: arrival_s: .* found "Infinity"/],
    ['absurd time', '0,1,2\n1e300,1,2\n', /line 3: arrival_s: .* found "1e300", beyond ±1000000000000000/],
    ['absurd first time', '1e300,1,2\n', /line 2: arrival_s: .* found "1e300", beyond ±1000000000000000/],
    ['span beyond three years', '0,1,2\n1,1,2\n1e12,1,2\n', /line 4: this row is 1000000000000 s from the first row; a trace may span at most 100000000 s/],
    ['hexadecimal tokens', '0,0x10,2\n', /line 2: input_tokens: expected a non-negative integer token count, found non-decimal "0x10"/],
    ['octal tokens', '0,1,0o7\n', /line 2: output_tokens: .* found non-decimal "0o7"/],
  ];
  for (const [name, rows, message] of bad) {
    it(`throws InputError with the line number: ${name}`, () => {
      const p = tmp.write(`bad-${name.replace(/ /g, '-')}.csv`, header + rows);
      const src = openTrace(p);
      const e = inputError(() => all(src));
      expect(e.file).toBe(p);
      expect(e.message).toMatch(message);
    });
  }

  it('throws when time goes backwards, saying the trace must be sorted', () => {
    const p = tmp.write('backwards.csv', header + '5,1,1\n6,1,1\n6,1,1\n5.5,1,1\n');
    const e = inputError(() => all(openTrace(p)));
    expect(e.place).toBe('line 5');
    expect(e.detail).toMatch(/time goes backwards: this row is at 0.5 s after the first row, the row on line 4 at 1 s/);
    expect(e.detail).toMatch(/streamed, not sorted/);
    // Offline replay does not care about order.
    expect(arrivals(openTrace(p, 'auto', { offline: true }))).toEqual([0, 0, 0, 0]);
  });

  it('checks the header of an explicitly given format', () => {
    const e = inputError(() => openTrace(path, 'azure'));
    expect(e.place).toBe('line 1');
    expect(e.detail).toMatch(/expected an Azure trace header with columns TIMESTAMP, ContextTokens, GeneratedTokens; missing "TIMESTAMP", "ContextTokens", "GeneratedTokens"/);
  });

  it('rejects a missing file, an empty file and bad options', () => {
    expect(inputError(() => openTrace(join(tmp.dir, 'nope.csv'))).detail).toMatch(/no such file/);
    expect(inputError(() => openTrace(tmp.write('empty.csv', '\n\n'))).detail).toMatch(/empty trace/);
    // A header and no rows is nothing to simulate, not a run with 0 J per token.
    const headerOnly = inputError(() => openTrace(tmp.write('header-only.csv', header + '\n \n')));
    expect(headerOnly.message).toBe(`${join(tmp.dir, 'header-only.csv')}: has a header (line 1) but no rows: nothing to simulate`);
    expect(inputError(() => openTrace(tmp.dir)).detail).toMatch(/is a directory/);
    expect(inputError(() => openTrace(path, 'auto', { limit: 0 })).detail).toMatch(/limit/);
    expect(inputError(() => openTrace(path, 'auto', { timeScale: -1 })).detail).toMatch(/time scale/);
  });
});

describe('Azure trace', () => {
  it('2023 timestamps (no offset, 100 ns digits) to sub-microsecond precision', () => {
    const src = openTrace(join(fixtures, 'azure2023.csv'));
    expect(src.format).toBe('azure');
    const got = all(src);
    // By hand: 50.9951690 − 46.6805900 = 4.3145790; 51.2224670 − 46.6805900 = 4.5418770;
    // 18:16:00.0000001 − 18:15:46.6805900 = 60.0000001 − 46.6805900 = 13.3194101.
    const expected = [0, 4.314579, 4.541877, 13.3194101];
    expect(got.map((r) => r.id)).toEqual([0, 1, 2, 3]);
    got.forEach((r, i) => expect(Math.abs(r.arrivalSeconds - expected[i])).toBeLessThan(1e-9));
    expect(got.map((r) => [r.inputTokens, r.outputTokens])).toEqual([[374, 44], [396, 109], [879, 55], [91, 16]]);
  });

  it('2024 timestamps (+00:00 offset, µs digits); zero output tokens skipped but still time-checked', () => {
    const src = openTrace(join(fixtures, 'azure2024.csv'));
    const got = all(src);
    // By hand: 1.000001 − 0.009930 = 0.990071; 60.009929 − 0.009930 = 59.999999.
    const expected = [0, 0.990071, 59.999999];
    got.forEach((r, i) => expect(Math.abs(r.arrivalSeconds - expected[i])).toBeLessThan(1e-9));
    expect(got.map((r) => [r.inputTokens, r.outputTokens])).toEqual([[2048, 12], [4100, 250], [33, 7]]);
    expect(src.report.skipped).toEqual({ 'zero output tokens': 1 });
    expect(src.report.rowsRead).toBe(4);
  });

  it('parseTimestamp: offsets, T/Z forms, leap days, agreement with Date.UTC', () => {
    const out = { seconds: 0, fraction: 0 };
    const at = (s: string): number => {
      expect(parseTimestamp(s, out), s).toBe(true);
      return out.seconds + out.fraction;
    };
    const base = Date.UTC(2024, 4, 10) / 1000;
    expect(at('2024-05-10 00:00:00.5')).toBe(base + 0.5);
    expect(at('2024-05-10T02:30:00.5+02:30')).toBe(base + 0.5);
    expect(at('2024-05-09 21:00:00.5-0300')).toBe(base + 0.5);
    expect(at('2024-05-10T00:00:00.5Z')).toBe(base + 0.5);
    expect(at('2024-05-10 01:00:00.5+01')).toBe(base + 0.5);
    parseTimestamp('2024-02-28 23:59:59.999999', out);
    const a = { ...out };
    parseTimestamp('2024-02-29 00:00:00.000001', out);
    expect(out.seconds - a.seconds + (out.fraction - a.fraction)).toBeCloseTo(0.000002, 12);
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(2000, 3, 1)).toBe(Date.UTC(2000, 2, 1) / 86_400_000);
    for (let ms = -2e12; ms < 4.2e12; ms += 7_777_777_777) {
      const iso = new Date(ms).toISOString(); // 1906-..2103, "YYYY-MM-DDTHH:MM:SS.sssZ"
      expect(at(iso)).toBeCloseTo(ms / 1000, 6);
    }
    for (const badTs of ['2023-13-01 00:00:00', '2023-02-29 00:00:00', '2023-11-16 24:00:00', '2023-11-16 18:15', '2023-11-16 18:15:46.', '2023-11-16 18:15:46.5+0', '2023/11/16 18:15:46', '2023-11-16 18:15:46x']) {
      expect(parseTimestamp(badTs, out), badTs).toBe(false);
    }
  });

  it('malformed timestamp: InputError naming the line and both accepted forms', () => {
    const p = tmp.write('az-bad.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,1,2\n16/11/2023 18:15,1,2\n');
    const e = inputError(() => all(openTrace(p)));
    expect(e.message).toBe(
      `${p}:line 3: TIMESTAMP: expected a date-time like "2023-11-16 18:15:46.6805900" or "2024-05-10 00:00:00.009930+00:00", found "16/11/2023 18:15"`,
    );
  });

  it('negative token count in an Azure row', () => {
    const p = tmp.write('az-neg.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,-1,2\n');
    expect(inputError(() => all(openTrace(p))).message).toBe(
      `${p}:line 2: ContextTokens: expected a non-negative integer token count, found negative "-1"`,
    );
  });

  it('the shipped 2023 conversation trace streams whole (no trailing newline)', () => {
    const src = openTrace(join(shippedTraces, 'AzureLLMInferenceTrace_conv.csv'));
    let n = 0;
    let last = 0;
    for (const r of src) {
      n++;
      last = r.arrivalSeconds;
    }
    expect(src.report.rowsRead).toBe(19_366);
    expect(n + Object.values(src.report.skipped).reduce((a, b) => a + b, 0)).toBe(19_366);
    // Last row 19:14:08.4025270 − first row 18:15:46.6805900 = 58 min 21.7219370 s.
    expect(Math.abs(last - 3501.721937)).toBeLessThan(1e-9);
  });
});

describe('BurstGPT trace', () => {
  it('the real 54-row sample: 3 failed rows (Response tokens = 0) skipped and counted', () => {
    // Counted by hand in the file: Timestamp 1106 (0, 0), 2320 (0, 0) and 2401 (612, 0) have Response tokens = 0;
    // no row has zero request tokens with a response.
    const src = openTrace(join(shippedTraces, 'BurstGPT_1_first54.csv'));
    expect(src.format).toBe('burstgpt');
    const got = all(src);
    expect(src.report.rowsRead).toBe(54);
    expect(src.report.skipped).toEqual({ 'failed (Response tokens = 0)': 3 });
    expect(got.length).toBe(51);
    expect(src.report.requestsYielded).toBe(51);
    expect(got[0]).toEqual({ id: 0, arrivalSeconds: 0, inputTokens: 472, outputTokens: 18 });
    expect(got[50]).toEqual({ id: 50, arrivalSeconds: 3298 - 5, inputTokens: 344, outputTokens: 156 });
    expect(got.some((r) => r.arrivalSeconds === 1106 - 5)).toBe(false);
  });

  it('hand-written rows: zero request tokens and failures counted apart', () => {
    const src = openTrace(join(fixtures, 'burstgpt.csv'), 'burstgpt');
    expect(all(src)).toEqual([
      { id: 0, arrivalSeconds: 0, inputTokens: 472, outputTokens: 18 },
      { id: 1, arrivalSeconds: 5.5, inputTokens: 80, outputTokens: 40 },
    ]);
    expect(src.report.skipped).toEqual({ 'zero input tokens': 1, 'failed (Response tokens = 0)': 1 });
  });

  it('wrong column count names the line', () => {
    const p = tmp.write('bg-bad.csv', 'Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n5,ChatGPT,1,2,3,API log\n6,ChatGPT,1,2,3\n');
    expect(inputError(() => all(openTrace(p))).message).toMatch(new RegExp(`^${p}:line 3: expected 6 comma-separated fields .* found 5`));
  });
});

describe('Mooncake trace', () => {
  it('JSON lines, timestamps in ms, hash_ids as 512-token prefix block ids', () => {
    const src = openTrace(join(fixtures, 'mooncake.jsonl'));
    expect(src.format).toBe('mooncake');
    expect(all(src)).toEqual([
      { id: 0, arrivalSeconds: 0, inputTokens: 6758, outputTokens: 500, prefixBlockIds: [0, 1, 2], prefixBlockTokens: 512 },
      { id: 1, arrivalSeconds: 1.5, inputTokens: 7322, outputTokens: 490, prefixBlockIds: [0, 14], prefixBlockTokens: 512 },
      { id: 2, arrivalSeconds: 3.25, inputTokens: 12, outputTokens: 3, prefixBlockIds: [5], prefixBlockTokens: 512 },
    ]);
    expect(src.report.skipped).toEqual({ 'zero output tokens': 1 });
    expect(src.report.rowsRead).toBe(4);
  });

  it('invalid JSON, missing fields and bad lengths name the line', () => {
    const ok = '{"timestamp": 0, "input_length": 1, "output_length": 2}\n';
    const cases: [string, RegExp][] = [
      ['{"timestamp": 1, "input_length": 1\n', /line 2: expected a JSON object .* found invalid JSON/],
      ['{"timestamp": 1, "input_length": 1}\n', /line 2: expected a JSON object .* found "\{/],
      ['{"timestamp": 1, "input_length": -3, "output_length": 2}\n', /line 2: input_length: expected a non-negative integer token count, found negative "-3"/],
      ['{"timestamp": 1, "input_length": 3, "output_length": 2.5}\n', /line 2: output_length: .* found non-integer "2.5"/],
      ['{"timestamp": "x", "input_length": 3, "output_length": 2}\n', /line 2: timestamp: expected a time in milliseconds/],
      ['{"timestamp": 1, "input_length": 3, "output_length": 2, "hash_ids": [1, -2]}\n', /line 2: hash_ids: expected an array of non-negative integers, found "\[1,-2\]"/],
      ['\n{"timestamp": -1, "input_length": 3, "output_length": 2}\n', /line 3: time goes backwards/],
      ['{"timestamp": 1e300, "input_length": 3, "output_length": 2}\n', /line 2: timestamp: expected a time in milliseconds \(a number within ±1000000000000000\), found "1e\+300"/],
      ['{"timestamp": 2e11, "input_length": 3, "output_length": 2}\n', /line 2: this row is 200000000 s from the first row; a trace may span at most 100000000 s/],
      ['{"timestamp": 1, "input_length": "0x10", "output_length": 2}\n', /line 2: input_length: .* found non-decimal "0x10"/],
    ];
    cases.forEach(([row, message], i) => {
      const p = tmp.write(`mc-bad-${i}.jsonl`, ok + row);
      expect(inputError(() => all(openTrace(p))).message).toMatch(message);
    });
  });

  it('the shipped conversation trace: 12,031 requests over 3537 s', () => {
    const src = openTrace(join(shippedTraces, 'conversation_trace.jsonl'));
    let n = 0;
    let last = 0;
    for (const r of src) {
      n++;
      last = r.arrivalSeconds;
    }
    expect(n).toBe(12_031);
    expect(last).toBeCloseTo(3536.999, 9);
  });
});

describe('format detection', () => {
  it('detects each format from its header or first JSON line', () => {
    expect(openTrace(join(fixtures, 'plain.csv')).format).toBe('csv');
    expect(openTrace(join(fixtures, 'azure2023.csv')).format).toBe('azure');
    expect(openTrace(join(fixtures, 'azure2024.csv')).format).toBe('azure');
    expect(openTrace(join(fixtures, 'burstgpt.csv')).format).toBe('burstgpt');
    expect(openTrace(join(fixtures, 'mooncake.jsonl')).format).toBe('mooncake');
    expect(openTrace(join(shippedTraces, 'AzureLLMInferenceTrace_code.csv')).format).toBe('azure');
  });

  it('header detection ignores case, quotes and spaces, and skips leading blank lines', () => {
    const p = tmp.write('quoted.csv', '\n"Arrival_S", "INPUT_TOKENS" ,output_tokens\n3,4,5\n');
    const src = openTrace(p);
    expect(src.format).toBe('csv');
    expect(all(src)).toEqual([{ id: 0, arrivalSeconds: 0, inputTokens: 4, outputTokens: 5 }]);
  });

  it('unrecognised header: InputError at line 1 listing the expected formats', () => {
    const p = tmp.write('unknown.csv', 'time,prompt,completion\n1,2,3\n');
    const e = inputError(() => openTrace(p));
    expect(e.file).toBe(p);
    expect(e.place).toBe('line 1');
    expect(e.detail).toMatch(/^unrecognised trace header "time,prompt,completion"; expected one of: csv \(header arrival_s,input_tokens,output_tokens\); azure \(header TIMESTAMP,ContextTokens,GeneratedTokens\); burstgpt .*; mooncake .*/);
    expect(inputError(() => openTrace(tmp.write('json.jsonl', '{"a": 1}\n'))).place).toBe('line 1');
  });

  it('an explicit format overrides detection (a header that fits two formats)', () => {
    const p = tmp.write(
      'both.csv',
      'TIMESTAMP,ContextTokens,GeneratedTokens,arrival_s,input_tokens,output_tokens\n' +
        '2023-11-16 18:15:46.5,100,10,0,7,8\n' +
        '2023-11-16 18:15:47.0,200,20,2,9,9\n',
    );
    expect(inputError(() => openTrace(p)).detail).toMatch(/fits several formats \(csv, azure\); set the format explicitly/);
    expect(all(openTrace(p, 'azure'))).toEqual([
      { id: 0, arrivalSeconds: 0, inputTokens: 100, outputTokens: 10 },
      { id: 1, arrivalSeconds: 0.5, inputTokens: 200, outputTokens: 20 },
    ]);
    expect(all(openTrace(p, 'csv'))).toEqual([
      { id: 0, arrivalSeconds: 0, inputTokens: 7, outputTokens: 8 },
      { id: 1, arrivalSeconds: 2, inputTokens: 9, outputTokens: 9 },
    ]);
  });

  it('an explicit format that does not fit the file fails at open', () => {
    expect(inputError(() => openTrace(join(fixtures, 'azure2023.csv'), 'burstgpt')).detail).toMatch(/BurstGPT header .* missing "Request tokens", "Response tokens" in header/);
    expect(inputError(() => all(openTrace(join(fixtures, 'plain.csv'), 'mooncake'))).message).toMatch(/line 1: expected a JSON object/);
  });
});
