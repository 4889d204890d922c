/**
 * The study workflow's public shapes: its input and result, the `studyStatus` query, and what its
 * activities take and return. Clients (CLI, tests, the pipeline) import these; the workflow and the
 * activities implement them.
 */
import { defineQuery } from '@temporalio/workflow';
import type { Kpis } from '../../core/metrics/kpis.ts';
import type { ModelParams } from '../../core/quoting/model-params.ts';
import type { TrialParams, TrialRecord, TrialState } from '../../core/search/index.ts';
import type { FoldScore, Objective, ObjectiveInput } from '../../core/validation/objective.ts';
import type { FoldWindow, WalkForwardConfig } from '../../core/validation/walk-forward.ts';

/** A walk-forward fold as the study receives it (see core/validation/walk-forward.ts). */
export interface StudyFold {
  readonly index: number;
  /** Windows k is refitted on before the fold is scored (see `refitOnTrain`). */
  readonly train: readonly FoldWindow[];
  /** Windows the trial is scored on. */
  readonly validation: readonly FoldWindow[];
}

/** Progress carried from one run of the study workflow to the next by Continue-As-New. */
export interface StudyCarried {
  /** Every trial so far, all finished (Continue-As-New happens with no trial in flight). */
  readonly trials: readonly TrialRecord[];
  /** When each trial was asked, workflow time, Unix epoch ms (index = trial number). */
  readonly startedAtMs: readonly number[];
  /** The best trial's fold figures (the in-sample report), if any. */
  readonly bestFolds: readonly FoldFigures[] | null;
  /** When the study started, workflow time, Unix epoch ms. */
  readonly studyStartedAtMs: number;
  readonly continuedAsNew: number;
  /** The first failed trials' reasons (at most {@link FAILURE_REASONS_KEPT}); absent in older runs. */
  readonly failures?: readonly TrialFailure[];
  /**
   * Fold figures of the best feasible complete trials (at most {@link RANKED_FOLDS_KEPT}), best
   * first: the in-sample report of the next best when the best's holdout evaluation fails. Absent in
   * older runs.
   */
  readonly rankedFolds?: readonly RankedFolds[];
}

/** How many failed trials' reasons a study keeps for its messages. */
export const FAILURE_REASONS_KEPT = 5;
/** How many of the best trials' fold figures a study keeps (and tries on the holdout at most). */
export const RANKED_FOLDS_KEPT = 5;

/** Why a trial failed. */
export interface TrialFailure {
  readonly number: number;
  readonly reason: string;
}

/** A trial's fold figures. */
export interface RankedFolds {
  readonly number: number;
  readonly folds: readonly FoldFigures[];
}

/**
 * Input of `studyWorkflow`. Give either `folds` + `holdout` (already cut) or `windows` + `walkForward`
 * (the workflow cuts them with core/validation/walk-forward.ts, a pure function).
 */
export interface StudyInput {
  /** Unique id of the study (the `studies` row). */
  readonly studyId: string;
  /** Human name, e.g. `retrain-weekly/usdm-btcusdt`. */
  readonly name: string;
  /** Search space (core/search SearchSpace as declared in YAML). */
  readonly space: unknown;
  /** Sampler config (core/search SamplerConfig), e.g. `{ type: 'tpe', seed: 7 }`. */
  readonly sampler: unknown;
  /** Pruner config (core/search PrunerConfig); default `{ type: 'none' }`. */
  readonly pruner?: unknown;
  /** Objective block (core/validation/objective.ts). */
  readonly objective: ObjectiveInput;
  /** Trials to run in total (across Continue-As-New), ≥ 1. */
  readonly nTrials: number;
  /** Trials in flight at once, ≥ 1. */
  readonly parallelism: number;
  /** Model parameters the trials' values override (parsed with parseModelParams). */
  readonly baseParams: unknown;
  readonly folds?: readonly StudyFold[];
  readonly holdout?: readonly FoldWindow[];
  readonly windows?: readonly FoldWindow[];
  readonly walkForward?: WalkForwardConfig;
  /** Order-entry latency of the simulated venue, µs. */
  readonly entryLatencyUs: number;
  /** Cancel latency of the simulated venue, µs. */
  readonly cancelLatencyUs: number;
  /** Continue-As-New once the history has more events than this (default 8 000; tests set it low). */
  readonly historyLengthLimit?: number;
  /**
   * Walk-forward refit (default true): each fold's k is calibrated on its train windows, and the
   * holdout's on every window before it, so no fold is scored with k fitted on its own data. Off when
   * the space searches `kPerTick` itself, or when false.
   */
  readonly refitOnTrain?: boolean;
  /**
   * Largest share of failed trials (0…1, default 0.5) the study accepts: above it, or when no trial
   * could be scored, the study fails (non-retryable `StudyFailed`). Judged as trials finish (a study
   * past the limit stops asking) and at the end over the trials run.
   */
  readonly maxFailedFraction?: number;
  /** Set by the workflow itself on Continue-As-New. */
  readonly carried?: StudyCarried;
}

/** One fold's figures for a trial (or the holdout). */
export interface FoldFigures {
  readonly foldIndex: number;
  /** The objective KPI on the fold; null when undefined (the fold failed). */
  readonly value: number | null;
  /** Σ max(0, c) over the constraints; null when not measured. */
  readonly violation: number | null;
  readonly kpis: Kpis;
  /** Why the fold failed (a null KPI), if it did. */
  readonly failure?: string;
  /** k refitted on the fold's train windows, 1/tick (walk-forward refit); absent without one. */
  readonly refittedKPerTick?: number;
}

/** The best trial's figures on the folds it was tuned on. */
export interface InSampleReport {
  readonly trialNumber: number;
  /** Aggregated objective over the folds. */
  readonly value: number;
  readonly constraintViolation: number;
  readonly folds: readonly FoldFigures[];
}

/** The best trial re-evaluated on the holdout windows (never seen by the search). */
export interface OutOfSampleReport {
  readonly trialNumber: number;
  /** Objective KPI on the holdout; null when undefined there (see `failure`). */
  readonly value: number | null;
  /** Σ max(0, c) on the holdout; null when not measured. */
  readonly violation: number | null;
  /** Whether the holdout figures satisfy every constraint. */
  readonly feasible: boolean;
  readonly kpis: Kpis;
  readonly windows: number;
  readonly failure?: string;
  /** k refitted on every window before the holdout, 1/tick; absent without a refit. */
  readonly refittedKPerTick?: number;
  /**
   * Better trials whose holdout evaluation failed (their parameters made the replay throw), in the
   * order tried; this report is then the next best's. Absent when the best trial's evaluation ran.
   */
  readonly skipped?: readonly { readonly trialNumber: number; readonly reason: string }[];
}

/** A trial in the result. */
export interface TrialSummary {
  readonly number: number;
  readonly state: TrialState;
  readonly params: TrialParams;
  readonly value: number | null;
  readonly intermediate: readonly (readonly [number, number])[];
}

/** Result of `studyWorkflow`. */
export interface StudyResult {
  readonly studyId: string;
  readonly name: string;
  readonly workflowId: string;
  /** First run id (stable across Continue-As-New). */
  readonly runId: string;
  readonly nTrials: number;
  readonly counts: {
    readonly complete: number;
    readonly pruned: number;
    readonly failed: number;
    readonly infeasible: number;
  };
  /** Best feasible complete trial; null when none. */
  readonly best: {
    readonly number: number;
    readonly params: TrialParams;
    readonly modelParams: ModelParams;
    readonly value: number;
  } | null;
  readonly inSample: InSampleReport | null;
  readonly outOfSample: OutOfSampleReport | null;
  /**
   * The holdout windows (never in any fold), time order; empty without a holdout. Absent from the
   * results of studies that finished before it was added (their histories still replay).
   */
  readonly holdout?: readonly FoldWindow[];
  /** Every window of the folds (train and validation) once, time order: what precedes the holdout.
   * Absent as `holdout` is. */
  readonly searchWindows?: readonly FoldWindow[];
  readonly trials: readonly TrialSummary[];
  readonly continuedAsNew: number;
}

/** Answer of the `studyStatus` query (the Web UI and `mmflow study show --follow`). */
export interface StudyStatus {
  readonly studyId: string;
  readonly name: string;
  /** `trials` while searching, `holdout` during the out-of-sample evaluation. */
  readonly phase: 'starting' | 'trials' | 'holdout' | 'completed' | 'failed';
  readonly nTrials: number;
  /** Trials finished (any state). */
  readonly done: number;
  /** Numbers of the trials in flight. */
  readonly running: readonly number[];
  readonly complete: number;
  readonly pruned: number;
  readonly failed: number;
  readonly infeasible: number;
  readonly best: { readonly number: number; readonly value: number; readonly params: TrialParams } | null;
  /** Workflow time since the study started, ms. */
  readonly elapsedMs: number;
  readonly continuedAsNew: number;
}

export const studyStatusQuery = defineQuery<StudyStatus>('studyStatus');

/** Input of the `evaluateStudyFold` and `evaluateStudyHoldout` activities. */
export interface FoldEvaluationRequest {
  readonly studyId: string;
  readonly trialNumber: number;
  /** Fold index (0 for the holdout). */
  readonly foldIndex: number;
  readonly windows: readonly FoldWindow[];
  readonly params: ModelParams;
  readonly objective: Objective;
  readonly entryLatencyUs: number;
  readonly cancelLatencyUs: number;
  /**
   * Walk-forward refit: k of λ(δ) = A·e^(−kδ) is estimated on these windows (the fold's train part,
   * or every window before the holdout) and replaces the params' `kPerTick` before the backtest.
   * Absent or empty: the params are used as they are.
   */
  readonly refitKPerTickOn?: readonly FoldWindow[];
}

/** Result of a fold evaluation. */
export interface FoldEvaluationResult {
  readonly foldIndex: number;
  /** KPIs over the fold's windows (spans combined, core/validation/spans.ts). */
  readonly kpis: Kpis;
  readonly score: FoldScore;
  /** The k refitted on the train windows, 1/tick; absent without a refit. */
  readonly refittedKPerTick?: number;
  /** Replayed spans. */
  readonly spans: number;
  /**
   * The evaluation itself failed for a reason tied to the parameters (`<error name>: <message>` of
   * what the replay threw): `score` is failed with the full message, `kpis` unmeasured (events 0).
   * Absent when the windows were replayed.
   */
  readonly error?: string;
}

/** Input of the `saveStudyTrial` activity. */
export interface SaveTrialRequest {
  readonly studyId: string;
  readonly trial: TrialRecord;
  readonly folds: readonly FoldFigures[];
  readonly error?: string;
  readonly startedAtMs: number;
  readonly durationMs: number;
}

/** Input of the `createStudy` activity. */
export interface CreateStudyRequest {
  readonly studyId: string;
  readonly name: string;
  readonly direction: 'minimize' | 'maximize';
  readonly space: unknown;
  readonly sampler: unknown;
  readonly pruner: unknown;
  readonly objective: Objective;
  readonly baseParams: ModelParams;
  readonly nTrials: number;
  readonly parallelism: number;
  readonly folds: readonly StudyFold[];
  readonly holdout: readonly FoldWindow[];
  readonly workflowId: string;
  readonly runId: string;
}

/** Input of the `finishStudy` activity. */
export interface FinishStudyRequest {
  readonly studyId: string;
  readonly state: 'completed' | 'failed';
  readonly bestTrial: number | null;
  readonly bestValue: number | null;
  readonly inSample: InSampleReport | null;
  readonly outOfSample: OutOfSampleReport | null;
  readonly continuedAsNew: number;
}
