/**
 * Random search (Bergstra & Bengio 2012, "Random Search for Hyper-Parameter Optimization", JMLR 13):
 * each active param uniform in its transformed space — ln-space for log params, one equal cell per
 * grid point for stepped and int params — as Optuna's RandomSampler does via
 * `_SearchSpaceTransform`; categorical choices uniform.
 *
 * Trial n draws from its own stream `createStream(seed, n)`, so its params depend only on (seed, n).
 */

import { createStream, type Xoshiro128StarStar } from '../random/xoshiro.ts';
import {
  isActive,
  transformedBounds,
  untransform,
  type ParamSpec,
  type ParamValue,
  type SearchSpace,
  type TrialParams,
} from './space.ts';
import type { Direction, TrialRecord } from './trial.ts';

/** Random sampler; see the module doc. */
export class RandomSampler {
  /** @param seed safe integer seed of the study. */
  constructor(private readonly seed: number) {}

  /** Params of trial `trialNumber`: depends only on (seed, trialNumber, space). */
  sample(
    space: SearchSpace,
    _trials: readonly TrialRecord[],
    trialNumber: number,
    _direction: Direction,
  ): TrialParams {
    return sampleRandomParams(space, createStream(this.seed, trialNumber));
  }
}

/**
 * Samples every active param of `space` in declaration order, keeping the values in `fixed` (params
 * already chosen by another method, e.g. multivariate TPE) and deciding activity on the params so far.
 */
export function sampleRandomParams(
  space: SearchSpace,
  rng: Xoshiro128StarStar,
  fixed: TrialParams = {},
): TrialParams {
  const out: Record<string, ParamValue> = {};
  for (const [name, spec] of Object.entries(space)) {
    if (!isActive(spec, out)) continue;
    const given = fixed[name];
    out[name] = given !== undefined ? given : sampleRandomValue(spec, rng);
  }
  return out;
}

/** One uniform draw for one param (transformed space, then back to a valid value). */
export function sampleRandomValue(spec: ParamSpec, rng: Xoshiro128StarStar): ParamValue {
  if (spec.type === 'categorical') {
    const choice = spec.choices[rng.nextInt(spec.choices.length)];
    if (choice === undefined) throw new RangeError('categorical param without choices');
    return choice;
  }
  const [lo, hi] = transformedBounds(spec);
  return untransform(spec, rng.uniform(lo, hi));
}
