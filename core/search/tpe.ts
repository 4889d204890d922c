/**
 * The Tree-structured Parzen Estimator sampler (Bergstra, Bardenet, Bengio & Kégl 2011, "Algorithms
 * for Hyper-Parameter Optimization", NeurIPS, §4), as Optuna's TPESampler implements it
 * (optuna/samplers/_tpe/sampler.py, v5.1), with two departures of its joint estimators measured to be
 * better (docs/adr/0008-tpe-defaults.md):
 *
 * - The first `nStartupTrials` (10) finished trials are random (RandomSampler, same stream).
 * - Then the finished trials split into a good group (γ(n) = min(⌈0.1·n⌉, 25)) and the rest
 *   (tpe-split.ts); a Parzen estimator l(x) is fitted to the good group and g(x) to the rest
 *   (parzen-estimator.ts); `nEiCandidates` (24) points are drawn from l and the one maximising
 *   l(x)/g(x) — equivalent to maximising expected improvement (Bergstra et al. 2011, eq. 4) — wins.
 * - Multivariate (default, as Optuna v5 for one objective): the unconditional params are drawn jointly
 *   from product-kernel estimators (Optuna's intersection search space); conditional params fall back
 *   to independent 1-D estimators over the trials where they are active, as in Optuna. Univariate
 *   (`multivariate: false`, Optuna v4's default): every param independently.
 * - Departures (both switchable back to Optuna's behaviour, see {@link OPTUNA_TPE}): the good group's
 *   kernels weigh by their improvement over the threshold (`weighting: 'improvement'`, Watanabe 2023's
 *   "EI" weighting), and the joint estimators' bandwidth floor is (high − low)·max(0.03, (n + 2)^−2)
 *   instead of Optuna's (high − low)/min(100, n + 2), which is wider than the kernels' own neighbour
 *   gaps for a good group of n ≤ 25 and keeps l(x) from concentrating. Independent 1-D estimators keep
 *   Optuna's floor: with the tight one, six independent marginals collapse on Hartmann6.
 * - Constant liar (default, as Optuna v5): running trials join the bad group, so parallel asks with
 *   no result in between are pushed away from each other's points.
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
import { defaultGamma, improvementWeights, splitTrials, type TrialSplit } from './tpe-split.ts';
import type { Direction, TrialRecord } from './trial.ts';

/** TPE settings; every field but `seed` has a default (module doc; docs/search.md). */
export interface TpeOptions {
  /** Safe-integer seed of the study. */
  readonly seed: number;
  /** Random trials before TPE starts, counted in finished trials (complete, pruned, infeasible). Default 10. */
  readonly nStartupTrials?: number;
  /** Candidates drawn from l(x) per suggestion. Default 24. */
  readonly nEiCandidates?: number;
  /** Weight of the prior kernel, in average observations. Default 1. */
  readonly priorWeight?: number;
  /** Bandwidth floor heuristic (the magic clip). Default true. */
  readonly considerMagicClip?: boolean;
  /**
   * Δ of the magic clip: bandwidths ≥ Δ·(high − low) at any n, in (0, 1]. Default 0.03 for the joint
   * (multivariate) estimators, 0.01 (Optuna's) for independent 1-D ones; when set, both.
   */
  readonly minBandwidthFactor?: number;
  /**
   * α of the magic clip: bandwidths ≥ (high − low)·(n + 2)^−α with n observations (> 0). Default 2 for
   * the joint estimators, 1 (Optuna's) for independent ones; when set, both.
   */
  readonly magicClipExponent?: number;
  /** Let extreme kernels reach the bounds. Default false. */
  readonly considerEndpoints?: boolean;
  /** Joint sampling of the unconditional params. Default true (Optuna v5, one objective). */
  readonly multivariate?: boolean;
  /** Running trials count as bad (parallel asks diverge). Default true (Optuna v5). */
  readonly constantLiar?: boolean;
  /**
   * Bandwidths when `multivariate`: 'neighbour' (default; Optuna v5: gaps between neighbouring
   * observations) or 'scott' (Optuna v4.x). Univariate TPE always uses the neighbour gaps.
   */
  readonly multivariateBandwidth?: 'scott' | 'neighbour';
  /**
   * Weights of the good group's kernels: 'improvement' (default; Watanabe 2023's EI weighting, see
   * `improvementWeights` in tpe-split.ts; falls back to 'recency' when a good trial has no comparable
   * value) or 'recency' (Optuna: `weights`). The bad group always uses `weights`.
   */
  readonly weighting?: 'improvement' | 'recency';
  /** Size of the good group for n finished trials. Default min(⌈0.1·n⌉, 25). */
  readonly gamma?: (n: number) => number;
  /** Recency weights of n observations, oldest first. Default Optuna's ramp beyond 25. */
  readonly weights?: (n: number) => readonly number[];
}

/** The settings that make this sampler Optuna 5.1's default `TPESampler()` (single objective). */
export const OPTUNA_TPE = {
  multivariate: true,
  multivariateBandwidth: 'neighbour',
  constantLiar: true,
  weighting: 'recency',
  minBandwidthFactor: 0.01,
  magicClipExponent: 1,
} as const satisfies Omit<TpeOptions, 'seed'>;

/**
 * mmflow's TPE defaults before ADR 0008 (Optuna v4.x's univariate `TPESampler()`): what a study
 * recorded before that change was sampled with, to replay it (e.g. behind a workflow `patched()`).
 */
export const TPE_DEFAULTS_BEFORE_0008 = {
  multivariate: false,
  multivariateBandwidth: 'scott',
  constantLiar: false,
  weighting: 'recency',
  minBandwidthFactor: 0.01,
  magicClipExponent: 1,
} as const satisfies Omit<TpeOptions, 'seed'>;

/** TPE sampler; see the module doc. */
export class TpeSampler {
  private readonly nStartupTrials: number;
  private readonly nEiCandidates: number;
  private readonly multivariate: boolean;
  private readonly constantLiar: boolean;
  private readonly improvement: boolean;
  private readonly gamma: (n: number) => number;
  /** Estimator settings of the joint (multivariate) group and of independent 1-D params. */
  private readonly joint: ParzenEstimatorParams;
  private readonly independent: ParzenEstimatorParams;

  /**
   * @throws RangeError on a non-integer seed, negative startup count, fewer than 1 candidate, or a
   *   magic clip Δ outside (0, 1] or α ≤ 0.
   */
  constructor(private readonly opts: TpeOptions) {
    if (!Number.isSafeInteger(opts.seed))
      throw new RangeError(`seed must be a safe integer, got ${opts.seed}`);
    this.nStartupTrials = opts.nStartupTrials ?? 10;
    this.nEiCandidates = opts.nEiCandidates ?? 24;
    if (!Number.isInteger(this.nStartupTrials) || this.nStartupTrials < 0)
      throw new RangeError(`nStartupTrials must be an integer ≥ 0`);
    if (!Number.isInteger(this.nEiCandidates) || this.nEiCandidates < 1)
      throw new RangeError(`nEiCandidates must be an integer ≥ 1`);
    const { minBandwidthFactor: factor, magicClipExponent: exponent } = opts;
    if (factor !== undefined && !(factor > 0 && factor <= 1))
      throw new RangeError(`minBandwidthFactor must be in (0, 1], got ${factor}`);
    if (exponent !== undefined && !(exponent > 0 && Number.isFinite(exponent)))
      throw new RangeError(`magicClipExponent must be positive and finite, got ${exponent}`);
    this.multivariate = opts.multivariate ?? true;
    this.constantLiar = opts.constantLiar ?? true;
    this.improvement = (opts.weighting ?? 'improvement') === 'improvement';
    this.gamma = opts.gamma ?? defaultGamma;
    this.independent = {
      priorWeight: opts.priorWeight ?? 1,
      considerMagicClip: opts.considerMagicClip ?? true,
      minBandwidthFactor: factor ?? 0.01,
      magicClipExponent: exponent ?? 1,
      considerEndpoints: opts.considerEndpoints ?? false,
      bandwidth: 'neighbour',
      weights: opts.weights ?? defaultWeights,
    };
    this.joint = {
      ...this.independent,
      minBandwidthFactor: factor ?? 0.03,
      magicClipExponent: exponent ?? 2,
      bandwidth: opts.multivariateBandwidth ?? 'neighbour',
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
      if (joint.length > 0) Object.assign(chosen, this.sampleGroup(joint, split, direction, this.joint, rng));
    }
    const out: Record<string, ParamValue> = {};
    for (const [name, spec] of entries) {
      if (!isActive(spec, out)) continue;
      const value =
        chosen[name] ??
        (isSingle(spec)
          ? singleValue(spec)
          : this.sampleGroup([[name, spec]], split, direction, this.independent, rng)[name]);
      if (value === undefined) throw new RangeError(`TPE produced no value for '${name}'`);
      out[name] = value;
    }
    return out;
  }

  /** Draws the params `group` jointly: l/g estimators over the trials where all are valid, best of nEi candidates. */
  private sampleGroup(
    group: readonly (readonly [string, ParamSpec])[],
    split: TrialSplit,
    direction: Direction,
    params: ParzenEstimatorParams,
    rng: Xoshiro128StarStar,
  ): Record<string, ParamValue> {
    const specs = group.map(([, spec]) => spec);
    const good = split.below.filter((t) => hasValidParams(group, t));
    const bad = split.above.filter((t) => hasValidParams(group, t));
    const goodWeights = this.improvement ? improvementWeights(good, split.above, direction) : undefined;
    const below = new ParzenEstimator(specs, good.map(internalRow(group)), params, goodWeights);
    const above = new ParzenEstimator(specs, bad.map(internalRow(group)), params);
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

/** Whether every param of `group` has a valid value in trial `t` (else `t` is no observation of it). */
function hasValidParams(group: readonly (readonly [string, ParamSpec])[], t: TrialRecord): boolean {
  return group.every(([name, spec]) => {
    const v = t.params[name];
    return v !== undefined && isValidValue(spec, v);
  });
}

/** The row of internal values (choice index, numeric value) of a trial that has all of `group`. */
function internalRow(group: readonly (readonly [string, ParamSpec])[]): (t: TrialRecord) => number[] {
  return (t) =>
    group.map(([name, spec]) => {
      const v = t.params[name];
      if (spec.type === 'categorical') return v === undefined ? Number.NaN : choiceIndex(spec, v);
      return typeof v === 'number' ? v : Number.NaN;
    });
}

function isSingle(spec: ParamSpec): boolean {
  return spec.type === 'categorical' && spec.choices.length === 1;
}

function singleValue(spec: ParamSpec): ParamValue | undefined {
  return spec.type === 'categorical' ? spec.choices[0] : undefined;
}
