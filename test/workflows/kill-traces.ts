/**
 * What worker kills left in Temporal histories: workflow tasks that timed out (a task sent to the dead
 * worker's sticky queue, or started by it) and activities that needed more than one attempt, over a
 * whole Continue-As-New chain (from its first run). Used by the kill-loop tests to show that a kill
 * interrupted something, not only to count kills.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const E = temporal.api.enums.v1.EventType;

/** Counts over every run of a chain. */
export interface KillTraces {
  /** Runs read (1 + the Continue-As-New count). */
  readonly runs: number;
  /** WorkflowTaskTimedOut events. */
  readonly workflowTaskTimeouts: number;
  /** `activityName#attempt` of every activity whose last attempt was not its first. */
  readonly retried: readonly string[];
}

/**
 * Reads the history of `workflowId` from run `firstRunId` through its Continue-As-New successors.
 * @throws the client's errors (unknown workflow or run)
 */
export async function killTraces(
  client: Client,
  workflowId: string,
  firstRunId?: string,
): Promise<KillTraces> {
  let runId: string | undefined = firstRunId;
  let runs = 0;
  let workflowTaskTimeouts = 0;
  const retried: string[] = [];
  do {
    const { events } = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs++;
    runId = undefined;
    const scheduled = new Map<string, string>();
    for (const e of events ?? []) {
      if (e.eventType === E.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) workflowTaskTimeouts++;
      if (e.eventType === E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
        scheduled.set(String(e.eventId), e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?');
      const started = e.activityTaskStartedEventAttributes;
      if (e.eventType === E.EVENT_TYPE_ACTIVITY_TASK_STARTED && (started?.attempt ?? 1) > 1)
        retried.push(`${scheduled.get(String(started?.scheduledEventId)) ?? '?'}#${started?.attempt}`);
      const next = e.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
      if (e.eventType === E.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW && next) runId = next;
    }
  } while (runId !== undefined);
  return { runs, workflowTaskTimeouts, retried };
}
