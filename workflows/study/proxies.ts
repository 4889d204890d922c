/**
 * The study workflow's activity proxies, with explicit timeouts and retry policies (STYLE §8), and the
 * workflow clock. Workflow code only: activities are imported as types.
 */
import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';

/** Error type of a study stopped by a failed activity (bad data, storage down past its retries). */
export const STUDY_FAILED = 'StudyFailed';

const retry = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  nonRetryableErrorTypes: ['PermanentError', 'InvariantViolation'],
};

/**
 * Backtests: a heartbeat before each replayed span (a span's replay takes well under a second), so a
 * lost worker's evaluation is retried elsewhere after 20 s.
 */
const evaluation: ActivityOptions = {
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '20 seconds',
  // 10 attempts: 1 + 2 + 4 + 8 + 16 + 4 × 30 s ≈ 2.5 min of retries, so a database restart or a lost
  // worker is ridden out (the pipeline steps' policy, pipeline-dsl/steps.ts).
  retry: { ...retry, maximumAttempts: 10 },
};

/** Study and trial rows (idempotent upserts). */
export const storage = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { ...retry, maximumAttempts: 10 },
});

/** A proxy whose activity id names the work, e.g. `fold-3-1` (trial 3, fold 1), for the history. */
export function evaluator(activityId: string): Activities {
  return proxyActivities<Activities>({ ...evaluation, activityId });
}

/** Workflow time, Unix epoch ms (`Date` is Temporal's deterministic clock inside a workflow). */
export const nowMs = (): number => new Date().getTime();
