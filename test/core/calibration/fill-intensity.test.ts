import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../core/errors.ts';
import {
  DepthCounter,
  fitFillIntensity,
  type DepthCounts,
} from '../../../core/calibration/fill-intensity.ts';
import { estimateCalibration } from '../../../core/calibration/estimate.ts';
import { knownIntensitySession } from './synthetic.ts';

function counts(buy: number[], sell: number[], durationSec: number): DepthCounts {
  return { maxDepthTicks: buy.length, buy, sell, durationSec, arrivals: 0, unmatched: 0, atOrThroughMid: 0 };
}

describe('fitFillIntensity', () => {
  it('recovers A and k exactly from noise-free counts', () => {
    // λ(d) = 2·e^(−0.8d) per side over 1000 s → counts 1000·λ(d), both sides equal.
    const c = [1, 2, 3, 4, 5].map((d) => 1000 * 2 * Math.exp(-0.8 * d));
    const fit = fitFillIntensity(counts(c, c, 1000), 'pooled', 'exact');
    expect(fit.kPerTick).toBeCloseTo(0.8, 12);
    expect(fit.aPerSec).toBeCloseTo(2, 10);
    expect(fit.r2).toBeCloseTo(1, 12);
    expect(fit.points).toBe(5);
    expect(fit.deltaTicks).toEqual([1, 2, 3, 4, 5]);
  });

  it('pools the two sides as their mean (A is per side)', () => {
    const buy = [400, 200, 100];
    const sell = [200, 100, 50];
    const fit = fitFillIntensity(counts(buy, sell, 100), 'pooled', 'pool');
    expect(fit.lambdaPerSec).toEqual([3, 1.5, 0.75]);
    expect(fit.kPerTick).toBeCloseTo(Math.LN2, 12);
    expect(fit.aPerSec).toBeCloseTo(6, 10);
    expect(fitFillIntensity(counts(buy, sell, 100), 'sell', 'sell').lambdaPerSec).toEqual([2, 1, 0.5]);
  });

  it('fits only the levels with λ > 0', () => {
    const fit = fitFillIntensity(counts([90, 30, 10, 0, 0], [90, 30, 10, 0, 0], 10), 'pooled', 'short');
    expect(fit.points).toBe(3);
    expect(fit.kPerTick).toBeCloseTo(Math.log(3), 12);
  });

  it('fails with NO_TRADES_AT_DEPTH when nothing reached 1 tick, naming the data', () => {
    expect(() => fitFillIntensity(counts([0, 0], [0, 0], 60), 'pooled', 'session S [a, b)')).toThrow(
      expect.objectContaining({
        code: 'NO_TRADES_AT_DEPTH',
        message: expect.stringContaining('session S [a, b)'),
      }),
    );
    expect(() => fitFillIntensity(counts([5, 1], [5, 1], 0), 'pooled', 'w')).toThrow(
      expect.objectContaining({ code: 'NO_TRADES_AT_DEPTH' }),
    );
  });

  it('fails with DEGENERATE_FIT on a single level or a flat λ', () => {
    expect(() => fitFillIntensity(counts([7, 0, 0], [7, 0, 0], 60), 'pooled', 'one level')).toThrow(
      expect.objectContaining({ code: 'DEGENERATE_FIT' }),
    );
    expect(() => fitFillIntensity(counts([7, 7, 7], [7, 7, 7], 60), 'pooled', 'flat')).toThrow(
      expect.objectContaining({ code: 'DEGENERATE_FIT', message: expect.stringContaining('maxDepthTicks') }),
    );
  });
});

describe('DepthCounter', () => {
  it('counts an arrival at every level up to its own (capped at D), by side', () => {
    const counter = new DepthCounter(3);
    counter.add({ timeMs: 0, aggressor: 'buy', prints: 1, depthHalfTicks: 1 }); // level 1
    counter.add({ timeMs: 0, aggressor: 'buy', prints: 2, depthHalfTicks: 4 }); // level 2
    counter.add({ timeMs: 0, aggressor: 'sell', prints: 9, depthHalfTicks: 19 }); // level 10 → capped at 3
    counter.add({ timeMs: 0, aggressor: 'sell', prints: 1, depthHalfTicks: -3 }); // through the mid
    counter.add({ timeMs: 0, aggressor: 'sell', prints: 1, depthHalfTicks: undefined }); // no book
    counter.addDuration(2.5);
    expect(counter.counts()).toEqual({
      maxDepthTicks: 3,
      buy: [2, 1, 0],
      sell: [1, 1, 1],
      durationSec: 2.5,
      arrivals: 4,
      unmatched: 1,
      atOrThroughMid: 1,
    });
  });

  it('refuses D < 2', () => {
    expect(() => new DepthCounter(1)).toThrow(PermanentError);
  });
});

describe('calibration recovers a known intensity (events → arrivals → fit)', () => {
  // A = 3 per second per side, k = 0.7 per tick, 4 h of market time: ≈ 2·A·e^(−k)·T ≈ 43,000 arrivals,
  // ≈ 2,600 of them (both sides) reaching level 5. The relative Poisson error of λ(d) is 1/√n: 0.5 % at
  // d = 1 up to 2 % at d = 5, so (least squares on d = 1…5, Σ(d − 3)² = 10) the standard error of k̂ is
  // ≈ √(Σ (d−3)² s_d²) / 10 ≈ 0.004 per tick, and that of ln Â ≈ 0.013 (measured over seeds 1–40:
  // 0.005 per tick and 0.9 %). Tolerances: 0.03 per tick on k and 6 % on A for each seed (≥ 6 SE), and
  // 0.01 and 2 % on the means of 20 seeds (≥ 8 SE of a mean).
  const A = 3;
  const K = 0.7;
  const SECONDS = 4 * 3600;
  const fits = Array.from({ length: 20 }, (_, i) => {
    const s = knownIntensitySession(i + 1, A, K, SECONDS);
    const est = estimateCalibration(
      [s.window],
      new Map([[s.window.sessionId, { market: 'usdm' as const, events: s.events }]]),
    );
    return { ...est.fillIntensity, generated: s.arrivals };
  });

  it('finds every generated arrival, none unmatched or through the mid', () => {
    for (const f of fits) {
      expect(f.arrivals).toBe(f.generated);
      expect(f.unmatchedArrivals).toBe(0);
      expect(f.atOrThroughMid).toBe(0);
      expect(f.durationSec).toBe(SECONDS);
    }
  });

  it('recovers k and A within the sampling error, seed by seed and on average', () => {
    for (const f of fits) {
      expect(Math.abs(f.kPerTick - K)).toBeLessThan(0.03);
      expect(Math.abs(f.aPerSec / A - 1)).toBeLessThan(0.06);
      expect(f.r2).toBeGreaterThan(0.99);
      expect(f.points).toBe(5);
    }
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(Math.abs(mean(fits.map((f) => f.kPerTick)) - K)).toBeLessThan(0.01);
    expect(Math.abs(mean(fits.map((f) => f.aPerSec)) / A - 1)).toBeLessThan(0.02);
  });
});
