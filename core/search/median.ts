/**
 * Median pruning (Golovin et al. 2017, "Google Vizier", KDD, §3.2.2 "median stopping rule"), with
 * the semantics of Optuna's MedianPruner = PercentilePruner(50) (optuna/pruners/_percentile.py):
 *
 * At the trial's last reported step s, prune when its BEST intermediate value so far is worse than
 * the median of the values the finished trials (complete or infeasible — both ran to the end)
 * reported at step s. Never before `nStartupTrials` trials finished, before step `nWarmupSteps`,
 * between checkpoints (every `intervalSteps` steps after the warm-up, counted from the last
 * checkpoint reached), or when fewer than `nMinTrials` finished trials reported step s.
 * The median interpolates linearly between the two middle values (numpy's default percentile).
 */

import { isBetter, lastStep, type Direction, type TrialRecord } from './trial.ts';

/** Median pruner settings; defaults are Optuna's. */
export interface MedianPrunerOptions {
  /** Finished trials needed before any pruning. Default 5. */
  readonly nStartupTrials?: number;
  /** Steps below this are never pruned. Default 0. */
  readonly nWarmupSteps?: number;
  /** Check every this many steps after the warm-up. Default 1. */
  readonly intervalSteps?: number;
  /** Finished trials that must have reported the step. Default 1. */
  readonly nMinTrials?: number;
}

/** Median pruner; see the module doc. */
export class MedianPruner {
  private readonly nStartupTrials: number;
  private readonly nWarmupSteps: number;
  private readonly intervalSteps: number;
  private readonly nMinTrials: number;

  constructor(opts: MedianPrunerOptions = {}) {
    this.nStartupTrials = opts.nStartupTrials ?? 5;
    this.nWarmupSteps = opts.nWarmupSteps ?? 0;
    this.intervalSteps = opts.intervalSteps ?? 1;
    this.nMinTrials = opts.nMinTrials ?? 1;
  }

  /** Whether `trial` (running) should stop at its last reported step. */
  shouldPrune(trial: TrialRecord, trials: readonly TrialRecord[], direction: Direction): boolean {
    const finished = trials.filter(
      (t) => t.number !== trial.number && (t.state === 'complete' || t.state === 'infeasible'),
    );
    if (finished.length === 0 || finished.length < this.nStartupTrials) return false;
    const step = lastStep(trial);
    if (step === undefined || step < this.nWarmupSteps) return false;
    if (!isFirstInIntervalStep(step, trial, this.nWarmupSteps, this.intervalSteps)) return false;

    let best = Number.NaN;
    for (const [, v] of trial.intermediate) if (Number.isNaN(best) || isBetter(v, best, direction)) best = v;
    const atStep: number[] = [];
    for (const t of finished) for (const [s, v] of t.intermediate) if (s === step) atStep.push(v);
    if (atStep.length < this.nMinTrials) return false;
    const median = percentile(atStep, 50);
    return isBetter(median, best, direction);
  }
}

/**
 * Optuna's `_is_first_in_interval_step`: `step` is a checkpoint when the trial's previous reported
 * step lies before the latest checkpoint ≤ step (checkpoints at warmup + k·interval).
 */
function isFirstInIntervalStep(
  step: number,
  trial: TrialRecord,
  nWarmupSteps: number,
  intervalSteps: number,
): boolean {
  const nearestLowerCheckpoint =
    Math.floor((step - nWarmupSteps) / intervalSteps) * intervalSteps + nWarmupSteps;
  let secondLast = -1;
  for (const [s] of trial.intermediate) if (s > secondLast && s !== step) secondLast = s;
  return secondLast < nearestLowerCheckpoint;
}

/** q-th percentile (0..100) with linear interpolation between order statistics (numpy 'linear'). */
export function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[hi] ?? Number.NaN;
  return a + (b - a) * (pos - lo);
}
