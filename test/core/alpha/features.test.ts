import { describe, it, expect } from 'vitest';
import {
  ALPHA_FEATURE_COUNT,
  ALPHA_FEATURE_NAMES,
  AlphaFeatureBuilder,
  type AlphaFeatureInputs,
} from '../../../core/alpha/features.ts';

const T0 = 1_723_161_200_000_000; // a multiple of 100 ms

function state(midTicks: number, o: Partial<AlphaFeatureInputs> = {}): AlphaFeatureInputs {
  return {
    midTicks,
    micropriceTicks: midTicks + 0.25,
    spreadTicks: 1,
    sigmaTicksPerSqrtSec: 40,
    ofi: 0.5,
    depthImbalance: -1.25,
    ...o,
  };
}

describe('AlphaFeatureBuilder', () => {
  it('names seven features in a fixed order', () => {
    expect(ALPHA_FEATURE_NAMES).toHaveLength(ALPHA_FEATURE_COUNT);
    expect(ALPHA_FEATURE_NAMES[5]).toBe('return1sTicks');
  });

  it('is warm after 5 s of grid history and returns the 1-s and 5-s mid moves', () => {
    const b = new AlphaFeatureBuilder({ gridMs: 100 });
    const out = new Float32Array(ALPHA_FEATURE_COUNT).fill(-99);
    // mid(k) = 1000 + 2k at grid point k (every 100 ms)
    for (let k = 0; k < 50; k++) {
      expect(b.update(T0 + k * 100_000, state(1000 + 2 * k), out)).toBe(false);
    }
    expect(out[0]).toBe(-99); // untouched until warm
    expect(b.update(T0 + 5_000_000, state(1100), out)).toBe(true);
    // ofi, DI, microprice − mid, spread, σ, mid(50) − mid(40) = 1100 − 1080, mid(50) − mid(0) = 100
    expect([...out]).toEqual([0.5, -1.25, 0.25, 1, 40, 20, 100]);
  });

  it('gives skipped grid points the next call’s mid, and keeps the first value of a point', () => {
    const b = new AlphaFeatureBuilder({ gridMs: 100 });
    const out = new Float32Array(ALPHA_FEATURE_COUNT);
    for (let k = 0; k <= 45; k++) b.update(T0 + k * 100_000, state(1000 + k), out);
    // jump from point 45 to 55: points 46..55 all hold 2000 (no event in between, state unchanged)
    expect(b.update(T0 + 5_500_000, state(2000), out)).toBe(true);
    expect([out[5], out[6]]).toEqual([2000 - 1045, 2000 - 1005]);
    // a second call within point 55 does not overwrite its mid; point 56 reads it 1 s later
    b.update(T0 + 5_550_000, state(3000), out);
    expect(out[5]).toBe(3000 - 1045);
    for (let k = 56; k <= 65; k++) b.update(T0 + k * 100_000, state(2000), out);
    expect(out[5]).toBe(2000 - 2000); // mid(65) − mid(55), point 55 kept 2000
  });

  it('is not warm without σ, and again 5 s after a reset', () => {
    const b = new AlphaFeatureBuilder({ gridMs: 1000 });
    const out = new Float32Array(ALPHA_FEATURE_COUNT);
    for (let k = 0; k <= 5; k++) b.update(T0 + k * 1_000_000, state(1000), out);
    expect(b.update(T0 + 6_000_000, state(1000, { sigmaTicksPerSqrtSec: undefined }), out)).toBe(false);
    expect(b.update(T0 + 7_000_000, state(1000), out)).toBe(true);
    b.reset();
    expect(b.update(T0 + 8_000_000, state(1000), out)).toBe(false);
    expect(b.update(T0 + 12_000_000, state(1000), out)).toBe(false);
    expect(b.update(T0 + 13_000_000, state(1000), out)).toBe(true);
  });

  it('rejects a grid that does not divide 1 s, time going back, a bad mid and a short output', () => {
    expect(() => new AlphaFeatureBuilder({ gridMs: 300 })).toThrow(RangeError);
    expect(() => new AlphaFeatureBuilder({ gridMs: 0 })).toThrow(RangeError);
    const b = new AlphaFeatureBuilder({ gridMs: 100 });
    const out = new Float32Array(ALPHA_FEATURE_COUNT);
    b.update(T0 + 1_000_000, state(1000), out);
    expect(() => b.update(T0, state(1000), out)).toThrow(/time went back/);
    expect(() => b.update(T0 + 2_000_000, state(Number.NaN), out)).toThrow(RangeError);
    expect(() => b.update(T0 + 2_000_000, state(1000), new Float32Array(3))).toThrow(RangeError);
    expect(() => b.update(-1, state(1000), out)).toThrow(RangeError);
  });
});
