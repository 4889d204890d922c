import { describe, it, expect } from 'vitest';
import {
  GridSampler,
  NOP_PRUNER,
  SearchConfigError,
  SearchExhaustedError,
  Study,
  createSampler,
  enumerateGrid,
  type SearchSpace,
  type TrialRecord,
} from '../../../core/search/index.ts';

const space: SearchSpace = {
  mode: { type: 'categorical', choices: ['fast', 'slow'] },
  n: { type: 'int', low: 1, high: 3 },
  alpha: { type: 'float', low: 0, high: 1, when: { param: 'mode', in: ['slow'] } },
};

describe('grid enumeration', () => {
  it('branches conditional params only where active (2 + 3·… points, no duplicates)', () => {
    const points = enumerateGrid(space, { alpha: [0.1, 0.9] });
    // fast × n ∈ {1,2,3} = 3 points; slow × n × alpha ∈ {0.1, 0.9} = 6 points.
    expect(points).toHaveLength(9);
    expect(points[0]).toEqual({ mode: 'fast', n: 1 });
    expect(points).toContainEqual({ mode: 'slow', n: 3, alpha: 0.9 });
    expect(new Set(points.map((p) => JSON.stringify(p))).size).toBe(9);
  });

  it('derives int and stepped-float values, and needs explicit values for continuous floats', () => {
    expect(enumerateGrid({ f: { type: 'float', low: 0.1, high: 0.3, step: 0.1 } })).toEqual([
      { f: 0.1 },
      { f: 0.2 },
      { f: 0.3 },
    ]);
    expect(() => enumerateGrid(space)).toThrow(SearchConfigError);
    expect(() => enumerateGrid(space)).toThrow(/grid\.alpha: a continuous float needs explicit grid values/);
  });

  it('rejects unknown params and impossible values', () => {
    expect(() => enumerateGrid(space, { alpha: [2], beta: [1] })).toThrow(
      'grid sampler: invalid search config: grid.beta: not a param of the search space; grid.alpha.0: 2 is not a possible value',
    );
  });
});

describe('grid sampler', () => {
  it('visits every point once in a seeded order, then reports exhaustion', () => {
    const sampler = createSampler({ type: 'grid', seed: 5, grid: { alpha: [0.1, 0.9] } });
    const study = new Study({ space, direction: 'minimize', sampler, pruner: NOP_PRUNER });
    const seen: string[] = [];
    while (!study.isExhausted()) {
      const { number, params } = study.ask();
      seen.push(JSON.stringify(params));
      study.tell(number, { state: 'complete', value: number });
    }
    expect(seen).toHaveLength(9);
    expect(new Set(seen).size).toBe(9);
    expect(() => study.ask()).toThrow(SearchExhaustedError);
    expect(() => study.ask()).toThrow('grid exhausted: all 9 points are taken (trial 9 cannot be asked)');

    const again = new GridSampler(5, { alpha: [0.1, 0.9] }).points(space).map((p) => JSON.stringify(p));
    expect(again).toEqual(seen);
    const other = new GridSampler(6, { alpha: [0.1, 0.9] }).points(space).map((p) => JSON.stringify(p));
    expect(other).not.toEqual(seen);
  });

  it('counts running and failed trials as taken (parallel asks never share a point)', () => {
    const sampler = new GridSampler(1);
    const small: SearchSpace = { n: { type: 'int', low: 0, high: 2 } };
    const trials: TrialRecord[] = [
      { number: 0, params: { n: 0 }, state: 'running', intermediate: [] },
      { number: 1, params: { n: 1 }, state: 'failed', intermediate: [] },
    ];
    expect(sampler.sample(small, trials, 2, 'minimize')).toEqual({ n: 2 });
    expect(
      sampler.isExhausted(small, [
        ...trials,
        { number: 2, params: { n: 2 }, state: 'running', intermediate: [] },
      ]),
    ).toBe(true);
  });
});
