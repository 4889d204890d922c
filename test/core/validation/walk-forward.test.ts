import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../core/errors.ts';
import {
  walkForwardFolds,
  windowsNeeded,
  type FoldWindow,
  type WalkForwardConfig,
} from '../../../core/validation/walk-forward.ts';

const MINUTE_US = 60_000_000;

/** `count` consecutive one-minute windows of session `id`, from minute `from`. */
function minutes(id: string, from: number, count: number): FoldWindow[] {
  return Array.from({ length: count }, (_, i) => ({
    sessionId: id,
    startUs: (from + i) * MINUTE_US,
    endUs: (from + i + 1) * MINUTE_US,
  }));
}

/** Window numbers (minutes) of a list, to compare against hand-drawn layouts. */
const ids = (ws: readonly FoldWindow[]): number[] => ws.map((w) => w.startUs / MINUTE_US);

describe('walkForwardFolds', () => {
  it('cuts expanding folds anchored at the end, with the gap and the holdout set aside', () => {
    // 12 windows 0..11. holdout 2 (10, 11), gap 1 before it (9): validation blocks end at 8.
    // 3 folds of 2 validation windows, step 2: validation [3,4], [5,6], [7,8]; gap 1 before each.
    const plan = walkForwardFolds(minutes('s', 0, 12), {
      scheme: 'expanding',
      trainWindows: 2,
      gapWindows: 1,
      validationWindows: 2,
      holdoutWindows: 2,
      folds: 3,
    });
    expect(plan.folds.map((f) => [f.index, ids(f.train), ids(f.validation)])).toEqual([
      [0, [0, 1], [3, 4]],
      [1, [0, 1, 2, 3], [5, 6]],
      [2, [0, 1, 2, 3, 4, 5], [7, 8]],
    ]);
    expect(ids(plan.holdout)).toEqual([10, 11]);
    expect(plan.unused).toBe(1); // window 9, the embargo before the holdout
  });

  it('keeps a rolling train span of exactly trainWindows', () => {
    const plan = walkForwardFolds(minutes('s', 0, 10), {
      scheme: 'rolling',
      trainWindows: 2,
      gapWindows: 0,
      validationWindows: 1,
      holdoutWindows: 1,
    });
    // usable 0..8 (holdout 9, gap 0) → validation starts 2..8: 7 folds.
    expect(plan.folds).toHaveLength(7);
    expect(plan.folds.map((f) => [ids(f.train), ids(f.validation)])).toEqual([
      [[0, 1], [2]],
      [[1, 2], [3]],
      [[2, 3], [4]],
      [[3, 4], [5]],
      [[4, 5], [6]],
      [[5, 6], [7]],
      [[6, 7], [8]],
    ]);
    expect(ids(plan.holdout)).toEqual([9]);
    expect(plan.unused).toBe(0);
  });

  it('orders windows across sessions by start time, and a step larger than the validation span skips windows', () => {
    const later = minutes('b-session', 100, 4);
    const earlier = minutes('a-session', 10, 4);
    const plan = walkForwardFolds([...later, ...earlier], {
      scheme: 'expanding',
      trainWindows: 1,
      gapWindows: 0,
      validationWindows: 1,
      holdoutWindows: 1,
      stepWindows: 3,
    });
    // sorted: 10,11,12,13,100,101,102,103; holdout 103; usable 0..6; validation at 6, 3 (step 3), 0 would leave no train.
    expect(plan.folds.map((f) => [ids(f.train), ids(f.validation)])).toEqual([
      [[10, 11, 12], [13]],
      [[10, 11, 12, 13, 100, 101], [102]],
    ]);
    expect(plan.folds[1]?.validation[0]?.sessionId).toBe('b-session');
    expect(ids(plan.holdout)).toEqual([103]);
  });

  it('allows an empty train part when nothing is fitted per fold', () => {
    const plan = walkForwardFolds(minutes('s', 0, 4), {
      scheme: 'rolling',
      trainWindows: 0,
      gapWindows: 0,
      validationWindows: 1,
      holdoutWindows: 1,
    });
    expect(plan.folds.map((f) => [ids(f.train), ids(f.validation)])).toEqual([
      [[], [0]],
      [[], [1]],
      [[], [2]],
    ]);
  });

  it('says how many windows are needed when there are too few', () => {
    const config: WalkForwardConfig = {
      scheme: 'expanding',
      trainWindows: 3,
      gapWindows: 1,
      validationWindows: 2,
      holdoutWindows: 2,
      folds: 3,
    };
    // 3 + 1 + 2 + 2·2 + 1 + 2 = 13
    expect(windowsNeeded(config, 3)).toBe(13);
    let error: unknown;
    try {
      walkForwardFolds(minutes('s', 0, 12), config);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).code).toBe('WALK_FORWARD_TOO_FEW_WINDOWS');
    expect((error as PermanentError).message).toBe(
      'walk-forward needs 13 windows for 3 fold(s) (train 3 + gap 1 + validation 2 + 2×step 2 + gap 1 + holdout 2), got 12',
    );
    expect(() => walkForwardFolds(minutes('s', 0, 13), config)).not.toThrow();
    const { folds: _folds, ...asManyAsFit } = config;
    expect(() => walkForwardFolds([], asManyAsFit)).toThrow('walk-forward needs 9 windows for 1 fold(s)');
  });

  it('rejects bad spans and overlapping or empty windows', () => {
    const base: WalkForwardConfig = {
      scheme: 'expanding',
      trainWindows: 1,
      gapWindows: 0,
      validationWindows: 1,
      holdoutWindows: 1,
    };
    const ws = minutes('s', 0, 5);
    expect(() => walkForwardFolds(ws, { ...base, validationWindows: 0 })).toThrow(
      'walk-forward validationWindows must be an integer ≥ 1, got 0',
    );
    expect(() => walkForwardFolds(ws, { ...base, gapWindows: -1 })).toThrow(
      'walk-forward gapWindows must be an integer ≥ 0, got -1',
    );
    expect(() => walkForwardFolds(ws, { ...base, folds: 1.5 })).toThrow(
      'walk-forward folds must be an integer ≥ 1',
    );
    const overlapping = [...ws, { sessionId: 's', startUs: 30_000_000, endUs: 90_000_000 }];
    expect(() => walkForwardFolds(overlapping, base)).toThrow('windows overlap');
    expect(() => walkForwardFolds([{ sessionId: 's', startUs: 5, endUs: 5 }], base)).toThrow('is empty');
  });

  it('never puts a holdout window in a fold, never lets validation overlap its train part or other validation (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          n: fc.integer({ min: 1, max: 40 }),
          scheme: fc.constantFrom('expanding' as const, 'rolling' as const),
          trainWindows: fc.integer({ min: 0, max: 5 }),
          gapWindows: fc.integer({ min: 0, max: 3 }),
          validationWindows: fc.integer({ min: 1, max: 4 }),
          holdoutWindows: fc.integer({ min: 0, max: 4 }),
          stepWindows: fc.integer({ min: 1, max: 4 }),
        }),
        ({ n, ...config }) => {
          let plan;
          try {
            plan = walkForwardFolds(minutes('s', 0, n), config);
          } catch (err) {
            expect((err as PermanentError).code).toBe('WALK_FORWARD_TOO_FEW_WINDOWS');
            expect(n).toBeLessThan(windowsNeeded(config, 1));
            return;
          }
          expect(n).toBeGreaterThanOrEqual(windowsNeeded(config, plan.folds.length));
          const holdout = new Set(ids(plan.holdout));
          expect(holdout.size).toBe(config.holdoutWindows);
          const seen = new Set<number>();
          for (const f of plan.folds) {
            const train = ids(f.train);
            const validation = ids(f.validation);
            expect(validation).toHaveLength(config.validationWindows);
            if (config.scheme === 'rolling') expect(train).toHaveLength(config.trainWindows);
            else expect(train.length).toBeGreaterThanOrEqual(config.trainWindows);
            for (const i of [...train, ...validation]) expect(holdout.has(i)).toBe(false);
            if (train.length > 0) expect(validation[0]! - train.at(-1)!).toBe(config.gapWindows + 1);
            if (holdout.size > 0)
              expect(Math.min(...holdout) - validation.at(-1)!).toBeGreaterThan(config.gapWindows);
            if (config.stepWindows >= config.validationWindows)
              for (const i of validation) {
                expect(seen.has(i)).toBe(false);
                seen.add(i);
              }
          }
        },
      ),
    );
  });
});
