import { describe, it, expect } from 'vitest';
import {
  MedianPruner,
  SuccessiveHalvingPruner,
  WilcoxonPruner,
  createPruner,
  type TrialRecord,
} from '../../../core/search/index.ts';

type Curve = readonly number[];
const curve = (values: Curve, from = 0): (readonly [number, number])[] =>
  values.map((v, i) => [from + i, v] as const);
const done = (number: number, values: Curve, value = values[values.length - 1] ?? 0): TrialRecord => ({
  number,
  params: {},
  state: 'complete',
  value,
  intermediate: curve(values),
});
const running = (number: number, values: Curve): TrialRecord => ({
  number,
  params: {},
  state: 'running',
  intermediate: curve(values),
});

describe('median pruner (Optuna MedianPruner)', () => {
  // Five finished curves (minimise); at step 2 their values are 3, 4, 5, 6, 7: median 5.
  const finished = [3, 4, 5, 6, 7].map((v, i) => done(i, [v + 2, v + 1, v, v - 1]));

  it('prunes a trial whose best value so far is worse than the median at its step, keeps a better one', () => {
    const pruner = new MedianPruner();
    expect(pruner.shouldPrune(running(9, [9, 8, 5.5]), finished, 'minimize')).toBe(true);
    expect(pruner.shouldPrune(running(9, [9, 8, 4.5]), finished, 'minimize')).toBe(false);
    // Its best over steps counts, not its last value: 4.9 at step 1 keeps it.
    expect(pruner.shouldPrune(running(9, [9, 4.9, 5.5]), finished, 'minimize')).toBe(false);
    // Maximising, the same curve is judged the other way round.
    expect(pruner.shouldPrune(running(9, [1, 2, 4.5]), finished, 'maximize')).toBe(true);
    expect(pruner.shouldPrune(running(9, [1, 2, 5.5]), finished, 'maximize')).toBe(false);
  });

  it('interpolates the median of an even count (4 trials at step 0: 5, 6, 7, 8 → 6.5)', () => {
    const pruner = new MedianPruner({ nStartupTrials: 4 });
    const four = finished.slice(0, 4);
    expect(pruner.shouldPrune(running(9, [6.6]), four, 'minimize')).toBe(true);
    expect(pruner.shouldPrune(running(9, [6.4]), four, 'minimize')).toBe(false);
  });

  it('respects startup trials, warm-up steps, interval steps and the minimum trial count', () => {
    const bad = running(9, [99, 99, 99, 99]);
    expect(new MedianPruner().shouldPrune(bad, finished.slice(0, 4), 'minimize')).toBe(false); // 4 < 5 finished
    expect(new MedianPruner({ nWarmupSteps: 4 }).shouldPrune(bad, finished, 'minimize')).toBe(false); // step 3 < 4
    expect(new MedianPruner({ nWarmupSteps: 3 }).shouldPrune(bad, finished, 'minimize')).toBe(true);
    // Checkpoints every 2 steps from step 0: step 3 follows step 2's check, so it is skipped.
    expect(new MedianPruner({ intervalSteps: 2 }).shouldPrune(bad, finished, 'minimize')).toBe(false);
    expect(
      new MedianPruner({ intervalSteps: 2 }).shouldPrune(running(9, [99, 99, 99]), finished, 'minimize'),
    ).toBe(true);
    // Only 5 finished trials reported step 3; asking for 6 disables the check.
    expect(new MedianPruner({ nMinTrials: 6 }).shouldPrune(bad, finished, 'minimize')).toBe(false);
    // Running and pruned trials are not part of the median.
    const others = [...finished.slice(0, 4), running(5, [0, 0, 0, 0])];
    expect(new MedianPruner().shouldPrune(bad, others, 'minimize')).toBe(false);
  });
});

describe('successive-halving pruner (Optuna SuccessiveHalvingPruner, η = 4, r = 1)', () => {
  const pruner = new SuccessiveHalvingPruner();

  it('puts rungs at r·η^(s+k): steps 1, 4, 16', () => {
    expect([0, 1, 2].map((k) => pruner.rungStep(k))).toEqual([1, 4, 16]);
    expect(
      new SuccessiveHalvingPruner({ minResource: 2, reductionFactor: 3, minEarlyStoppingRate: 1 }).rungStep(
        0,
      ),
    ).toBe(6);
  });

  it('never prunes before the first rung', () => {
    expect(pruner.shouldPrune(running(9, [100]), [done(0, [0, 0])], 'minimize')).toBe(false);
  });

  it('promotes only the top ⌊m/η⌋ of the m trials at a rung (the best one while m < η)', () => {
    // Seven earlier trials reached rung 0 (step 1) with values 1..7; with the new trial m = 8 → top 2.
    const others = [1, 2, 3, 4, 5, 6, 7].map((v, i) => done(i, [0, v]));
    expect(pruner.shouldPrune(running(9, [0, 1.5]), others, 'minimize')).toBe(false); // 2nd of 8
    expect(pruner.shouldPrune(running(9, [0, 2.5]), others, 'minimize')).toBe(true); // 3rd of 8
    expect(pruner.shouldPrune(running(9, [0, 2]), others, 'minimize')).toBe(false); // ties the 2nd
    // m = 3 < η: only a trial at least as good as the best is promoted.
    expect(pruner.shouldPrune(running(9, [0, 1]), others.slice(0, 2), 'minimize')).toBe(false);
    expect(pruner.shouldPrune(running(9, [0, 1.1]), others.slice(0, 2), 'minimize')).toBe(true);
    expect(pruner.shouldPrune(running(9, [0, 6.5]), others, 'maximize')).toBe(false); // 2nd best of 8 maximising
  });

  it('judges a rung once, when first reached, using the values other trials had there', () => {
    const others = [1, 2, 3, 4, 5, 6, 7].map((v, i) => done(i, [0, v, v, v, v - 5]));
    // Passed rung 0 at step 1 (value 1); at steps 2–3 no rung is due, whatever the value.
    expect(pruner.shouldPrune(running(9, [0, 1, 50, 50]), others, 'minimize')).toBe(false);
    // Rung 1 at step 4: others had −4..2 there (top 2 of 8: −4, −3); −3.5 is promoted, 0 is not.
    expect(pruner.shouldPrune(running(9, [0, 1, 1, 1, -3.5]), others, 'minimize')).toBe(false);
    expect(pruner.shouldPrune(running(9, [0, 1, 1, 1, 0]), others, 'minimize')).toBe(true);
  });
});

describe('Wilcoxon pruner (Optuna WilcoxonPruner, p < 0.1)', () => {
  // Best trial: fold values 1.0 … 1.5 (minimise, mean 1.25).
  const best = done(0, [1.0, 1.1, 1.2, 1.3, 1.4, 1.5], 1.25);
  const pruner = new WilcoxonPruner();

  it('prunes a trial consistently worse on the common folds (exact one-sided p = 1/32 at 5 folds)', () => {
    expect(pruner.pValue(running(1, [1.5, 1.8, 1.4, 2.2, 1.8]), [best], 'minimize')).toBeCloseTo(1 / 32, 15);
    expect(pruner.shouldPrune(running(1, [1.5, 1.8, 1.4, 2.2, 1.8]), [best], 'minimize')).toBe(true);
  });

  it('keeps a comparable trial (signs mixed)', () => {
    const comparable = running(1, [1.1, 1.0, 1.3, 1.2, 1.5, 1.4]);
    expect(pruner.pValue(comparable, [best], 'minimize')).toBeGreaterThan(0.3);
    expect(pruner.shouldPrune(comparable, [best], 'minimize')).toBe(false);
  });

  it('cannot prune with too few folds: 3 worse folds give p = 1/8', () => {
    expect(pruner.shouldPrune(running(1, [2, 2, 2]), [best], 'minimize')).toBe(false);
    expect(
      new WilcoxonPruner({ pThreshold: 0.2 }).shouldPrune(running(1, [2, 2, 2]), [best], 'minimize'),
    ).toBe(true);
    expect(
      new WilcoxonPruner({ nStartupSteps: 6 }).pValue(running(1, [2, 2, 2, 2, 2]), [best], 'minimize'),
    ).toBeUndefined();
  });

  it('never prunes while the trial mean is at least as good as the best trial mean', () => {
    // Worse on 5 folds by a little, but the best trial's late folds are high: mean 1.24 ≤ 1.25.
    const lucky = running(1, [1.04, 1.14, 1.24, 1.34, 1.44]);
    expect(pruner.pValue(lucky, [best], 'minimize')).toBeLessThan(0.1);
    expect(pruner.shouldPrune(lucky, [best], 'minimize')).toBe(false);
  });

  it('needs a best complete feasible trial with intermediate values, and reads maximisation the other way', () => {
    expect(pruner.shouldPrune(running(1, [9, 9, 9, 9, 9]), [], 'minimize')).toBe(false);
    const infeasible: TrialRecord = { ...best, state: 'infeasible', constraintViolation: 1 };
    expect(pruner.shouldPrune(running(1, [9, 9, 9, 9, 9]), [infeasible], 'minimize')).toBe(false);
    expect(pruner.shouldPrune(running(1, [0, 0, 0, 0, 0]), [best], 'maximize')).toBe(true);
  });
});

describe('createPruner', () => {
  it('builds each pruner and validates its settings', () => {
    expect(createPruner({ type: 'none' }).shouldPrune(running(0, [1e9]), [], 'minimize')).toBe(false);
    expect(createPruner({ type: 'median' })).toBeInstanceOf(MedianPruner);
    expect(createPruner({ type: 'successive-halving', reductionFactor: 3 })).toBeInstanceOf(
      SuccessiveHalvingPruner,
    );
    expect(createPruner({ type: 'wilcoxon', pThreshold: 0.05 })).toBeInstanceOf(WilcoxonPruner);
    expect(() => createPruner({ type: 'successive-halving', reductionFactor: 1 })).toThrow(
      /pruner: invalid search config: reductionFactor: /,
    );
    expect(() => createPruner({ type: 'wilcoxon', pThreshold: 1.5 })).toThrow(/pThreshold/);
  });
});
