/**
 * Activities of the study workflow (workflows/study.ts): the study row, fold evaluations (windowed
 * backtests of recorded sessions, scored by the objective) and trial rows. Every write is an
 * idempotent upsert keyed by what the workflow derived (study id, trial number, fold index).
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
import type { ActivityDeps } from './index.ts';
import { backtestWindows } from './study-backtest.ts';

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
 * @throws PermanentError for an unknown session, a backtest that cannot run (e.g. invalid events), or
 *   a refit that cannot be estimated (no trades at depth, degenerate fit).
 */
export function evaluateStudyFold(
  deps: ActivityDeps,
  req: FoldEvaluationRequest,
): Promise<FoldEvaluationResult> {
  return evaluate(deps, req, 'validation');
}

/** As {@link evaluateStudyFold}, on the holdout windows with the best trial's parameters. */
export function evaluateStudyHoldout(
  deps: ActivityDeps,
  req: FoldEvaluationRequest,
): Promise<FoldEvaluationResult> {
  return evaluate(deps, req, 'holdout');
}

async function evaluate(
  deps: ActivityDeps,
  req: FoldEvaluationRequest,
  kind: 'validation' | 'holdout',
): Promise<FoldEvaluationResult> {
  const startedAtMs = Date.now();
  const ctx = Context.current();
  const label = kind === 'holdout' ? 'holdout' : `fold ${req.foldIndex}`;
  const { kpis, spans, refittedKPerTick } = await backtestWindows(
    deps.dataDir,
    req.windows,
    req,
    {
      code: 'STUDY_BACKTEST',
      where: `study ${req.studyId} trial ${req.trialNumber} ${label}`,
      details: { studyId: req.studyId, trial: req.trialNumber, fold: req.foldIndex },
    },
    (details) => ctx.heartbeat(details),
  );
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
