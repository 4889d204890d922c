import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { DepthImbalance } from '../../../core/signals/depth-imbalance.ts';

describe('DepthImbalance', () => {
  it('matches a hand computation (N_z = 3 → α_z = 0.5; EMA 3 → α_s = 0.5)', () => {
    const di = new DepthImbalance({ zScoreObservations: 3, smoothingObservations: 3 });
    // 1: raw = (30 − 10)/40 = 0.5; no stats yet → z = 0; μ = 0.5, s² = 0; value = 0
    expect(di.update(30, 10)).toBe(0);
    expect(di.raw).toBe(0.5);
    // 2: raw = −0.5; s² = 0 → z = 0; d = −1: μ = 0, s² = 0.5·(0 + 0.5·1) = 0.25; value = 0
    expect(di.update(10, 30)).toBe(0);
    // 3: raw = 0.5; z = (0.5 − 0)/√0.25 = 1; d = 0.5: μ = 0.25, s² = 0.5·(0.25 + 0.5·0.25) = 0.1875
    //    value = 0 + 0.5·(1 − 0) = 0.5
    expect(di.update(30, 10)).toBe(0.5);
    expect(di.zScore).toBe(1);
    // 4: raw = (40 − 0)/40 = 1; z = (1 − 0.25)/√0.1875 = 0.75/0.4330127 = √3 = 1.7320508
    //    value = 0.5 + 0.5·(1.7320508 − 0.5) = 1.1160254
    expect(di.update(40, 0)).toBeCloseTo(1.1160254037844386, 12);
    expect(di.zScore).toBeCloseTo(Math.sqrt(3), 12);
    expect(di.value).toBeCloseTo(1.1160254037844386, 12);
    expect(di.observations).toBe(4);
  });

  it('clamps the z-score at ±clampSigma', () => {
    // same steps 1–4 with a 1.5σ clamp: z = √3 → 1.5; value = 0.5 + 0.5·(1.5 − 0.5) = 1.0
    const di = new DepthImbalance({ zScoreObservations: 3, smoothingObservations: 3, clampSigma: 1.5 });
    di.update(30, 10);
    di.update(10, 30);
    di.update(30, 10);
    expect(di.update(40, 0)).toBe(1);
    expect(di.zScore).toBe(1.5);

    // default 3σ: raw 0 then 0.02 → μ = 0.01, s² = 0.5·(0.5·0.02²) = 1e-4 (σ = 0.01);
    // raw = −1 → z = (−1 − 0.01)/0.01 = −101 → −3
    const d3 = new DepthImbalance({ zScoreObservations: 3 });
    d3.update(50, 50);
    d3.update(51, 49);
    d3.update(0, 7);
    expect(d3.raw).toBe(-1);
    expect(d3.zScore).toBe(-3);
  });

  it('skips an empty book and rejects invalid depths', () => {
    const di = new DepthImbalance();
    di.update(30, 10);
    expect(di.update(0, 0)).toBe(di.value);
    expect(di.raw).toBe(0.5);
    expect(di.observations).toBe(1);
    expect(() => di.update(-1, 5)).toThrow(RangeError);
    expect(() => di.update(Number.NaN, 5)).toThrow(RangeError);
    expect(() => di.update(5, Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => new DepthImbalance({ clampSigma: 0 })).toThrow(RangeError);
    expect(() => new DepthImbalance({ zScoreObservations: 0 })).toThrow(RangeError);
  });

  it('property: outputs stay finite and within their bounds', () => {
    const depth = fc.integer({ min: 0, max: 2 ** 40 });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(depth, depth), { maxLength: 300 }),
        fc.integer({ min: 1, max: 200 }),
        (obs, n) => {
          const di = new DepthImbalance({ zScoreObservations: n });
          for (const [bid, ask] of obs) {
            const v = di.update(bid, ask);
            if (!Number.isFinite(v) || Math.abs(v) > 3 + 1e-12) return false;
            if (Math.abs(di.zScore) > 3 || Math.abs(di.raw) > 1) return false;
          }
          return true;
        },
      ),
    );
  });
});
