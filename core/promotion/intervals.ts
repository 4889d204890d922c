/**
 * Confidence intervals of a difference of means, for the A/B decision (compare.ts). All intervals are
 * two-sided at level 1 − α; compare.ts reads the lower bound, which is a one-sided test at α/2.
 *
 * - Welch (unpaired): Welch (1947), "The generalization of 'Student's' problem when several different
 *   population variances are involved", Biometrika 34; degrees of freedom by Welch–Satterthwaite
 *   (Satterthwaite 1946, Biometrics Bulletin 2(6)).
 * - Paired t: Student's interval on the per-pair differences (df = n − 1).
 * - Percentile bootstrap of the mean difference: Efron & Tibshirani (1993), "An Introduction to the
 *   Bootstrap", ch. 13; resampling the pair differences (the pairs are the units), percentiles by
 *   linear interpolation (Hyndman & Fan 1996 type 7, numpy's default).
 *
 * The t quantile is `@stdlib/stats-base-dists-t-quantile`. The t CDF (for p-values) is that quantile
 * inverted by bisection, so there is one t implementation; accurate to ~1e-18 absolute.
 * This module pulls a CommonJS dependency: use it from activities, not workflow code.
 */
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { createStream } from '../random/xoshiro.ts';

/** A two-sided interval and its p-value for H0: difference = 0. */
export interface Interval {
  /** Point estimate of the difference (mean of a − mean of b, or mean of d). */
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
  /** Two-sided p-value of H0: difference = 0. */
  readonly pValue: number;
  /** Degrees of freedom (t intervals only). */
  readonly df?: number;
}

/** Arithmetic mean; NaN on an empty array. */
export function mean(x: readonly number[]): number {
  let s = 0;
  for (const v of x) s += v;
  return s / x.length;
}

/** Unbiased sample variance (divisor n − 1); NaN when n < 2. */
export function sampleVariance(x: readonly number[]): number {
  const m = mean(x);
  let s = 0;
  for (const v of x) s += (v - m) * (v - m);
  return s / (x.length - 1);
}

/**
 * Two-sided p-value 2·P(T_df ≥ |t|), by bisection of p ↦ quantile(p, df) on (0, ½].
 * @param df degrees of freedom > 0 (may be fractional, as Welch's).
 */
export function tTwoSidedPValue(t: number, df: number): number {
  if (t === 0) return 1;
  if (!Number.isFinite(t)) return 0;
  const target = -Math.abs(t);
  let lo = 0;
  let hi = 0.5;
  for (let i = 0; i < 64; i++) {
    const mid = (lo + hi) / 2;
    if (tQuantile(mid, df) < target) lo = mid;
    else hi = mid;
  }
  return Math.min(1, lo + hi);
}

function tInterval(estimate: number, se: number, df: number, alpha: number): Interval {
  if (se === 0) return { estimate, lower: estimate, upper: estimate, pValue: estimate === 0 ? 1 : 0, df };
  const half = tQuantile(1 - alpha / 2, df) * se;
  return {
    estimate,
    lower: estimate - half,
    upper: estimate + half,
    pValue: tTwoSidedPValue(estimate / se, df),
    df,
  };
}

/**
 * Welch's unpaired interval of mean(a) − mean(b):
 * se = √(s²a/na + s²b/nb), df = (s²a/na + s²b/nb)² / ((s²a/na)²/(na−1) + (s²b/nb)²/(nb−1)).
 * Both variances zero: the interval is the point (df reported as na + nb − 2).
 * @throws RangeError when either sample has fewer than 2 values.
 */
export function welchInterval(a: readonly number[], b: readonly number[], alpha: number): Interval {
  if (a.length < 2 || b.length < 2) throw new RangeError('welch: each arm needs at least 2 values');
  const va = sampleVariance(a) / a.length;
  const vb = sampleVariance(b) / b.length;
  const se = Math.sqrt(va + vb);
  const df =
    se === 0
      ? a.length + b.length - 2
      : (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  return tInterval(mean(a) - mean(b), se, df, alpha);
}

/**
 * Paired t interval of mean(d): mean ± t(1 − α/2, n − 1)·s/√n. Zero spread: the interval is the point.
 * @throws RangeError when d has fewer than 2 values.
 */
export function pairedTInterval(d: readonly number[], alpha: number): Interval {
  if (d.length < 2) throw new RangeError('paired-t: needs at least 2 differences');
  return tInterval(mean(d), Math.sqrt(sampleVariance(d) / d.length), d.length - 1, alpha);
}

/** Quantile of sorted values by linear interpolation (Hyndman & Fan type 7). */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo] ?? NaN;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] ?? NaN;
  return a + (h - lo) * (b - a);
}

/**
 * Percentile bootstrap of mean(d): `resamples` means of n draws with replacement from d (indices from
 * `createStream(seed)`), interval = their α/2 and 1 − α/2 quantiles. p-value: the α at which the
 * percentile interval starts to exclude 0, 2·min(#{m* ≤ 0}, #{m* ≥ 0})/B capped at 1 (0 means < 1/B).
 * @throws RangeError when d is empty or resamples < 1.
 */
export function bootstrapInterval(
  d: readonly number[],
  alpha: number,
  resamples: number,
  seed: number,
): Interval {
  if (d.length === 0) throw new RangeError('bootstrap: no differences');
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError('bootstrap: resamples must be ≥ 1');
  const rng = createStream(seed);
  const n = d.length;
  const means = new Float64Array(resamples);
  let atMostZero = 0;
  let atLeastZero = 0;
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += d[rng.nextInt(n)] ?? 0;
    const m = s / n;
    means[b] = m;
    if (m <= 0) atMostZero++;
    if (m >= 0) atLeastZero++;
  }
  means.sort();
  return {
    estimate: mean(d),
    lower: quantileSorted(means, alpha / 2),
    upper: quantileSorted(means, 1 - alpha / 2),
    pValue: Math.min(1, (2 * Math.min(atMostZero, atLeastZero)) / resamples),
  };
}
