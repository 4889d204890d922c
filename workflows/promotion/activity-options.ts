/**
 * Activity proxies of the promotion workflows (activities/promotion/*, Contract 4), each with explicit
 * timeouts and a retry policy (STYLE §8). Every activity is idempotent, so retries are safe: a
 * transient error (database restart, lost connection) is retried with backoff 1 s … 30 s for about
 * 2.5 min (`CHILD_ACTIVITY_RETRY`, pipeline-dsl/steps.ts `STEP_RETRY_DEFAULT`); permanent errors never
 * are. Workflow code only; activities are imported as types.
 */
import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import { CHILD_ACTIVITY_RETRY } from '../pipeline/activity-options.ts';

/**
 * Short activities (a few statements each: status changes, desired state, evidence, metrics of one
 * interval, the A/B decision): 30 s per attempt, heartbeating every 5 s while they run
 * (activities/heartbeat.ts keepAlive) under a 15 s heartbeat timeout, so a killed worker's attempt is
 * retried after at most 15 s.
 */
export const PROMOTION_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: '15 seconds',
  retry: CHILD_ACTIVITY_RETRY,
};

/** Default deadline of one slot apply (engine pulls quotes, swaps, resumes), ms. */
export const DEFAULT_APPLY_TIMEOUT_MS = 60_000;

/**
 * Options of `awaitSlotApplied`, which polls the slot until the engine acknowledges the revision and
 * fails with PermanentError SLOT_APPLY_TIMEOUT after `timeoutMs` (counted from the first attempt): an
 * attempt may last that long plus a margin; it heartbeats while polling, so a lost worker is noticed
 * after 20 s and the retry resumes from the heartbeat.
 */
export function awaitAppliedOptions(timeoutMs: number): ActivityOptions {
  return {
    startToCloseTimeout: timeoutMs + 30_000,
    heartbeatTimeout: '20 seconds',
    retry: CHILD_ACTIVITY_RETRY,
  };
}

/** Proxies of the short promotion activities. */
export function promotionActivities() {
  return proxyActivities<Activities>(PROMOTION_ACTIVITY_OPTIONS);
}

/** Proxy of `awaitSlotApplied` with a deadline of `timeoutMs`. */
export function awaitApplied(timeoutMs: number): Activities['awaitSlotApplied'] {
  return proxyActivities<Activities>(awaitAppliedOptions(timeoutMs)).awaitSlotApplied;
}
