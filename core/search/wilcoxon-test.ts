/**
 * The Wilcoxon signed-rank test (Wilcoxon 1945, "Individual Comparisons by Ranking Methods",
 * Biometrics Bulletin 1(6)) on paired differences, with the conventions and p-values of
 * scipy.stats.wilcoxon (SciPy ≥ 1.15, `method='auto'`, `correction=False`):
 *
 * - Zeros: `wilcox` drops them; `pratt` ranks them then drops their ranks (Pratt 1959; normal
 *   approximation adjusted as Cureton 1967); `zsplit` ranks them and splits their rank sum half to
 *   each sign (what Optuna's WilcoxonPruner uses).
 * - Statistic: W+ = sum of the ranks (average ranks for ties) of positive differences.
 * - p-value (`auto`): more than 50 differences → normal approximation with the tie correction
 *   Var = [n(n+1)(2n+1) − Σ(t³ − t)/2]/24; otherwise, with no ties and no zeros → the exact null
 *   distribution of W+ (subset-sum counts over ranks 1..n, by dynamic programming; a non-integer W+
 *   is rounded conservatively); with ties or zeros and at most 13 differences → the exact
 *   permutation distribution (all 2ⁿ sign flips); else the normal approximation.
 *
 * `@stdlib/stats-wilcoxon` was considered and not used: it always approximates when there are ties
 * or zeros (SciPy enumerates sign flips for n ≤ 13, the case of a walk-forward study's few folds),
 * and it is CommonJS with ~20 dependencies, unwelcome in the Temporal workflow bundle. It agrees with
 * this module where both are exact or both approximate (test/core/search/wilcoxon-test.test.ts).
 */

import { ndtr } from './normal.ts';

/** Alternative hypothesis about the differences d (scipy's names). */
export type Alternative = 'two-sided' | 'greater' | 'less';

/** Treatment of zero differences (scipy's names). */
export type ZeroMethod = 'wilcox' | 'pratt' | 'zsplit';

/** How the p-value was computed. */
export type WilcoxonMethod = 'exact' | 'permutation' | 'asymptotic';

/** Result of the test. */
export interface WilcoxonResult {
  /** W+ for one-sided alternatives; min(W+, W−) for two-sided (scipy's `statistic`). */
  readonly statistic: number;
  readonly pValue: number;
  readonly method: WilcoxonMethod;
}

/** Largest sample with the exact (or permutation) p-value under `auto`. */
const EXACT_MAX_N = 50;
const PERMUTATION_MAX_N = 13;

/**
 * Runs the test on differences `d` (e.g. trial − best, step by step).
 * @param opts.alternative default 'two-sided'; 'greater': d tends to be positive.
 * @param opts.zeroMethod default 'wilcox'.
 * @param opts.method default 'auto' (see the module doc); 'exact' forces the W+ distribution,
 *   'asymptotic' the normal approximation.
 * @param opts.correction continuity correction of the normal approximation; default false (scipy).
 * @throws RangeError when d is empty, holds a non-finite value, or (wilcox/pratt) is all zeros.
 */
export function wilcoxonSignedRank(
  d: readonly number[],
  opts: {
    readonly alternative?: Alternative;
    readonly zeroMethod?: ZeroMethod;
    readonly method?: 'auto' | 'exact' | 'asymptotic';
    readonly correction?: boolean;
  } = {},
): WilcoxonResult {
  const alternative = opts.alternative ?? 'two-sided';
  const zeroMethod = opts.zeroMethod ?? 'wilcox';
  if (d.length === 0) throw new RangeError('wilcoxon: no differences');
  if (d.some((x) => !Number.isFinite(x))) throw new RangeError('wilcoxon: differences must be finite');
  const nZero = d.filter((x) => x === 0).length;
  if (nZero === d.length && zeroMethod !== 'zsplit')
    throw new RangeError(`wilcoxon: every difference is zero (zero method '${zeroMethod}')`);

  const kept = zeroMethod === 'wilcox' ? d.filter((x) => x !== 0) : [...d];
  const ranks = averageRanks(kept.map(Math.abs));
  let rPlus = 0;
  let rMinus = 0;
  let rZero = 0;
  kept.forEach((x, i) => {
    const r = ranks[i] ?? 0;
    if (x > 0) rPlus += r;
    else if (x < 0) rMinus += r;
    else rZero += r;
  });
  const zeroShare = zeroMethod === 'zsplit' ? rZero / 2 : 0;
  rPlus += zeroShare;
  rMinus += zeroShare;
  const ties = tieGroups(kept.map(Math.abs));
  const hasTies = ties.some((g) => g.size > 1);
  const statistic = alternative === 'two-sided' ? Math.min(rPlus, rMinus) : rPlus;

  let method: WilcoxonMethod;
  if (opts.method === 'exact') method = 'exact';
  else if (opts.method === 'asymptotic' || d.length > EXACT_MAX_N) method = 'asymptotic';
  else if (!hasTies && nZero === 0) method = 'exact';
  else if (d.length <= PERMUTATION_MAX_N) method = 'permutation';
  else method = 'asymptotic';

  if (method === 'exact') return { statistic, method, pValue: exactPValue(rPlus, kept.length, alternative) };
  if (method === 'permutation')
    return { statistic, method, pValue: permutationPValue(kept, ranks, zeroShare, rPlus, alternative) };

  const n = kept.length;
  let mean = (n * (n + 1)) / 4;
  let variance = n * (n + 1) * (2 * n + 1);
  if (zeroMethod === 'pratt') {
    mean -= (nZero * (nZero + 1)) / 4;
    variance -= nZero * (nZero + 1) * (2 * nZero + 1);
  }
  for (const g of ties)
    if (!(zeroMethod === 'pratt' && g.value === 0)) variance -= (g.size ** 3 - g.size) / 2;
  const se = Math.sqrt(variance / 24);
  let z = (rPlus - mean) / se;
  if (opts.correction === true) {
    const sign = alternative === 'greater' ? 1 : alternative === 'less' ? -1 : Math.sign(z);
    z -= (sign * 0.5) / se;
  }
  const pValue =
    alternative === 'greater'
      ? ndtr(-z)
      : alternative === 'less'
        ? ndtr(z)
        : Math.min(1, 2 * ndtr(-Math.abs(z)));
  return { statistic, method, pValue };
}

/**
 * Null distribution of W+ for n untied, non-zero differences: P(W+ = k), k = 0..n(n+1)/2, from the
 * number of subsets of {1..n} summing to k (counts < 2^53 for n ≤ 50, so exact in doubles).
 */
export function signedRankPmf(n: number): Float64Array {
  const max = (n * (n + 1)) / 2;
  const counts = new Float64Array(max + 1);
  counts[0] = 1;
  for (let r = 1; r <= n; r++)
    for (let k = (r * (r + 1)) / 2; k >= r; k--) counts[k] = (counts[k] ?? 0) + (counts[k - r] ?? 0);
  const total = 2 ** n;
  return counts.map((c) => c / total);
}

function exactPValue(rPlus: number, n: number, alternative: Alternative): number {
  const pmf = signedRankPmf(n);
  const cdf = (k: number): number => {
    let s = 0;
    for (let i = 0; i <= Math.min(k, pmf.length - 1); i++) s += pmf[i] ?? 0;
    return s;
  };
  const sf = (k: number): number => {
    let s = 0;
    for (let i = Math.max(0, k); i < pmf.length; i++) s += pmf[i] ?? 0;
    return s;
  };
  if (alternative === 'less') return cdf(Math.ceil(rPlus));
  if (alternative === 'greater') return sf(Math.floor(rPlus));
  return Math.min(1, 2 * Math.min(sf(Math.floor(rPlus)), cdf(Math.ceil(rPlus))));
}

/** Exact sign-flip permutation p-value of W+ (scipy.stats.permutation_test, 'samples', exact). */
function permutationPValue(
  kept: readonly number[],
  ranks: readonly number[],
  zeroShare: number,
  observed: number,
  alternative: Alternative,
): number {
  const nonZeroRanks = kept.flatMap((x, i) => (x === 0 ? [] : [ranks[i] ?? 0]));
  const m = nonZeroRanks.length;
  const total = 2 ** m;
  const tolerance = Math.abs(observed) * 2.220446049250313e-14;
  let atLeast = 0;
  let atMost = 0;
  for (let mask = 0; mask < total; mask++) {
    let w = zeroShare;
    for (let i = 0; i < m; i++) if ((mask >>> i) & 1) w += nonZeroRanks[i] ?? 0;
    if (w >= observed - tolerance) atLeast++;
    if (w <= observed + tolerance) atMost++;
  }
  if (alternative === 'greater') return atLeast / total;
  if (alternative === 'less') return atMost / total;
  return Math.min(1, (2 * Math.min(atLeast, atMost)) / total);
}

/** Average ranks (1-based) of `values`; ties share the mean of their positions. */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((_, i) => i).sort((a, b) => (values[a] ?? 0) - (values[b] ?? 0));
  const ranks = new Array<number>(values.length).fill(0);
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1] ?? 0] === values[order[i] ?? 0]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k] ?? 0] = rank;
    i = j + 1;
  }
  return ranks;
}

function tieGroups(values: readonly number[]): { readonly value: number; readonly size: number }[] {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([value, size]) => ({ value, size }));
}
