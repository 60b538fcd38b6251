/**
 * The CSV number formatter must write exactly what String(Number(x.toPrecision(d))) writes (outputs stay
 * byte-identical): hand cases at the edges of its fast path, and a million values across magnitudes, near rounding
 * ties, near powers of ten, integers and short decimals.
 */
import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { formatSignificant } from '../../sim/report/significantDigits.js';
import { num } from '../../sim/report/csvFiles.js';

const reference = (x: number, d: number) => String(Number(x.toPrecision(d)));

describe('formatSignificant', () => {
  it('hand cases', () => {
    expect(formatSignificant(0, 9)).toBe('0');
    expect(formatSignificant(-0, 9)).toBe('0');
    expect(formatSignificant(1, 9)).toBe('1');
    expect(formatSignificant(-2.5, 9)).toBe('-2.5');
    expect(formatSignificant(0.1 + 0.2, 9)).toBe('0.3');
    expect(formatSignificant(123456789.4, 9)).toBe('123456789');
    expect(formatSignificant(1234567894, 9)).toBe('1234567890');
    expect(formatSignificant(1 / 3, 9)).toBe('0.333333333');
    expect(formatSignificant(2 / 3, 6)).toBe('0.666667');
    expect(formatSignificant(1e-7, 9)).toBe('1e-7');
    expect(formatSignificant(1.5e21, 9)).toBe('1.5e+21');
    expect(num(Number.NaN)).toBe('');
  });

  it('agrees with toPrecision on edge values', () => {
    const edges = [
      1e-6, 9.99999999e-7, 1.0000000001e-6, 1e-5, 0.1, 0.5, 0.05, 0.000123456789, 999999999.5, 999999999.4, 99999999.95, 9.999999995,
      1e9, 1e15, 1e15 - 1, 999999999999999, 1e21, 1e-300, 5e-324, Number.MAX_VALUE, 0.30000000000000004, 1.0000000005, 1.0000000015,
      2.0000000025, 123456.7885, 0.0123456785, 4.35, 1.005, 8.675, 2 ** 53, 2 ** 53 + 2, 12345678.5, 1234567.85,
    ];
    for (const x of edges) {
      for (const d of [6, 9]) {
        expect(formatSignificant(x, d)).toBe(reference(x, d));
        expect(formatSignificant(-x, d)).toBe(reference(-x, d));
      }
    }
  });

  it('agrees with toPrecision on a million values', () => {
    const rng = seedrandom('significant-digits');
    let checked = 0;
    for (let i = 0; i < 1_000_000; i++) {
      const kind = i % 5;
      let x: number;
      if (kind === 0) x = rng() * 10 ** (rng() * 40 - 20); // any magnitude
      else if (kind === 1) x = Math.round(rng() * 1e12) / 10 ** Math.floor(rng() * 12); // short decimals
      else if (kind === 2) x = (Math.floor(rng() * 1e9) + 0.5) * 10 ** Math.floor(rng() * 20 - 14); // near a tie at 9 digits
      else if (kind === 3) x = 10 ** Math.floor(rng() * 30 - 10) * (1 + (rng() - 0.5) * 1e-12); // near a power of ten
      else x = Math.floor(rng() * 2 ** 53); // integers
      if (rng() < 0.3) x = -x;
      const d = i % 2 === 0 ? 9 : 6;
      const got = formatSignificant(x, d);
      if (got !== reference(x, d)) expect(`${x} ${d} → ${got}`).toBe(`${x} ${d} → ${reference(x, d)}`);
      checked++;
    }
    expect(checked).toBe(1_000_000);
  });
});
