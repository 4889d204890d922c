/**
 * The parameter study of the retraining pipeline: a durable search over walk-forward backtests.
 *
 * - The Study (core/search: seeded sampler, pruner) lives IN the workflow: pure and deterministic, so a
 *   replay after a worker crash rebuilds it from history exactly; activities only backtest and store.
 * - Trials are asked in number order and run with at most `parallelism` in flight, on the lagged view
 *   of workflows/study/ledger.ts (suggestions and pruning independent of activity timing).
 * - A trial evaluates its folds one by one (`evaluateStudyFold`: a windowed backtest of the fold's
 *   validation windows, its KPIs and its objective score); after each fold the value is reported and
 *   the pruner asked; a pruned trial stops. The trial row is then upserted (`saveStudyTrial`).
 * - Long studies Continue-As-New between trials (never with a trial in flight), carrying the trials.
 * - After the last trial, the best feasible trial is re-evaluated on the holdout windows, which no
 *   trial ever saw (`evaluateStudyHoldout`), and reported apart from its in-sample figures.
 * - A trial whose evaluation fails for its parameters (the activity returns `error`) or whose
 *   parameters are invalid is told `failed` with its reason and the study goes on; past
 *   `maxFailedFraction` failed trials, or with none scored, the study fails (workflows/study/failures.ts,
 *   behind the `study-failed-trials-limit` patch). An activity that throws (infrastructure past its
 *   retries, unknown data) fails the study.
 * - `studyStatus` query, memo `{ studyId, studyName }` and search attributes `MmflowStep=study`,
 *   `MmflowOutcome` make the study findable and followable in the Web UI.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { TPE_DEFAULTS_BEFORE_0008, type SamplerConfig } from '../core/search/index.ts';
import { scoreTrial, trialModelParams, type FoldScore } from '../core/validation/objective.ts';
import { OUTCOME_KEY, STEP_KEY } from './search-attributes.ts';
import {
  studyStatusQuery,
  type FoldEvaluationResult,
  type FoldFigures,
  type RankedFolds,
  type StudyInput,
  type StudyResult,
  type StudyStatus,
  type TrialFailure,
} from './study/definitions.ts';
import { failedTrialsVerdict, failStudy, keepFailure, keepRankedFolds } from './study/failures.ts';
import { figures, finishStudyRun } from './study/finish.ts';
import { parseStudyInput } from './study/input.ts';
import { TrialLedger, type TrialOutcome } from './study/ledger.ts';
import { STUDY_FAILED_TRIALS_LIMIT, TPE_DEFAULTS_0008 } from './study/patches.ts';
import { evaluator, nowMs, storage, STUDY_FAILED } from './study/proxies.ts';

export { STUDY_FAILED };

/** Runs the study; see the module doc. */
export async function studyWorkflow(input: StudyInput): Promise<StudyResult> {
  const study = parseStudyInput(input);
  // Asked once, here: an execution recorded before the patch keeps the old branch to its end.
  const limitFailures = patched(STUDY_FAILED_TRIALS_LIMIT);
  const sampler: SamplerConfig =
    patched(TPE_DEFAULTS_0008) || study.sampler.type !== 'tpe'
      ? study.sampler
      : { ...TPE_DEFAULTS_BEFORE_0008, ...study.sampler };
  const info = workflowInfo();
  const carried = study.carried;
  const ledger = new TrialLedger({
    space: study.space,
    direction: study.objective.direction,
    sampler,
    pruner: study.pruner,
    parallelism: study.parallelism,
    ...(carried === undefined ? {} : { trials: carried.trials }),
  });
  const startedAtMs = [...(carried?.startedAtMs ?? [])];
  const studyStartedAtMs = carried?.studyStartedAtMs ?? nowMs();
  const continuedAsNew = carried?.continuedAsNew ?? 0;
  let bestFolds: readonly FoldFigures[] | null = carried?.bestFolds ?? null;
  let rankedFolds: readonly RankedFolds[] = carried?.rankedFolds ?? [];
  const failures: TrialFailure[] = [...(carried?.failures ?? [])];
  let phase: StudyStatus['phase'] = 'starting';
  const inFlight = new Set<number>();
  let failure: unknown;

  const status = (): StudyStatus => {
    const count = (s: string): number => ledger.trials.filter((t) => t.state === s).length;
    const best = ledger.best();
    return {
      studyId: study.studyId,
      name: study.name,
      phase,
      nTrials: study.nTrials,
      done: ledger.trials.filter((t) => t.state !== 'running').length,
      running: [...inFlight].sort((a, b) => a - b),
      complete: count('complete'),
      pruned: count('pruned'),
      failed: count('failed'),
      infeasible: count('infeasible'),
      best:
        best?.value === undefined ? null : { number: best.number, value: best.value, params: best.params },
      elapsedMs: nowMs() - studyStartedAtMs,
      continuedAsNew,
    };
  };
  setHandler(studyStatusQuery, status);
  const showProgress = (): void => {
    const s = status();
    setCurrentDetails(
      `**study ${s.name}** (${s.studyId}) ${s.phase}: ${s.done}/${s.nTrials} trials done` +
        ` (${s.complete} complete, ${s.pruned} pruned, ${s.infeasible} infeasible, ${s.failed} failed)` +
        (s.best === null ? '' : ` · best #${s.best.number} = ${s.best.value}`),
    );
  };
  if (info.memo?.['studyId'] !== study.studyId) upsertMemo({ studyId: study.studyId, studyName: study.name });
  if (info.typedSearchAttributes.get(STEP_KEY) !== 'study')
    upsertSearchAttributes([
      { key: STEP_KEY, value: 'study' },
      { key: OUTCOME_KEY, value: 'running' },
    ]);

  const runId = info.firstExecutionRunId;
  if (carried === undefined)
    await storage.createStudy({
      studyId: study.studyId,
      name: study.name,
      direction: study.objective.direction,
      space: study.space,
      sampler,
      pruner: study.pruner,
      objective: study.objective,
      baseParams: study.baseParams,
      nTrials: study.nTrials,
      parallelism: study.parallelism,
      folds: study.folds,
      holdout: study.holdout,
      workflowId: info.workflowId,
      runId,
    });
  phase = 'trials';
  showProgress();

  const runTrial = async (n: number, params: ReturnType<TrialLedger['ask']>['params']): Promise<void> => {
    const mp = trialModelParams(study.baseParams, params, `study ${study.studyId} trial ${n}`);
    const folds: FoldFigures[] = [];
    let outcome: TrialOutcome;
    let error: string | undefined;
    if (!mp.ok) {
      outcome = { state: 'failed' };
      error = mp.error;
    } else {
      const scores: FoldScore[] = [];
      let pruned = false;
      for (const fold of study.folds) {
        const r: FoldEvaluationResult = await evaluator(`fold-${n}-${fold.index}`).evaluateStudyFold({
          studyId: study.studyId,
          trialNumber: n,
          foldIndex: fold.index,
          windows: fold.validation,
          params: mp.params,
          objective: study.objective,
          entryLatencyUs: study.entryLatencyUs,
          cancelLatencyUs: study.cancelLatencyUs,
          ...(study.refitKPerTick && fold.train.length > 0 ? { refitKPerTickOn: fold.train } : {}),
        });
        folds.push(figures(r));
        scores.push(r.score);
        if (!r.score.ok) break;
        ledger.report(n, fold.index, r.score.value);
        if (ledger.shouldPrune(n)) {
          pruned = true;
          break;
        }
      }
      const scored = pruned ? undefined : scoreTrial(study.objective, scores);
      if (scored === undefined) outcome = { state: 'pruned' };
      else if (scored.state === 'failed') {
        outcome = { state: 'failed' };
        error = scored.reason;
      } else
        outcome = {
          state: scored.state,
          value: scored.value,
          constraintViolation: scored.constraintViolation,
        };
    }
    const told = ledger.tell(n, outcome);
    if (ledger.best()?.number === n) bestFolds = folds;
    if (told.state === 'complete')
      rankedFolds = keepRankedFolds(rankedFolds, ledger.trials, study.objective.direction, n, folds);
    if (told.state === 'failed') keepFailure(failures, { number: n, reason: error ?? 'failed' });
    showProgress();
    await storage.saveStudyTrial({
      studyId: study.studyId,
      trial: told,
      folds,
      ...(error === undefined ? {} : { error }),
      startedAtMs: startedAtMs[n] ?? nowMs(),
      durationMs: Math.max(0, nowMs() - (startedAtMs[n] ?? nowMs())),
    });
  };

  const canDue = (): boolean => {
    const i = workflowInfo();
    return i.continueAsNewSuggested || i.historyLength > study.historyLengthLimit;
  };
  let exhausted = false;
  const verdict = (final: boolean): string | undefined =>
    limitFailures
      ? failedTrialsVerdict({
          studyId: study.studyId,
          trials: ledger.trials,
          nTrials: study.nTrials,
          limit: study.maxFailedFraction,
          failures,
          final,
        })
      : undefined;
  const stop = (): boolean =>
    failure !== undefined ||
    exhausted ||
    ledger.nextNumber >= study.nTrials ||
    canDue() ||
    verdict(false) !== undefined;

  while (!stop()) {
    await condition(
      () =>
        failure !== undefined ||
        (inFlight.size < study.parallelism && ledger.canAsk()) ||
        verdict(false) !== undefined,
    );
    if (stop()) break;
    // A grid sampler can run out of points before nTrials: the study then ends with what it has.
    exhausted = ledger.exhausted();
    if (exhausted) break;
    const { number, params } = ledger.ask();
    startedAtMs[number] = nowMs();
    inFlight.add(number);
    showProgress();
    runTrial(number, params).then(
      () => inFlight.delete(number),
      (err: unknown) => {
        inFlight.delete(number);
        failure ??= err;
      },
    );
  }
  await condition(() => inFlight.size === 0);

  const setPhase = (p: StudyStatus['phase']): void => {
    phase = p;
    showProgress();
  };
  if (failure !== undefined)
    await failStudy({
      studyId: study.studyId,
      continuedAsNew,
      message: `study ${study.studyId}: ${failure instanceof Error ? failure.message : String(failure)}`,
      cause: failure,
      setPhase,
    });
  const tooMany =
    verdict(false) ?? (exhausted || ledger.nextNumber >= study.nTrials ? verdict(true) : undefined);
  if (tooMany !== undefined)
    await failStudy({ studyId: study.studyId, continuedAsNew, message: tooMany, setPhase });

  if (!exhausted && ledger.nextNumber < study.nTrials) {
    await condition(allHandlersFinished);
    const next: StudyInput = {
      ...input,
      sampler,
      carried: {
        trials: ledger.trials,
        startedAtMs,
        bestFolds,
        studyStartedAtMs,
        continuedAsNew: continuedAsNew + 1,
        ...(limitFailures ? { failures, rankedFolds } : {}),
      },
    };
    return continueAsNew<typeof studyWorkflow>(next);
  }

  return finishStudyRun({
    study,
    ledger,
    bestFolds,
    rankedFolds,
    tryNextOnHoldoutFailure: limitFailures,
    continuedAsNew,
    runId,
    setPhase,
  });
}
