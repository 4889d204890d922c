/**
 * How TPE divides the trials into the "good" group l(x) is fitted to and the rest g(x) is fitted to,
 * as Optuna's `samplers/_tpe/sampler.py` (`_split_trials` and helpers) does for one objective:
 *
 * 1. γ(n) = min(⌈0.1·n⌉, 25) good trials, n = finished (complete, pruned, infeasible) trials.
 * 2. Feasible complete trials fill the good group first, best values first.
 * 3. Then pruned trials, ranked by the furthest step reached (further is better), then by their value
 *    at that step; a pruned trial with no intermediate value ranks last.
 * 4. Then infeasible trials, smallest violation first (a missing violation counts as +∞).
 * 5. Everything else — and, with the constant liar, every running trial — goes to the bad group.
 *
 * Failed trials are ignored. Both groups come back ordered by trial number (oldest first), the order
 * the ramped weights expect. Sorts are stable, so ties keep trial-number order.
 */

import { isInfeasible, type Direction, type TrialRecord } from './trial.ts';

/** Optuna's `default_gamma`: min(⌈0.1·n⌉, 25). */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/** The two groups of a split, each ordered by trial number. */
export interface TrialSplit {
  readonly below: readonly TrialRecord[];
  readonly above: readonly TrialRecord[];
}

/**
 * Splits `trials` (the current trial excluded by the caller) into below/above.
 * @param nBelow size of the good group, usually `defaultGamma(finished count)`.
 * @param includeRunning constant liar: running trials join the bad group (never the good one).
 */
export function splitTrials(
  trials: readonly TrialRecord[],
  nBelow: number,
  direction: Direction,
  includeRunning: boolean,
): TrialSplit {
  const complete: TrialRecord[] = [];
  const pruned: TrialRecord[] = [];
  const infeasible: TrialRecord[] = [];
  const running: TrialRecord[] = [];
  for (const t of trials) {
    if (t.state === 'running') {
      if (includeRunning) running.push(t);
    } else if (t.state === 'failed') {
      continue;
    } else if (isInfeasible(t)) {
      infeasible.push(t);
    } else if (t.state === 'complete') {
      complete.push(t);
    } else {
      pruned.push(t);
    }
  }
  const sign = direction === 'minimize' ? 1 : -1;
  const byValue = (t: TrialRecord): number =>
    t.value === undefined ? Number.POSITIVE_INFINITY : sign * t.value;
  const [belowComplete, aboveComplete] = takeBest(complete, nBelow, (a, b) => byValue(a) - byValue(b));
  let remaining = Math.max(0, nBelow - belowComplete.length);
  const [belowPruned, abovePruned] = takeBest(pruned, remaining, (a, b) => comparePruned(a, b, sign));
  remaining = Math.max(0, remaining - belowPruned.length);
  const [belowInfeasible, aboveInfeasible] = takeBest(
    infeasible,
    remaining,
    (a, b) => violation(a) - violation(b),
  );
  const byNumber = (a: TrialRecord, b: TrialRecord): number => a.number - b.number;
  return {
    below: [...belowComplete, ...belowPruned, ...belowInfeasible].sort(byNumber),
    above: [...aboveComplete, ...abovePruned, ...aboveInfeasible, ...running].sort(byNumber),
  };
}

function takeBest(
  trials: readonly TrialRecord[],
  n: number,
  compare: (a: TrialRecord, b: TrialRecord) => number,
): [TrialRecord[], TrialRecord[]] {
  const sorted = [...trials].sort((a, b) => compare(a, b) || a.number - b.number);
  const k = Math.min(n, sorted.length);
  return [sorted.slice(0, k), sorted.slice(k)];
}

/** Optuna's `_get_pruned_trial_score`: (−last step, signed value at it); no value ranks (1, 0). */
function comparePruned(a: TrialRecord, b: TrialRecord, sign: number): number {
  const [sa, va] = prunedScore(a, sign);
  const [sb, vb] = prunedScore(b, sign);
  return sa - sb || (va === vb ? 0 : va < vb ? -1 : 1);
}

function prunedScore(t: TrialRecord, sign: number): readonly [number, number] {
  const last = t.intermediate[t.intermediate.length - 1];
  if (last === undefined) return [1, 0];
  return [-last[0], sign * last[1]];
}

function violation(t: TrialRecord): number {
  const v = t.constraintViolation;
  return v === undefined || !(v > 0) ? Number.POSITIVE_INFINITY : v;
}

/**
 * Improvement weights of the good group (Watanabe 2023, "Tree-structured Parzen estimator:
 * understanding its algorithm components and their roles for better empirical performance", the "EI"
 * weighting): trial i weighs y* − yᵢ (yᵢ − y* when maximising), y* = the best value of the bad group,
 * i.e. the γ-quantile threshold of Bergstra et al. 2011's expected improvement EI_{y*}, so a good trial
 * counts in l(x) by how far it beats the threshold instead of equally.
 *
 * @param below good trials, in the order of the estimator's observations.
 * @param above the bad group the threshold is read from (its complete, feasible trials).
 * @returns one weight ≥ 0 per trial in `below`, or undefined — use the recency weights — when a good
 *   trial has no comparable value (pruned, infeasible), no bad trial is complete and feasible, or no
 *   good trial beats the threshold (all tied).
 */
export function improvementWeights(
  below: readonly TrialRecord[],
  above: readonly TrialRecord[],
  direction: Direction,
): number[] | undefined {
  const sign = direction === 'minimize' ? 1 : -1;
  let threshold = Number.POSITIVE_INFINITY;
  for (const t of above) {
    if (t.state === 'complete' && t.value !== undefined && !isInfeasible(t))
      threshold = Math.min(threshold, sign * t.value);
  }
  if (threshold === Number.POSITIVE_INFINITY) return undefined;
  const weights: number[] = [];
  for (const t of below) {
    if (t.state !== 'complete' || t.value === undefined || isInfeasible(t)) return undefined;
    weights.push(Math.max(0, threshold - sign * t.value));
  }
  return weights.some((w) => w > 0) ? weights : undefined;
}
