import fc from 'fast-check';
import { describe, it, expect } from 'vitest';
import {
  OptimalSpread,
  optimalSpreadTicks,
  reservationPriceTicks,
} from '../../../core/quoting/avellaneda-stoikov.ts';

describe('Avellaneda–Stoikov (2008) eqs. (29)–(30), in ticks', () => {
  it('reservation price: s=100000, q=2, γ=0.01, σ=3 ticks/√s, τ=60 s', () => {
    // r = 100000 − 2·0.01·3²·60 = 100000 − 2·0.01·9·60 = 100000 − 10.8 = 99989.2
    expect(reservationPriceTicks(100_000, 2, 0.01, 3, 60)).toBeCloseTo(99_989.2, 9);
  });

  it('reservation price is above the mid when short and equals the mid when flat or τ = 0', () => {
    // q = −1: r = 100000 + 0.01·9·60 = 100005.4
    expect(reservationPriceTicks(100_000, -1, 0.01, 3, 60)).toBeCloseTo(100_005.4, 9);
    expect(reservationPriceTicks(100_000.5, 0, 0.01, 3, 60)).toBe(100_000.5);
    expect(reservationPriceTicks(100_000, 5, 0.01, 3, 0)).toBe(100_000);
  });

  it('spread: γ=0.01, σ=3, τ=60, k=0.8', () => {
    // γσ²τ = 0.01·9·60 = 5.4; (2/γ)·ln(1 + γ/k) = 200·ln(1.0125) = 200·0.0124225200 = 2.4845040
    // total = 5.4 + 2.4845040 = 7.8845040
    expect(optimalSpreadTicks(0.01, 3, 60, 0.8)).toBeCloseTo(7.884504, 6);
  });

  it('spread tends to 2/k for tiny γ and σ = 0 (log1p keeps precision)', () => {
    // (2/γ)·ln(1 + γ/k) = 2/k − γ/k² + …; γ = 1e-9, k = 0.8 → 2.5 − 1.6e-9
    expect(optimalSpreadTicks(1e-9, 0, 120, 0.8)).toBeCloseTo(2.5, 8);
  });

  it('throws on invalid inputs', () => {
    expect(() => reservationPriceTicks(100, 1, 0, 1, 1)).toThrow(RangeError);
    expect(() => reservationPriceTicks(100, 1, -0.1, 1, 1)).toThrow(/gamma/);
    expect(() => reservationPriceTicks(Number.NaN, 1, 0.1, 1, 1)).toThrow(/midTicks/);
    expect(() => reservationPriceTicks(100, Number.POSITIVE_INFINITY, 0.1, 1, 1)).toThrow(/q/);
    expect(() => reservationPriceTicks(100, 1, 0.1, -1, 1)).toThrow(/sigma/);
    expect(() => reservationPriceTicks(100, 1, 0.1, 1, -1)).toThrow(/horizonSec/);
    expect(() => optimalSpreadTicks(0.1, 1, 1, 0)).toThrow(/kPerTick/);
    expect(() => optimalSpreadTicks(0.1, 1, 1, -2)).toThrow(/kPerTick/);
    expect(() => optimalSpreadTicks(0, 1, 1, 1)).toThrow(/gamma/);
    expect(() => optimalSpreadTicks(0.1, Number.NaN, 1, 1)).toThrow(/sigma/);
    expect(() => optimalSpreadTicks(0.1, 1, Number.POSITIVE_INFINITY, 1)).toThrow(/horizonSec/);
  });
});

describe('OptimalSpread (eq. (30) with γ, τ, k fixed)', () => {
  it('gives the hand-computed spread and repeats it for a repeated σ', () => {
    const spread = new OptimalSpread(0.01, 60, 0.8);
    expect(spread.ticks(3)).toBeCloseTo(7.884504, 6); // as optimalSpreadTicks(0.01, 3, 60, 0.8) above
    expect(spread.ticks(3)).toBe(optimalSpreadTicks(0.01, 3, 60, 0.8));
    expect(spread.ticks(0)).toBe(optimalSpreadTicks(0.01, 0, 60, 0.8)); // 200·ln(1.0125) = 2.484504
    expect(spread.ticks(0)).toBeCloseTo(2.484504, 6);
  });

  it('is bit-identical to optimalSpreadTicks for any inputs and σ sequence (property)', () => {
    const pos = fc.double({ min: 1e-9, max: 10, noNaN: true });
    fc.assert(
      fc.property(
        pos,
        fc.double({ min: 0, max: 3600, noNaN: true }),
        pos,
        fc.array(fc.constantFrom(0, 0.5, 3, 570.25, 1e4), { maxLength: 20 }),
        (gamma, horizonSec, kPerTick, sigmas) => {
          const spread = new OptimalSpread(gamma, horizonSec, kPerTick);
          for (const s of sigmas) {
            expect(Object.is(spread.ticks(s), optimalSpreadTicks(gamma, s, horizonSec, kPerTick))).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('throws on invalid inputs', () => {
    expect(() => new OptimalSpread(0, 60, 0.8)).toThrow(/gamma/);
    expect(() => new OptimalSpread(0.01, -1, 0.8)).toThrow(/horizonSec/);
    expect(() => new OptimalSpread(0.01, 60, 0)).toThrow(/kPerTick/);
    const spread = new OptimalSpread(0.01, 60, 0.8);
    expect(() => spread.ticks(-1)).toThrow(/sigma/);
    expect(() => spread.ticks(Number.NaN)).toThrow(/sigma/);
    expect(() => spread.ticks(Number.POSITIVE_INFINITY)).toThrow(/sigma/);
  });
});
