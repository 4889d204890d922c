import { describe, it, expect } from 'vitest';
import { EwmaVolatility } from '../../../core/signals/ewma-volatility.ts';

const S = 1_000_000; // µs per second

describe('EwmaVolatility', () => {
  it('matches a hand computation on a short sequence (1 s grid, N = 3 → α = 0.5)', () => {
    const vol = new EwmaVolatility({ observations: 3, sampleIntervalMs: 1000, warmupObservations: 2 });
    vol.update(100, 0.5 * S); // first sample; next grid point 1 s
    vol.update(101, 1.5 * S); // crosses 1 s: reference mid(1 s) = 100
    expect(vol.observations).toBe(0);
    vol.update(99, 2.5 * S); // crosses 2 s: mid(2 s) = 101 → v1 = ln(101/100)²/1 = 9.900908e-5
    expect(vol.observations).toBe(1);
    expect(vol.sigmaTicksPerSqrtSec()).toBeUndefined(); // warm-up is 2 observations
    vol.update(100, 4.5 * S); // crosses 3 s and 4 s: mid(4 s) = 99, Δt = 2 s → v2 = ln(99/101)²/2 = 2.0001333e-4
    expect(vol.observations).toBe(2);
    // V = 0.5·v2 + 0.5·v1 = 1.4951121e-4; σ_log = √V = 0.012227478; σ_ticks = σ_log · mid(100) = 1.2227478
    expect(vol.sigmaLogPerSqrtSec()).toBeCloseTo(0.012227477631, 11);
    expect(vol.sigmaTicksPerSqrtSec()).toBeCloseTo(1.2227477631, 9);
  });

  it('uses the previous-tick rule: a sample exactly on a grid point is the value at that point', () => {
    const vol = new EwmaVolatility({ observations: 1, sampleIntervalMs: 1000, warmupObservations: 1 });
    vol.update(100, 0.2 * S);
    vol.update(100, 1 * S); // on the grid point 1 s (not crossed yet)
    vol.update(110, 1.5 * S); // crosses 1 s: mid(1 s) = 100
    vol.update(120, 2 * S); // on 2 s: this sample, not the earlier 110, is mid(2 s)
    vol.update(120, 2.1 * S); // crosses 2 s: r = ln(120/100), Δt = 1 s
    expect(vol.sigmaLogPerSqrtSec()).toBeCloseTo(Math.log(1.2), 12);
  });

  it('ignores invalid mids and backwards time; the last sample at one time wins', () => {
    const vol = new EwmaVolatility({ observations: 1, sampleIntervalMs: 1000, warmupObservations: 1 });
    vol.update(Number.NaN, 0);
    vol.update(0, 0);
    vol.update(-5, 0);
    vol.update(100, 0.5 * S);
    vol.update(100, 1.5 * S); // reference mid(1 s) = 100
    vol.update(120, 1.7 * S);
    vol.update(105, 1.7 * S); // same time: replaces 120
    vol.update(50, 1.6 * S); // backwards: ignored
    vol.update(Number.POSITIVE_INFINITY, 1.8 * S);
    vol.update(105, 2.5 * S); // crosses 2 s: mid(2 s) = 105 → r = ln(1.05)
    expect(vol.observations).toBe(1);
    expect(vol.sigmaLogPerSqrtSec()).toBeCloseTo(Math.log(1.05), 12);
    expect(vol.sigmaTicksPerSqrtSec()).toBeCloseTo(Math.log(1.05) * 105, 9);
  });

  it('reports 0 for a constant mid once warmed up', () => {
    const vol = new EwmaVolatility({ observations: 100 });
    for (let i = 0; i <= 110; i += 1) vol.update(6_183_763.5, i * 100_000);
    // samples at 0, 100, …, 11000 ms: grid points 100…10900 ms crossed (109); the first is the reference
    expect(vol.observations).toBe(108);
    expect(vol.sigmaTicksPerSqrtSec()).toBe(0);
  });

  it('rejects invalid options', () => {
    expect(() => new EwmaVolatility({ observations: 0 })).toThrow(RangeError);
    expect(() => new EwmaVolatility({ observations: 10, sampleIntervalMs: 0.5 })).toThrow(RangeError);
    expect(() => new EwmaVolatility({ observations: 10, warmupObservations: -1 })).toThrow(RangeError);
  });
});
