/**
 * The parameter study of the trading-quality benchmark: a TPE search (core/search, the sampler of
 * pipelines/retrain-weekly.yaml) over the fair-value quoter's parameters, scored by the study objective
 * of core/validation/objective.ts on a set of TRAINING sessions, one fold per session. bench/quality.ts
 * runs it leave-one-session-out: the model scored on a session was never tuned on it.
 *
 * Objective: net PnL per traded notional (`netBp`, at each session's fee tier), mean over the training
 * sessions, maximised, subject on every session to RMS inventory ≤ 0.4·q_max (seed 004 §3.7), at least
 * 20 fills (a few fills at a wide spread are not evidence), a 1-s mark-out no worse than −2 bp, and a
 * cancel ratio ≤ 0.7 (the aims).
 */
import {
  Study,
  createSampler,
  parseSearchSpace,
  NOP_PRUNER,
  type TrialParams,
} from '../core/search/index.ts';
import {
  parseObjective,
  scoreFold,
  scoreTrial,
  trialModelParams,
  type FoldScore,
} from '../core/validation/objective.ts';
import type { FairValueParams } from '../core/quoting/fair-value-params.ts';
import { DEFAULT_FAIR_VALUE_BTCUSDT_USDM } from '../core/quoting/fair-value-params.ts';
import { fairValueFor, kpisOf, type QualitySession } from './quality-sessions.ts';

/** The searched parameters (sizes stay per instrument; units as ../core/quoting/fair-value-params.ts). */
export const FAIR_VALUE_SPACE = parseSearchSpace(
  {
    imbalanceSigma: { type: 'float', low: 0, high: 1.5 },
    ofiSigma: { type: 'float', low: -1, high: 1 },
    inventorySkewSigma: { type: 'float', low: 0, high: 3 },
    halfSpreadSigma: { type: 'float', low: 0, high: 4 },
    minHalfSpreadBp: { type: 'float', low: 0, high: 2 },
    keepSigma: { type: 'float', low: 0, high: 3 },
    keepInsideSigma: { type: 'float', low: 0, high: 2 },
    frontQueueQuotes: { type: 'float', low: 0, high: 5 },
    keepFrontSigma: { type: 'float', low: 0, high: 3 },
    refillCooldownMs: { type: 'int', low: 0, high: 3000, step: 100 },
    refillBackoffSigma: { type: 'float', low: 0, high: 3 },
    ofiWindowMs: { type: 'categorical', choices: [500, 1000, 3000] },
    volObservations: { type: 'categorical', choices: [50, 100, 300] },
  },
  'bench:quality search space',
);

/** The study objective (core/validation/objective.ts syntax, as a pipeline would declare it). */
export const QUALITY_OBJECTIVE = parseObjective(
  {
    metric: 'netBp',
    direction: 'maximize',
    aggregate: 'mean',
    constraints: [
      { metric: 'rmsInventoryRatio', max: 0.4 },
      { metric: 'fills', min: 20 },
      { metric: 'markout1sBp', min: -2 },
      { metric: 'cancelRatio', max: 0.7 },
    ],
  },
  'bench:quality objective',
);

/** What a study found. */
export interface StudyResult {
  /** Best feasible parameters (unsized: the shipped sizes; each session applies its own). */
  readonly params: FairValueParams;
  /** Objective value of the best trial (mean netBp over the training sessions). */
  readonly value: number;
  /** False when no trial met the constraints: `params` is then the least-violating trial's. */
  readonly feasible: boolean;
  readonly trials: number;
}

/**
 * Runs the study on `train`.
 * @param nTrials trials (sequential; TPE after its start-up trials). @param seed the sampler's seed.
 * @throws Error when `train` is empty or every trial failed.
 */
export function trainFairValue(train: readonly QualitySession[], nTrials: number, seed: number): StudyResult {
  if (train.length === 0) throw new Error('trainFairValue: no training session');
  const study = new Study({
    space: FAIR_VALUE_SPACE,
    direction: 'maximize',
    sampler: createSampler({
      type: 'tpe',
      seed,
      multivariate: true,
      multivariateBandwidth: 'neighbour',
      constantLiar: true,
    }),
    pruner: NOP_PRUNER,
  });
  let leastViolating: { params: TrialParams; violation: number; value: number } | undefined;
  for (let t = 0; t < nTrials; t++) {
    const { number, params } = study.ask();
    const folds: FoldScore[] = train.map((s) => {
      const built = trialModelParams(fairValueFor(s), params, `trial ${number} ${s.prefix}`);
      if (!built.ok) return { ok: false, reason: built.error, constraints: [] };
      return scoreFold(QUALITY_OBJECTIVE, kpisOf(s, built.params), s.prefix);
    });
    const score = scoreTrial(QUALITY_OBJECTIVE, folds);
    if (score.state === 'failed') {
      study.tell(number, { state: 'failed' });
      continue;
    }
    study.tell(number, score);
    if (
      leastViolating === undefined ||
      score.constraintViolation < leastViolating.violation ||
      (score.constraintViolation === leastViolating.violation && score.value > leastViolating.value)
    ) {
      leastViolating = { params, violation: score.constraintViolation, value: score.value };
    }
  }
  const best = study.best();
  const chosen =
    best !== undefined && best.value !== undefined
      ? { params: best.params, value: best.value, feasible: true }
      : leastViolating !== undefined
        ? { params: leastViolating.params, value: leastViolating.value, feasible: false }
        : undefined;
  if (chosen === undefined) throw new Error(`trainFairValue: all ${nTrials} trials failed`);
  const built = trialModelParams(DEFAULT_FAIR_VALUE_BTCUSDT_USDM, chosen.params, 'best trial');
  if (!built.ok || built.params.model !== 'fair-value')
    throw new Error(`trainFairValue: ${built.ok ? 'kind changed' : built.error}`);
  return { params: built.params, value: chosen.value, feasible: chosen.feasible, trials: nTrials };
}
