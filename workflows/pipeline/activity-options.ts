/**
 * Activity options of the pipeline's activity steps and of the ingest/backtest child workflows: the
 * timeouts per step type (pipeline-dsl/steps.ts `stepActivityDefaults`, overridden by a step's
 * `timeout:` and `heartbeatTimeout:`) and the retry policy (`STEP_RETRY_DEFAULT`, overridden by a
 * step's `retry:`). Workflow code only.
 *
 * Changing these options does not change the commands a replay compares (activity type and id, not
 * their timeouts or retry policy), so no `patched()` guard is needed: test/workflows/replay.test.ts.
 */
import type { ActivityOptions, RetryPolicy } from '@temporalio/workflow';
import type { PlanStep, RetrySpec } from '../../pipeline-dsl/plan-types.ts';
import {
  STEP_RETRY_DEFAULT,
  stepActivityDefaults,
  type ActivityStepType,
  type StepActivityTimeouts,
} from '../../pipeline-dsl/steps.ts';

/**
 * Failure types never retried: the taxonomy's permanent classes (core/errors.ts, STYLE §10) and an
 * error the activity layer could not classify (activities/failures.ts). Activities also throw these as
 * non-retryable ApplicationFailures; listing them keeps a policy given in YAML from retrying them.
 */
export const NON_RETRYABLE_ERROR_TYPES = ['PermanentError', 'InvariantViolation', 'UnclassifiedError'];

/** The Temporal retry policy of `spec`, with the non-retryable types. */
export function retryPolicy(spec: RetrySpec): RetryPolicy {
  return {
    maximumAttempts: spec.maximumAttempts,
    initialInterval: spec.initialIntervalMs,
    backoffCoefficient: spec.backoffCoefficient,
    maximumInterval: spec.maximumIntervalMs,
    nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
  };
}

/** Retry policy of the activities of the ingest and backtest child workflows (same as steps'). */
export const CHILD_ACTIVITY_RETRY: RetryPolicy = retryPolicy(STEP_RETRY_DEFAULT);

/** Effective timeouts of an activity step: the step's overrides over its type's defaults. */
export function stepTimeouts(step: PlanStep, uses: ActivityStepType): StepActivityTimeouts {
  const defaults = stepActivityDefaults[uses];
  const heartbeatTimeoutMs = step.heartbeatTimeoutMs ?? defaults.heartbeatTimeoutMs;
  return {
    startToCloseMs: step.timeoutMs ?? defaults.startToCloseMs,
    ...(heartbeatTimeoutMs === undefined ? {} : { heartbeatTimeoutMs }),
  };
}

/** Options of the proxy that runs the activity of `step` (of type `uses`). */
export function stepActivityOptions(
  step: PlanStep,
  uses: ActivityStepType,
  summary: string,
): ActivityOptions {
  const timeouts = stepTimeouts(step, uses);
  return {
    startToCloseTimeout: timeouts.startToCloseMs,
    ...(timeouts.heartbeatTimeoutMs === undefined ? {} : { heartbeatTimeout: timeouts.heartbeatTimeoutMs }),
    retry: retryPolicy(step.retry ?? STEP_RETRY_DEFAULT),
    summary,
  };
}
