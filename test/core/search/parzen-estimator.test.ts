import { describe, it, expect } from 'vitest';
import {
  ParzenEstimator,
  defaultWeights,
  type NumericKernels,
  type ParzenEstimatorParams,
} from '../../../core/search/parzen-estimator.ts';
import { createStream } from '../../../core/random/xoshiro.ts';
import type { ParamSpec } from '../../../core/search/space.ts';

// Expected figures: hand-derived where the comment shows the arithmetic, and all cross-checked with
// Optuna 4.9.0's own `_ParzenEstimator` on the same observations (prior_weight 1, magic clip on with
// Optuna's floor (high − low)/min(100, n + 2), i.e. Δ = 0.01 and α = 1, endpoints off, default_weights).
const UNIVARIATE: ParzenEstimatorParams = {
  priorWeight: 1,
  considerMagicClip: true,
  minBandwidthFactor: 0.01,
  magicClipExponent: 1,
  considerEndpoints: false,
  bandwidth: 'neighbour',
  weights: defaultWeights,
};
const MULTIVARIATE: ParzenEstimatorParams = { ...UNIVARIATE, bandwidth: 'scott' };

const numeric = (pe: ParzenEstimator, d = 0): NumericKernels => {
  const k = pe.kernels[d];
  if (k?.kind !== 'numeric') throw new Error('expected numeric kernels');
  return k;
};

describe('defaultWeights (Optuna default_weights)', () => {
  it('is flat below 25 observations and ramps the oldest beyond', () => {
    expect(defaultWeights(0)).toEqual([]);
    expect(defaultWeights(3)).toEqual([1, 1, 1]);
    const w = defaultWeights(30); // linspace(1/30, 1, 5) then 25 ones
    expect(w.slice(0, 5)).toEqual(
      [1 / 30, 1 / 30 + 29 / 30 / 4, 1 / 30 + 29 / 30 / 2, 1 / 30 + (3 * 29) / 30 / 4, 1].map((x) =>
        expect.closeTo(x, 15),
      ),
    );
    expect(w.slice(5)).toEqual(new Array(25).fill(1));
    expect(defaultWeights(26)).toEqual([1 / 26, ...new Array(25).fill(1)]);
  });
});

describe('ParzenEstimator, numeric', () => {
  const x: ParamSpec = { type: 'float', low: 0, high: 10 };

  it('weights observations and prior equally, bandwidths from neighbour gaps (x = 2, 5 on [0, 10])', () => {
    const pe = new ParzenEstimator([x], [[2], [5]], UNIVARIATE);
    expect(Array.from(pe.weights)).toEqual([1 / 3, 1 / 3, 1 / 3]);
    const k = numeric(pe);
    // Sorted with bounds: 0 | 2 | 5 | 10. Without endpoints each extreme kernel takes its inner gap:
    // σ(2) = 5 − 2 = 3, σ(5) = 5 − 2 = 3. Clip to [10/min(100, 4), 10] = [2.5, 10]. Prior: μ 5, σ 10.
    expect(Array.from(k.mus)).toEqual([2, 5, 5]);
    expect(Array.from(k.sigmas)).toEqual([3, 3, 10]);
    // log-density at 4: log Σ_j w_j φ((4 − μ_j)/σ_j) / (σ_j (Φ((10 − μ_j)/σ_j) − Φ(−μ_j/σ_j))).
    expect(pe.logPdf([4])).toBeCloseTo(-2.0506962977563283, 12);
    expect(pe.logPdf([0.5])).toBeCloseTo(-2.30361976135374, 12);
    expect(pe.logPdf([9.9])).toBeCloseTo(-3.0884813827762394, 12);
  });

  it('ramps the weights of 30 evenly spread observations and floors σ by the magic clip', () => {
    const obs = Array.from({ length: 30 }, (_, i) => [(10 * i) / 29]);
    const pe = new ParzenEstimator([x], obs, UNIVARIATE);
    expect(pe.weights[0]).toBeCloseTo(0.0011661807580174927, 15); // (1/30) / (Σ weights + 1)
    expect(pe.weights[30]).toBeCloseTo(0.034985422740524776, 15);
    expect(numeric(pe).sigmas[3]).toBeCloseTo(10 / 29, 12); // gap 0.345 > floor 10/32
    expect(pe.logPdf([4])).toBeCloseTo(-2.252991163368763, 12);
  });

  it('works in ln-space for log floats', () => {
    const pe = new ParzenEstimator(
      [{ type: 'float', low: 1e-3, high: 1, log: true }],
      [[0.01], [0.1]],
      UNIVARIATE,
    );
    const k = numeric(pe);
    expect(Array.from(k.mus)).toEqual(
      [Math.log(0.01), Math.log(0.1), 0.5 * Math.log(1e-3)].map((v) => expect.closeTo(v, 14)),
    );
    expect(k.sigmas[0]).toBeCloseTo(Math.log(10), 14);
    expect(k.sigmas[2]).toBeCloseTo(Math.log(1000), 14);
    expect(pe.logPdf([0.05])).toBeCloseTo(-1.7553349274049066, 12);
  });

  it('uses cell masses for ints (bounds widened by ½) — x = 2, 3, 8 on 0..10', () => {
    const pe = new ParzenEstimator([{ type: 'int', low: 0, high: 10 }], [[2], [3], [8]], UNIVARIATE);
    const k = numeric(pe);
    // Bounds −0.5 | 2 | 3 | 8 | 10.5: σ(2) = 1 (inner gap), σ(3) = max(1, 5) = 5, σ(8) = 8 − 3 = 5;
    // floor 11/min(100, 5) = 2.2 lifts σ(2). Prior μ 5, σ 11.
    expect(Array.from(k.sigmas)).toEqual([2.2, 5, 5, 11].map((v) => expect.closeTo(v, 14)));
    expect(pe.logPdf([3])).toBeCloseTo(-2.142513300442699, 12);
    expect(pe.logPdf([0])).toBeCloseTo(-2.426344848202554, 12);
    expect(pe.logPdf([10])).toBeCloseTo(-2.8018458918201157, 12);
    // The masses of all 11 values sum to 1.
    const total = Array.from({ length: 11 }, (_, v) => Math.exp(pe.logPdf([v]))).reduce((s, p) => s + p, 0);
    expect(total).toBeCloseTo(1, 12);
  });

  it('handles stepped and log ints like Optuna', () => {
    const stepped = new ParzenEstimator(
      [{ type: 'int', low: 10, high: 100, step: 10 }],
      [[20], [60]],
      UNIVARIATE,
    );
    expect(Array.from(numeric(stepped).sigmas)).toEqual([40, 40, 100]);
    expect(stepped.logPdf([30])).toBeCloseTo(-2.1486258749735248, 12);
    const logInt = new ParzenEstimator(
      [{ type: 'int', low: 1, high: 128, log: true }],
      [[4], [64]],
      UNIVARIATE,
    );
    expect(numeric(logInt).sigmas[0]).toBeCloseTo(2.7725887222397807, 13);
    expect(logInt.logPdf([8])).toBeCloseTo(-3.7032540133674328, 12);
  });

  it('is the prior alone without observations', () => {
    const pe = new ParzenEstimator([x], [], UNIVARIATE);
    expect(Array.from(pe.weights)).toEqual([1]);
    expect(Array.from(numeric(pe).mus)).toEqual([5]);
    expect(pe.logPdf([4])).toBeCloseTo(-2.2666072925030964, 12);
  });
});

describe('ParzenEstimator, categorical and multivariate', () => {
  it('puts 1 + prior/(n+1) on the observed choice (choices a, b, c; observed a, c, c)', () => {
    const pe = new ParzenEstimator(
      [{ type: 'categorical', choices: ['a', 'b', 'c'] }],
      [[0], [2], [2]],
      UNIVARIATE,
    );
    const k = pe.kernels[0];
    if (k?.kind !== 'categorical') throw new Error('expected categorical');
    // Row of an observation: (1 + ¼, ¼, ¼)/1.75 = (5/7, 1/7, 1/7); prior row uniform.
    expect(Array.from(k.probs.subarray(0, 3))).toEqual(
      [5 / 7, 1 / 7, 1 / 7].map((v) => expect.closeTo(v, 15)),
    );
    expect(Array.from(k.probs.subarray(9, 12))).toEqual(
      [1 / 3, 1 / 3, 1 / 3].map((v) => expect.closeTo(v, 15)),
    );
    expect(pe.logPdf([2])).toBeCloseTo(-0.7419373447293772, 13);
    expect(pe.logPdf([1])).toBeCloseTo(-1.6582280766035324, 13);
  });

  it('shares one Scott-like bandwidth across kernels (multivariate: float × categorical)', () => {
    const specs: ParamSpec[] = [
      { type: 'float', low: 0, high: 10 },
      { type: 'categorical', choices: ['u', 'v'] },
    ];
    const pe = new ParzenEstimator(
      specs,
      [
        [2, 0],
        [5, 1],
        [7, 1],
      ],
      MULTIVARIATE,
    );
    // 0.2·3^(−1/6)·10 ≈ 1.65, floored at 10/min(100, 5) = 2.
    expect(Array.from(numeric(pe).sigmas)).toEqual([2, 2, 2, 10]);
    expect(pe.logPdf([4, 1])).toBeCloseTo(-2.6514997728730307, 12);
    expect(pe.logPdf([6, 0])).toBeCloseTo(-3.3543678456383286, 12);
  });
});

describe('ParzenEstimator sampling', () => {
  it('draws valid values, deterministic for a stream', () => {
    const specs: ParamSpec[] = [
      { type: 'float', low: 1e-3, high: 1, log: true },
      { type: 'int', low: 0, high: 10, step: 2 },
      { type: 'float', low: 0, high: 1, step: 0.25 },
      { type: 'categorical', choices: [true, false] },
    ];
    const pe = new ParzenEstimator(
      specs,
      [
        [0.01, 4, 0.5, 0],
        [0.5, 10, 1, 1],
      ],
      UNIVARIATE,
    );
    const a = pe.sample(createStream(1, 2), 200);
    expect(pe.sample(createStream(1, 2), 200)).toEqual(a);
    for (const [lr, n, f, c] of a) {
      expect(lr! >= 1e-3 && lr! <= 1).toBe(true);
      expect([0, 2, 4, 6, 8, 10]).toContain(n);
      expect([0, 0.25, 0.5, 0.75, 1]).toContain(f);
      expect([0, 1]).toContain(c);
    }
  });

  it('concentrates around the observations', () => {
    const pe = new ParzenEstimator(
      [{ type: 'float', low: 0, high: 100 }],
      Array.from({ length: 20 }, () => [30]),
      UNIVARIATE,
    );
    const draws = pe.sample(createStream(5), 2000).map((r) => r[0]!);
    const near = draws.filter((v) => Math.abs(v - 30) < 10).length / draws.length;
    expect(near).toBeGreaterThan(0.8); // 20 of 21 kernels sit at 30 with σ = 100/22
  });

  it('rejects a bad weights function or prior weight', () => {
    const x: ParamSpec = { type: 'float', low: 0, high: 1 };
    expect(() => new ParzenEstimator([x], [[0.5]], { ...UNIVARIATE, weights: () => [-1] })).toThrow(
      /non-negative/,
    );
    expect(() => new ParzenEstimator([x], [[0.5]], { ...UNIVARIATE, weights: () => [1, 2] })).toThrow(
      /returned 2 values/,
    );
    expect(() => new ParzenEstimator([x], [[0.5]], { ...UNIVARIATE, priorWeight: 0 })).toThrow(/priorWeight/);
  });
});
