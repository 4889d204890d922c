/**
 * The JSON a finished study stores in `studies.in_sample` and `studies.out_of_sample`
 * (infra/migrations/0008_studies.sql), as written by the study workflow (workflows/study/finish.ts:
 * `InSampleReport`, `OutOfSampleReport`), parsed for reading.
 *
 * Stored JSON outlives the code that wrote it, so these readers accept every shape a released writer
 * produced, and the shapes of writers newer than the reader:
 * - unknown keys are kept (loose objects), so a display (`mmflow study show --json`) shows what a newer
 *   writer added instead of failing or silently dropping it;
 * - fields added after the first release are optional, with what their absence means;
 * - the fields a reader uses keep their types checked (parse, never cast).
 * cli/study-render.ts checks at compile time that the writer's types match these schemas.
 */
import { z } from 'zod';
import { StoredKpisSchema } from '../../core/validation/kpis-schema.ts';

/**
 * A KPI object (core/metrics/kpis.ts) read back: every KPI of `Kpis` (each writer since the first
 * study wrote all of them; `null` = undefined for the run) except the trade-quality ones, optional
 * (absent in studies written before issue 15), plus any KPI a newer writer added.
 */
export const StoredKpis = StoredKpisSchema.loose();

/** One fold's figures (`FoldFigures`). */
export const StoredFoldFigures = z.looseObject({
  foldIndex: z.int(),
  /** The objective KPI on the fold; null when undefined (the fold failed). */
  value: z.number().nullable(),
  /** Σ max(0, c) over the constraints; null when not measured. */
  violation: z.number().nullable(),
  kpis: StoredKpis,
  /** Why the fold failed; absent when it did not. */
  failure: z.string().optional(),
  /**
   * k refitted on the fold's train windows, 1/tick. Absent without a walk-forward refit (the space
   * searches `kPerTick`, or `refitOnTrain: false`) and in studies written before the refit (3cedea0).
   */
  refittedKPerTick: z.number().optional(),
});
export type StoredFoldFigures = z.output<typeof StoredFoldFigures>;

/** `studies.in_sample`: the best trial's figures on the folds it was tuned on (`InSampleReport`). */
export const StoredInSample = z.looseObject({
  trialNumber: z.int(),
  /** Objective aggregated over the folds. */
  value: z.number(),
  constraintViolation: z.number(),
  folds: z.array(StoredFoldFigures),
});
export type StoredInSample = z.output<typeof StoredInSample>;

/** `studies.out_of_sample`: the best trial on the holdout windows (`OutOfSampleReport`). */
export const StoredOutOfSample = z.looseObject({
  trialNumber: z.int(),
  /** Objective KPI on the holdout; null when undefined there (see `failure`). */
  value: z.number().nullable(),
  /** Σ max(0, c) on the holdout; null when not measured. */
  violation: z.number().nullable(),
  feasible: z.boolean(),
  kpis: StoredKpis,
  /** Holdout windows evaluated. */
  windows: z.int(),
  failure: z.string().optional(),
  /**
   * k refitted on every window before the holdout, 1/tick. Absent without a refit and in studies
   * written before the refit (3cedea0).
   */
  refittedKPerTick: z.number().optional(),
});
export type StoredOutOfSample = z.output<typeof StoredOutOfSample>;
