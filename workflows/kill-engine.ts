/**
 * Kill and resume an engine from a workflow (docs/adr/0011-risk-layer.md, "path for workflows"): the
 * operator's way from the Temporal Web UI or `temporal workflow start`, and the building block of the
 * promotion lifecycle (canary, rollback) whose workflows call the same activities or start these as
 * children. Each runs one activity that writes the latch in PostgreSQL (activities/kill-engine.ts); the
 * engine halts (cancels everything) or resumes within its poll interval (~1 s). The audit trail is the
 * workflow history: its start input holds `engineId`, `reason` and `by`, its result the stored latch.
 *
 * Start one with, e.g.
 * `temporal workflow start --task-queue mmflow --type killEngineWorkflow --workflow-id kill-live-BTCUSDT-1
 *  --input '{"engineId":"live:BTCUSDT","reason":"runaway inventory","by":"alice"}'`.
 */
import { proxyActivities, upsertSearchAttributes, type ActivityOptions } from '@temporalio/workflow';
// Types only: the workflow bundle never loads activity code.
import type { Activities } from '../activities/index.ts';
import type { KillEngineResult, KillSwitchRequest, ResumeEngineResult } from '../activities/kill-engine.ts';
import { CHILD_ACTIVITY_RETRY } from './pipeline/activity-options.ts';
import { OUTCOME_KEY, STEP_KEY } from './search-attributes.ts';

export type { KillEngineResult, KillSwitchRequest, ResumeEngineResult };

/**
 * Options of a proxy of `killEngine` / `resumeEngine`, for any workflow that calls them: two
 * statements take milliseconds, so 30 s per attempt; a transient database error (restart, lost
 * connection) is retried for about 2.5 min (pipeline-dsl/steps.ts `STEP_RETRY_DEFAULT`); permanent
 * errors (bad input, resume of an engine that is not killed) never are. No heartbeat timeout: the
 * start-to-close bounds a lost worker.
 */
export const KILL_SWITCH_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: CHILD_ACTIVITY_RETRY,
};

const { killEngine, resumeEngine } = proxyActivities<Activities>(KILL_SWITCH_ACTIVITY_OPTIONS);

/**
 * Latches the kill switch of `input.engineId`; idempotent (a killed engine keeps its first kill,
 * reported as `alreadyKilled`).
 * @throws ActivityFailure caused by a non-retryable `PermanentError` for bad input (names the field)
 */
export async function killEngineWorkflow(input: KillSwitchRequest): Promise<KillEngineResult> {
  upsertSearchAttributes([{ key: STEP_KEY, value: 'kill-engine' }]);
  const result = await killEngine(input);
  upsertSearchAttributes([{ key: OUTCOME_KEY, value: result.alreadyKilled ? 'already-killed' : 'killed' }]);
  return result;
}

/**
 * Lifts the kill switch of `input.engineId`; the engine quotes again unless another risk condition holds.
 * @throws ActivityFailure caused by a non-retryable `PermanentError` `ENGINE_NOT_KILLED` when the
 *   engine is not killed (never killed, or already resumed), or for bad input
 */
export async function resumeEngineWorkflow(input: KillSwitchRequest): Promise<ResumeEngineResult> {
  upsertSearchAttributes([{ key: STEP_KEY, value: 'resume-engine' }]);
  const result = await resumeEngine(input);
  upsertSearchAttributes([{ key: OUTCOME_KEY, value: 'resumed' }]);
  return result;
}
