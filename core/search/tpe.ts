/**
 * The Tree-structured Parzen Estimator sampler (Bergstra, Bardenet, Bengio & Kégl 2011, "Algorithms
 * for Hyper-Parameter Optimization", NeurIPS, §4), as Optuna's TPESampler implements it
 * (optuna/samplers/_tpe/sampler.py, v4.x; defaults from its documentation):
 *
 * - The first `nStartupTrials` (10) finished trials are random (RandomSampler, same stream).
 * - Then the finished trials split into a good group (γ(n) = min(⌈0.1·n⌉, 25)) and the rest
 *   (tpe-split.ts); a Parzen estimator l(x) is fitted to the good group and g(x) to the rest
 *   (parzen-estimator.ts); `nEiCandidates` (24) points are drawn from l and the one maximising
 *   l(x)/g(x) — equivalent to maximising expected improvement (Bergstra et al. 2011, eq. 4) — wins.
 * - Univariate (default): each param has its own 1-D estimators, over the trials where it is active
 *   (so conditional params learn only from trials that used them). Multivariate: the unconditional
 *   params are drawn jointly from product-kernel estimators (Optuna's `multivariate=True` with its
 *   intersection search space); conditional params fall back to univariate, as in Optuna.
 * - Constant liar (Optuna's `constant_liar=True`): running trials join the bad group, so parallel
 *   asks with no result in between are pushed away from each other's points.
 * - Constraints: infeasible trials rank after every feasible trial (tpe-split.ts).
 *
 * Deterministic: trial n draws only from `createStream(seed, n)`; the suggestion is a function of
 * (config, space, trials other than n, n, direction).
 */

import { ParzenEstimator, defaultWeights, type ParzenEstimatorParams } from './parzen-estimator.ts';
import { createStream, type Xoshiro128StarStar } from '../random/xoshiro.ts';
import { sampleRandomParams } from './random.ts';
import {
  choiceIndex,
  isActive,
  isValidValue,
  type ParamSpec,
  type ParamValue,
  type SearchSpace,
  type TrialParams,
} from './space.ts';
import { defaultGamma, splitTrials, type TrialSplit } from './tpe-split.ts';
import type { Direction, TrialRecord } from './trial.ts';

/** TPE settings; every field but `seed` defaults to Optuna's value. */
export interface TpeOptions {
  /** Safe-integer seed of the study. */
  readonly seed: number;
  /** Random trials before TPE starts, counted in finished trials (complete, pruned, infeasible). Default 10. */
  readonly nStartupTrials?: number;
  /** Candidates drawn from l(x) per suggestion. Default 24. */
  readonly nEiCandidates?: number;
  /** Weight of the prior kernel. Default 1. */
  readonly priorWeight?: number;
  /** Bandwidth floor heuristic. Default true. */
  readonly considerMagicClip?: boolean;
  /** Let extreme kernels reach the bounds. Default false. */
  readonly considerEndpoints?: boolean;
  /** Joint sampling of the unconditional params. Default false. */
  readonly multivariate?: boolean;
  /** Running trials count as bad (parallel asks diverge). Default false. */
  readonly constantLiar?: boolean;
  /**
   * Bandwidths when `multivariate`: 'scott' (Optuna v4.x, default) or 'neighbour' (Optuna v5: gaps
   * between neighbouring observations; better on Branin and Hartmann6, see bench/search.ts).
   * Univariate TPE always uses the neighbour gaps.
   */
  readonly multivariateBandwidth?: 'scott' | 'neighbour';
  /** Size of the good group for n finished trials. Default min(⌈0.1·n⌉, 25). */
  readonly gamma?: (n: number) => number;
  /** Weights of n observations, oldest first. Default Optuna's ramp beyond 25. */
  readonly weights?: (n: number) => readonly number[];
}

/** TPE sampler; see the module doc. */
export class TpeSampler {
  private readonly nStartupTrials: number;
  private readonly nEiCandidates: number;
  private readonly multivariate: boolean;
  private readonly constantLiar: boolean;
  private readonly gamma: (n: number) => number;
  private readonly estimator: ParzenEstimatorParams;

  /** @throws RangeError on a non-integer seed, negative startup count or fewer than 1 candidate. */
  constructor(private readonly opts: TpeOptions) {
    if (!Number.isSafeInteger(opts.seed))
      throw new RangeError(`seed must be a safe integer, got ${opts.seed}`);
    this.nStartupTrials = opts.nStartupTrials ?? 10;
    this.nEiCandidates = opts.nEiCandidates ?? 24;
    if (!Number.isInteger(this.nStartupTrials) || this.nStartupTrials < 0)
      throw new RangeError(`nStartupTrials must be an integer ≥ 0`);
    if (!Number.isInteger(this.nEiCandidates) || this.nEiCandidates < 1)
      throw new RangeError(`nEiCandidates must be an integer ≥ 1`);
    this.multivariate = opts.multivariate ?? false;
    this.constantLiar = opts.constantLiar ?? false;
    this.gamma = opts.gamma ?? defaultGamma;
    this.estimator = {
      priorWeight: opts.priorWeight ?? 1,
      considerMagicClip: opts.considerMagicClip ?? true,
      considerEndpoints: opts.considerEndpoints ?? false,
      bandwidth: this.multivariate ? (opts.multivariateBandwidth ?? 'scott') : 'neighbour',
      weights: opts.weights ?? defaultWeights,
    };
  }

  /**
   * Params for trial `trialNumber` given all trials so far (any state; trial `trialNumber` itself is
   * ignored if present). Random until `nStartupTrials` trials have finished.
   */
  sample(
    space: SearchSpace,
    trials: readonly TrialRecord[],
    trialNumber: number,
    direction: Direction,
  ): TrialParams {
    const rng = createStream(this.opts.seed, trialNumber);
    const others = trials.filter((t) => t.number !== trialNumber);
    const nFinished = others.filter(
      (t) => t.state === 'complete' || t.state === 'pruned' || t.state === 'infeasible',
    ).length;
    if (nFinished < this.nStartupTrials) return sampleRandomParams(space, rng);

    const split = splitTrials(others, this.gamma(nFinished), direction, this.constantLiar);
    const chosen: Record<string, ParamValue> = {};
    const entries = Object.entries(space);
    if (this.multivariate) {
      const joint = entries.filter(([, spec]) => spec.when === undefined && !isSingle(spec));
      if (joint.length > 0) Object.assign(chosen, this.sampleGroup(joint, split, rng));
    }
    const out: Record<string, ParamValue> = {};
    for (const [name, spec] of entries) {
      if (!isActive(spec, out)) continue;
      const value =
        chosen[name] ??
        (isSingle(spec) ? singleValue(spec) : this.sampleGroup([[name, spec]], split, rng)[name]);
      if (value === undefined) throw new RangeError(`TPE produced no value for '${name}'`);
      out[name] = value;
    }
    return out;
  }

  /** Draws the params `group` jointly: l/g estimators over the trials where all are valid, best of nEi candidates. */
  private sampleGroup(
    group: readonly (readonly [string, ParamSpec])[],
    split: TrialSplit,
    rng: Xoshiro128StarStar,
  ): Record<string, ParamValue> {
    const specs = group.map(([, spec]) => spec);
    const below = new ParzenEstimator(specs, observationRows(group, split.below), this.estimator);
    const above = new ParzenEstimator(specs, observationRows(group, split.above), this.estimator);
    const candidates = below.sample(rng, this.nEiCandidates);
    let best = candidates[0];
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const c of candidates) {
      const score = below.logPdf(c) - above.logPdf(c);
      if (score > bestScore || best === undefined) {
        best = c;
        bestScore = score;
      }
    }
    const out: Record<string, ParamValue> = {};
    group.forEach(([name, spec], d) => {
      const internal = best?.[d];
      if (internal === undefined) return;
      const value = spec.type === 'categorical' ? spec.choices[internal] : internal;
      if (value !== undefined) out[name] = value;
    });
    return out;
  }
}

/** Rows of internal values for the trials in which every param of `group` has a valid value. */
function observationRows(
  group: readonly (readonly [string, ParamSpec])[],
  trials: readonly TrialRecord[],
): number[][] {
  const rows: number[][] = [];
  for (const t of trials) {
    const row: number[] = [];
    for (const [name, spec] of group) {
      const v = t.params[name];
      if (v === undefined || !isValidValue(spec, v)) break;
      if (spec.type === 'categorical') row.push(choiceIndex(spec, v));
      else if (typeof v === 'number') row.push(v);
    }
    if (row.length === group.length) rows.push(row);
  }
  return rows;
}

function isSingle(spec: ParamSpec): boolean {
  return spec.type === 'categorical' && spec.choices.length === 1;
}

function singleValue(spec: ParamSpec): ParamValue | undefined {
  return spec.type === 'categorical' ? spec.choices[0] : undefined;
}
