-- Up Migration
-- Parameter studies of the retraining pipeline (workflows/study.ts): one `studies` row per study, one
-- `study_trials` row per finished trial, one `study_fold_evaluations` row per fold evaluation (the
-- backtests a trial or the out-of-sample check ran). Every write is an idempotent upsert keyed by the
-- study id and numbers the workflow derives deterministically, so a retried activity or a replayed
-- workflow lands on the same rows.

CREATE TABLE studies (
  id text PRIMARY KEY CONSTRAINT studies_id_not_empty CHECK (id <> ''),
  name text NOT NULL,
  direction text NOT NULL CONSTRAINT studies_direction CHECK (direction IN ('minimize', 'maximize')),
  -- The declared search space, sampler, pruner and objective, as parsed (core/search, core/validation).
  space jsonb NOT NULL CONSTRAINT studies_space_object CHECK (jsonb_typeof(space) = 'object'),
  sampler jsonb NOT NULL CONSTRAINT studies_sampler_object CHECK (jsonb_typeof(sampler) = 'object'),
  pruner jsonb NOT NULL CONSTRAINT studies_pruner_object CHECK (jsonb_typeof(pruner) = 'object'),
  objective jsonb NOT NULL CONSTRAINT studies_objective_object CHECK (jsonb_typeof(objective) = 'object'),
  -- Model parameters the trials' values override.
  base_params jsonb NOT NULL CONSTRAINT studies_base_params_object CHECK (jsonb_typeof(base_params) = 'object'),
  n_trials integer NOT NULL CONSTRAINT studies_n_trials_positive CHECK (n_trials > 0),
  parallelism integer NOT NULL CONSTRAINT studies_parallelism_positive CHECK (parallelism > 0),
  -- Walk-forward folds (train / validation windows) and the out-of-sample holdout windows.
  folds jsonb NOT NULL CONSTRAINT studies_folds_array CHECK (jsonb_typeof(folds) = 'array'),
  holdout jsonb NOT NULL CONSTRAINT studies_holdout_array CHECK (jsonb_typeof(holdout) = 'array'),
  -- The workflow running the study; run_id is the first run's (stable across Continue-As-New).
  workflow_id text NOT NULL,
  run_id text NOT NULL,
  state text NOT NULL CONSTRAINT studies_state CHECK (state IN ('running', 'completed', 'failed')),
  -- Best feasible complete trial (NULL while none); its value and in-sample figures per fold.
  best_trial integer,
  best_value double precision,
  in_sample jsonb,
  -- The best trial re-evaluated on the holdout; NULL until done (or when no trial was feasible).
  out_of_sample jsonb,
  continued_as_new integer NOT NULL DEFAULT 0 CONSTRAINT studies_can_non_negative CHECK (continued_as_new >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  CONSTRAINT studies_finished CHECK ((state = 'running') = (finished_at IS NULL)),
  CONSTRAINT studies_best CHECK ((best_trial IS NULL) = (best_value IS NULL))
);

CREATE INDEX studies_name_idx ON studies (name, created_at);

CREATE TABLE study_trials (
  study_id text NOT NULL CONSTRAINT study_trials_study_fkey REFERENCES studies (id) ON DELETE CASCADE,
  number integer NOT NULL CONSTRAINT study_trials_number_non_negative CHECK (number >= 0),
  params jsonb NOT NULL CONSTRAINT study_trials_params_object CHECK (jsonb_typeof(params) = 'object'),
  state text NOT NULL
    CONSTRAINT study_trials_state CHECK (state IN ('running', 'complete', 'pruned', 'failed', 'infeasible')),
  -- Final objective value: required for complete and infeasible trials; a pruned trial may carry its
  -- last intermediate value (Optuna's convention); never for failed or running ones.
  value double precision,
  -- Fold values reported to the pruner: [[fold index, value], ...], ascending.
  intermediate jsonb NOT NULL CONSTRAINT study_trials_intermediate_array CHECK (jsonb_typeof(intermediate) = 'array'),
  -- Σ max(0, c) of the worst fold (> 0 = infeasible); NULL when not measured.
  constraint_violation double precision,
  -- Per evaluated fold: { foldIndex, value, violation, kpis } (headline KPIs).
  fold_kpis jsonb NOT NULL CONSTRAINT study_trials_fold_kpis_array CHECK (jsonb_typeof(fold_kpis) = 'array'),
  error text,
  started_at timestamptz NOT NULL,
  duration_ms bigint NOT NULL CONSTRAINT study_trials_duration_non_negative CHECK (duration_ms >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT study_trials_pkey PRIMARY KEY (study_id, number),
  CONSTRAINT study_trials_value CHECK (
    CASE state WHEN 'complete' THEN value IS NOT NULL WHEN 'infeasible' THEN value IS NOT NULL
      WHEN 'pruned' THEN true ELSE value IS NULL END),
  CONSTRAINT study_trials_error CHECK ((state = 'failed') = (error IS NOT NULL))
);

CREATE TABLE study_fold_evaluations (
  study_id text NOT NULL CONSTRAINT study_fold_evaluations_study_fkey REFERENCES studies (id) ON DELETE CASCADE,
  -- Trial number (for the holdout: the best trial's, whose parameters are re-evaluated).
  trial_number integer NOT NULL CONSTRAINT study_fold_evaluations_trial CHECK (trial_number >= 0),
  kind text NOT NULL CONSTRAINT study_fold_evaluations_kind CHECK (kind IN ('validation', 'holdout')),
  fold_index integer NOT NULL CONSTRAINT study_fold_evaluations_fold CHECK (fold_index >= 0),
  -- Times an evaluation completed and was written: 1 unless a finished evaluation ran again.
  executions integer NOT NULL DEFAULT 1 CONSTRAINT study_fold_evaluations_executions_positive CHECK (executions > 0),
  attempt integer NOT NULL CONSTRAINT study_fold_evaluations_attempt_positive CHECK (attempt > 0),
  kpis jsonb NOT NULL CONSTRAINT study_fold_evaluations_kpis_object CHECK (jsonb_typeof(kpis) = 'object'),
  value double precision,
  violation double precision,
  error text,
  duration_ms bigint NOT NULL CONSTRAINT study_fold_evaluations_duration_non_negative CHECK (duration_ms >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT study_fold_evaluations_pkey PRIMARY KEY (study_id, trial_number, kind, fold_index)
);

-- Down Migration
DROP TABLE study_fold_evaluations;
DROP TABLE study_trials;
DROP TABLE studies;
