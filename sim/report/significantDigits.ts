/**
 * `String(Number(x.toPrecision(digits)))` without its cost: toPrecision, a parse and a print per number were over a
 * third of a run that writes requests.csv. The fast path scales |x| into [10^(digits−1), 10^digits) by an exact
 * power of ten (one correctly rounded operation, so the scaled value is within half an ulp) and rounds it; where that
 * value lies so close to a rounding tie that half an ulp could decide it, or outside the plain-notation range, it
 * falls back to the exact built-ins. The digits are then those of the rounded integer without trailing zeros, which
 * is also what printing the parsed number gives (a double tells apart every decimal of up to 15 digits).
 */

/** 10^0 .. 10^22, each exact in a double. */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

function reference(x: number, digits: number): string {
  return String(Number(x.toPrecision(digits)));
}

/** Equal to `String(Number(x.toPrecision(digits)))` for finite x and 1 ≤ digits ≤ 15. */
export function formatSignificant(x: number, digits: number): string {
  if (x === 0) return '0';
  const ax = x < 0 ? -x : x;
  // Plain notation (no exponent) covers [1e-6, 1e21); stay well inside it and inside the exact powers.
  if (!(ax >= 1e-6 && ax < 1e15)) return reference(x, digits);
  let shift = digits - 1 - Math.floor(Math.log10(ax));
  let scaled = shift >= 0 ? ax * POW10[shift] : ax / POW10[-shift];
  const low = POW10[digits - 1];
  const high = POW10[digits];
  // log10 can be off by one next to a power of ten.
  if (scaled < low) {
    shift++;
    scaled = shift >= 0 ? ax * POW10[shift] : ax / POW10[-shift];
  } else if (scaled >= high) {
    shift--;
    scaled = shift >= 0 ? ax * POW10[shift] : ax / POW10[-shift];
  }
  if (!(scaled >= low && scaled < high) || shift > 22 || shift < -22) return reference(x, digits);
  const floor = Math.floor(scaled);
  const fraction = scaled - floor;
  // The scaled value is within half an ulp (under high · 1.2e-16) of exact: near a tie only exact arithmetic can tell.
  if (Math.abs(fraction - 0.5) < Math.max(1e-6, high * 1e-15)) return reference(x, digits);
  let n = fraction > 0.5 ? floor + 1 : floor;
  if (n >= high) return reference(x, digits);
  // n · 10^-shift, trailing zeros dropped.
  while (n % 10 === 0) {
    n /= 10;
    shift--;
  }
  const s = String(n);
  let out: string;
  if (shift <= 0) out = s + '0'.repeat(-shift);
  else if (shift < s.length) out = s.slice(0, s.length - shift) + '.' + s.slice(s.length - shift);
  else out = '0.' + '0'.repeat(shift - s.length) + s;
  return x < 0 ? '-' + out : out;
}
