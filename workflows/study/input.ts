/**
 * Validation of the study workflow's input, in the workflow (pure zod parsing, deterministic): every
 * problem is reported at once, each naming its field, as one non-retryable `ApplicationFailure` of
 * type `BadStudyInput` — a bad study never schedules an activity.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { z } from 'zod';
import { ModelParamsError, parseModelParams, type ModelParams } from '../../core/quoting/model-params.ts';
import {
  parseSearchSpace,
  PrunerConfigSchema,
  SamplerConfigSchema,
  type PrunerConfig,
  type SamplerConfig,
  type SearchSpace,
} from '../../core/search/index.ts';
import { TrialRecordSchema } from '../../core/search/trial.ts';
import { KpisSchema } from '../../core/validation/kpis-schema.ts';
import { ObjectiveError, parseObjective, type Objective } from '../../core/validation/objective.ts';
import { walkForwardFolds, type FoldWindow } from '../../core/validation/walk-forward.ts';
import type { FoldFigures, StudyCarried, StudyFold, StudyInput } from './definitions.ts';

/** Error type of an invalid study input. */
export const BAD_STUDY_INPUT = 'BadStudyInput';

/** Default history length after which a study continues as new (Temporal warns at 10 240 events). */
export const DEFAULT_STUDY_HISTORY_LIMIT = 8_000;

/** Default largest share of failed trials a study accepts (input `maxFailedFraction`). */
export const DEFAULT_MAX_FAILED_FRACTION = 0.5;

/** The study input, parsed. */
export interface ParsedStudy {
  readonly studyId: string;
  readonly name: string;
  readonly space: SearchSpace;
  readonly sampler: SamplerConfig;
  readonly pruner: PrunerConfig;
  readonly objective: Objective;
  readonly nTrials: number;
  readonly parallelism: number;
  readonly baseParams: ModelParams;
  readonly folds: readonly StudyFold[];
  readonly holdout: readonly FoldWindow[];
  readonly entryLatencyUs: number;
  readonly cancelLatencyUs: number;
  readonly historyLengthLimit: number;
  /** Refit k on the train windows (input `refitOnTrain`, default true; false when the space has kPerTick). */
  readonly refitKPerTick: boolean;
  /** Largest share of failed trials accepted, 0…1 (input `maxFailedFraction`, default 0.5). */
  readonly maxFailedFraction: number;
  readonly carried: StudyCarried | undefined;
}

const Window = z.strictObject({
  sessionId: z.string().min(1),
  startUs: z.int(),
  endUs: z.int(),
});

const FoldSchema = z.strictObject({
  index: z.int().nonnegative(),
  train: z.array(Window),
  validation: z.array(Window).min(1, 'a fold needs at least one validation window'),
});

const WalkForward = z.strictObject({
  scheme: z.enum(['expanding', 'rolling']),
  trainWindows: z.int().nonnegative(),
  gapWindows: z.int().nonnegative(),
  validationWindows: z.int().positive(),
  holdoutWindows: z.int().nonnegative(),
  folds: z.int().positive().optional(),
  stepWindows: z.int().positive().optional(),
});

const FoldFiguresSchema = z.strictObject({
  foldIndex: z.int().nonnegative(),
  value: z.number().nullable(),
  violation: z.number().nullable(),
  kpis: KpisSchema,
  failure: z.string().optional(),
  refittedKPerTick: z.number().positive().optional(),
});

const CarriedSchema = z.strictObject({
  trials: z.array(TrialRecordSchema),
  startedAtMs: z.array(z.number()),
  bestFolds: z.array(FoldFiguresSchema).nullable(),
  studyStartedAtMs: z.number(),
  continuedAsNew: z.int().nonnegative(),
  failures: z.array(z.strictObject({ number: z.int().nonnegative(), reason: z.string() })).optional(),
  rankedFolds: z
    .array(z.strictObject({ number: z.int().nonnegative(), folds: z.array(FoldFiguresSchema) }))
    .optional(),
});

const Shape = z.strictObject({
  studyId: z.string().min(1),
  name: z.string().min(1),
  space: z.unknown(),
  sampler: z.unknown(),
  pruner: z.unknown().optional(),
  objective: z.unknown(),
  nTrials: z.int().min(1).max(100_000),
  parallelism: z.int().min(1).max(64),
  baseParams: z.unknown(),
  folds: z.array(FoldSchema).min(1).optional(),
  holdout: z.array(Window).optional(),
  windows: z.array(Window).optional(),
  walkForward: WalkForward.optional(),
  entryLatencyUs: z.int().nonnegative(),
  cancelLatencyUs: z.int().nonnegative(),
  historyLengthLimit: z.int().min(10).optional(),
  refitOnTrain: z.boolean().optional(),
  maxFailedFraction: z.number().min(0).max(1).optional(),
  carried: CarriedSchema.optional(),
});

function zodIssues(prefix: string, error: z.ZodError): string[] {
  return error.issues.map(
    (i) => `${[prefix, ...i.path.map(String)].filter((p) => p !== '').join('.') || '(root)'}: ${i.message}`,
  );
}

function overlaps(a: FoldWindow, b: FoldWindow): boolean {
  return a.sessionId === b.sessionId && a.startUs < b.endUs && b.startUs < a.endUs;
}

/** Windows' order and shape problems, naming the field. */
function windowIssues(field: string, windows: readonly FoldWindow[]): string[] {
  const issues: string[] = [];
  windows.forEach((w, i) => {
    if (w.endUs <= w.startUs) issues.push(`${field}.${i}: endUs must be > startUs`);
    const prev = windows[i - 1];
    if (prev !== undefined && prev.startUs > w.startUs)
      issues.push(`${field}.${i}: windows must be in time order`);
  });
  return issues;
}

/**
 * Parses and cross-checks the input: schemas of the space, sampler, pruner, objective and base
 * parameters; every search-space key a field of the base model; folds numbered 0…F−1 with validation
 * windows; a non-empty holdout that overlaps no fold window.
 * @throws ApplicationFailure (non-retryable, type `BadStudyInput`) listing every problem by field.
 */
export function parseStudyInput(input: StudyInput): ParsedStudy {
  const shape = Shape.safeParse(input);
  if (!shape.success) throw bad(zodIssues('', shape.error));
  const raw = shape.data;
  const issues: string[] = [];
  const attempt = <T>(what: () => T): T | undefined => {
    try {
      return what();
    } catch (err) {
      if (err instanceof ModelParamsError || err instanceof ObjectiveError) issues.push(err.message);
      else if (err instanceof Error) issues.push(err.message);
      else throw err;
      return undefined;
    }
  };
  const space = attempt(() => parseSearchSpace(raw.space, 'space'));
  const sampler = SamplerConfigSchema.safeParse(raw.sampler);
  if (!sampler.success) issues.push(...zodIssues('sampler', sampler.error));
  const pruner = PrunerConfigSchema.safeParse(raw.pruner ?? { type: 'none' });
  if (!pruner.success) issues.push(...zodIssues('pruner', pruner.error));
  const objective = attempt(() => parseObjective(raw.objective, 'objective'));
  const baseParams = attempt(() => parseModelParams(raw.baseParams, 'baseParams'));
  if (space !== undefined && baseParams !== undefined)
    for (const key of Object.keys(space))
      if (!Object.hasOwn(baseParams, key))
        issues.push(`space.${key}: not a parameter of model ${baseParams.model} (baseParams)`);

  let folds: readonly StudyFold[] | undefined;
  let holdout: readonly FoldWindow[] | undefined;
  if (raw.windows !== undefined || raw.walkForward !== undefined) {
    if (raw.folds !== undefined || raw.holdout !== undefined)
      issues.push('folds: give either folds + holdout or windows + walkForward, not both');
    else if (raw.windows === undefined || raw.walkForward === undefined)
      issues.push(
        `${raw.windows === undefined ? 'windows' : 'walkForward'}: required with ${raw.windows === undefined ? 'walkForward' : 'windows'}`,
      );
    else {
      const { windows, walkForward } = raw;
      const plan = attempt(() =>
        walkForwardFolds(windows, {
          scheme: walkForward.scheme,
          trainWindows: walkForward.trainWindows,
          gapWindows: walkForward.gapWindows,
          validationWindows: walkForward.validationWindows,
          holdoutWindows: walkForward.holdoutWindows,
          ...(walkForward.folds === undefined ? {} : { folds: walkForward.folds }),
          ...(walkForward.stepWindows === undefined ? {} : { stepWindows: walkForward.stepWindows }),
        }),
      );
      if (plan !== undefined) {
        folds = plan.folds;
        holdout = plan.holdout;
      }
    }
  } else if (raw.folds === undefined || raw.holdout === undefined) {
    issues.push(`${raw.folds === undefined ? 'folds' : 'holdout'}: required (or give windows + walkForward)`);
  } else {
    folds = raw.folds;
    holdout = raw.holdout;
  }
  if (folds !== undefined && holdout !== undefined) {
    folds.forEach((f, i) => {
      if (f.index !== i) issues.push(`folds.${i}.index: expected ${i} (folds in order, numbered from 0)`);
      issues.push(
        ...windowIssues(`folds.${i}.train`, f.train),
        ...windowIssues(`folds.${i}.validation`, f.validation),
      );
    });
    issues.push(...windowIssues('holdout', holdout));
    if (holdout.length === 0)
      issues.push('holdout: at least one window is needed for the out-of-sample evaluation');
    holdout.forEach((h, i) => {
      const hit = folds.find((f) => [...f.train, ...f.validation].some((w) => overlaps(w, h)));
      if (hit !== undefined) issues.push(`holdout.${i}: overlaps a window of fold ${hit.index}`);
    });
  }
  if (issues.length > 0 || space === undefined || !sampler.success || !pruner.success) throw bad(issues);
  if (objective === undefined || baseParams === undefined || folds === undefined || holdout === undefined)
    throw bad(issues);
  return {
    studyId: raw.studyId,
    name: raw.name,
    space,
    sampler: sampler.data,
    pruner: pruner.data,
    objective,
    nTrials: raw.nTrials,
    parallelism: raw.parallelism,
    baseParams,
    folds,
    holdout,
    entryLatencyUs: raw.entryLatencyUs,
    cancelLatencyUs: raw.cancelLatencyUs,
    historyLengthLimit: raw.historyLengthLimit ?? DEFAULT_STUDY_HISTORY_LIMIT,
    refitKPerTick: raw.refitOnTrain !== false && !Object.hasOwn(space, 'kPerTick'),
    maxFailedFraction: raw.maxFailedFraction ?? DEFAULT_MAX_FAILED_FRACTION,
    carried: raw.carried === undefined ? undefined : carriedFrom(raw.carried),
  };
}

/** Rebuilds the carried state with exact optional fields (zod yields `x?: T | undefined`). */
function carriedFrom(c: z.output<typeof CarriedSchema>): StudyCarried {
  return {
    trials: c.trials,
    startedAtMs: c.startedAtMs,
    bestFolds: c.bestFolds === null ? null : c.bestFolds.map(foldFigures),
    studyStartedAtMs: c.studyStartedAtMs,
    continuedAsNew: c.continuedAsNew,
    ...(c.failures === undefined ? {} : { failures: c.failures }),
    ...(c.rankedFolds === undefined
      ? {}
      : { rankedFolds: c.rankedFolds.map((r) => ({ number: r.number, folds: r.folds.map(foldFigures) })) }),
  };
}

function foldFigures(f: z.output<typeof FoldFiguresSchema>): FoldFigures {
  return {
    foldIndex: f.foldIndex,
    value: f.value,
    violation: f.violation,
    kpis: f.kpis,
    ...(f.failure === undefined ? {} : { failure: f.failure }),
    ...(f.refittedKPerTick === undefined ? {} : { refittedKPerTick: f.refittedKPerTick }),
  };
}

function bad(issues: readonly string[]): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`invalid study input: ${issues.join('; ')}`, BAD_STUDY_INPUT);
}
