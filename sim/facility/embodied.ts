/** Embodied (manufacturing) carbon spread evenly over the hardware's service life: a run takes its slice of it. */

const SECONDS_PER_YEAR = 365.25 * 86400;

/** kgCO2e a run of `seconds` takes from hardware that embodies `kgco2e` over `lifetimeYears`. */
export function amortisedKgco2e(kgco2e: number, lifetimeYears: number, seconds: number): number {
  return (kgco2e * seconds) / (lifetimeYears * SECONDS_PER_YEAR);
}
