import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isInputError } from '../../sim/errors.js';
import { readSeriesCsv } from '../../sim/facility/seriesCsv.js';
import { forEachPiece, ConstantSignal } from '../../sim/facility/stepSeries.js';
import { parseWallClock } from '../../sim/facility/wallClock.js';

const dir = mkdtempSync(join(tmpdir(), 'joulesim-series-'));
let n = 0;
function csv(text: string): string {
  const path = join(dir, `s${n++}.csv`);
  writeFileSync(path, text);
  return path;
}
const opts = (over: object = {}) => ({ timeColumn: 'timestamp', valueColumn: 'ci', source: 'test', ...over });

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isInputError(e)) return e.message;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('wall-clock parsing', () => {
  it('offsets, Z, and naive times in a named zone (daylight saving included)', () => {
    const utc = Date.UTC(2022, 10, 1, 0, 0, 0) / 1000;
    expect(parseWallClock('2022-11-01 00:00:00+00:00', undefined)).toBe(utc);
    expect(parseWallClock('2022-11-01T00:00:00Z', undefined)).toBe(utc);
    expect(parseWallClock('2022-11-01T01:30:00+01:30', undefined)).toBe(utc);
    expect(parseWallClock('2022-11-01 00:00:00', undefined)).toBeNaN();
    expect(parseWallClock('2022-11-01 00:00:00', 'UTC')).toBe(utc);
    expect(parseWallClock('2022-11-01 05:30:00', '+05:30')).toBe(utc);
    // Los Angeles is UTC-7 until 2022-11-06 09:00 UTC, then UTC-8.
    expect(parseWallClock('2022-10-31 17:00:00', 'America/Los_Angeles')).toBe(utc);
    expect(parseWallClock('2022-11-07 00:00:00', 'America/Los_Angeles')).toBe(Date.UTC(2022, 10, 7, 8, 0, 0) / 1000);
  });
});

describe('series CSV', () => {
  it('detects the resolution, keeps each value for its slot, and fills a short gap by interpolation', () => {
    // 30-minute rows; 01:00 is missing and 01:30 is empty: two slots between 100 (00:30) and 400 (02:00).
    const s = readSeriesCsv(
      csv('timestamp,ci\n2022-11-01T00:00:00Z,50\n2022-11-01T00:30:00Z,100\n2022-11-01T01:30:00Z,\n2022-11-01T02:00:00Z,400\n'),
      opts(),
    );
    expect(s.stepSeconds).toBe(1800);
    expect(Array.from(s.values)).toEqual([50, 100, 200, 300, 400]);
    expect(s.filledSlots).toBe(2);
    const t0 = Date.UTC(2022, 10, 1) / 1000;
    expect(s.valueAt(t0 + 1799)).toBe(50);
    expect(s.valueAt(t0 + 1800)).toBe(100);
    expect(s.toEpochSeconds).toBe(t0 + 5 * 1800);
  });

  it('naive timestamps read in an IANA zone', () => {
    const s = readSeriesCsv(csv('timestamp,ci\n2022-11-01 00:00:00,1\n2022-11-01 01:00:00,2\n'), opts({ timezone: 'America/New_York' }));
    expect(s.fromEpochSeconds).toBe(Date.UTC(2022, 10, 1, 4) / 1000);
  });

  it('rejects what it cannot read, naming file and line', () => {
    expect(errorOf(() => readSeriesCsv(csv('timestamp,ci\n2022-11-01 00:00:00,1\n'), opts()))).toMatch(/line 2: timestamp '2022-11-01 00:00:00' has no UTC offset/);
    expect(errorOf(() => readSeriesCsv(csv('timestamp,ci\n2022-11-01T00:00:00Z,1\n2022-11-01T00:00:00Z,2\n'), opts()))).toMatch(/line 3: .*not after/);
    expect(errorOf(() => readSeriesCsv(csv('timestamp,ci\n2022-11-01T00:00:00Z,1\n2022-11-01T01:00:00Z,x\n'), opts()))).toMatch(/line 3: ci: expected a non-negative number/);
    expect(errorOf(() => readSeriesCsv(csv('timestamp,ci\n2022-11-01T00:00:00Z,1\n2022-11-01T01:00:00Z,2\n2022-11-01T01:30:00Z,3\n2022-11-01T02:10:00Z,3\n'), opts()))).toMatch(/off the series' 1800-second grid/);
    expect(errorOf(() => readSeriesCsv(csv('time,ci\n2022-11-01T00:00:00Z,1\n'), opts()))).toMatch(/line 1: no time column 'timestamp'/);
    expect(errorOf(() => readSeriesCsv(csv('timestamp,ci\n2022-11-01T00:00:00Z,1\n'), opts({ timezone: 'Mars/Olympus' })))).toMatch(/unknown time zone/);
    // Four missing hours with the default limit of three steps.
    const long = 'timestamp,ci\n2022-11-01T00:00:00Z,1\n2022-11-01T01:00:00Z,1\n2022-11-01T06:00:00Z,1\n';
    expect(errorOf(() => readSeriesCsv(csv(long), opts()))).toMatch(/no ci for 14400 s from 2022-11-01T02:00:00Z; gaps longer than 10800 s/);
    expect(readSeriesCsv(csv(long), opts({ maxGapSeconds: 4 * 3600 })).filledSlots).toBe(4);
  });

  it('pieces: a span is cut at every slot edge of every signal', () => {
    const s = readSeriesCsv(csv('timestamp,ci\n1970-01-01T00:00:00Z,1\n1970-01-01T01:00:00Z,2\n1970-01-01T02:00:00Z,3\n'), opts());
    const pieces: [number, number, number, number][] = [];
    forEachPiece([s, new ConstantSignal(7)], 1800, 9000, (a, b, v) => pieces.push([a, b, v[0], v[1]]));
    expect(pieces).toEqual([
      [1800, 3600, 1, 7],
      [3600, 7200, 2, 7],
      [7200, 9000, 3, 7],
    ]);
  });
});
