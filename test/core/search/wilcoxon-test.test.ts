import { describe, it, expect } from 'vitest';
import stdlibWilcoxon from '@stdlib/stats-wilcoxon';
import {
  averageRanks,
  signedRankPmf,
  wilcoxonSignedRank,
  type Alternative,
  type ZeroMethod,
} from '../../../core/search/wilcoxon-test.ts';

// Reference p-values: scipy.stats.wilcoxon (SciPy 1.17.1, method='auto', correction=False), run once
// on these inputs. "cucumber" is Fisher's paired data in scipy's own documentation example
// (statistic 24, p = 0.041259765625 two-sided; 96 and 0.0206298828125 'greater').
const cases: Record<string, readonly number[]> = {
  cucumber: [6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75],
  tiesSmall: [1, 2, 2, 3, -1, 4, 5, 5],
  zerosSmall: [0, 1.5, 2.0, -0.5, 3.0, 0, 4.5],
  ties20: [1, 2, 2, 3, 3, 3, 4, -1, 5, 6, 6, 7, 8, -2, 9, 10, 10, 11, 12, 13],
  worse5: [0.5, 0.7, 0.2, 0.9, 0.4],
  mixed6: [0.1, -0.2, 0.05, -0.1, 0.3, -0.25],
};
const scipy: readonly (readonly [string, Alternative, ZeroMethod, number, number])[] = [
  ['cucumber', 'two-sided', 'wilcox', 24, 0.041259765625],
  ['cucumber', 'greater', 'wilcox', 96, 0.0206298828125],
  ['cucumber', 'less', 'wilcox', 96, 0.982330322265625],
  ['tiesSmall', 'two-sided', 'wilcox', 1.5, 0.0234375],
  ['tiesSmall', 'greater', 'zsplit', 34.5, 0.01171875],
  ['tiesSmall', 'less', 'pratt', 34.5, 0.99609375],
  ['zerosSmall', 'two-sided', 'wilcox', 1, 0.125],
  ['zerosSmall', 'two-sided', 'zsplit', 4.5, 0.125],
  ['zerosSmall', 'greater', 'zsplit', 23.5, 0.0625],
  ['zerosSmall', 'greater', 'pratt', 22, 0.0625],
  ['zerosSmall', 'less', 'zsplit', 23.5, 0.96875],
  ['ties20', 'two-sided', 'wilcox', 5.5, 0.00020067515412367269],
  ['ties20', 'greater', 'zsplit', 204.5, 0.00010033757706183634],
  ['ties20', 'less', 'wilcox', 204.5, 0.9998996624229382],
  ['worse5', 'greater', 'zsplit', 15, 0.03125],
  ['worse5', 'less', 'zsplit', 15, 1],
  ['mixed6', 'two-sided', 'zsplit', 9.5, 0.875],
  ['mixed6', 'greater', 'zsplit', 9.5, 0.59375],
  ['mixed6', 'less', 'zsplit', 9.5, 0.4375],
];

describe('wilcoxonSignedRank', () => {
  it.each(scipy)('%s %s %s matches scipy (W=%d, p=%d)', (name, alternative, zeroMethod, statistic, p) => {
    const r = wilcoxonSignedRank(cases[name] ?? [], { alternative, zeroMethod });
    expect(r.statistic).toBe(statistic);
    expect(r.pValue).toBeCloseTo(p, 12);
  });

  it('uses the normal approximation beyond 50 differences (scipy: W=1246, p=0.007411177976570854)', () => {
    const d = Array.from({ length: 60 }, (_, i) => Math.round((Math.sin(i + 1) * 10 + 2) * 1000) / 1000);
    const r = wilcoxonSignedRank(d, { alternative: 'greater' });
    expect(r.method).toBe('asymptotic');
    expect(r.statistic).toBe(1246);
    expect(r.pValue).toBeCloseTo(0.007411177976570854, 12);
    expect(wilcoxonSignedRank(d).pValue).toBeCloseTo(0.014822355953141709, 12);
  });

  it('picks exact, permutation and asymptotic as scipy auto does', () => {
    expect(wilcoxonSignedRank(cases.cucumber ?? []).method).toBe('exact');
    expect(wilcoxonSignedRank(cases.tiesSmall ?? []).method).toBe('permutation');
    expect(wilcoxonSignedRank(cases.ties20 ?? []).method).toBe('asymptotic');
  });

  it('agrees with @stdlib/stats-wilcoxon where both use the same method', () => {
    // Exact (no ties, no zeros, n ≤ 50) and approximate (n > 50) cases; stdlib's continuity
    // correction is switched off to match scipy's default.
    const exact = [...(cases.cucumber ?? [])];
    for (const alternative of ['two-sided', 'greater', 'less'] as const) {
      const ours = wilcoxonSignedRank(exact, { alternative }).pValue;
      expect(ours).toBeCloseTo(stdlibWilcoxon(exact, { alternative, correction: false }).pValue, 12);
    }
    const big = Array.from({ length: 80 }, (_, i) => Math.sin(3 * i + 1) + 0.2);
    const ours = wilcoxonSignedRank(big, { alternative: 'greater' }).pValue;
    expect(ours).toBeCloseTo(stdlibWilcoxon(big, { alternative: 'greater', correction: false }).pValue, 10);
  });

  it('splits all-zero differences evenly under zsplit (p = 1 two-sided) and refuses them otherwise', () => {
    expect(wilcoxonSignedRank([0, 0, 0], { zeroMethod: 'zsplit' }).pValue).toBe(1);
    expect(() => wilcoxonSignedRank([0, 0], { zeroMethod: 'wilcox' })).toThrow(/every difference is zero/);
    expect(() => wilcoxonSignedRank([])).toThrow(/no differences/);
    expect(() => wilcoxonSignedRank([1, Number.NaN])).toThrow(/finite/);
  });
});

describe('signed-rank null distribution', () => {
  it('gives the textbook counts for n = 4 (16 sign patterns)', () => {
    // Subsets of {1,2,3,4} by sum 0..10: 1,1,1,2,2,2,2,2,1,1,1.
    expect(Array.from(signedRankPmf(4), (p) => p * 16)).toEqual([1, 1, 1, 2, 2, 2, 2, 2, 1, 1, 1]);
  });

  it('sums to 1 and is symmetric for n = 50', () => {
    const pmf = signedRankPmf(50);
    expect(pmf.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 12);
    expect(pmf[10]).toBe(pmf[pmf.length - 11]);
  });

  it('ranks ties by their average position', () => {
    expect(averageRanks([3, 1, 3, 2])).toEqual([3.5, 1, 3.5, 2]);
  });
});
