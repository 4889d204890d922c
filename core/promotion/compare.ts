/**
 * The A/B decision: challenger against champion on per-interval series (docs/adr/0017-switchback-ab-test.md).
 *
 * d_i = challenger_i − champion_i, interval i (a switchback pair, or one time block of the parallel
 * paper design), per unit of capital when `perCapital`. With a two-sided (1 − α) interval [lower, upper]
 * of the difference — its lower bound is a one-sided test at α/2, the convention of ICH E9 §5.5 and
 * the FDA's non-inferiority guidance (2016) — the decision is:
 *   n < minIntervals (or too few for the test)  → insufficient-data
 *   lower > 0                                    → challenger-better
 *   lower > −marginQuote                         → non-inferior
 *   otherwise                                    → inferior (non-inferiority not shown)
 *
 * Tests: `paired-t` (t interval on d), `bootstrap` (percentile bootstrap of mean d, resampling pairs),
 * `welch` (unpaired Welch interval of mean(c) − mean(h), the series may differ in length; it ignores
 * the pairing, so it is the conservative choice when pairs are not comparable), `wilcoxon` (signed-rank
 * test of core/search/wilcoxon-test.ts on d, decided by p-values and the sign of the median of d, no
 * Hodges–Lehmann estimate: better ⇔ two-sided p < α and median(d) > 0; non-inferior ⇔ the one-sided
 * ('greater') test of d + margin has p < α/2 and median(d) + margin > 0. Its lower/upper are the
 * distribution-free (1 − α) order-statistic interval of the median of d (sign-test inversion, Conover
 * 1999 §3.2), reported but not used by the decision).
 */
import { z } from 'zod';
import { PermanentError } from '../errors.ts';
import { wilcoxonSignedRank } from '../search/wilcoxon-test.ts';
import { bootstrapInterval, mean, pairedTInterval, welchInterval, type Interval } from './intervals.ts';

/** The declared tests. */
export const TEST_KINDS = ['bootstrap', 'welch', 'paired-t', 'wilcoxon'] as const;
export type TestKind = (typeof TEST_KINDS)[number];

/** Zod schema of {@link ComparisonSpec} (strict). */
export const ComparisonSpecSchema = z
  .object({
    /** The per-interval metric compared (interval-metrics.ts field), quote currency. */
    metric: z.enum(['netPnlQuote', 'markout1sQuote']),
    test: z.enum(TEST_KINDS),
    /** Two-sided level of the interval (0.05: 95 % interval, one-sided 2.5 % test). */
    alpha: z.number().gt(0).lt(0.5),
    /** Fewest intervals (pairs) for a decision other than insufficient-data (the tests need ≥ 2 anyway). */
    minIntervals: z.number().int().min(1).max(1_000_000),
    /** Non-inferiority margin ≥ 0, quote currency per interval (per unit of capital when perCapital). */
    marginQuote: z.number().min(0).finite(),
    /** Bootstrap seed (safe integer); absent: 0. */
    seed: z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).optional(),
    /** Bootstrap resamples; absent: 2000. */
    resamples: z.number().int().min(100).max(1_000_000).optional(),
    /** Divide each value by its interval's capital fraction (compareArms' `capital` argument, then required). */
    perCapital: z.boolean().optional(),
  })
  .strict();

/** A declared comparison; see {@link ComparisonSpecSchema} for units. */
export type ComparisonSpec = z.output<typeof ComparisonSpecSchema>;

export type Decision = 'challenger-better' | 'non-inferior' | 'inferior' | 'insufficient-data';

export interface ComparisonResult {
  /** Number of intervals used: pairs for paired tests, min(n challenger, n champion) for welch. */
  readonly n: number;
  /** Mean of d (welch: mean(c) − mean(h)), quote currency (per unit of capital when perCapital). */
  readonly meanDiff: number;
  /** Median of d (welch: median(c) − median(h)). */
  readonly medianDiff: number;
  /** Two-sided (1 − α) bounds; equal to meanDiff when no interval can be computed (n < 2). */
  readonly lower: number;
  readonly upper: number;
  /** Two-sided p-value of H0: no difference; undefined when not computed. */
  readonly pValue: number | undefined;
  readonly test: TestKind;
  readonly decision: Decision;
  /** One line for people: the figures behind the decision. */
  readonly reason: string;
}

const DEFAULT_RESAMPLES = 2000;

/**
 * Parses a spec from YAML/JSON input.
 * @throws PermanentError COMPARISON_SPEC_INVALID naming `where` and each bad field.
 */
export function parseComparisonSpec(input: unknown, where: string): ComparisonSpec {
  const r = ComparisonSpecSchema.safeParse(input);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  throw new PermanentError('COMPARISON_SPEC_INVALID', `${where}: invalid comparison: ${issues.join('; ')}`, {
    where,
    issues,
  });
}

/**
 * Compares the arms. See the module doc for the decision rule.
 * @param challenger per-interval values of the challenger (quote currency).
 * @param champion per-interval values of the champion, aligned with `challenger` (paired tests).
 * @param capital capital fractions (0, 1] aligned with each series; required when spec.perCapital.
 * @throws PermanentError COMPARISON_SPEC_INVALID (bad spec), AB_SERIES_INVALID (non-finite value,
 *   length mismatch for a paired test, capital missing or not in (0, 1]).
 */
export function compareArms(
  challenger: readonly number[],
  champion: readonly number[],
  spec: ComparisonSpec,
  capital?: { readonly challenger: readonly number[]; readonly champion: readonly number[] },
): ComparisonResult {
  parseComparisonSpec(spec, 'compareArms');
  const c = perUnit(
    challenger,
    spec.perCapital === true ? capital?.challenger : undefined,
    spec,
    'challenger',
  );
  const h = perUnit(champion, spec.perCapital === true ? capital?.champion : undefined, spec, 'champion');
  if (spec.test === 'welch') return decideWelch(c, h, spec);
  if (c.length !== h.length)
    throw seriesError(
      `${spec.test} pairs intervals: ${c.length} challenger vs ${champion.length} champion values`,
    );
  const d = c.map((x, i) => x - (h[i] ?? NaN));
  const n = d.length;
  const meanDiff = n === 0 ? 0 : mean(d);
  const medianDiff = n === 0 ? 0 : median(d);
  const base = { n, meanDiff, medianDiff, test: spec.test };
  if (spec.test === 'wilcoxon') return decideWilcoxon(d, spec, base);
  if (n < 2)
    return {
      ...base,
      lower: meanDiff,
      upper: meanDiff,
      pValue: undefined,
      ...short(n, spec, Math.max(2, spec.minIntervals)),
    };
  const iv =
    spec.test === 'paired-t'
      ? pairedTInterval(d, spec.alpha)
      : bootstrapInterval(d, spec.alpha, spec.resamples ?? DEFAULT_RESAMPLES, spec.seed ?? 0);
  return { ...base, ...fromInterval(iv, n, spec) };
}

function decideWelch(c: readonly number[], h: readonly number[], spec: ComparisonSpec): ComparisonResult {
  const n = Math.min(c.length, h.length);
  const meanDiff = c.length > 0 && h.length > 0 ? mean(c) - mean(h) : 0;
  const medianDiff = c.length > 0 && h.length > 0 ? median(c) - median(h) : 0;
  const base = { n, meanDiff, medianDiff, test: spec.test };
  if (n < 2)
    return {
      ...base,
      lower: meanDiff,
      upper: meanDiff,
      pValue: undefined,
      ...short(n, spec, Math.max(2, spec.minIntervals)),
    };
  return { ...base, ...fromInterval(welchInterval(c, h, spec.alpha), n, spec) };
}

function fromInterval(
  iv: Interval,
  n: number,
  spec: ComparisonSpec,
): Omit<ComparisonResult, 'n' | 'meanDiff' | 'medianDiff' | 'test'> {
  const { lower, upper, pValue } = iv;
  const pct = `${round((1 - spec.alpha) * 100)}%`;
  const head = `${spec.test} ${pct} interval of challenger − champion ${spec.metric} [${round(lower)}, ${round(upper)}], n ${n}`;
  if (n < spec.minIntervals) return { lower, upper, pValue, ...short(n, spec, spec.minIntervals) };
  if (lower > 0)
    return { lower, upper, pValue, decision: 'challenger-better', reason: `${head}: lower bound > 0` };
  if (lower > -spec.marginQuote)
    return {
      lower,
      upper,
      pValue,
      decision: 'non-inferior',
      reason: `${head}: lower bound > −margin ${-spec.marginQuote}`,
    };
  return {
    lower,
    upper,
    pValue,
    decision: 'inferior',
    reason: `${head}: lower bound ≤ −margin ${-spec.marginQuote}`,
  };
}

function decideWilcoxon(
  d: readonly number[],
  spec: ComparisonSpec,
  base: { n: number; meanDiff: number; medianDiff: number; test: TestKind },
): ComparisonResult {
  const { n, medianDiff } = base;
  const [lower, upper] = medianInterval(d, spec.alpha) ?? [medianDiff, medianDiff];
  // The smallest exact two-sided signed-rank p-value is 2^(1−n): below that size no test can reject.
  const floor = Math.max(spec.minIntervals, minWilcoxonN(spec.alpha));
  if (n < floor) return { ...base, lower, upper, pValue: undefined, ...short(n, spec, floor) };
  const pTwo = signedRankP(d, 'two-sided');
  const pNonInferior = signedRankP(
    d.map((x) => x + spec.marginQuote),
    'greater',
  );
  const head = `wilcoxon on challenger − champion ${spec.metric}, n ${n}, median ${round(medianDiff)}: two-sided p ${round(pTwo)}`;
  const common = { ...base, lower, upper, pValue: pTwo };
  if (pTwo < spec.alpha && medianDiff > 0)
    return { ...common, decision: 'challenger-better', reason: `${head} < α ${spec.alpha}, median > 0` };
  const ni = `one-sided p(d + margin ${spec.marginQuote} > 0) ${round(pNonInferior)}`;
  if (pNonInferior < spec.alpha / 2 && medianDiff + spec.marginQuote > 0)
    return { ...common, decision: 'non-inferior', reason: `${head}; ${ni} < α/2` };
  return { ...common, decision: 'inferior', reason: `${head}; ${ni}: non-inferiority not shown` };
}

/** Smallest n whose exact two-sided signed-rank p-value can be below α: 2^(1−n) ≤ α. */
function minWilcoxonN(alpha: number): number {
  return Math.ceil(1 - Math.log2(alpha));
}

function signedRankP(d: readonly number[], alternative: 'two-sided' | 'greater'): number {
  if (d.every((x) => x === 0)) return 1;
  return wilcoxonSignedRank(d, { alternative }).pValue;
}

/**
 * Order-statistic (1 − α) interval of the median: [d(k), d(n+1−k)] with k the largest integer such that
 * P(Binomial(n, ½) ≤ k − 1) ≤ α/2. undefined when even k = 1 does not reach the level.
 */
export function medianInterval(d: readonly number[], alpha: number): readonly [number, number] | undefined {
  const n = d.length;
  const sorted = [...d].sort((a, b) => a - b);
  let cdf = 0;
  let pmf = 0.5 ** n;
  let k = 0;
  for (let j = 0; j < n; j++) {
    cdf += pmf; // P(B ≤ j)
    if (cdf > alpha / 2) break;
    k = j + 1;
    pmf *= (n - j) / (j + 1);
  }
  if (k < 1) return undefined;
  return [sorted[k - 1] ?? NaN, sorted[n - k] ?? NaN];
}

function short(n: number, spec: ComparisonSpec, needed: number): { decision: Decision; reason: string } {
  return { decision: 'insufficient-data', reason: `${spec.test}: ${n} intervals, at least ${needed} needed` };
}

function perUnit(
  values: readonly number[],
  fractions: readonly number[] | undefined,
  spec: ComparisonSpec,
  arm: string,
): number[] {
  if (values.some((v) => !Number.isFinite(v))) throw seriesError(`${arm}: every value must be finite`);
  if (spec.perCapital !== true) return [...values];
  if (fractions === undefined || fractions.length !== values.length)
    throw seriesError(`${arm}: perCapital needs one capital fraction per value`);
  return values.map((v, i) => {
    const f = fractions[i] ?? NaN;
    if (!(f > 0 && f <= 1)) throw seriesError(`${arm}: capital fraction ${f} at ${i} not in (0, 1]`);
    return v / f;
  });
}

function seriesError(message: string): PermanentError {
  return new PermanentError('AB_SERIES_INVALID', `compareArms: ${message}`);
}

function median(x: readonly number[]): number {
  const s = [...x].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
}

function round(x: number): number {
  return Number(x.toPrecision(6));
}
