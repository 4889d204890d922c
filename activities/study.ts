/**
 * Activities of the study workflow (workflows/study.ts): the study row, fold evaluations (windowed
 * backtests of recorded sessions, scored by the objective) and trial rows. Every write is an
 * idempotent upsert keyed by what the workflow derived (study id, trial number, fold index).
 *
 * A fold or holdout evaluation that fails for a reason tied to the trial's parameters (an
 * `EvaluationFailure` of ./study-backtest.ts: the replay threw) is not an activity failure: it is
 * recorded and returned as a failed outcome (`error`), so the study stores the trial as failed and goes
 * on. Infrastructure failures (database, network, file system) and data errors (unknown session) are
 * thrown: retried by the activity's retry policy, or stopping the study when permanent.
 */
import { Context } from '@temporalio/activity';
import { PermanentError } from '../core/errors.ts';
import { scoreFold } from '../core/validation/objective.ts';
import {
  createStudy as createStudyRow,
  finishStudy as finishStudyRow,
  saveFoldEvaluation,
  saveStudyTrial as saveStudyTrialRow,
} from '../db/repositories/studies.ts';
import type {
  CreateStudyRequest,
  FinishStudyRequest,
  FoldEvaluationRequest,
  FoldEvaluationResult,
  SaveTrialRequest,
} from '../workflows/study/definitions.ts';
import { UNTRADED_QUALITY_KPIS, type Kpis } from '../core/metrics/kpis.ts';
import type { ActivityDeps } from './index.ts';
import { backtestWindows, EvaluationFailure } from './study-backtest.ts';

/** How a set of windows is backtested; the default is the real one (a seam for tests). */
export type WindowsBacktester = typeof backtestWindows;

/**
 * The KPIs of an evaluation that failed before measuring anything: counts 0 (`events` 0 says nothing
 * was replayed), ratios undefined. Never scored: the fold's score is failed.
 */
export const UNMEASURED_KPIS: Kpis = {
  netPnlQuote: 0,
  feesQuote: 0,
  sharpe: null,
  maxDrawdownQuote: 0,
  rmsInventoryRatio: null,
  spreadCapturedPct: null,
  spreadCapturedAtFillPct: null,
  fillRatio: null,
  cancelRatio: null,
  quotes: 0,
  fills: 0,
  cancels: 0,
  events: 0,
  finalInventoryLots: 0,
  maxAbsInventoryLots: 0,
  ...UNTRADED_QUALITY_KPIS,
};

/** Creates the `studies` row (state running); a retry changes nothing. */
export async function createStudy(
  deps: ActivityDeps,
  req: CreateStudyRequest,
): Promise<{ created: boolean }> {
  const result = await createStudyRow(deps.db, {
    id: req.studyId,
    name: req.name,
    direction: req.direction,
    space: jsonObject(req.space, 'space'),
    sampler: jsonObject(req.sampler, 'sampler'),
    pruner: jsonObject(req.pruner, 'pruner'),
    objective: { ...req.objective },
    baseParams: { ...req.baseParams },
    nTrials: req.nTrials,
    parallelism: req.parallelism,
    folds: [...req.folds],
    holdout: [...req.holdout],
    workflowId: req.workflowId,
    runId: req.runId,
  });
  deps.log.info({ studyId: req.studyId, name: req.name, created: result.created }, 'study created');
  return result;
}

/**
 * Evaluates a trial's parameters on one validation fold: one windowed backtest per contiguous span of
 * the fold's windows (warm-up before the span, KPIs inside), KPIs combined over the spans, scored by
 * the objective; recorded in `study_fold_evaluations`. With `refitKPerTickOn` (walk-forward), k is
 * first calibrated on those train windows and replaces the params' kPerTick (./fold-calibration.ts).
 * A replay that throws (parameter-tied) returns `error` and a failed score instead of throwing.
 * @param backtest the windows' backtest (default {@link backtestWindows}; tests inject failures).
 * @throws PermanentError for an unknown session or a refit that cannot be estimated (no trades at
 *   depth, degenerate fit); infrastructure errors (database write, file system) as they are.
 */
export function evaluateStudyFold(
  deps: ActivityDeps,
  req: FoldEvaluationRequest,
  backtest: WindowsBacktester = backtestWindows,
): Promise<FoldEvaluationResult> {
  return evaluate(deps, req, 'validation', backtest);
}

/** As {@link evaluateStudyFold}, on the holdout windows with the best trial's parameters. */
export function evaluateStudyHoldout(
  deps: ActivityDeps,
  req: FoldEvaluationRequest,
  backtest: WindowsBacktester = backtestWindows,
): Promise<FoldEvaluationResult> {
  return evaluate(deps, req, 'holdout', backtest);
}

async function evaluate(
  deps: ActivityDeps,
  req: FoldEvaluationRequest,
  kind: 'validation' | 'holdout',
  backtest: WindowsBacktester,
): Promise<FoldEvaluationResult> {
  const startedAtMs = Date.now();
  const ctx = Context.current();
  const label = kind === 'holdout' ? 'holdout' : `fold ${req.foldIndex}`;
  const where = `study ${req.studyId} trial ${req.trialNumber} ${label}`;
  let measured: Awaited<ReturnType<WindowsBacktester>>;
  try {
    measured = await backtest(
      deps.dataDir,
      req.windows,
      req,
      {
        code: 'STUDY_BACKTEST',
        where,
        details: { studyId: req.studyId, trial: req.trialNumber, fold: req.foldIndex },
      },
      (details) => ctx.heartbeat(details),
    );
  } catch (err) {
    if (!(err instanceof EvaluationFailure)) throw err;
    return failedEvaluation(deps, req, kind, ctx.info.attempt, startedAtMs, err);
  }
  const { kpis, spans, refittedKPerTick } = measured;
  const score = scoreFold(req.objective, kpis, label);
  await saveFoldEvaluation(deps.db, {
    studyId: req.studyId,
    trialNumber: req.trialNumber,
    kind,
    foldIndex: req.foldIndex,
    attempt: ctx.info.attempt,
    kpis: { ...kpis },
    ...(score.ok ? { value: score.value, violation: score.violation } : { error: score.reason }),
    durationMs: Date.now() - startedAtMs,
  });
  deps.log.debug(
    { studyId: req.studyId, trial: req.trialNumber, kind, fold: req.foldIndex, ok: score.ok },
    'fold evaluated',
  );
  return {
    foldIndex: req.foldIndex,
    kpis,
    score,
    spans,
    ...(refittedKPerTick === undefined ? {} : { refittedKPerTick }),
  };
}

/** Records an evaluation the parameters made fail, and returns it as a failed outcome (no KPIs). */
async function failedEvaluation(
  deps: ActivityDeps,
  req: FoldEvaluationRequest,
  kind: 'validation' | 'holdout',
  attempt: number,
  startedAtMs: number,
  err: EvaluationFailure,
): Promise<FoldEvaluationResult> {
  // Thrown (retried) if the database is down: only the evaluation itself is the trial's failure.
  await saveFoldEvaluation(deps.db, {
    studyId: req.studyId,
    trialNumber: req.trialNumber,
    kind,
    foldIndex: req.foldIndex,
    attempt,
    kpis: {},
    error: err.message,
    durationMs: Date.now() - startedAtMs,
  });
  deps.log.warn(
    { studyId: req.studyId, trial: req.trialNumber, kind, fold: req.foldIndex, reason: err.reason },
    'evaluation failed for the trial parameters',
  );
  return {
    foldIndex: req.foldIndex,
    kpis: UNMEASURED_KPIS,
    score: { ok: false, reason: err.message, constraints: [] },
    spans: 0,
    error: err.reason,
  };
}

/** Upserts a finished trial's row. */
export async function saveStudyTrial(
  deps: ActivityDeps,
  req: SaveTrialRequest,
): Promise<{ inserted: boolean }> {
  const t = req.trial;
  return saveStudyTrialRow(deps.db, {
    studyId: req.studyId,
    number: t.number,
    params: { ...t.params },
    state: t.state,
    ...(t.value === undefined ? {} : { value: t.value }),
    intermediate: t.intermediate.map(([step, value]) => [step, value]),
    ...(t.constraintViolation === undefined ? {} : { constraintViolation: t.constraintViolation }),
    foldKpis: req.folds.map((f) => ({ ...f, kpis: { ...f.kpis } })),
    ...(req.error === undefined ? {} : { error: req.error }),
    startedAtMs: Math.round(req.startedAtMs),
    durationMs: Math.round(req.durationMs),
  });
}

/** Marks the study finished with its best trial and in/out-of-sample figures. */
export async function finishStudy(deps: ActivityDeps, req: FinishStudyRequest): Promise<void> {
  await finishStudyRow(deps.db, {
    id: req.studyId,
    state: req.state,
    ...(req.bestTrial === null ? {} : { bestTrial: req.bestTrial }),
    ...(req.bestValue === null ? {} : { bestValue: req.bestValue }),
    ...(req.inSample === null ? {} : { inSample: { ...req.inSample } }),
    ...(req.outOfSample === null ? {} : { outOfSample: { ...req.outOfSample } }),
    continuedAsNew: req.continuedAsNew,
  });
  deps.log.info({ studyId: req.studyId, state: req.state, bestTrial: req.bestTrial }, 'study finished');
}

/** A plain JSON object from a parsed config (space, sampler, pruner). */
function jsonObject(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new PermanentError('STUDY_INPUT', `study ${what} is not an object`, { what });
  return { ...value };
}
