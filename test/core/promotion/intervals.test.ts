import { describe, expect, it } from 'vitest';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import {
  bootstrapInterval,
  pairedTInterval,
  quantileSorted,
  tTwoSidedPValue,
  welchInterval,
} from '../../../core/promotion/intervals.ts';
import { createStream } from '../../../core/random/xoshiro.ts';

// Student's sleep data (Cushny & Peebles 1905; R's `sleep`): extra hours of sleep under two drugs,
// the same 10 patients. R 4.x: t.test(extra ~ group, data = sleep) (Welch) → t = −1.8608,
// df = 17.776, p = 0.07939, 95 % CI −3.3654832 0.2054832; with paired = TRUE → t = −4.0621, df = 9,
// p = 0.002833, 95 % CI −2.4598858 −0.7001142. Here the sign is group 2 − group 1.
const sleep1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
const sleep2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

describe('t intervals', () => {
  it('Welch on the sleep data matches R', () => {
    const iv = welchInterval(sleep2, sleep1, 0.05);
    expect(iv.estimate).toBeCloseTo(1.58, 12);
    expect(iv.df).toBeCloseTo(17.776, 3);
    expect(iv.lower).toBeCloseTo(-0.2054832, 6);
    expect(iv.upper).toBeCloseTo(3.3654832, 6);
    expect(iv.pValue).toBeCloseTo(0.07939, 5);
  });

  it('paired t on the sleep data matches R', () => {
    const d = sleep2.map((x, i) => x - (sleep1[i] ?? NaN));
    const iv = pairedTInterval(d, 0.05);
    expect(iv.df).toBe(9);
    expect(iv.lower).toBeCloseTo(0.7001142, 6);
    expect(iv.upper).toBeCloseTo(2.4598858, 6);
    expect(iv.pValue).toBeCloseTo(0.002833, 6);
  });

  it('Welch with equal variances and sizes has df = 2(n − 1): hand figures with the table t(0.975, 4)', () => {
    // c = [3,5,7], h = [0,2,4]: means 5 and 2, variances 4 and 4; se = √(4/3 + 4/3) = √(8/3),
    // df = (8/3)² / (2·(4/3)²/2) = 4, t(0.975, 4) = 2.776445 → 3 ± 4.533916.
    // p: t = 3/√(8/3) = 1.837117; for ν = 4, F(t) = ½ + ½ sinθ (1 + cos²θ/2), θ = atan(t/2) → 0.1400660.
    const iv = welchInterval([3, 5, 7], [0, 2, 4], 0.05);
    expect(iv.df).toBeCloseTo(4, 12);
    expect(iv.lower).toBeCloseTo(3 - 4.533915871055038, 9);
    expect(iv.upper).toBeCloseTo(3 + 4.533915871055038, 9);
    expect(iv.pValue).toBeCloseTo(0.1400659849120176, 12);
  });

  it('Welch–Satterthwaite df for unequal variances: 14283/6169 by exact fractions', () => {
    // a = [1,2,3,4]: s² = 5/3, s²/n = 5/12; b = [0,4,8]: s² = 16, s²/n = 16/3; sum 23/4;
    // df = (23/4)² / ((5/12)²/3 + (16/3)²/2) = 14283/6169 = 2.315286…
    const iv = welchInterval([1, 2, 3, 4], [0, 4, 8], 0.05);
    expect(iv.df).toBeCloseTo(14283 / 6169, 12);
    const half = tQuantile(0.975, 14283 / 6169) * Math.sqrt(23 / 4);
    expect(iv.lower).toBeCloseTo(-1.5 - half, 9);
    expect(iv.upper).toBeCloseTo(-1.5 + half, 9);
  });

  it('paired t with n = 3 (ν = 2, closed-form CDF)', () => {
    // d = [1,2,3]: mean 2, s = 1, se = 1/√3; t(0.975, 2) = 4.302653 → 2 ± 2.484138;
    // t = 2√3, p = 1 − t/√(2 + t²) = 0.0741799.
    const iv = pairedTInterval([1, 2, 3], 0.05);
    expect(iv.lower).toBeCloseTo(2 - 2.4841377117503303, 9);
    expect(iv.upper).toBeCloseTo(2 + 2.4841377117503303, 9);
    expect(iv.pValue).toBeCloseTo(0.07417990022744858, 12);
  });

  it('zero spread gives a point interval; fewer than 2 values throw', () => {
    expect(pairedTInterval([2, 2, 2], 0.05)).toMatchObject({ lower: 2, upper: 2, pValue: 0 });
    expect(welchInterval([1, 1], [1, 1], 0.05)).toMatchObject({ lower: 0, upper: 0, pValue: 1 });
    expect(() => pairedTInterval([1], 0.05)).toThrow(RangeError);
    expect(() => welchInterval([1, 2], [1], 0.05)).toThrow(RangeError);
  });

  it('t p-values: 0 → 1, tails symmetric', () => {
    expect(tTwoSidedPValue(0, 5)).toBe(1);
    expect(tTwoSidedPValue(-2, 7)).toBeCloseTo(tTwoSidedPValue(2, 7), 15);
    expect(tTwoSidedPValue(Infinity, 3)).toBe(0);
  });
});

describe('percentile bootstrap', () => {
  it('is deterministic for a seed and changes with it', () => {
    const d = sleep2.map((x, i) => x - (sleep1[i] ?? NaN));
    const a = bootstrapInterval(d, 0.05, 2000, 7);
    expect(bootstrapInterval(d, 0.05, 2000, 7)).toEqual(a);
    expect(bootstrapInterval(d, 0.05, 2000, 8).lower).not.toBe(a.lower);
    expect(a.estimate).toBeCloseTo(1.58, 12);
    // Close to the paired t interval [0.70, 2.46], a little narrower (the percentile method's known bias).
    expect(a.lower).toBeGreaterThan(0.6);
    expect(a.lower).toBeLessThan(1.1);
    expect(a.upper).toBeGreaterThan(2.1);
    expect(a.upper).toBeLessThan(2.7);
    expect(a.pValue).toBe(0);
  });

  it('hand cases: constant differences → a point; d = [0, 1] → [0, 1]', () => {
    expect(bootstrapInterval([3, 3, 3], 0.05, 500, 1)).toMatchObject({ lower: 3, upper: 3, pValue: 0 });
    // Resampled means are 0, ½, 1 with probabilities ¼, ½, ¼: the 2.5 % and 97.5 % points are 0 and 1,
    // and p = 2·P*(m ≤ 0) ≈ 2·¼.
    const iv = bootstrapInterval([0, 1], 0.05, 2000, 1);
    expect(iv).toMatchObject({ lower: 0, upper: 1 });
    expect(iv.pValue).toBeCloseTo(0.5, 1);
  });

  it('covers the true mean about 1 − α of the time (200 normal samples of 20)', () => {
    const rng = createStream(2024);
    const normal = (): number =>
      Math.sqrt(-2 * Math.log(rng.nextOpenFloat())) * Math.cos(2 * Math.PI * rng.nextFloat());
    let covered = 0;
    for (let k = 0; k < 200; k++) {
      const d = Array.from({ length: 20 }, () => 1 + 2 * normal());
      const iv = bootstrapInterval(d, 0.05, 1000, k);
      if (iv.lower <= 1 && 1 <= iv.upper) covered++;
    }
    expect(covered / 200).toBeGreaterThan(0.88);
    expect(covered / 200).toBeLessThan(0.99);
  });

  it('type-7 quantiles', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0)).toBe(1);
    expect(quantileSorted([1, 2, 3, 4], 1)).toBe(4);
    expect(quantileSorted([10, 20], 0.25)).toBe(12.5);
  });
});
