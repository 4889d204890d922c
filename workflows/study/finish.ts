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
import type {
  FoldEvaluationResult,
  FoldFigures,
  InSampleReport,
  OutOfSampleReport,
  StudyResult,
  StudyStatus,
} from './definitions.ts';
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

/** Holdout evaluation of the best trial, the studies row, the result. */
export async function finishStudyRun(
  study: ParsedStudy,
  ledger: TrialLedger,
  bestFolds: readonly FoldFigures[] | null,
  continuedAsNew: number,
  runId: string,
  setPhase: (p: StudyStatus['phase']) => void,
): Promise<StudyResult> {
  const best = ledger.best();
  let inSample: InSampleReport | null = null;
  let outOfSample: OutOfSampleReport | null = null;
  let bestResult: StudyResult['best'] = null;
  if (best !== undefined && best.value !== undefined) {
    const mp = trialModelParams(
      study.baseParams,
      best.params,
      `study ${study.studyId} best trial ${best.number}`,
    );
    if (!mp.ok) throw ApplicationFailure.nonRetryable(mp.error, STUDY_FAILED);
    bestResult = { number: best.number, params: best.params, modelParams: mp.params, value: best.value };
    inSample = {
      trialNumber: best.number,
      value: best.value,
      constraintViolation: best.constraintViolation ?? 0,
      folds: bestFolds ?? [],
    };
    setPhase('holdout');
    const r = await evaluator(`holdout-${best.number}`).evaluateStudyHoldout({
      studyId: study.studyId,
      trialNumber: best.number,
      foldIndex: 0,
      windows: study.holdout,
      params: mp.params,
      objective: study.objective,
      entryLatencyUs: study.entryLatencyUs,
      cancelLatencyUs: study.cancelLatencyUs,
      ...(study.refitKPerTick ? { refitKPerTickOn: windowsBeforeHoldout(study) } : {}),
    });
    outOfSample = {
      trialNumber: best.number,
      value: r.score.ok ? r.score.value : null,
      violation: r.score.ok ? r.score.violation : null,
      feasible: r.score.ok && r.score.violation === 0,
      kpis: r.kpis,
      windows: study.holdout.length,
      ...(r.score.ok ? {} : { failure: r.score.reason }),
      ...(r.refittedKPerTick === undefined ? {} : { refittedKPerTick: r.refittedKPerTick }),
    };
  }
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
