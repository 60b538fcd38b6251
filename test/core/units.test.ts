import { describe, expect, it } from 'vitest';
import { formatDuration, formatEnergy, formatNumber, formatPower, groupedInteger } from '../../sim/report/units.js';

describe('number formatting for tables and reports', () => {
  it('significant digits, no exponent, thousands grouped', () => {
    expect(formatNumber(3.14159)).toBe('3.142');
    expect(formatNumber(0.000123456)).toBe('0.0001235');
    expect(formatNumber(440828.2)).toBe('440,828');
    expect(formatNumber(1234.5)).toBe('1235');
    expect(formatNumber(12345.6)).toBe('12,346');
    expect(formatNumber(2.5e-9)).not.toMatch(/e/);
    expect(formatNumber(Number.NaN)).toBe('-');
  });

  it('energy scales J → kJ → MJ → GJ (the issue: "440828.2 J / 1.38e+6 J")', () => {
    expect(formatEnergy(440828.2)).toBe('440.8 kJ');
    expect(formatEnergy(1.38e6)).toBe('1.38 MJ');
    expect(formatEnergy(9779)).toBe('9.779 kJ');
    expect(formatEnergy(512.25)).toBe('512.3 J');
    expect(formatEnergy(0.25)).toBe('250 mJ');
    expect(formatEnergy(3.2e9)).toBe('3.2 GJ');
    expect(formatEnergy(0)).toBe('0 J');
    // Rounding that reaches the next unit reads in that unit.
    expect(formatEnergy(999.96)).toBe('1 kJ');
  });

  it('durations scale µs → ms → s → min → h (the issue: "TTFT 3.81e+6 ms")', () => {
    expect(formatDuration(3.81e3)).toBe('63.5 min');
    expect(formatDuration(9000)).toBe('2.5 h');
    expect(formatDuration(0.2576)).toBe('257.6 ms');
    expect(formatDuration(0.99996)).toBe('1 s');
    expect(formatDuration(45.3)).toBe('45.3 s');
    expect(formatDuration(1550)).toBe('25.83 min');
    expect(formatDuration(2.5e-5)).toBe('25 µs');
    expect(formatDuration(0)).toBe('0 s');
  });

  it('power scales W → kW → MW', () => {
    expect(formatPower(408.8)).toBe('408.8 W');
    expect(formatPower(12_500)).toBe('12.5 kW');
    expect(formatPower(1.28e11)).toBe('128 GW');
  });
});

describe('groupedInteger', () => {
  it('writes integers exactly as toLocaleString("en-US") does', () => {
    const xs = [0, -0, 1, -1, 12, 999, 1000, -1000, 12345, 999999, 1000000, 1234567, -1234567, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 1e21, 1.5, -2.25, 1234.5678, Number.NaN, Number.POSITIVE_INFINITY];
    for (let k = 0; k < 2000; k++) xs.push(Math.floor(Math.sin(k + 1) * 10 ** (k % 17)));
    for (const x of xs) expect(groupedInteger(x)).toBe(x.toLocaleString('en-US'));
  });
});
