import { describe, expect, it } from 'vitest';
import {
  compareArms,
  medianInterval,
  parseComparisonSpec,
  type ComparisonSpec,
} from '../../../core/promotion/compare.ts';
import { PermanentError } from '../../../core/errors.ts';

// Student's sleep data (R's `sleep`), challenger = group 2, champion = group 1: paired 95 % CI of the
// difference [0.7001142, 2.4598858], Welch [−0.2054832, 3.3654832] (R t.test).
const champion = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
const challenger = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
const spec = (over: Partial<ComparisonSpec>): ComparisonSpec => ({
  metric: 'netPnlQuote',
  test: 'paired-t',
  alpha: 0.05,
  minIntervals: 6,
  marginQuote: 0,
  ...over,
});

describe('compareArms decisions', () => {
  it('paired t: lower 0.70 > 0 → challenger-better', () => {
    const r = compareArms(challenger, champion, spec({}));
    expect(r).toMatchObject({ n: 10, test: 'paired-t', decision: 'challenger-better' });
    expect(r.meanDiff).toBeCloseTo(1.58, 12);
    expect(r.medianDiff).toBeCloseTo(1.3, 12);
    expect(r.lower).toBeCloseTo(0.7001142, 6);
    expect(r.pValue).toBeCloseTo(0.002833, 6);
  });

  it('welch: lower −0.205 > −margin 0.5 → non-inferior; margin 0.1 → inferior', () => {
    const ni = compareArms(challenger, champion, spec({ test: 'welch', marginQuote: 0.5 }));
    expect(ni.decision).toBe('non-inferior');
    expect(ni.lower).toBeCloseTo(-0.2054832, 6);
    expect(ni.upper).toBeCloseTo(3.3654832, 6);
    expect(compareArms(challenger, champion, spec({ test: 'welch', marginQuote: 0.1 })).decision).toBe(
      'inferior',
    );
  });

  it('fewer intervals than minIntervals → insufficient-data, with the interval still reported', () => {
    const r = compareArms(challenger, champion, spec({ minIntervals: 12 }));
    expect(r.decision).toBe('insufficient-data');
    expect(r.lower).toBeCloseTo(0.7001142, 6);
    const none = compareArms([], [], spec({}));
    expect(none).toMatchObject({ n: 0, decision: 'insufficient-data', meanDiff: 0, lower: 0, upper: 0 });
    expect(none.pValue).toBeUndefined();
    expect(compareArms([1], [0], spec({ minIntervals: 1 })).reason).toMatch(/1 intervals, at least 2/);
  });

  it('bootstrap: seeded, decides on the percentile interval', () => {
    const s = spec({ test: 'bootstrap', seed: 3 });
    const a = compareArms(challenger, champion, s);
    expect(compareArms(challenger, champion, s)).toEqual(a);
    expect(a.decision).toBe('challenger-better');
    // Champion better by 1.58 on average: inferior unless the margin covers the whole interval.
    expect(compareArms(champion, challenger, s).decision).toBe('inferior');
    expect(compareArms(champion, challenger, { ...s, marginQuote: 3 }).decision).toBe('non-inferior');
  });

  it('perCapital divides each value by its capital fraction', () => {
    // Challenger at 10 % earns [0.1, 0.3, 0.2] = [1, 3, 2] per unit; champion at 100 % earns [1, 1, 1]:
    // d = [0, 2, 1], mean 1, s = 1, n = 3 → paired t interval 1 ± 4.302653/√3 = [−1.484, 3.484].
    const r = compareArms(
      [0.1, 0.3, 0.2],
      [1, 1, 1],
      spec({ perCapital: true, minIntervals: 3, marginQuote: 2 }),
      {
        challenger: [0.1, 0.1, 0.1],
        champion: [1, 1, 1],
      },
    );
    expect(r.meanDiff).toBeCloseTo(1, 12);
    expect(r.lower).toBeCloseTo(1 - 2.4841377117503303, 9);
    expect(r.decision).toBe('non-inferior');
    expect(() => compareArms([1, 2], [1, 2], spec({ perCapital: true }))).toThrow(PermanentError);
  });

  it('rejects bad input', () => {
    expect(() => compareArms([1, 2], [1], spec({}))).toThrow(/AB_SERIES|pairs intervals/);
    expect(() => compareArms([1, NaN], [1, 2], spec({}))).toThrow(PermanentError);
    expect(() => compareArms([1, 2], [1, 2], spec({ alpha: 0.7 }))).toThrow(PermanentError);
    expect(() => parseComparisonSpec({ ...spec({}), extra: 1 }, 'promote.yaml')).toThrow(
      /promote\.yaml.*extra/,
    );
    // Welch accepts arms of different lengths (unpaired).
    expect(compareArms([1, 2, 3], [1, 2], spec({ test: 'welch', minIntervals: 2 })).n).toBe(2);
  });
});

describe('compareArms with the Wilcoxon signed-rank test', () => {
  // Fisher's cucumber differences (scipy's example): two-sided exact p = 0.041259765625, median 24.
  const cucumber = [6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75];
  const zeros = (n: number): number[] => new Array<number>(n).fill(0);

  it('p < α and median > 0 → challenger-better; sign-test interval of the median [8, 49]', () => {
    const r = compareArms(cucumber, zeros(15), spec({ test: 'wilcoxon' }));
    expect(r).toMatchObject({ decision: 'challenger-better', medianDiff: 24, lower: 8, upper: 49 });
    expect(r.pValue).toBeCloseTo(0.041259765625, 14);
    // The mirror image: p is the same, the median negative → not better, and with no margin inferior.
    expect(compareArms(zeros(15), cucumber, spec({ test: 'wilcoxon' })).decision).toBe('inferior');
  });

  it('non-inferiority by the shifted one-sided test', () => {
    // |d| ranks 1..8 all distinct; W+ = 1 + 4 + 6 + 8 = 19 → not better. d + 1 > 0 everywhere:
    // one-sided p = 2^−8 = 0.0039 < α/2 → non-inferior with margin 1; inferior with margin 0.
    const d = [-0.3, 0.1, -0.2, 0.4, -0.5, 0.6, -0.7, 0.8];
    expect(compareArms(d, zeros(8), spec({ test: 'wilcoxon', marginQuote: 1 })).decision).toBe(
      'non-inferior',
    );
    expect(compareArms(d, zeros(8), spec({ test: 'wilcoxon', marginQuote: 0 })).decision).toBe('inferior');
  });

  it('n = 5: the smallest two-sided p (2^−4 = 0.0625) cannot reach α = 0.05 → insufficient-data', () => {
    const r = compareArms([1, 2, 3, 4, 5], zeros(5), spec({ test: 'wilcoxon', minIntervals: 2 }));
    expect(r.decision).toBe('insufficient-data');
    expect(r.reason).toMatch(/at least 6/);
  });

  it('all differences zero: p = 1', () => {
    const r = compareArms(zeros(8), zeros(8), spec({ test: 'wilcoxon', marginQuote: 0 }));
    expect(r).toMatchObject({ pValue: 1, decision: 'inferior' });
  });

  it('median interval: binomial order statistics', () => {
    // n = 6: P(B ≤ 0) = 1/64 ≤ 0.025 < P(B ≤ 1) = 7/64 → k = 1: [min, max].
    expect(medianInterval([5, 1, 4, 2, 6, 3], 0.05)).toEqual([1, 6]);
    expect(medianInterval([1, 2, 3, 4, 5], 0.05)).toBeUndefined();
  });
});
