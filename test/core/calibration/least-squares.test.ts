import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../core/errors.ts';
import { fitLine } from '../../../core/calibration/least-squares.ts';

describe('fitLine', () => {
  it('recovers an exact line with R² = 1', () => {
    const fit = fitLine([1, 2, 3, 4], [5, 3, 1, -1], 'exact');
    expect(fit.slope).toBeCloseTo(-2, 12);
    expect(fit.intercept).toBeCloseTo(7, 12);
    expect(fit.r2).toBeCloseTo(1, 12);
    expect(fit.n).toBe(4);
  });

  it('matches a hand-computed fit of noisy points', () => {
    // x̄ = 2, ȳ = 2; Sxx = 2, Sxy = 1 → slope 0.5, intercept 1; residuals (0.5, −1, 0.5): SSres = 1.5,
    // SStot = 2 → R² = 0.25.
    const fit = fitLine([1, 2, 3], [2, 1, 3], 'hand');
    expect(fit.slope).toBeCloseTo(0.5, 12);
    expect(fit.intercept).toBeCloseTo(1, 12);
    expect(fit.r2).toBeCloseTo(0.25, 12);
  });

  it('reports R² = 1 for a flat series (slope 0)', () => {
    expect(fitLine([1, 2, 3], [4, 4, 4], 'flat')).toMatchObject({ slope: 0, intercept: 4, r2: 1 });
  });

  it('refuses degenerate inputs with DEGENERATE_FIT naming the fit', () => {
    const cases: Array<[number[], number[]]> = [
      [[1], [1]],
      [[], []],
      [
        [2, 2, 2],
        [1, 2, 3],
      ],
      [
        [1, 2],
        [1, Number.NaN],
      ],
      [
        [1, 2, 3],
        [1, 2],
      ],
    ];
    for (const [xs, ys] of cases) {
      let thrown: unknown;
      try {
        fitLine(xs, ys, 'my fit');
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(PermanentError);
      expect(thrown).toMatchObject({ code: 'DEGENERATE_FIT' });
      expect(String(thrown)).toContain('my fit');
    }
  });
});
