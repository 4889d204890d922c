import { describe, it, expect } from 'vitest';
import { Adam } from '../../../core/alpha/adam.ts';

describe('Adam (Kingma & Ba 2015, Algorithm 1)', () => {
  it('takes the hand-computed first and second steps with the paper defaults', () => {
    // Step 1: m = 0.1·g, v = 0.001·g²; bias correction gives m̂ = g, v̂ = g², so
    // θ1 = θ0 − α·g / (|g| + ε): 1 − 0.001·0.5/(0.5 + 1e-8) = 0.99900000002;
    // −2 − 0.001·(−0.1)/(0.1 + 1e-8) = −1.9990000001; a zero gradient does not move θ.
    const adam = new Adam(3);
    const p = Float64Array.of(1, -2, 0.5);
    adam.step(p, Float64Array.of(0.5, -0.1, 0));
    expect(p[0]).toBeCloseTo(0.99900000002, 14);
    expect(p[1]).toBeCloseTo(-1.9990000001, 14);
    expect(p[2]).toBe(0.5);
    // Step 2 (g = 0.25 on θ[0]): m = 0.9·0.05 + 0.1·0.25 = 0.07, v = 0.999·0.00025 + 0.001·0.0625
    // = 0.00031225; m̂ = 0.07/0.19 = 0.3684210526, v̂ = 0.00031225/0.001999 = 0.1562031016;
    // θ2 = θ1 − 0.001·0.3684210526/(√0.1562031016 + 1e-8) = 0.9980678204.
    adam.step(p, Float64Array.of(0.25, 0, 0));
    expect(p[0]).toBeCloseTo(0.9980678204047746, 12);
    expect(adam.steps).toBe(2);
  });

  it('rejects bad hyper-parameters and mismatched lengths', () => {
    expect(() => new Adam(1, { learningRate: 0 })).toThrow(RangeError);
    expect(() => new Adam(1, { beta1: 1 })).toThrow(RangeError);
    expect(() => new Adam(1, { epsilon: -1 })).toThrow(RangeError);
    expect(() => new Adam(2).step(new Float64Array(2), new Float64Array(3))).toThrow(RangeError);
  });
});
