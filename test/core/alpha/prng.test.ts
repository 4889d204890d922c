import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Xoshiro128 } from '../../../core/alpha/prng.ts';

describe('Xoshiro128', () => {
  it('is a deterministic stream per seed, distinct across seeds', () => {
    const a = new Xoshiro128(42);
    const b = new Xoshiro128(42);
    const c = new Xoshiro128(43);
    const take = (r: Xoshiro128) => Array.from({ length: 8 }, () => r.nextUint32());
    const sa = take(a);
    expect(take(b)).toEqual(sa);
    expect(take(c)).not.toEqual(sa);
    expect(() => new Xoshiro128(0.5)).toThrow(RangeError);
  });

  it('draws floats in [0, 1) with mean ≈ 1/2 and unbiased bounded integers', () => {
    const r = new Xoshiro128(7);
    let sum = 0;
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60_000; i++) {
      const u = r.nextFloat();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
      const k = r.nextInt(6);
      counts[k] = counts[k]! + 1;
    }
    expect(sum / 60_000).toBeCloseTo(0.5, 2);
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400); // > 4 σ (σ ≈ 91)
  });

  it('shuffles into a permutation (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer(), (n, seed) => {
        const a = Uint32Array.from({ length: n }, (_, i) => i);
        new Xoshiro128(seed).shuffle(a);
        expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
      }),
    );
  });
});
