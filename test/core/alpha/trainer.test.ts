import { describe, it, expect } from 'vitest';
import { rowsFromColumns, splitTimeOrdered, type AlphaRows } from '../../../core/alpha/dataset.ts';
import { fitMetrics } from '../../../core/alpha/metrics.ts';
import { linearCoefficients, predictNet } from '../../../core/alpha/mlp.ts';
import { createStream, type Xoshiro128StarStar } from '../../../core/random/xoshiro.ts';
import { trainAlphaNet } from '../../../core/alpha/trainer.ts';
import { PermanentError } from '../../../core/errors.ts';

const D = 7;

/** Standard normal by Box–Muller from the seeded PRNG. */
function normal(rng: Xoshiro128StarStar): number {
  const u = 1 - rng.nextFloat();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextFloat());
}

/**
 * n rows on a 100-ms grid: features of very different scales (as the real ones: OFI in [−1, 1],
 * σ ≈ 0.5, returns of several ticks…), label f(x) + N(0, noise²).
 */
function synthetic(n: number, seed: number, f: (x: Float32Array) => number, noise: number): AlphaRows {
  const rng = createStream(seed);
  const scales = [1, 0.5, 3, 2, 0.2, 5, 10];
  const offsets = [0, 0, 0.5, 1.5, 0.4, 0, 0];
  const x = new Float32Array(n * D);
  const y = new Float64Array(n);
  const t = new Float64Array(n);
  const tl = new Float64Array(n);
  const row = new Float32Array(D);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < D; k++) row[k] = offsets[k]! + scales[k]! * normal(rng);
    x.set(row, i * D);
    y[i] = f(row) + noise * normal(rng);
    t[i] = i * 100_000;
    tl[i] = t[i]! + 1_000_000;
  }
  return rowsFromColumns(D, x, y, t, tl);
}

// y = 0.3 + 2·x0 − 1.5·x1 + 0.25·x3 + 0.1·x5 (ticks), noise σ = 0.1.
const TRUE_SLOPES = [2, -1.5, 0, 0.25, 0, 0.1, 0];
const linear = (x: Float32Array): number => 0.3 + TRUE_SLOPES.reduce((s, w, k) => s + w * x[k]!, 0);

describe('trainAlphaNet', () => {
  const data = splitTimeOrdered(synthetic(5000, 1, linear, 0.1), { embargoMs: 1000 });

  it('recovers a known linear relation (linear model, weights within tolerance)', () => {
    const r = trainAlphaNet(data.train, data.validation, {
      seed: 7,
      hidden: 0,
      maxEpochs: 300,
      adam: { learningRate: 0.01 },
    });
    const { slopes, intercept } = linearCoefficients(r.net);
    for (let k = 0; k < D; k++) expect(Math.abs(slopes[k]! - TRUE_SLOPES[k]!)).toBeLessThan(0.01);
    expect(intercept).toBeCloseTo(0.3, 1);
    // The noise floor is σ² = 0.01: the fit reaches it and no more.
    expect(r.metrics.valMse).toBeGreaterThan(0.008);
    expect(r.metrics.valMse).toBeLessThan(0.0125);
    expect(r.metrics.valR2).toBeGreaterThan(0.99);
    expect(r.metrics.valHitRatio).toBeGreaterThan(0.95);
    expect(r.metrics.trainRows).toBe(data.train.count);
    expect(r.metrics.valRows).toBe(1000);
  });

  it('the tanh MLP fits a non-linear relation the linear model cannot', () => {
    const f = (x: Float32Array): number => 2 * Math.tanh(2 * x[0]!) - 0.5 * Math.abs(x[1]! * 2);
    const nl = splitTimeOrdered(synthetic(4000, 2, f, 0.05), { embargoMs: 1000 });
    const mlp = trainAlphaNet(nl.train, nl.validation, {
      seed: 3,
      hidden: 16,
      maxEpochs: 150,
      adam: { learningRate: 0.01 },
    });
    const lin = trainAlphaNet(nl.train, nl.validation, {
      seed: 3,
      hidden: 0,
      maxEpochs: 150,
      adam: { learningRate: 0.01 },
    });
    expect(mlp.metrics.valR2).toBeGreaterThan(0.95);
    expect(lin.metrics.valR2).toBeLessThan(0.85);
    expect(mlp.metrics.valMse).toBeLessThan(lin.metrics.valMse / 3);
  });

  it('is deterministic: the same data and seed give bit-identical weights; another seed does not', () => {
    const opts = { seed: 11, hidden: 16, maxEpochs: 20 } as const;
    const a = trainAlphaNet(data.train, data.validation, opts);
    const b = trainAlphaNet(data.train, data.validation, opts);
    const c = trainAlphaNet(data.train, data.validation, { ...opts, seed: 12 });
    const bytes = (r: typeof a): Buffer[] =>
      r.net.layers.flatMap((l) => [Buffer.from(l.weights.buffer), Buffer.from(l.bias.buffer)]);
    expect(Buffer.concat(bytes(a)).equals(Buffer.concat(bytes(b)))).toBe(true);
    expect(a.history).toEqual(b.history);
    expect(Buffer.concat(bytes(a)).equals(Buffer.concat(bytes(c)))).toBe(false);
  });

  it('standardises with training statistics only and reports metrics of the float32 model', () => {
    const r = trainAlphaNet(data.train, data.validation, { seed: 5, hidden: 4, maxEpochs: 5 });
    // Feature 6 has mean 0, scale 10 over the training rows.
    expect(r.net.featureMean[6]!).toBeCloseTo(0, 0);
    expect(r.net.featureStd[6]!).toBeGreaterThan(9.5);
    expect(r.net.featureStd[6]!).toBeLessThan(10.5);
    const p = predictNet(r.net, data.validation.x, data.validation.count);
    expect(r.metrics.valMse).toBe(fitMetrics(p, data.validation.yTicks).mse);
  });

  it('stops early on the validation loss and keeps the best epoch', () => {
    const noise = splitTimeOrdered(
      synthetic(1500, 4, () => 0, 1),
      { embargoMs: 1000 },
    );
    const r = trainAlphaNet(noise.train, noise.validation, {
      seed: 1,
      hidden: 16,
      maxEpochs: 500,
      patience: 5,
      adam: { learningRate: 0.05 },
    });
    expect(r.epochsRun).toBeLessThan(500);
    expect(r.epochsRun - r.bestEpoch).toBe(5);
    expect(r.bestEpoch).toBeGreaterThan(0);
    expect(r.history.valLoss[r.bestEpoch - 1]).toBe(Math.min(...r.history.valLoss));
  });

  it('gives a feature constant in training zero weight, whatever it does in validation', () => {
    const base = synthetic(600, 5, linear, 0.1);
    const x = base.x.slice();
    for (let i = 0; i < base.count; i++) x[i * D + 4] = i < 480 ? 1 : 2 + i; // spread-like: constant, then not
    const rows = rowsFromColumns(D, x, base.yTicks, base.timeUs, base.labelTimeUs);
    const s = splitTimeOrdered(rows, { embargoMs: 1000 });
    const r = trainAlphaNet(s.train, s.validation, { seed: 2, hidden: 8, maxEpochs: 10 });
    expect(r.constantFeatures).toEqual([4]);
    expect(r.net.featureMean[4]).toBe(1);
    expect(r.net.featureStd[4]).toBe(1);
    const w = r.net.layers[0]!.weights;
    for (let o = 0; o < 8; o++) expect(w[o * D + 4]).toBe(0);
  });

  it('refuses too few rows and invalid options', () => {
    const one = rowsFromColumns(
      D,
      new Float32Array(D),
      Float64Array.of(1),
      Float64Array.of(0),
      Float64Array.of(1),
    );
    expect(() => trainAlphaNet(one, data.validation, { seed: 1 })).toThrow(PermanentError);
    expect(() => trainAlphaNet(data.train, data.validation, { seed: 1, batchSize: 0 })).toThrow(RangeError);
    expect(() => trainAlphaNet(data.train, data.validation, { seed: 1, hidden: -1 })).toThrow(RangeError);
    expect(() => trainAlphaNet(data.train, data.validation, { seed: 1.5 })).toThrow(RangeError);
  });

  it('trains with the Huber loss too', () => {
    const r = trainAlphaNet(data.train, data.validation, {
      seed: 9,
      hidden: 0,
      loss: 'huber',
      huberDeltaTicks: 0.5,
      maxEpochs: 200,
      adam: { learningRate: 0.01 },
    });
    expect(r.metrics.valR2).toBeGreaterThan(0.99);
  });
});

describe('fitMetrics', () => {
  it('matches hand-computed MSE, R² and hit ratio', () => {
    // y = [1, −1, 0, 2], ŷ = [0.5, 0.5, 1, 1]: SSE = 0.25 + 2.25 + 1 + 1 = 4.5 → MSE 1.125;
    // ȳ = 0.5, SST = 0.25 + 2.25 + 0.25 + 2.25 = 5 → R² = 0.1; non-zero labels 3, same sign 2 → 2/3.
    const m = fitMetrics(Float64Array.of(0.5, 0.5, 1, 1), Float64Array.of(1, -1, 0, 2));
    expect(m.mse).toBe(1.125);
    expect(m.r2).toBeCloseTo(0.1, 12);
    expect(m.hitRatio).toBeCloseTo(2 / 3, 12);
    expect(m.directionalRows).toBe(3);
  });

  it('has no hit ratio when nothing moved, and refuses empty input', () => {
    expect(fitMetrics(Float64Array.of(1, 2), Float64Array.of(0, 0)).hitRatio).toBeUndefined();
    expect(() => fitMetrics(new Float64Array(0), new Float64Array(0))).toThrow(RangeError);
  });
});
