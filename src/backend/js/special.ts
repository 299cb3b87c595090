/**
 * The error function and the normal distribution's CDF in float64, for the JS backend's Erf and
 * GELU neurons (the executable specification the float32 kernels are checked against).
 *
 * erf(x) for |x| < 2.5 by the series of positive terms
 *   erf(x) = 2/√π e^(-x²) Σₙ (2x²)ⁿ x / (1·3·…·(2n+1)),
 * which cannot cancel; erfc(x) for x >= 2.5 by its continued fraction
 *   erfc(x) = e^(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))),
 * 40 terms evaluated from the back. Relative error below 1e-13 (erfc near 2.5, where 1 - erf
 * loses three digits, is the worst) against an arbitrary-precision erf.
 */
const SERIES_LIMIT = 2.5;
const FRACTION_TERMS = 40;
const TWO_OVER_SQRT_PI = 1.1283791670955126;
const INV_SQRT_PI = 0.5641895835477563;

function erfSeries(a: number): number {
  const x2 = 2 * a * a;
  let term = a, sum = a;
  for (let n = 1; n < 200 && term > 1e-17 * sum; n++) {
    term *= x2 / (2 * n + 1);
    sum += term;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-a * a) * sum;
}

function erfcFraction(a: number): number {
  let f = a;
  for (let k = FRACTION_TERMS; k >= 1; k--) f = a + k / 2 / f;
  return (Math.exp(-a * a) * INV_SQRT_PI) / f;
}

/** erfc(a) for a >= 0. */
function erfcPositive(a: number): number {
  return a < SERIES_LIMIT ? 1 - erfSeries(a) : erfcFraction(a);
}

/** erf(x); NaN stays NaN. */
export function erf(x: number): number {
  const a = Math.abs(x);
  const v = a < SERIES_LIMIT ? erfSeries(a) : 1 - erfcFraction(a);
  return x < 0 ? -v : x > 0 ? v : x; // ±0 and NaN as they came
}

/** Φ(x) = (1 + erf(x/√2)) / 2, the standard normal CDF, accurate in relative terms in both tails. */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return x;
  const half = 0.5 * erfcPositive(Math.abs(x) * Math.SQRT1_2);
  return x < 0 ? half : 1 - half;
}

/** φ(x) = e^(-x²/2)/√(2π), the standard normal density. */
export function normalPdf(x: number): number {
  return 0.3989422804014327 * Math.exp(-0.5 * x * x);
}
