/**
 * Parameter studies (infra/migrations/0008_studies.sql): the study row, its finished trials and the
 * fold evaluations (backtests) they ran. Keys are derived by the study workflow (study id, trial
 * number, fold index), so every write is an idempotent upsert: a retried activity or a workflow
 * replayed after a crash lands on its own row.
 */
import { z } from 'zod';
import { PermanentError } from '../../core/errors.ts';
import {
  EpochMsOutput,
  JsonObject,
  msToTimestamptz,
  NonEmpty,
  parseInput,
  parseRows,
  SafeIntInput,
  SafeIntOutput,
} from '../codec.ts';
import { execute } from '../errors.ts';
import type { Queryable } from '../queryable.ts';

/** Where a study stands. */
export const StudyState = z.enum(['running', 'completed', 'failed']);
export type StudyState = z.infer<typeof StudyState>;

/** State of a trial (core/search TrialState). */
export const StudyTrialState = z.enum(['running', 'complete', 'pruned', 'failed', 'infeasible']);
export type StudyTrialState = z.infer<typeof StudyTrialState>;

const Count = z.int().positive();

/** A new study, as the workflow declares it at its start. */
export const StudyRowInput = z.object({
  id: NonEmpty,
  name: NonEmpty,
  direction: z.enum(['minimize', 'maximize']),
  /** Search space, sampler, pruner, objective and base model parameters, as parsed. */
  space: JsonObject,
  sampler: JsonObject,
  pruner: JsonObject,
  objective: JsonObject,
  baseParams: JsonObject,
  nTrials: Count,
  parallelism: Count,
  /** Walk-forward folds ({ index, train, validation }) and the holdout windows. */
  folds: z.array(z.unknown()),
  holdout: z.array(z.unknown()),
  workflowId: NonEmpty,
  /** First run id of the workflow (stable across Continue-As-New). */
  runId: NonEmpty,
});
export type StudyRowInput = z.input<typeof StudyRowInput>;

/** How a study ended. */
export const StudyFinishInput = z
  .object({
    id: NonEmpty,
    state: z.enum(['completed', 'failed']),
    /** Best feasible complete trial and its value; both absent when no trial qualified. */
    bestTrial: z.int().nonnegative().optional(),
    bestValue: z.number().finite().optional(),
    /** In-sample figures of the best trial (per fold). */
    inSample: JsonObject.optional(),
    /** The best trial re-evaluated on the holdout. */
    outOfSample: JsonObject.optional(),
    continuedAsNew: z.int().nonnegative(),
  })
  .refine((f) => (f.bestTrial === undefined) === (f.bestValue === undefined), {
    message: 'bestTrial and bestValue go together',
    path: ['bestValue'],
  });
export type StudyFinishInput = z.input<typeof StudyFinishInput>;

/** A stored study. */
export interface Study {
  readonly id: string;
  readonly name: string;
  readonly direction: 'minimize' | 'maximize';
  readonly space: Readonly<Record<string, unknown>>;
  readonly sampler: Readonly<Record<string, unknown>>;
  readonly pruner: Readonly<Record<string, unknown>>;
  readonly objective: Readonly<Record<string, unknown>>;
  readonly baseParams: Readonly<Record<string, unknown>>;
  readonly nTrials: number;
  readonly parallelism: number;
  readonly folds: readonly unknown[];
  readonly holdout: readonly unknown[];
  readonly workflowId: string;
  readonly runId: string;
  readonly state: StudyState;
  readonly bestTrial: number | undefined;
  readonly bestValue: number | undefined;
  readonly inSample: Readonly<Record<string, unknown>> | undefined;
  readonly outOfSample: Readonly<Record<string, unknown>> | undefined;
  readonly continuedAsNew: number;
  /** Unix epoch ms. */
  readonly createdAtMs: number;
  /** Unix epoch ms; undefined while running. */
  readonly finishedAtMs: number | undefined;
}

const Intermediate = z.array(z.tuple([z.int().nonnegative(), z.number().finite()]));

/** A finished (or running) trial. */
export const StudyTrialInput = z
  .object({
    studyId: NonEmpty,
    number: z.int().nonnegative(),
    params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
    state: StudyTrialState,
    /** Final objective value: required for complete and infeasible trials, allowed for pruned ones
     * (their last intermediate value, as Optuna keeps), forbidden for failed and running ones. */
    value: z.number().finite().optional(),
    /** [fold index, fold value] reported to the pruner, ascending. */
    intermediate: Intermediate,
    /** Σ max(0, c) of the worst fold (> 0 = infeasible). */
    constraintViolation: z.number().finite().nonnegative().optional(),
    /** Per evaluated fold: { foldIndex, value, violation, kpis }. */
    foldKpis: z.array(JsonObject),
    /** Why a failed trial failed. */
    error: NonEmpty.optional(),
    /** Workflow time the trial was asked, Unix epoch ms. */
    startedAtMs: SafeIntInput,
    durationMs: SafeIntInput.min(0),
  })
  .refine(
    (t) =>
      t.state === 'complete' || t.state === 'infeasible'
        ? t.value !== undefined
        : t.state === 'pruned' || t.value === undefined,
    {
      message:
        'a value is required for complete and infeasible trials, and forbidden for failed and running ones',
      path: ['value'],
    },
  )
  .refine((t) => (t.state === 'failed') === (t.error !== undefined), {
    message: 'an error is required for failed trials, and forbidden otherwise',
    path: ['error'],
  });
export type StudyTrialInput = z.input<typeof StudyTrialInput>;
/** A stored trial. */
export type StudyTrial = z.output<typeof StudyTrialInput> & { readonly updatedAtMs: number };

/** One fold evaluation (a trial's validation fold, or the holdout of the best trial). */
export const FoldEvaluationInput = z.object({
  studyId: NonEmpty,
  trialNumber: z.int().nonnegative(),
  kind: z.enum(['validation', 'holdout']),
  foldIndex: z.int().nonnegative(),
  /** Activity attempt that wrote it (1 = first). */
  attempt: z.int().positive(),
  kpis: JsonObject,
  value: z.number().finite().optional(),
  violation: z.number().finite().nonnegative().optional(),
  error: NonEmpty.optional(),
  durationMs: SafeIntInput.min(0),
});
export type FoldEvaluationInput = z.input<typeof FoldEvaluationInput>;
/** A stored fold evaluation; `executions` counts completed writes (1 unless it ran again after finishing). */
export type FoldEvaluation = z.output<typeof FoldEvaluationInput> & { readonly executions: number };

const Opt = <T extends z.ZodType>(schema: T) => schema.nullable().transform((v) => v ?? undefined);

const StudyRow = z
  .object({
    id: z.string(),
    name: z.string(),
    direction: z.enum(['minimize', 'maximize']),
    space: JsonObject,
    sampler: JsonObject,
    pruner: JsonObject,
    objective: JsonObject,
    base_params: JsonObject,
    n_trials: z.int(),
    parallelism: z.int(),
    folds: z.array(z.unknown()),
    holdout: z.array(z.unknown()),
    workflow_id: z.string(),
    run_id: z.string(),
    state: StudyState,
    best_trial: Opt(z.int()),
    best_value: Opt(z.number()),
    in_sample: Opt(JsonObject),
    out_of_sample: Opt(JsonObject),
    continued_as_new: z.int(),
    created_at: EpochMsOutput,
    finished_at: Opt(EpochMsOutput),
  })
  .transform((r): Study => ({
    id: r.id,
    name: r.name,
    direction: r.direction,
    space: r.space,
    sampler: r.sampler,
    pruner: r.pruner,
    objective: r.objective,
    baseParams: r.base_params,
    nTrials: r.n_trials,
    parallelism: r.parallelism,
    folds: r.folds,
    holdout: r.holdout,
    workflowId: r.workflow_id,
    runId: r.run_id,
    state: r.state,
    bestTrial: r.best_trial,
    bestValue: r.best_value,
    inSample: r.in_sample,
    outOfSample: r.out_of_sample,
    continuedAsNew: r.continued_as_new,
    createdAtMs: r.created_at,
    finishedAtMs: r.finished_at,
  }));

const TrialRow = z
  .object({
    study_id: z.string(),
    number: z.int(),
    params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
    state: StudyTrialState,
    value: Opt(z.number()),
    intermediate: Intermediate,
    constraint_violation: Opt(z.number()),
    fold_kpis: z.array(JsonObject),
    error: Opt(z.string()),
    started_at: EpochMsOutput,
    duration_ms: SafeIntOutput,
    updated_at: EpochMsOutput,
  })
  .transform((r): StudyTrial => ({
    studyId: r.study_id,
    number: r.number,
    params: r.params,
    state: r.state,
    ...(r.value === undefined ? {} : { value: r.value }),
    intermediate: r.intermediate,
    ...(r.constraint_violation === undefined ? {} : { constraintViolation: r.constraint_violation }),
    foldKpis: r.fold_kpis,
    ...(r.error === undefined ? {} : { error: r.error }),
    startedAtMs: r.started_at,
    durationMs: r.duration_ms,
    updatedAtMs: r.updated_at,
  }));

const FoldRow = z
  .object({
    study_id: z.string(),
    trial_number: z.int(),
    kind: z.enum(['validation', 'holdout']),
    fold_index: z.int(),
    executions: z.int(),
    attempt: z.int(),
    kpis: JsonObject,
    value: Opt(z.number()),
    violation: Opt(z.number()),
    error: Opt(z.string()),
    duration_ms: SafeIntOutput,
  })
  .transform((r): FoldEvaluation => ({
    studyId: r.study_id,
    trialNumber: r.trial_number,
    kind: r.kind,
    foldIndex: r.fold_index,
    executions: r.executions,
    attempt: r.attempt,
    kpis: r.kpis,
    ...(r.value === undefined ? {} : { value: r.value }),
    ...(r.violation === undefined ? {} : { violation: r.violation }),
    ...(r.error === undefined ? {} : { error: r.error }),
    durationMs: r.duration_ms,
  }));

const STUDY_COLUMNS = `id, name, direction, space, sampler, pruner, objective, base_params, n_trials, parallelism,
  folds, holdout, workflow_id, run_id, state, best_trial, best_value, in_sample, out_of_sample, continued_as_new,
  created_at, finished_at`;

/**
 * Creates the study row (state `running`). Idempotent for the workflow that created it: a second call
 * with the same id and workflow id changes nothing.
 * @returns `created: false` when the row already existed (a retried activity).
 * @throws PermanentError `DB_INVALID_INPUT` (bad field), `STUDY_ID_TAKEN` (the id belongs to another
 *   workflow: study ids are unique across runs).
 */
export async function createStudy(db: Queryable, study: StudyRowInput): Promise<{ created: boolean }> {
  const s = parseInput(StudyRowInput, study, 'study');
  const result = await execute(
    db,
    `create study ${s.id}`,
    `INSERT INTO studies (id, name, direction, space, sampler, pruner, objective, base_params, n_trials, parallelism,
       folds, holdout, workflow_id, run_id, state)
     VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6::jsonb, $7::jsonb, $8::jsonb, $9, $10, $11::jsonb, $12::jsonb, $13,
       $14, 'running')
     ON CONFLICT (id) DO NOTHING
     RETURNING id`,
    [
      s.id,
      s.name,
      s.direction,
      JSON.stringify(s.space),
      JSON.stringify(s.sampler),
      JSON.stringify(s.pruner),
      JSON.stringify(s.objective),
      JSON.stringify(s.baseParams),
      s.nTrials,
      s.parallelism,
      JSON.stringify(s.folds),
      JSON.stringify(s.holdout),
      s.workflowId,
      s.runId,
    ],
  );
  if (result.rowCount === 1) return { created: true };
  const existing = await getStudy(db, s.id);
  if (existing !== undefined && existing.workflowId !== s.workflowId)
    throw new PermanentError(
      'STUDY_ID_TAKEN',
      `study id "${s.id}" already belongs to workflow ${existing.workflowId}; pick a new study id`,
      { studyId: s.id, workflowId: existing.workflowId },
    );
  return { created: false };
}

/**
 * Marks a study finished with its best trial and in/out-of-sample figures (overwrites: idempotent).
 * @throws PermanentError `DB_INVALID_INPUT`, or `UNKNOWN_STUDY` when no such study exists.
 */
export async function finishStudy(db: Queryable, finish: StudyFinishInput): Promise<void> {
  const f = parseInput(StudyFinishInput, finish, 'study finish');
  const result = await execute(
    db,
    `finish study ${f.id}`,
    `UPDATE studies SET state = $2, best_trial = $3, best_value = $4, in_sample = $5::jsonb, out_of_sample = $6::jsonb,
       continued_as_new = $7, finished_at = COALESCE(finished_at, now())
     WHERE id = $1`,
    [
      f.id,
      f.state,
      f.bestTrial ?? null,
      f.bestValue ?? null,
      f.inSample === undefined ? null : JSON.stringify(f.inSample),
      f.outOfSample === undefined ? null : JSON.stringify(f.outOfSample),
      f.continuedAsNew,
    ],
  );
  if (result.rowCount !== 1)
    throw new PermanentError('UNKNOWN_STUDY', `no study "${f.id}" to finish`, { studyId: f.id });
}

/** The study with `id`, or undefined. */
export async function getStudy(db: Queryable, id: string): Promise<Study | undefined> {
  const result = await execute(db, `get study ${id}`, `SELECT ${STUDY_COLUMNS} FROM studies WHERE id = $1`, [
    id,
  ]);
  return parseRows(StudyRow, result.rows, 'studies')[0];
}

/** Studies, newest first (at most `limit`, default 50), optionally of one name. */
export async function listStudies(
  db: Queryable,
  filter: { readonly name?: string; readonly limit?: number } = {},
): Promise<Study[]> {
  const result = await execute(
    db,
    'list studies',
    `SELECT ${STUDY_COLUMNS} FROM studies WHERE ($1::text IS NULL OR name = $1) ORDER BY created_at DESC, id LIMIT $2`,
    [filter.name ?? null, filter.limit ?? 50],
  );
  return parseRows(StudyRow, result.rows, 'studies');
}

/**
 * Saves a trial (insert, or overwrite the row with the same study id and number).
 * @returns `inserted: false` when the row existed (a retried save).
 * @throws PermanentError `DB_INVALID_INPUT` (e.g. a complete trial without a value), `DB_CONSTRAINT`
 *   (unknown study).
 */
export async function saveStudyTrial(db: Queryable, trial: StudyTrialInput): Promise<{ inserted: boolean }> {
  const t = parseInput(StudyTrialInput, trial, `study trial ${String(trial.number)}`);
  const result = await execute(
    db,
    `save trial ${t.number} of study ${t.studyId}`,
    `INSERT INTO study_trials (study_id, number, params, state, value, intermediate, constraint_violation, fold_kpis,
       error, started_at, duration_ms)
     VALUES ($1, $2, $3::jsonb, $4, $5, $6::jsonb, $7, $8::jsonb, $9, ${msToTimestamptz('$10')}, $11)
     ON CONFLICT (study_id, number) DO UPDATE SET params = EXCLUDED.params, state = EXCLUDED.state,
       value = EXCLUDED.value, intermediate = EXCLUDED.intermediate,
       constraint_violation = EXCLUDED.constraint_violation, fold_kpis = EXCLUDED.fold_kpis, error = EXCLUDED.error,
       started_at = EXCLUDED.started_at, duration_ms = EXCLUDED.duration_ms, updated_at = now()
     RETURNING (xmax = 0) AS inserted`,
    [
      t.studyId,
      t.number,
      JSON.stringify(t.params),
      t.state,
      t.value ?? null,
      JSON.stringify(t.intermediate),
      t.constraintViolation ?? null,
      JSON.stringify(t.foldKpis),
      t.error ?? null,
      t.startedAtMs,
      t.durationMs,
    ],
  );
  const [row] = parseRows(z.object({ inserted: z.boolean() }), result.rows, 'study_trials');
  return { inserted: row?.inserted ?? false };
}

/** Trials of a study, by number. */
export async function listStudyTrials(db: Queryable, studyId: string): Promise<StudyTrial[]> {
  const result = await execute(
    db,
    `list trials of study ${studyId}`,
    `SELECT study_id, number, params, state, value, intermediate, constraint_violation, fold_kpis, error, started_at,
       duration_ms, updated_at
     FROM study_trials WHERE study_id = $1 ORDER BY number`,
    [studyId],
  );
  return parseRows(TrialRow, result.rows, 'study_trials');
}

/**
 * Records a completed fold evaluation; the same key again overwrites it and counts one more execution
 * (so `executions > 1` reveals an evaluation that ran again after it had finished).
 * @throws PermanentError `DB_INVALID_INPUT`, `DB_CONSTRAINT` (unknown study).
 */
export async function saveFoldEvaluation(db: Queryable, evaluation: FoldEvaluationInput): Promise<void> {
  const e = parseInput(FoldEvaluationInput, evaluation, 'fold evaluation');
  await execute(
    db,
    `save ${e.kind} fold ${e.foldIndex} of trial ${e.trialNumber} of study ${e.studyId}`,
    `INSERT INTO study_fold_evaluations (study_id, trial_number, kind, fold_index, attempt, kpis, value, violation, error,
       duration_ms)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10)
     ON CONFLICT (study_id, trial_number, kind, fold_index) DO UPDATE SET
       executions = study_fold_evaluations.executions + 1, attempt = EXCLUDED.attempt, kpis = EXCLUDED.kpis,
       value = EXCLUDED.value, violation = EXCLUDED.violation, error = EXCLUDED.error,
       duration_ms = EXCLUDED.duration_ms, updated_at = now()`,
    [
      e.studyId,
      e.trialNumber,
      e.kind,
      e.foldIndex,
      e.attempt,
      JSON.stringify(e.kpis),
      e.value ?? null,
      e.violation ?? null,
      e.error ?? null,
      e.durationMs,
    ],
  );
}

/** Fold evaluations of a study, by (trial, kind, fold). */
export async function listFoldEvaluations(db: Queryable, studyId: string): Promise<FoldEvaluation[]> {
  const result = await execute(
    db,
    `list fold evaluations of study ${studyId}`,
    `SELECT study_id, trial_number, kind, fold_index, executions, attempt, kpis, value, violation, error, duration_ms
     FROM study_fold_evaluations WHERE study_id = $1 ORDER BY trial_number, kind, fold_index`,
    [studyId],
  );
  return parseRows(FoldRow, result.rows, 'study_fold_evaluations');
}
