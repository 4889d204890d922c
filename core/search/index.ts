/**
 * The hyperparameter search library of mmflow (pure: no I/O, no clock, no Math.random; runs inside
 * Temporal workflow code). See docs/search.md for the samplers, pruners, defaults and sources.
 */

export {
  SearchSpaceSchema,
  ParamSpecSchema,
  parseSearchSpace,
  isActive,
  isValidValue,
  paramProblems,
  transformedBounds,
  untransform,
  alignToGrid,
  type ParamValue,
  type Distribution,
  type ParamSpec,
  type NumericSpec,
  type CategoricalSpec,
  type SearchSpace,
  type TrialParams,
} from './space.ts';
export {
  TrialRecordSchema,
  bestTrial,
  isBetter,
  isFinished,
  isInfeasible,
  lastStep,
  intermediateAt,
  type Direction,
  type TrialState,
  type TrialRecord,
} from './trial.ts';
export {
  SamplerConfigSchema,
  parseSamplerConfig,
  createSampler,
  type Sampler,
  type SamplerConfig,
} from './sampler.ts';
export { TpeSampler, OPTUNA_TPE, TPE_DEFAULTS_BEFORE_0008, type TpeOptions } from './tpe.ts';
export { RandomSampler } from './random.ts';
export { GridSampler, enumerateGrid, MAX_GRID_POINTS } from './grid.ts';
export { defaultGamma, improvementWeights } from './tpe-split.ts';
export { defaultWeights } from './parzen-estimator.ts';
export {
  PrunerConfigSchema,
  parsePrunerConfig,
  createPruner,
  NOP_PRUNER,
  type Pruner,
  type PrunerConfig,
} from './pruner.ts';
export { MedianPruner, type MedianPrunerOptions } from './median.ts';
export { SuccessiveHalvingPruner, type SuccessiveHalvingOptions } from './successive-halving.ts';
export { WilcoxonPruner, type WilcoxonPrunerOptions } from './wilcoxon.ts';
export {
  wilcoxonSignedRank,
  type WilcoxonResult,
  type Alternative,
  type ZeroMethod,
} from './wilcoxon-test.ts';
export { Study, type StudyOptions, type TrialOutcome } from './study.ts';
export { createStream, Xoshiro128StarStar } from '../random/xoshiro.ts';
export { SearchSpaceError, SearchConfigError, StudyError, SearchExhaustedError } from './errors.ts';
