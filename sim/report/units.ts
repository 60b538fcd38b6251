/**
 * How numbers read in tables and reports (never in JSON or CSV, which keep full numeric values): a few significant
 * digits, no exponents, and a unit that scales with the value (J, kJ, MJ; µs, ms, s, min, h; W, kW, MW), so a
 * one-hour run reads "1.381 MJ" and "25.8 min" instead of "1.38e+6 J" and "1.55e+6 ms".
 */

/**
 * An integer grouped by thousands, exactly as `n.toLocaleString('en-US')` writes it (`-1,234,567`), without loading
 * the locale data (a first toLocaleString call was 8% of a small run's start-up). Other numbers go to toLocaleString.
 */
export function groupedInteger(n: number): string {
  if (!Number.isSafeInteger(n) || Object.is(n, -0)) return n.toLocaleString('en-US');
  const digits = String(n < 0 ? -n : n);
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? '-' + out : out;
}

/** `digits` significant digits; integers of 10^digits and above in full, grouped by thousands. */
export function formatNumber(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return '-';
  const a = Math.abs(x);
  if (a >= 10 ** digits) return groupedInteger(Math.round(x));
  if (a === 0) return '0';
  // toPrecision would switch to exponents below 1e-6; fixed decimals keep the same significant digits.
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(a)));
  const fixed = x.toFixed(Math.min(decimals, 20));
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

function scaled(x: number, steps: readonly (readonly [number, string])[], digits: number): string {
  if (!Number.isFinite(x)) return '-';
  const a = Math.abs(x);
  let [divisor, unit] = steps[0];
  for (const [d, u] of steps) if (a >= d) [divisor, unit] = [d, u];
  // Rounding can carry a value to the next unit (999.96 J → "1000 J"); use that unit instead.
  const text = formatNumber(x / divisor, digits);
  const next = steps[steps.findIndex(([d]) => d === divisor) + 1];
  if (next && Math.abs(Number(text.replace(/,/g, ''))) >= next[0] / divisor) return `${formatNumber(x / next[0], digits)} ${next[1]}`;
  return `${text} ${unit}`;
}

const ENERGY: readonly (readonly [number, string])[] = [
  [1e-3, 'mJ'],
  [1, 'J'],
  [1e3, 'kJ'],
  [1e6, 'MJ'],
  [1e9, 'GJ'],
  [1e12, 'TJ'],
];

const POWER: readonly (readonly [number, string])[] = [
  [1, 'W'],
  [1e3, 'kW'],
  [1e6, 'MW'],
  [1e9, 'GW'],
];

/** Joules as J, kJ, MJ, GJ (mJ below 1 J). */
export function formatEnergy(joules: number, digits = 4): string {
  if (joules === 0) return '0 J';
  return scaled(joules, ENERGY, digits);
}

/** Watts as W, kW, MW, GW. */
export function formatPower(watts: number, digits = 4): string {
  if (watts === 0) return '0 W';
  return scaled(watts, POWER, digits);
}

/** Seconds as µs, ms, s, min or h (below 2 min in seconds, below 2 h in minutes). */
export function formatDuration(seconds: number, digits = 4): string {
  if (!Number.isFinite(seconds)) return '-';
  const a = Math.abs(seconds);
  if (a === 0) return '0 s';
  if (a < 1e-3) return `${formatNumber(seconds * 1e6, digits)} µs`;
  if (a < 1) {
    const ms = formatNumber(seconds * 1e3, digits);
    return Number(ms) >= 1000 ? `${formatNumber(seconds, digits)} s` : `${ms} ms`;
  }
  if (a < 120) return `${formatNumber(seconds, digits)} s`;
  if (a < 7200) return `${formatNumber(seconds / 60, digits)} min`;
  return `${formatNumber(seconds / 3600, digits)} h`;
}
