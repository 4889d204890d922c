/**
 * Ordinary least squares of a straight line y = intercept + slope·x, with the coefficient of
 * determination R² = 1 − SS_res / SS_tot (any statistics text, e.g. Draper & Smith, "Applied
 * Regression Analysis", §1.2–1.3). Sums are taken around the means (two passes) for accuracy.
 */

import { PermanentError } from '../errors.ts';

/** A fitted line. */
export interface LineFit {
  readonly slope: number;
  readonly intercept: number;
  /** 1 − SS_res/SS_tot; 1 when every y is equal (SS_tot = 0, a perfect horizontal fit). */
  readonly r2: number;
  /** Points fitted. */
  readonly n: number;
}

/**
 * Fits y = intercept + slope·x by least squares.
 * @param xs abscissae; ys ordinates (same length, finite).
 * @param where what is being fitted, for error messages.
 * @throws PermanentError `DEGENERATE_FIT` with fewer than 2 points, unequal lengths, a non-finite value,
 *   or all x equal (the slope is undetermined).
 */
export function fitLine(xs: readonly number[], ys: readonly number[], where: string): LineFit {
  const n = xs.length;
  const fail = (why: string): PermanentError =>
    new PermanentError('DEGENERATE_FIT', `${where}: cannot fit a line: ${why}`, { where, points: n });
  if (ys.length !== n) throw fail(`${n} x values but ${ys.length} y values`);
  if (n < 2) throw fail(`${n} point(s), at least 2 needed`);
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    const x = xs[i] ?? Number.NaN;
    const y = ys[i] ?? Number.NaN;
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw fail(`point ${i} is not finite (${x}, ${y})`);
    sx += x;
    sy += y;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] ?? 0) - mx;
    const dy = (ys[i] ?? 0) - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) throw fail('all x values are equal');
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let ssRes = 0;
  for (let i = 0; i < n; i++) {
    const e = (ys[i] ?? 0) - (intercept + slope * (xs[i] ?? 0));
    ssRes += e * e;
  }
  const r2 = syy === 0 ? 1 : Math.max(0, 1 - ssRes / syy);
  return { slope, intercept, r2, n };
}
