import { describe, it, expect } from 'vitest';
import {
  erf,
  erfc,
  logGaussMass,
  logNdtr,
  ndtr,
  ndtriExp,
  truncNormLogPdf,
  truncNormPpf,
} from '../../../core/search/normal.ts';

// Reference values: scipy.special.erfc / log_ndtr and scipy.stats.truncnorm (SciPy 1.17.1).
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe('erf and erfc', () => {
  it.each([
    [-1, 1.8427007929497148],
    [0.3, 0.6713732405408726],
    [2.5, 0.00040695201744495886],
    [7, 4.183825607779414e-23],
  ])('erfc(%d) to 1e-13 relative', (x, expected) => {
    expect(rel(erfc(x), expected)).toBeLessThan(1e-13);
  });

  it('is 2 far left, 0 far right, and erf = 1 − erfc', () => {
    expect(erfc(-30)).toBe(2);
    expect(erfc(30)).toBe(0);
    expect(erf(0.5) + erfc(0.5)).toBeCloseTo(1, 15);
    expect(erf(-3)).toBeCloseTo(-0.9999779095030014, 15);
  });
});

describe('log Φ', () => {
  it.each([
    [-40, -804.6084420137539],
    [-10, -53.23128515051248],
    [-2, -3.7831843336820317],
    [0, -0.6931471805599453],
    [1.5, -0.06914345561223399],
    [9, -1.1285884059538324e-19],
  ])('logNdtr(%d) to 1e-13 relative', (x, expected) => {
    expect(rel(logNdtr(x), expected)).toBeLessThan(1e-13);
  });

  it('inverts with ndtriExp across the range', () => {
    for (const x of [-35, -12, -3, -0.5, 0, 0.7, 4, 7.5]) expect(ndtriExp(logNdtr(x))).toBeCloseTo(x, 9);
    expect(ndtr(0)).toBe(0.5);
  });
});

describe('truncated normal', () => {
  it.each([
    [-1, 1, -0.38171514630212616],
    [5, 6, -15.068446096529454],
    [-40, -39, -765.0831565643776],
  ])('log-mass of [%d, %d]', (a, b, expected) => {
    expect(rel(logGaussMass(a, b), expected)).toBeLessThan(1e-12);
  });

  it.each([
    [0.3, -1, 1, -0.3492199324568824],
    [0.5, 2, 3, 2.255530820420438],
    [0.9, -3, -2, -2.0413080531794243],
    [1e-6, -40, -39, -39.35242118057882],
  ])('ppf(%d; %d, %d)', (q, a, b, expected) => {
    expect(truncNormPpf(q, a, b)).toBeCloseTo(expected, 10);
  });

  it('returns the bounds at q = 0 and 1', () => {
    expect(truncNormPpf(0, -1, 2)).toBe(-1);
    expect(truncNormPpf(1, -1, 2)).toBe(2);
  });

  it('log-pdf of N(0.2, 0.5²) on [0, 1] at 0.7 (scipy: −0.2160026076520425), −∞ outside', () => {
    const mu = 0.2;
    const sigma = 0.5;
    const logMass = logGaussMass((0 - mu) / sigma, (1 - mu) / sigma);
    expect(truncNormLogPdf(0.7, mu, sigma, 0, 1, logMass)).toBeCloseTo(-0.2160026076520425, 13);
    expect(truncNormLogPdf(1.2, mu, sigma, 0, 1, logMass)).toBe(Number.NEGATIVE_INFINITY);
  });
});
