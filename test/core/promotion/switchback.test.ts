import { describe, expect, it } from 'vitest';
import { measurementWindow, pairedSeries, switchbackPlan } from '../../../core/promotion/switchback.ts';
import { PermanentError } from '../../../core/errors.ts';

describe('switchbackPlan', () => {
  const opts = { pairs: 20, intervalMs: 60_000, washoutMs: 10_000, seed: 42 };

  it('lays out 2·pairs contiguous intervals, one of each arm per pair', () => {
    const plan = switchbackPlan(opts);
    expect(plan.intervals).toHaveLength(40);
    plan.intervals.forEach((iv, i) => {
      expect(iv).toMatchObject({
        index: i,
        startOffsetMs: i * 60_000,
        endOffsetMs: (i + 1) * 60_000,
        washoutMs: 10_000,
      });
    });
    for (let p = 0; p < 20; p++) {
      const arms = [plan.intervals[2 * p]?.arm, plan.intervals[2 * p + 1]?.arm].sort();
      expect(arms).toEqual(['challenger', 'champion']);
    }
    expect(plan.intervals.filter((iv) => iv.arm === 'challenger')).toHaveLength(20);
  });

  it('is a function of the seed; a longer plan keeps the orders of a shorter one', () => {
    const order = (seed: number, pairs = 20): string =>
      switchbackPlan({ ...opts, seed, pairs })
        .intervals.map((iv) => (iv.arm === 'challenger' ? 'C' : 'H'))
        .join('');
    expect(order(42)).toBe(order(42));
    expect(order(42)).not.toBe(order(43));
    expect(order(42, 40).startsWith(order(42))).toBe(true);
  });

  it('randomises the order fairly: challenger first in about half the pairs', () => {
    const plan = switchbackPlan({ ...opts, pairs: 2000, seed: 7 });
    let first = 0;
    for (let p = 0; p < 2000; p++) if (plan.intervals[2 * p]?.arm === 'challenger') first++;
    // Binomial(2000, ½): sd ≈ 22.4; ±4.5 sd.
    expect(first).toBeGreaterThan(900);
    expect(first).toBeLessThan(1100);
  });

  it('rejects bad options with PermanentError', () => {
    for (const bad of [
      { pairs: 0 },
      { pairs: 1.5 },
      { washoutMs: 60_000 },
      { washoutMs: -1 },
      { intervalMs: 0 },
      { seed: 0.5 },
    ])
      expect(() => switchbackPlan({ ...opts, ...bad })).toThrow(PermanentError);
  });

  it('measurement windows skip the washout', () => {
    const plan = switchbackPlan(opts);
    const iv = plan.intervals[3];
    expect(iv && measurementWindow(iv, 1_000_000)).toEqual({
      fromMs: 1_000_000 + 190_000,
      toMs: 1_000_000 + 240_000,
    });
  });
});

describe('pairedSeries', () => {
  it('aligns pairs by arm and drops a pair with a missing side', () => {
    const plan = switchbackPlan({ pairs: 3, intervalMs: 1000, washoutMs: 100, seed: 1 });
    // Value of interval i = 10·i (+1 when challenger); the middle pair loses one side.
    const values = plan.intervals.map((iv) =>
      iv.index === 2 ? undefined : 10 * iv.index + (iv.arm === 'challenger' ? 1 : 0),
    );
    const s = pairedSeries(plan, values);
    expect(s.droppedPairs).toEqual([1]);
    expect(s.challenger).toHaveLength(2);
    s.challenger.forEach((c, k) => {
      const h = s.champion[k] ?? NaN;
      expect(c % 10).toBe(1);
      expect(h % 10).toBe(0);
      expect(Math.floor(c / 20)).toBe(Math.floor(h / 20)); // same pair
    });
    expect(() => pairedSeries(plan, [1, 2])).toThrow(PermanentError);
  });
});
