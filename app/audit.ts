/**
 * The decision trail of a pipeline run (or of any mmflow workflow: promotion, rollback, kill), read from Temporal workflow history (the audit trail): what
 * ran with which inputs and results, who approved or rejected what, when and why. Child workflows are
 * followed (one level per step), so a step's activities appear under it.
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter, tsToMs } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';

/** One line of the trail. */
export interface AuditEntry {
  /** Event time, Unix epoch ms. */
  readonly timeMs: number;
  readonly workflowId: string;
  readonly event:
    | 'workflow-started'
    | 'workflow-completed'
    | 'workflow-failed'
    | 'workflow-cancelled'
    | 'workflow-terminated'
    | 'workflow-continued-as-new'
    | 'child-started'
    | 'child-completed'
    | 'child-failed'
    | 'activity-scheduled'
    | 'activity-completed'
    | 'activity-failed'
    | 'timer-started'
    | 'timer-fired'
    | 'update-accepted'
    | 'update-completed'
    | 'signal';
  /** Workflow type, activity type, timer id or update name. */
  readonly name: string;
  /** Input or result, decoded (JSON-safe). */
  readonly data: unknown;
  /** Who did it (client identity, or the approver named in an approve/reject update). */
  readonly actor: string | undefined;
  /** A reason given with an update, or a failure message. */
  readonly reason: string | undefined;
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Payloads = temporal.api.common.v1.IPayloads | null | undefined;

function decode(payloads: Payloads): unknown {
  const list = payloads?.payloads ?? [];
  const values = list.map((p) => {
    try {
      return defaultPayloadConverter.fromPayload(p);
    } catch {
      return '(undecodable payload)';
    }
  });
  return values.length === 1 ? values[0] : values;
}

function field(value: unknown, key: string): string | undefined {
  if (value !== null && typeof value === 'object' && key in value) {
    const v = (value as Record<string, unknown>)[key];
    return typeof v === 'string' ? v : undefined;
  }
  return undefined;
}

function entriesOf(
  workflowId: string,
  events: readonly HistoryEvent[],
): { entries: AuditEntry[]; children: string[] } {
  const entries: AuditEntry[] = [];
  const children: string[] = [];
  const activityNames = new Map<string, string>();
  const updateNames = new Map<string, string>();
  for (const e of events) {
    const timeMs = tsToMs(e.eventTime);
    const base = { timeMs, workflowId, actor: undefined, reason: undefined };
    const id = String(e.eventId ?? '');
    if (e.workflowExecutionStartedEventAttributes) {
      const a = e.workflowExecutionStartedEventAttributes;
      entries.push({
        ...base,
        event: 'workflow-started',
        name: a.workflowType?.name ?? '',
        data: decode(a.input),
        actor: a.identity ?? undefined,
      });
    } else if (e.workflowExecutionCompletedEventAttributes) {
      entries.push({
        ...base,
        event: 'workflow-completed',
        name: 'result',
        data: decode(e.workflowExecutionCompletedEventAttributes.result),
      });
    } else if (e.workflowExecutionFailedEventAttributes) {
      entries.push({
        ...base,
        event: 'workflow-failed',
        name: 'failure',
        data: undefined,
        reason: e.workflowExecutionFailedEventAttributes.failure?.message ?? undefined,
      });
    } else if (e.workflowExecutionCanceledEventAttributes) {
      entries.push({
        ...base,
        event: 'workflow-cancelled',
        name: 'cancelled',
        data: decode(e.workflowExecutionCanceledEventAttributes.details),
      });
    } else if (e.workflowExecutionTerminatedEventAttributes) {
      const a = e.workflowExecutionTerminatedEventAttributes;
      entries.push({
        ...base,
        event: 'workflow-terminated',
        name: 'terminated',
        data: undefined,
        actor: a.identity ?? undefined,
        reason: a.reason ?? undefined,
      });
    } else if (e.workflowExecutionContinuedAsNewEventAttributes) {
      entries.push({ ...base, event: 'workflow-continued-as-new', name: 'continue-as-new', data: undefined });
    } else if (e.startChildWorkflowExecutionInitiatedEventAttributes) {
      const a = e.startChildWorkflowExecutionInitiatedEventAttributes;
      const childId = a.workflowId ?? '';
      children.push(childId);
      entries.push({
        ...base,
        event: 'child-started',
        name: `${a.workflowType?.name ?? ''} ${childId}`,
        data: decode(a.input),
      });
    } else if (e.childWorkflowExecutionCompletedEventAttributes) {
      const a = e.childWorkflowExecutionCompletedEventAttributes;
      entries.push({
        ...base,
        event: 'child-completed',
        name: `${a.workflowType?.name ?? ''} ${a.workflowExecution?.workflowId ?? ''}`,
        data: decode(a.result),
      });
    } else if (e.childWorkflowExecutionFailedEventAttributes) {
      const a = e.childWorkflowExecutionFailedEventAttributes;
      entries.push({
        ...base,
        event: 'child-failed',
        name: `${a.workflowType?.name ?? ''} ${a.workflowExecution?.workflowId ?? ''}`,
        data: undefined,
        reason: a.failure?.cause?.message ?? a.failure?.message ?? undefined,
      });
    } else if (e.activityTaskScheduledEventAttributes) {
      const a = e.activityTaskScheduledEventAttributes;
      const name = a.activityType?.name ?? '';
      activityNames.set(id, name);
      const input = decode(a.input);
      // Decisions made through activities (status changes, slot changes of the promotion
      // workflows) carry who and why in their input: the trail shows them.
      entries.push({
        ...base,
        event: 'activity-scheduled',
        name,
        data: input,
        actor: field(input, 'by'),
        reason: field(input, 'reason'),
      });
    } else if (e.activityTaskCompletedEventAttributes) {
      const a = e.activityTaskCompletedEventAttributes;
      entries.push({
        ...base,
        event: 'activity-completed',
        name: activityNames.get(String(a.scheduledEventId ?? '')) ?? '',
        data: decode(a.result),
        actor: a.identity ?? undefined,
      });
    } else if (e.activityTaskFailedEventAttributes) {
      const a = e.activityTaskFailedEventAttributes;
      entries.push({
        ...base,
        event: 'activity-failed',
        name: activityNames.get(String(a.scheduledEventId ?? '')) ?? '',
        data: undefined,
        reason: a.failure?.message ?? undefined,
      });
    } else if (e.timerStartedEventAttributes) {
      const a = e.timerStartedEventAttributes;
      entries.push({
        ...base,
        event: 'timer-started',
        name: a.timerId ?? '',
        data: { startToFireMs: tsToMs(a.startToFireTimeout) },
      });
    } else if (e.timerFiredEventAttributes) {
      entries.push({
        ...base,
        event: 'timer-fired',
        name: e.timerFiredEventAttributes.timerId ?? '',
        data: undefined,
      });
    } else if (e.workflowExecutionUpdateAcceptedEventAttributes) {
      const a = e.workflowExecutionUpdateAcceptedEventAttributes;
      const name = a.acceptedRequest?.input?.name ?? '';
      const args = decode(a.acceptedRequest?.input?.args);
      updateNames.set(a.protocolInstanceId ?? '', name);
      entries.push({
        ...base,
        event: 'update-accepted',
        name,
        data: args,
        actor: field(args, 'approver') ?? field(args, 'by') ?? a.acceptedRequest?.meta?.identity ?? undefined,
        reason: field(args, 'reason'),
      });
    } else if (e.workflowExecutionUpdateCompletedEventAttributes) {
      const a = e.workflowExecutionUpdateCompletedEventAttributes;
      const outcome = a.outcome?.success ? decode(a.outcome.success) : undefined;
      entries.push({
        ...base,
        event: 'update-completed',
        name: updateNames.get(a.meta?.updateId ?? '') ?? a.meta?.updateId ?? '',
        data: outcome,
        reason: a.outcome?.failure?.message ?? undefined,
      });
    } else if (e.workflowExecutionSignaledEventAttributes) {
      const a = e.workflowExecutionSignaledEventAttributes;
      entries.push({
        ...base,
        event: 'signal',
        name: a.signalName ?? '',
        data: decode(a.input),
        actor: a.identity ?? undefined,
      });
    }
  }
  return { entries, children };
}

/**
 * Reads the trail of a workflow and its child workflows (up to `depth` levels), oldest first.
 * @throws the client's WorkflowNotFoundError for an unknown id.
 */
export async function readAuditTrail(client: Client, workflowId: string, depth = 2): Promise<AuditEntry[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const { entries, children } = entriesOf(workflowId, history.events ?? []);
  if (depth > 0) {
    for (const child of children) entries.push(...(await readAuditTrail(client, child, depth - 1)));
  }
  return entries.sort((a, b) => a.timeMs - b.timeMs);
}
