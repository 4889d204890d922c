import { describe, it, expect } from 'vitest';
import {
  SearchSpaceError,
  alignToGrid,
  isActive,
  isValidValue,
  paramProblems,
  parseSearchSpace,
  transformedBounds,
  untransform,
  type NumericSpec,
  type SearchSpace,
} from '../../../core/search/index.ts';

const WHERE = 'pipelines/retrain-weekly.yaml: search.space';

function issuesOf(input: unknown): readonly string[] {
  try {
    parseSearchSpace(input, WHERE);
  } catch (err) {
    if (err instanceof SearchSpaceError) return err.issues;
    throw err;
  }
  throw new Error('expected a SearchSpaceError');
}

describe('parseSearchSpace', () => {
  it('accepts every distribution kind and keeps declaration order', () => {
    const space = parseSearchSpace(
      {
        model: { type: 'categorical', choices: ['as-v1-alpha', 'as-v1.5'] },
        gamma: { type: 'float', low: 1e-8, high: 1e-5, log: true },
        kappaInv: { type: 'float', low: 0, high: 2, step: 0.25, when: { param: 'model', in: ['as-v1.5'] } },
        volObservations: { type: 'int', low: 20, high: 200, step: 20 },
        ofiWindowMs: { type: 'int', low: 100, high: 5000, log: true },
        adaptive: { type: 'categorical', choices: [true, false] },
      },
      WHERE,
    );
    expect(Object.keys(space)).toEqual([
      'model',
      'gamma',
      'kappaInv',
      'volObservations',
      'ofiWindowMs',
      'adaptive',
    ]);
    expect(space.kappaInv).toEqual({
      type: 'float',
      low: 0,
      high: 2,
      step: 0.25,
      when: { param: 'model', in: ['as-v1.5'] },
    });
  });

  it.each([
    [{ a: { type: 'float', low: 1, high: 1 } }, ['a.high: must be > low (low 1, high 1)']],
    [{ a: { type: 'float', low: 0, high: 1, log: true } }, ['a.low: must be > 0 when log is true (got 0)']],
    [
      { a: { type: 'float', low: 0.1, high: 1, log: true, step: 0.1 } },
      ['a.step: cannot be combined with log: true'],
    ],
    [
      { a: { type: 'float', low: 0, high: 1, step: 0.3 } },
      ['a.step: high - low (1) must be a multiple of step (0.3)'],
    ],
    [{ a: { type: 'float', low: 0, high: 1, step: -1 } }, ['a.step: must be > 0']],
    [{ a: { type: 'int', low: 0.5, high: 3 } }, ['a.low: must be an integer']],
    [
      { a: { type: 'int', low: 1, high: 10, log: true, step: 3 } },
      ['a.step: must be 1 when log is true (got 3)'],
    ],
    [
      { a: { type: 'int', low: 0, high: 10, step: 3 } },
      ['a.step: high - low (10) must be a multiple of step (3)'],
    ],
    [{ a: { type: 'categorical', choices: [] } }, ['a.choices: must list at least one choice']],
    [{ a: { type: 'categorical', choices: ['x', 'x'] } }, ['a.choices.1: duplicate choice "x"']],
    [{ a: { type: 'float', low: 0, high: 1, extra: 1 } }, ['a: Unrecognized key: "extra"']],
    [{}, ['(root): must declare at least one param']],
    [
      { '1x': { type: 'float', low: 0, high: 1 } },
      ['1x: param name must match /^[A-Za-z_][A-Za-z0-9_.-]*$/'],
    ],
    [
      {
        b: { type: 'float', low: 0, high: 1, when: { param: 'a', in: [1] } },
        a: { type: 'categorical', choices: [1, 2] },
      },
      ["b.when.param: must refer to an earlier param ('a' is not declared before 'b')"],
    ],
    [
      { b: { type: 'float', low: 0, high: 1, when: { param: 'zz', in: [1] } } },
      ["b.when.param: refers to unknown param 'zz'"],
    ],
    [
      {
        a: { type: 'categorical', choices: [1, 2] },
        b: { type: 'float', low: 0, high: 1, when: { param: 'a', in: [3] } },
      },
      ["b.when.in.0: 3 is not a possible value of 'a'"],
    ],
  ])('rejects %j with %j', (input, expected) => {
    expect(issuesOf(input)).toEqual(expected);
  });

  it('names the source and every issue in the message, and is a permanent error', () => {
    try {
      parseSearchSpace(
        { a: { type: 'float', low: 2, high: 1 }, b: { type: 'int', low: 0, high: 1.5 } },
        WHERE,
      );
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SearchSpaceError);
      const e = err as SearchSpaceError;
      expect(e.message).toBe(
        `${WHERE}: invalid search space: a.high: must be > low (low 2, high 1); b.high: must be an integer`,
      );
      expect(e.code).toBe('SEARCH_SPACE_INVALID');
      expect(e.retryable).toBe(false);
    }
  });

  it('rejects a wrong type discriminator and non-objects by path', () => {
    expect(issuesOf({ a: { type: 'nope' } })[0]).toMatch(/^a\.type: /);
    expect(issuesOf([])[0]).toMatch(/^\(root\): /);
  });
});

describe('transforms', () => {
  it('samples log floats in ln-space and maps back with exp', () => {
    const spec: NumericSpec = { type: 'float', low: 1e-4, high: 1, log: true };
    const [lo, hi] = transformedBounds(spec);
    expect(lo).toBeCloseTo(Math.log(1e-4), 14);
    expect(hi).toBe(0);
    expect(untransform(spec, Math.log(0.01))).toBeCloseTo(0.01, 15);
    expect(untransform(spec, 5)).toBe(1); // clamped
  });

  it('gives each grid point of a stepped float an equal cell and rounds to it', () => {
    const spec: NumericSpec = { type: 'float', low: 0.1, high: 0.5, step: 0.1 };
    expect(transformedBounds(spec)).toEqual([0.05, 0.55]);
    expect(untransform(spec, 0.349)).toBe(0.3); // not 0.30000000000000004
    expect(untransform(spec, 0.351)).toBe(0.4);
    expect(untransform(spec, 0.55)).toBe(0.5);
  });

  it('handles ints with step and log ints as Optuna does (cells of ±step/2, ±0.5 before ln)', () => {
    const stepped: NumericSpec = { type: 'int', low: 10, high: 50, step: 10 };
    expect(transformedBounds(stepped)).toEqual([5, 55]);
    expect(untransform(stepped, 24.9)).toBe(20);
    expect(untransform(stepped, 25)).toBe(30);
    const logInt: NumericSpec = { type: 'int', low: 1, high: 1000, log: true };
    const [lo, hi] = transformedBounds(logInt);
    expect(lo).toBeCloseTo(Math.log(0.5), 15);
    expect(hi).toBeCloseTo(Math.log(1000.5), 15);
    expect(untransform(logInt, Math.log(99.6))).toBe(100);
    expect(untransform(logInt, lo)).toBe(1);
  });

  it('aligns to the grid and clamps', () => {
    expect(alignToGrid({ type: 'int', low: 0, high: 9, step: 3 }, 100)).toBe(9);
    expect(alignToGrid({ type: 'float', low: -1, high: 1 }, -3)).toBe(-1);
  });
});

describe('values and activity', () => {
  const space: SearchSpace = {
    kind: { type: 'categorical', choices: ['a', 'b'] },
    x: { type: 'float', low: 0, high: 1, when: { param: 'kind', in: ['a'] } },
    n: { type: 'int', low: 0, high: 10, step: 2 },
  };

  it('activates a conditional param only for the listed parent values', () => {
    expect(isActive(space.x ?? space.n!, { kind: 'a' })).toBe(true);
    expect(isActive(space.x ?? space.n!, { kind: 'b' })).toBe(false);
    expect(isActive(space.x ?? space.n!, {})).toBe(false);
  });

  it('checks values against the distribution', () => {
    expect(isValidValue({ type: 'int', low: 0, high: 10, step: 2 }, 4)).toBe(true);
    expect(isValidValue({ type: 'int', low: 0, high: 10, step: 2 }, 5)).toBe(false);
    expect(isValidValue({ type: 'float', low: 0.1, high: 0.5, step: 0.1 }, 0.30000000000000004)).toBe(true);
    expect(isValidValue({ type: 'float', low: 0, high: 1 }, '0.5')).toBe(false);
    expect(isValidValue({ type: 'categorical', choices: [1, '1'] }, true)).toBe(false);
  });

  it('lists every problem of a params object', () => {
    expect(paramProblems(space, { kind: 'a', x: 0.5, n: 4 })).toEqual([]);
    expect(paramProblems(space, { kind: 'b', x: 0.5, n: 3, extra: 1 })).toEqual([
      'extra: not in the search space',
      'x: present but inactive',
      'n: 3 is not a possible value',
    ]);
    expect(paramProblems(space, { kind: 'a' })).toEqual(['x: missing', 'n: missing']);
  });
});
