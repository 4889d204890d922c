/**
 * Asynchronous Successive Halving (Li et al. 2020, "A System for Massively Parallel Hyperparameter
 * Tuning", MLSys; arXiv:1810.05934, Algorithm 2), with the semantics of Optuna's
 * SuccessiveHalvingPruner (optuna/pruners/_successive_halving.py):
 *
 * Rung k completes at step r·η^(s+k) (r = `minResource`, η = `reductionFactor`, s =
 * `minEarlyStoppingRate`). When a trial first reaches a rung, its value there joins the values every
 * other trial had at that rung, and it is promoted only if it is within the best ⌊m/η⌋ of those m
 * values (the best one when m < η); otherwise it is pruned.
 *
 * Optuna stores each trial's rung values as it passes them; here they are derived from the
 * intermediate values (a trial's value at rung k is its value at its first reported step ≥ the rung
 * step), which matches Optuna when `shouldPrune` is asked after every report — the Study does. Rungs a
 * trial passed at an earlier report are not re-judged. `minResource` defaults to 1 (Optuna's 'auto'
 * guesses it from the first finished trial as max(last step / 100, 1), which is 1 for any study of
 * fewer than 200 steps, e.g. walk-forward folds); bootstrap count 0.
 */

import { isBetter, type Direction, type TrialRecord } from './trial.ts';

/** Successive-halving settings; defaults are Optuna's. */
export interface SuccessiveHalvingOptions {
  /** Step of the first rung, r (≥ 1). Default 1. */
  readonly minResource?: number;
  /** η: about 1/η of the trials reaching a rung are promoted (≥ 2). Default 4. */
  readonly reductionFactor?: number;
  /** s: the first rung is at r·η^s. Default 0. */
  readonly minEarlyStoppingRate?: number;
}

/** Successive-halving pruner; see the module doc. */
export class SuccessiveHalvingPruner {
  private readonly minResource: number;
  private readonly reductionFactor: number;
  private readonly minEarlyStoppingRate: number;

  constructor(opts: SuccessiveHalvingOptions = {}) {
    this.minResource = opts.minResource ?? 1;
    this.reductionFactor = opts.reductionFactor ?? 4;
    this.minEarlyStoppingRate = opts.minEarlyStoppingRate ?? 0;
  }

  /** Step at which rung `rung` (0-based) completes. */
  rungStep(rung: number): number {
    return this.minResource * this.reductionFactor ** (this.minEarlyStoppingRate + rung);
  }

  /** Whether `trial` (running) should stop at its last reported step. */
  shouldPrune(trial: TrialRecord, trials: readonly TrialRecord[], direction: Direction): boolean {
    const last = trial.intermediate[trial.intermediate.length - 1];
    if (last === undefined) return false;
    const [step, value] = last;
    const previous = trial.intermediate[trial.intermediate.length - 2]?.[0] ?? Number.NEGATIVE_INFINITY;
    for (let rung = 0; ; rung++) {
      const rungStep = this.rungStep(rung);
      if (step < rungStep) return false;
      if (previous >= rungStep) continue;
      if (Number.isNaN(value)) return true;
      const competing = [value];
      for (const t of trials) {
        if (t.number === trial.number) continue;
        const v = valueAtRung(t, rungStep);
        if (v !== undefined) competing.push(v);
      }
      if (!isPromotable(value, competing, this.reductionFactor, direction)) return true;
    }
  }
}

/** A trial's value at a rung: its value at the first reported step ≥ the rung step. */
function valueAtRung(trial: TrialRecord, rungStep: number): number | undefined {
  for (const [s, v] of trial.intermediate) if (s >= rungStep) return v;
  return undefined;
}

/**
 * Optuna's `_is_trial_promotable_to_next_rung`: promoted when `value` is at least as good as the
 * k-th best competing value, k = max(⌊m/η⌋, 1) (m competitors, the trial included).
 */
export function isPromotable(
  value: number,
  competing: readonly number[],
  reductionFactor: number,
  direction: Direction,
): boolean {
  const k = Math.max(Math.floor(competing.length / reductionFactor), 1);
  const sorted = [...competing].sort((a, b) => (direction === 'minimize' ? a - b : b - a));
  const threshold = sorted[k - 1];
  return threshold === undefined || !isBetter(threshold, value, direction);
}
