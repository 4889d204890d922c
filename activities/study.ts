/**
 * Activities of the study workflow (workflows/study.ts): the study row, fold evaluations (windowed
 * backtests of recorded sessions, scored by the objective) and trial rows. Every write is an
 * idempotent upsert keyed by what the workflow derived (study id, trial number, fold index).
 */
import { kPerTickOn } from './fold-calibration.ts';
import { parseModelParams } from '../core/quoting/model-params.ts';
import { Context } from '@temporalio/activity';
import { isMmflowError, PermanentError } from '../core/errors.ts';
import type { Kpis } from '../core/metrics/kpis.ts';
import { scoreFold } from '../core/validation/objective.ts';
import { combineSpanKpis, contiguousSpans, type SpanKpis } from '../core/validation/spans.ts';
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
import { backtestSpan } from './study-backtest.ts';

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
  const spans = contiguousSpans(req.windows);
  let refittedKPerTick: number | undefined;
  let fold = req;
  if (req.refitKPerTickOn !== undefined && req.refitKPerTickOn.length > 0) {
    ctx.heartbeat({ phase: 'refit k', windows: req.refitKPerTickOn.length });
    refittedKPerTick = await kPerTickOn(deps.dataDir, req.refitKPerTickOn);
    fold = {
      ...req,
      params: parseModelParams({ ...req.params, kPerTick: refittedKPerTick }, `${kind} refit`),
    };
  }
  const results: SpanKpis[] = [];
  for (const [i, span] of spans.entries()) {
    ctx.heartbeat({ span: i, of: spans.length });
    try {
      const kpis: Kpis = await backtestSpan(deps.dataDir, span, fold);
      results.push({ kpis, durationUs: span.endUs - span.startUs });
    } catch (err) {
      if (isMmflowError(err)) throw err;
      throw new PermanentError(
        'STUDY_BACKTEST',
        `backtest of ${span.sessionId} [${span.startUs}, ${span.endUs}) µs failed: ${err instanceof Error ? err.message : String(err)}`,
        { studyId: req.studyId, trial: req.trialNumber, fold: req.foldIndex },
        { cause: err },
      );
    }
  }
  const kpis = combineSpanKpis(results);
  const label = kind === 'holdout' ? 'holdout' : `fold ${req.foldIndex}`;
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
    spans: spans.length,
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
