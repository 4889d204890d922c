import { describe, expect, it } from 'vitest';
import type { SearchSpace } from '../../../core/search/space.ts';
import { categorical, gridDensity, pedAnovaImportances } from '../../../core/validation/param-importance.ts';

/** A small deterministic LCG (Numerical Recipes constants) for test data. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('pedAnovaImportances', () => {
  it('hand-checked categorical case: D = Σ p_top²/p_region − 1 with one pseudo-count per choice', () => {
    const space: SearchSpace = { side: { type: 'categorical', choices: ['a', 'b'] } };
    // 10 trials; the 2 best (top-10% → at least 2) both chose 'a'; the region has 5 'a' and 5 'b'.
    const trials = Array.from({ length: 10 }, (_, i) => ({ params: { side: i < 5 ? 'a' : 'b' }, value: i }));
    const [imp] = pedAnovaImportances(space, trials, 'minimize');
    // p_top = (3/4, 1/4); p_region = (6/12, 6/12) → (9/16)/(1/2) + (1/16)/(1/2) − 1 = 1.25 − 1 = 0.25
    expect(imp?.divergence).toBeCloseTo(0.25, 12);
    expect(imp?.importance).toBe(1);
    expect(categorical(['a', 'b'], ['a', 'a'])).toEqual([0.75, 0.25]);
  });

  it('ranks the parameter the objective depends on far above a noise parameter', () => {
    const space: SearchSpace = {
      gamma: { type: 'float', low: 1e-8, high: 1e-4, log: true },
      noise: { type: 'float', low: 0, high: 1 },
      levels: { type: 'int', low: 1, high: 10 },
    };
    const rand = lcg(42);
    const trials = Array.from({ length: 200 }, () => {
      const u = rand();
      const gamma = Math.exp(Math.log(1e-8) + u * (Math.log(1e-4) - Math.log(1e-8)));
      const noise = rand();
      const levels = 1 + Math.floor(rand() * 10);
      // Sharpe-like, maximised at gamma = 1e-6 (u = 0.5), independent of noise and levels.
      return { params: { gamma, noise, levels }, value: -((u - 0.5) ** 2) };
    });
    const imps = pedAnovaImportances(space, trials, 'maximize');
    expect(imps.map((i) => i.param)[0]).toBe('gamma');
    const byName = Object.fromEntries(imps.map((i) => [i.param, i.importance]));
    expect(byName['gamma']).toBeGreaterThan(0.8);
    expect(imps.reduce((s, i) => s + i.importance, 0)).toBeCloseTo(1, 12);
  });

  it('respects the direction: minimising the same values picks the opposite tail', () => {
    const space: SearchSpace = {
      x: { type: 'float', low: 0, high: 1 },
      y: { type: 'float', low: 0, high: 1 },
    };
    const rand = lcg(7);
    const trials = Array.from({ length: 100 }, () => {
      const x = rand();
      return { params: { x, y: rand() }, value: x };
    });
    for (const direction of ['minimize', 'maximize'] as const)
      expect(pedAnovaImportances(space, trials, direction)[0]?.param).toBe('x');
  });

  it('counts a conditional parameter only where it was active, and needs enough trials', () => {
    const space: SearchSpace = {
      model: { type: 'categorical', choices: ['v1', 'v15'] },
      kappa: { type: 'float', low: 0, high: 1, when: { param: 'model', in: ['v15'] } },
    };
    expect(pedAnovaImportances(space, [{ params: { model: 'v1' }, value: 1 }], 'minimize')).toEqual([]);
    const imps = pedAnovaImportances(
      space,
      [
        { params: { model: 'v1' }, value: 3 },
        { params: { model: 'v15', kappa: 0.2 }, value: 1 },
        { params: { model: 'v15', kappa: 0.8 }, value: 2 },
      ],
      'minimize',
    );
    expect(imps.map((i) => i.param).sort()).toEqual(['kappa', 'model']);
    expect(() => pedAnovaImportances(space, [], 'minimize', { targetQuantile: 0 })).toThrow(RangeError);
  });
});

describe('gridDensity', () => {
  it('sums to 1 and puts its mass near the samples, with a uniform floor', () => {
    const p = gridDensity({ type: 'float', low: 0, high: 10 }, [2.5, 2.5, 2.5], 10);
    expect(p.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    expect(p.indexOf(Math.max(...p))).toBe(2); // cell [0.2, 0.3) holds 0.25
    // far cells keep the prior: (3·~0 + 1/10) / 4 = 0.025
    expect(p[9]).toBeCloseTo(0.025, 6);
  });
});
