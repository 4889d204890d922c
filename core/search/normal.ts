/**
 * Standard-normal and truncated-normal functions for the Parzen estimators, accurate in the tails
 * (log-space throughout) so kernels far from a bound neither underflow nor lose their mass.
 *
 * - erf/erfc: the everywhere-positive series erf(x) = (2/√π)·e^{−x²}·Σ 2ⁿx^{2n+1}/(1·3···(2n+1))
 *   (Abramowitz & Stegun 7.1.6) for |x| < 2, and the continued fraction
 *   erfc(x) = e^{−x²}/√π · 1/(x + ½/(x + 1/(x + (3/2)/(x + …)))) (A&S 7.1.14) for x ≥ 2, evaluated
 *   by the modified Lentz method (Numerical Recipes 3rd ed. §5.2) — about 1e-14 relative accuracy.
 * - The truncated normal (scipy.stats.truncnorm semantics, bounds in standard units a < b): log-mass,
 *   log-pdf and the inverse CDF by Newton's method on log Φ, the scheme Optuna's
 *   `samplers/_tpe/_truncnorm.py` uses (work in the left tail, flip for the right one).
 */

const SQRT1_2 = Math.SQRT1_2;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const ONE_OVER_SQRT_PI = 1 / Math.sqrt(Math.PI);
const SERIES_LIMIT = 2;

/** erf(x) for |x| < 2 by the positive series A&S 7.1.6 (no cancellation). */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/** e^{x²}·erfc(x) for x ≥ 2 by the continued fraction A&S 7.1.14 (modified Lentz). */
function erfcxContinuedFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const an = n / 2;
    d = x + an * d;
    d = d === 0 ? tiny : d;
    c = x + an / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return ONE_OVER_SQRT_PI / f;
}

/** Complementary error function erfc(x) = 1 − erf(x), any finite x (±∞ give 0 and 2). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < SERIES_LIMIT) return 1 - erfSeries(x);
  if (x > 27) return 0;
  return erfcxContinuedFraction(x) * Math.exp(-x * x);
}

/** Error function erf(x). */
export function erf(x: number): number {
  if (Math.abs(x) < SERIES_LIMIT) return erfSeries(x);
  return x > 0 ? 1 - erfc(x) : erfc(-x) - 1;
}

/** Standard normal CDF Φ(a), accurate relative to the smaller tail. */
export function ndtr(a: number): number {
  return a < 0 ? 0.5 * erfc(-a * SQRT1_2) : 1 - 0.5 * erfc(a * SQRT1_2);
}

/** log Φ(a) without underflow for very negative a (down to a ≈ −1e154) and exact near 0 for a ≫ 0. */
export function logNdtr(a: number): number {
  if (a === Number.POSITIVE_INFINITY) return 0;
  if (a === Number.NEGATIVE_INFINITY) return Number.NEGATIVE_INFINITY;
  if (a > 0) return Math.log1p(-0.5 * erfc(a * SQRT1_2));
  const x = -a * SQRT1_2;
  if (x < SERIES_LIMIT) return Math.log(0.5 * (1 - erfSeries(x)));
  return Math.log(0.5 * erfcxContinuedFraction(x)) - x * x;
}

/** log of the standard normal density at x. */
export function normLogPdf(x: number): number {
  return -0.5 * x * x - LOG_SQRT_2PI;
}

/** log(e^p − e^q) for p ≥ q (−∞ when equal). */
function logDiff(p: number, q: number): number {
  if (q === Number.NEGATIVE_INFINITY) return p;
  return p + Math.log1p(-Math.exp(q - p));
}

/** log(e^p + e^q). */
export function logAddExp(p: number, q: number): number {
  if (p === Number.NEGATIVE_INFINITY) return q;
  if (q === Number.NEGATIVE_INFINITY) return p;
  const m = Math.max(p, q);
  return m + Math.log1p(Math.exp(-Math.abs(p - q)));
}

/**
 * log of the standard normal mass in [a, b] (a ≤ b, standard units): left tail when b ≤ 0, mirrored
 * right tail when a > 0, and log1p(−Φ(a) − Φ(−b)) in between (no cancellation near mass 1).
 */
export function logGaussMass(a: number, b: number): number {
  if (b <= 0) return logDiff(logNdtr(b), logNdtr(a));
  if (a > 0) return logDiff(logNdtr(-a), logNdtr(-b));
  return Math.log1p(-ndtr(a) - ndtr(-b));
}

/**
 * Inverse of log Φ: the x with log Φ(x) = y (y ≤ 0). Newton's method on f(x) = log Φ(x) − y, whose
 * derivative is φ(x)/Φ(x); starting point from the tail asymptote (y < −5) or the logistic
 * approximation Φ(x) ≈ 1/(1 + e^{−πx/√3}) otherwise; y near 0 is solved on the mirrored side.
 */
export function ndtriExp(y: number): number {
  if (y >= 0) return Number.POSITIVE_INFINITY;
  if (y === Number.NEGATIVE_INFINITY) return Number.NEGATIVE_INFINITY;
  const flipped = y > -1e-2;
  const z = flipped ? Math.log(-Math.expm1(y)) : y;
  let x = z < -5 ? -Math.sqrt(-2 * (z + LOG_SQRT_2PI)) : -(Math.sqrt(3) / Math.PI) * Math.log(Math.expm1(-z));
  for (let i = 0; i < 100; i++) {
    const lp = logNdtr(x);
    const dx = (lp - z) * Math.exp(lp - normLogPdf(x));
    x -= dx;
    if (Math.abs(dx) <= 1e-14 * Math.abs(x) || Math.abs(dx) < 1e-300) break;
  }
  return flipped ? -x : x;
}

/**
 * Inverse CDF of the standard normal truncated to [a, b] (standard units, a < b) at quantile q ∈ [0, 1]:
 * the c with Φ(c) = Φ(a) + q·(Φ(b) − Φ(a)), computed in log-space on the left tail (mirrored when a ≥ 0).
 * @returns c in [a, b] (clamped against rounding).
 */
export function truncNormPpf(q: number, a: number, b: number): number {
  if (q <= 0) return a;
  if (q >= 1) return b;
  const logMass = logGaussMass(a, b);
  const c =
    a < 0
      ? ndtriExp(logAddExp(logNdtr(a), Math.log(q) + logMass))
      : -ndtriExp(logAddExp(logNdtr(-b), Math.log1p(-q) + logMass));
  return Math.min(b, Math.max(a, c));
}

/**
 * log-density of N(μ, σ²) truncated to [low, high] at x: log φ((x−μ)/σ) − log σ − logMass, or −∞
 * outside [low, high]. `logMass` = logGaussMass((low−μ)/σ, (high−μ)/σ), passed in so callers can
 * reuse it across many x.
 */
export function truncNormLogPdf(
  x: number,
  mu: number,
  sigma: number,
  low: number,
  high: number,
  logMass: number,
): number {
  if (x < low || x > high) return Number.NEGATIVE_INFINITY;
  const z = (x - mu) / sigma;
  return normLogPdf(z) - Math.log(sigma) - logMass;
}
