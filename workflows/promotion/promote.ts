/**
 * Promotion (issue 14): challenger → champion, the old champion retired in the same transaction
 * (changeModelStatus), slots following the aliases re-applied (touchAliasFollowers) and each engine's
 * apply awaited, the promotion stored as evidence. Approval `given` (the pipeline's or the CLI's, with
 * `by` and `reason` in the input) or `manual`: the workflow waits for the Update `approve {by, reason}`
 * (or `reject`) until `approvalTimeout`. Idempotency keys `${workflowId}/<step>`.
 *
 * From the Web UI: `promoteWorkflow`, task queue mmflow, input
 * `{"challenger": "NAME@N", "approval": "manual", "championSlots": ["paper-a"]}`, then the Update
 * `approve` with `{"by": "alice", "reason": "canary clean"}`.
 */
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import {
  modelNameOf,
  promoteStepInputSchema,
  type WorkflowInput,
} from '../../pipeline-dsl/promotion-steps.ts';
import { MODEL_VERSION_KEY, OUTCOME_KEY, STEP_KEY } from '../search-attributes.ts';
import { promotionActivities } from './activity-options.ts';
import { DecisionGate } from './gate.ts';
import { parseWorkflowInput, refused } from './parse.ts';
import { applySlots, awaitRevisions, runRef } from './slots.ts';
import type { Actor, PromoteResult } from './types.ts';

/** Input of {@link promoteWorkflow} (pipeline-dsl/promotion-steps.ts `promoteStepInputSchema`). */
export type PromoteInput = WorkflowInput<typeof promoteStepInputSchema>;

/**
 * Promotes `input.challenger` to champion.
 * @returns the new champion, the retired one, who approved and why, the slots as applied
 * @throws ApplicationFailure PromotionRefused for bad input or a rejected manual approval;
 *   PromotionApprovalTimedOut when no decision came in time; ActivityFailure (MODEL_STATUS_INVALID,
 *   SLOT_APPLY_TIMEOUT) from the activities
 */
export async function promoteWorkflow(raw: PromoteInput): Promise<PromoteResult> {
  const gate = new DecisionGate();
  gate.install();
  const input = parseWorkflowInput(promoteStepInputSchema, raw, 'promote');
  const { challenger, applyTimeoutMs } = input;
  const modelName = modelNameOf(challenger);
  const wf = workflowInfo().workflowId;
  upsertSearchAttributes([
    { key: STEP_KEY, value: 'promote' },
    { key: MODEL_VERSION_KEY, value: challenger },
  ]);
  const acts = promotionActivities();

  let actor: Actor;
  if (input.approval === 'given') {
    actor = { by: input.by ?? '', reason: input.reason ?? '' };
  } else {
    upsertSearchAttributes([{ key: OUTCOME_KEY, value: 'waiting-approval' }]);
    const decision = await gate.wait(`promote ${challenger}`, input.approvalTimeoutMs, input.approvers);
    if (decision === null || decision.decision === 'rejected') {
      upsertSearchAttributes([{ key: OUTCOME_KEY, value: 'rejected' }]);
      throw refused(
        `promote: ${challenger} rejected by ${decision?.by ?? 'nobody'}: ${decision?.reason ?? 'no decision'}`,
      );
    }
    actor = { by: decision.by, reason: decision.reason };
  }

  // Read before the change: a retried changeModelStatus returns no rows (its first attempt wrote them).
  const before = (await acts.resolveAlias({ modelName, alias: 'champion' })).versionId;
  await acts.changeModelStatus({
    versionId: challenger,
    to: 'champion',
    ...actor,
    ...runRef(),
    idempotencyKey: `${wf}/promote`,
  });
  const retired = before === challenger ? null : before;

  const touched = await acts.touchAliasFollowers({ modelName, ...actor, ...runRef() });
  const set = await applySlots(
    [
      ...input.challengerSlots.map((slotId) => ({
        slotId,
        desired: { model: 'champion', capitalFraction: 0, riskState: 'halted' as const },
      })),
      ...input.championSlots.map((slotId) => ({
        slotId,
        desired: { model: 'champion', capitalFraction: 1, riskState: 'active' as const },
      })),
    ],
    actor,
    applyTimeoutMs,
  );
  const named = new Set([...input.championSlots, ...input.challengerSlots]);
  const followers = await awaitRevisions(
    touched.slots.filter((s) => !named.has(s.slotId)),
    applyTimeoutMs,
  );
  const slots = [...set, ...followers];

  const { id: evidenceId } = await acts.recordEvidence({
    versionId: challenger,
    kind: 'promotion',
    payload: { ...actor, approval: input.approval, retired, slots },
    by: actor.by,
    ...runRef(),
    idempotencyKey: `${wf}/evidence`,
  });
  upsertSearchAttributes([{ key: OUTCOME_KEY, value: 'promoted' }]);
  return { champion: challenger, retired, approvedBy: actor.by, reason: actor.reason, slots, evidenceId };
}
