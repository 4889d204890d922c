/**
 * Wilcoxon pruning, with the semantics of Optuna's WilcoxonPruner (optuna/pruners/_wilcoxon.py,
 * Optuna ≥ 3.6): for objectives that are a mean over instances (here: walk-forward folds, the step
 * being the fold index), compare the running trial with the current best trial on the steps both
 * reported, by a one-sided Wilcoxon signed-rank test with zero-split (wilcoxon-test.ts), and prune
 * when the trial is worse with p < `pThreshold`.
 *
 * Safeguards (as Optuna): no pruning before `nStartupSteps` paired steps; none when there is no best
 * trial or it has no intermediate values; and none while the trial's mean intermediate value is at
 * least as good as the best trial's mean (so the best trial is never out-voted by a lucky start).
 * Default `nStartupSteps` here is 2 (Optuna's is 0; with p < 0.1 nothing can be pruned before 4 paired
 * steps anyway, the smallest one-sided exact p being 1/16 at n = 4).
 */

import { bestTrial, type Direction, type TrialRecord } from './trial.ts';
import { wilcoxonSignedRank } from './wilcoxon-test.ts';

/** Wilcoxon pruner settings. */
export interface WilcoxonPrunerOptions {
  /** Prune when the one-sided p-value is below this (0..1). Default 0.1. */
  readonly pThreshold?: number;
  /** Paired steps needed before any pruning. Default 2. */
  readonly nStartupSteps?: number;
}

/** Wilcoxon pruner; see the module doc. */
export class WilcoxonPruner {
  private readonly pThreshold: number;
  private readonly nStartupSteps: number;

  constructor(opts: WilcoxonPrunerOptions = {}) {
    this.pThreshold = opts.pThreshold ?? 0.1;
    this.nStartupSteps = opts.nStartupSteps ?? 2;
  }

  /** Whether `trial` (running) is significantly worse than the best trial so far. */
  shouldPrune(trial: TrialRecord, trials: readonly TrialRecord[], direction: Direction): boolean {
    const p = this.pValue(trial, trials, direction);
    if (p === undefined || !(p < this.pThreshold)) return false;
    const mean = (xs: readonly (readonly [number, number])[]): number =>
      xs.reduce((s, [, v]) => s + v, 0) / xs.length;
    const best = bestTrial(
      trials.filter((t) => t.number !== trial.number),
      direction,
    );
    if (best === undefined) return false;
    const averageIsBest =
      direction === 'minimize'
        ? mean(best.intermediate) >= mean(trial.intermediate)
        : mean(best.intermediate) <= mean(trial.intermediate);
    return !averageIsBest;
  }

  /**
   * One-sided p-value that `trial` is worse than the best trial on their common steps, or undefined
   * when the test is not run (no best trial, no common steps, fewer than `nStartupSteps`, non-finite values).
   */
  pValue(trial: TrialRecord, trials: readonly TrialRecord[], direction: Direction): number | undefined {
    if (trial.intermediate.length === 0 || trial.intermediate.some(([, v]) => !Number.isFinite(v)))
      return undefined;
    const best = bestTrial(
      trials.filter((t) => t.number !== trial.number),
      direction,
    );
    if (best === undefined || best.intermediate.length === 0) return undefined;
    if (best.intermediate.some(([, v]) => !Number.isFinite(v))) return undefined;
    const bestAt = new Map(best.intermediate.map(([s, v]) => [s, v] as const));
    const diffs: number[] = [];
    for (const [s, v] of trial.intermediate) {
      const b = bestAt.get(s);
      if (b !== undefined) diffs.push(v - b);
    }
    if (diffs.length === 0 || diffs.length < this.nStartupSteps) return undefined;
    return wilcoxonSignedRank(diffs, {
      alternative: direction === 'minimize' ? 'greater' : 'less',
      zeroMethod: 'zsplit',
    }).pValue;
  }
}
