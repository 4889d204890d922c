/**
 * The end of a study: the best feasible trial re-evaluated on the holdout windows (out of sample), the
 * studies row finished, and the result assembled. Workflow code (deterministic).
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { trialModelParams } from '../../core/validation/objective.ts';
import { OUTCOME_KEY } from '../search-attributes.ts';
import {
  RANKED_FOLDS_KEPT,
  type FoldEvaluationResult,
  type FoldFigures,
  type InSampleReport,
  type OutOfSampleReport,
  type RankedFolds,
  type StudyResult,
  type StudyStatus,
} from './definitions.ts';
import { failStudy, rankedTrials } from './failures.ts';
import type { ParsedStudy } from './input.ts';
import type { FoldWindow } from '../../core/validation/walk-forward.ts';
import type { TrialLedger } from './ledger.ts';
import { evaluator, storage, STUDY_FAILED } from './proxies.ts';

/** A fold evaluation as the trial's (or the holdout's) figures. */
export function figures(r: FoldEvaluationResult): FoldFigures {
  const refit = r.refittedKPerTick === undefined ? {} : { refittedKPerTick: r.refittedKPerTick };
  return r.score.ok
    ? { foldIndex: r.foldIndex, value: r.score.value, violation: r.score.violation, kpis: r.kpis, ...refit }
    : {
        foldIndex: r.foldIndex,
        value: null,
        violation: null,
        kpis: r.kpis,
        failure: r.score.reason,
        ...refit,
      };
}

/** What {@link finishStudyRun} needs of the study workflow. */
export interface FinishInput {
  readonly study: ParsedStudy;
  readonly ledger: TrialLedger;
  /** The best trial's fold figures (its in-sample report). */
  readonly bestFolds: readonly FoldFigures[] | null;
  /** The best trials' fold figures, best first (workflows/study/failures.ts). */
  readonly rankedFolds: readonly RankedFolds[];
  /**
   * When the best trial's holdout evaluation fails for its parameters, try the next best (at most
   * RANKED_FOLDS_KEPT trials), and fail the study if none can be evaluated (patch
   * `study-failed-trials-limit`). False: the best trial's evaluation is reported whatever it gave.
   */
  readonly tryNextOnHoldoutFailure: boolean;
  readonly continuedAsNew: number;
  readonly runId: string;
  readonly setPhase: (p: StudyStatus['phase']) => void;
}

/**
 * Holdout evaluation of the best trial (or, when its parameters make the evaluation fail, of the next
 * best: see {@link FinishInput.tryNextOnHoldoutFailure}), the studies row, the result.
 */
export async function finishStudyRun(f: FinishInput): Promise<StudyResult> {
  const { study, ledger, continuedAsNew, runId, setPhase } = f;
  const best = ledger.best();
  const candidates =
    best === undefined
      ? []
      : f.tryNextOnHoldoutFailure
        ? rankedTrials(ledger.trials, study.objective.direction).slice(0, RANKED_FOLDS_KEPT)
        : [best];
  let inSample: InSampleReport | null = null;
  let outOfSample: OutOfSampleReport | null = null;
  let bestResult: StudyResult['best'] = null;
  const skipped: { trialNumber: number; reason: string }[] = [];
  for (const trial of candidates) {
    if (trial.value === undefined) break;
    const mp = trialModelParams(
      study.baseParams,
      trial.params,
      `study ${study.studyId} best trial ${trial.number}`,
    );
    if (!mp.ok) throw ApplicationFailure.nonRetryable(mp.error, STUDY_FAILED);
    setPhase('holdout');
    const r = await evaluator(`holdout-${trial.number}`).evaluateStudyHoldout({
      studyId: study.studyId,
      trialNumber: trial.number,
      foldIndex: 0,
      windows: study.holdout,
      params: mp.params,
      objective: study.objective,
      entryLatencyUs: study.entryLatencyUs,
      cancelLatencyUs: study.cancelLatencyUs,
      ...(study.refitKPerTick ? { refitKPerTickOn: windowsBeforeHoldout(study) } : {}),
    });
    if (f.tryNextOnHoldoutFailure && r.error !== undefined) {
      skipped.push({ trialNumber: trial.number, reason: r.score.ok ? r.error : r.score.reason });
      continue;
    }
    bestResult = { number: trial.number, params: trial.params, modelParams: mp.params, value: trial.value };
    inSample = {
      trialNumber: trial.number,
      value: trial.value,
      constraintViolation: trial.constraintViolation ?? 0,
      folds:
        f.rankedFolds.find((x) => x.number === trial.number)?.folds ??
        (trial.number === best?.number ? f.bestFolds : null) ??
        [],
    };
    outOfSample = {
      trialNumber: trial.number,
      value: r.score.ok ? r.score.value : null,
      violation: r.score.ok ? r.score.violation : null,
      feasible: r.score.ok && r.score.violation === 0,
      kpis: r.kpis,
      windows: study.holdout.length,
      ...(r.score.ok ? {} : { failure: r.score.reason }),
      ...(r.refittedKPerTick === undefined ? {} : { refittedKPerTick: r.refittedKPerTick }),
      ...(skipped.length === 0 ? {} : { skipped }),
    };
    break;
  }
  if (f.tryNextOnHoldoutFailure && skipped.length > 0 && bestResult === null)
    await failStudy({
      studyId: study.studyId,
      continuedAsNew,
      message:
        `study ${study.studyId}: no trial could be evaluated on the holdout (the ${skipped.length} best ` +
        `tried): ${skipped.map((x) => `#${x.trialNumber}: ${x.reason}`).join('; ')}`,
      setPhase,
    });
  await storage.finishStudy({
    studyId: study.studyId,
    state: 'completed',
    bestTrial: bestResult?.number ?? null,
    bestValue: bestResult?.value ?? null,
    inSample,
    outOfSample,
    continuedAsNew,
  });
  setPhase('completed');
  upsertSearchAttributes([{ key: OUTCOME_KEY, value: 'completed' }]);
  const trials = ledger.trials;
  const count = (s: string): number => trials.filter((t) => t.state === s).length;
  await condition(allHandlersFinished);
  return {
    studyId: study.studyId,
    name: study.name,
    workflowId: workflowInfo().workflowId,
    runId,
    nTrials: study.nTrials,
    counts: {
      complete: count('complete'),
      pruned: count('pruned'),
      failed: count('failed'),
      infeasible: count('infeasible'),
    },
    best: bestResult,
    inSample,
    outOfSample,
    holdout: study.holdout,
    searchWindows: windowsBeforeHoldout(study),
    trials: trials.map((t) => ({
      number: t.number,
      state: t.state,
      params: t.params,
      value: t.value ?? null,
      intermediate: t.intermediate,
    })),
    continuedAsNew,
  };
}

/** Every window of the folds (train and validation), once each, in time order: what precedes the holdout. */
function windowsBeforeHoldout(study: ParsedStudy): FoldWindow[] {
  const seen = new Map<string, FoldWindow>();
  for (const fold of study.folds)
    for (const w of [...fold.train, ...fold.validation]) seen.set(`${w.sessionId}@${w.startUs}`, w);
  return [...seen.values()].sort((a, b) => a.startUs - b.startUs || a.endUs - b.endUs);
}
