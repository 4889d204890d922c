/**
 * Failed trials in the study workflow (docs/study.md "Failed trials"): the limit on their share, the
 * ranking of the trials the holdout may be evaluated on, and how a study fails. Deterministic: the
 * figures are functions of the finished trials only.
 */
import { ApplicationFailure, upsertSearchAttributes } from '@temporalio/workflow';
import { isBetter, isInfeasible, type Direction, type TrialRecord } from '../../core/search/index.ts';
import { OUTCOME_KEY } from '../search-attributes.ts';
import {
  FAILURE_REASONS_KEPT,
  RANKED_FOLDS_KEPT,
  type FoldFigures,
  type RankedFolds,
  type StudyStatus,
  type TrialFailure,
} from './definitions.ts';
import { storage, STUDY_FAILED } from './proxies.ts';

/**
 * Why the study must fail for its failed trials, or undefined when it may go on.
 * - While trials remain (`final` false): the failed share of the DECLARED trials (failed / nTrials)
 *   already exceeds `limit` — no later trial can bring it back under, so the study stops asking.
 * - At the end (`final` true): no trial could be scored (every trial failed), or failed / trials run
 *   exceeds `limit` (fewer than nTrials only when a grid ran out).
 */
export function failedTrialsVerdict(opts: {
  readonly studyId: string;
  readonly trials: readonly TrialRecord[];
  readonly nTrials: number;
  readonly limit: number;
  readonly failures: readonly TrialFailure[];
  readonly final: boolean;
}): string | undefined {
  const failed = opts.trials.filter((t) => t.state === 'failed').length;
  const finished = opts.trials.filter((t) => t.state !== 'running').length;
  const total = opts.final ? finished : opts.nTrials;
  if (failed === 0 || total === 0) return undefined;
  const reasons = [...opts.failures]
    .sort((a, b) => a.number - b.number)
    .map((f) => `#${f.number}: ${f.reason}`)
    .join('; ');
  const share = `${failed} of ${total} trials failed (${((100 * failed) / total).toFixed(1)}%)`;
  if (opts.final && failed === finished)
    return `study ${opts.studyId}: no trial could be scored: ${share}; first reasons: ${reasons}`;
  if (failed / total > opts.limit)
    return (
      `study ${opts.studyId}: ${share}${opts.final ? '' : ` after ${finished} finished`}, above ` +
      `maxFailedFraction ${opts.limit}; first reasons: ${reasons}`
    );
  return undefined;
}

/** Records a failed trial's reason while fewer than {@link FAILURE_REASONS_KEPT} are kept. */
export function keepFailure(failures: TrialFailure[], failure: TrialFailure): void {
  if (failures.length < FAILURE_REASONS_KEPT) failures.push(failure);
}

/**
 * The feasible complete trials, best first (ties: lower number) — the order of core/search
 * `bestTrial`, whose first is the study's best trial.
 */
export function rankedTrials(trials: readonly TrialRecord[], direction: Direction): TrialRecord[] {
  return trials
    .filter((t) => t.state === 'complete' && t.value !== undefined && !isInfeasible(t))
    .sort((a, b) => {
      const va = a.value ?? 0;
      const vb = b.value ?? 0;
      if (isBetter(va, vb, direction)) return -1;
      if (isBetter(vb, va, direction)) return 1;
      return a.number - b.number;
    });
}

/**
 * The fold figures of the {@link RANKED_FOLDS_KEPT} best trials after trial `number` finished with
 * `folds`. The top K of a set under a total order: the result does not depend on the order in which
 * trials finish.
 */
export function keepRankedFolds(
  kept: readonly RankedFolds[],
  trials: readonly TrialRecord[],
  direction: Direction,
  number: number,
  folds: readonly FoldFigures[],
): RankedFolds[] {
  const byNumber = new Map(kept.map((r) => [r.number, r]));
  byNumber.set(number, { number, folds });
  const rank = rankedTrials(trials, direction);
  return rank
    .filter((t) => byNumber.has(t.number))
    .slice(0, RANKED_FOLDS_KEPT)
    .flatMap((t) => {
      const r = byNumber.get(t.number);
      return r === undefined ? [] : [r];
    });
}

/**
 * Fails the study: the `studies` row finished as failed, the outcome search attribute, then a
 * non-retryable `StudyFailed` ApplicationFailure with `message`.
 */
export async function failStudy(opts: {
  readonly studyId: string;
  readonly continuedAsNew: number;
  readonly message: string;
  readonly cause?: unknown;
  readonly setPhase: (p: StudyStatus['phase']) => void;
}): Promise<never> {
  opts.setPhase('failed');
  upsertSearchAttributes([{ key: OUTCOME_KEY, value: 'failed' }]);
  await storage.finishStudy({
    studyId: opts.studyId,
    state: 'failed',
    bestTrial: null,
    bestValue: null,
    inSample: null,
    outOfSample: null,
    continuedAsNew: opts.continuedAsNew,
  });
  throw ApplicationFailure.create({
    message: opts.message,
    type: STUDY_FAILED,
    nonRetryable: true,
    ...(opts.cause instanceof Error ? { cause: opts.cause } : {}),
  });
}
