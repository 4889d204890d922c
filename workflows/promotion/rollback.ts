/**
 * Rollback (issue 14): pulls the challenger's quotes first — its slots to capital 0 and halted, each
 * engine's apply awaited — then restores the champion: when the rolled-back version had been promoted,
 * the previous champion from the status history becomes champion again (the bad one is retired by that
 * change); otherwise the challenger is demoted. Alias followers are re-applied, the champion slots put
 * back to `championFraction`, and the rollback is stored as evidence on the rolled-back version. Every
 * change carries who and why and an idempotency key `${workflowId}/<step>`.
 *
 * A challenger engine that does not confirm the pull (dead: SLOT_APPLY_TIMEOUT after applyTimeout, or
 * SLOT_APPLY_FAILED) does not stop the rollback: its slot's desired state is halted at capital 0 (a dead
 * engine quotes nothing; it applies the halt when it comes back), the slot is listed in the result's
 * `unconfirmed` and in the evidence, and the champion is restored. A slot in both lists (a champion
 * follower of a promoted version rolled back) is pulled in step 1, then restored in step 3.
 *
 * Starts from the Web UI (`rollbackWorkflow`, task queue mmflow, input
 * `{"challenger": "NAME@N", "challengerSlots": ["paper-b"], "championSlots": ["paper-a"], "by": "alice", "reason": "drawdown"}`;
 * with no slots named, every slot of the model that quotes NAME@N and every champion follower — the
 * `affectedSlots` activity), from `mmflow rollback`, and as a child of the canary and the A/B test.
 */
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import {
  modelNameOf,
  rollbackStepInputSchema,
  type WorkflowInput,
} from '../../pipeline-dsl/promotion-steps.ts';
import { MODEL_VERSION_KEY, OUTCOME_KEY, STEP_KEY } from '../search-attributes.ts';
import { promotionActivities } from './activity-options.ts';
import { parseWorkflowInput, refused } from './parse.ts';
import { applySlots, applySlotsSettled, awaitRevisions, runRef } from './slots.ts';
import type { RollbackResult } from './types.ts';

/** Input of {@link rollbackWorkflow} (pipeline-dsl/promotion-steps.ts `rollbackStepInputSchema`). */
export type RollbackInput = WorkflowInput<typeof rollbackStepInputSchema>;

/**
 * Rolls `input.challenger` back.
 * @returns the version rolled back, the champion now, the slots as applied, the evidence id
 * @throws ApplicationFailure PromotionRefused for bad input, or when a promoted version has no
 *   previous champion to restore (its quotes are pulled first all the same); ActivityFailure
 *   (SLOT_APPLY_TIMEOUT) when an engine does not apply in time
 */
export async function rollbackWorkflow(raw: RollbackInput): Promise<RollbackResult> {
  const input = parseWorkflowInput(rollbackStepInputSchema, raw, 'rollback');
  const { challenger, by, reason, applyTimeoutMs } = input;
  const modelName = modelNameOf(challenger);
  const wf = workflowInfo().workflowId;
  const actor = { by, reason };
  upsertSearchAttributes([
    { key: STEP_KEY, value: 'rollback' },
    { key: MODEL_VERSION_KEY, value: challenger },
  ]);
  const acts = promotionActivities();

  // 0. No slot named (the Web UI, `mmflow rollback` without slots): every slot of the model that
  // quotes the version, and every champion follower.
  const named = input.challengerSlots.length > 0 || input.championSlots.length > 0;
  const { challengerSlots, championSlots } = named
    ? input
    : await acts.affectedSlots({ versionId: challenger });

  // 1. The challenger quotes nothing, before anything else changes.
  const { applied: pulled, unconfirmed } = await applySlotsSettled(
    challengerSlots.map((slotId) => ({
      slotId,
      desired: { model: challenger, capitalFraction: 0, riskState: 'halted' as const },
    })),
    actor,
    applyTimeoutMs,
  );

  // 2. Statuses: restore the previous champion when the challenger had been promoted, else demote it.
  const current = (await acts.resolveAlias({ modelName, alias: 'champion' })).versionId;
  let champion = current;
  let restoredPrevious = false;
  if (current === challenger) {
    const previous = (await acts.previousChampion({ modelName })).versionId;
    if (previous === null)
      throw refused(
        `rollback: ${challenger} is champion and no previous champion exists to restore (quotes pulled)`,
      );
    await acts.changeModelStatus({
      versionId: previous,
      to: 'champion',
      ...actor,
      ...runRef(),
      idempotencyKey: `${wf}/restore-champion`,
    });
    champion = previous;
    restoredPrevious = true;
  } else {
    await acts.changeModelStatus({
      versionId: challenger,
      to: input.demoteTo,
      ...actor,
      ...runRef(),
      idempotencyKey: `${wf}/demote`,
    });
  }

  // 3. When the champion changed, slots following the aliases re-resolve (a demoted challenger's
  // slots were pinned to its version in step 1); the champion slots quote the champion again.
  const touched = restoredPrevious
    ? await acts.touchAliasFollowers({ modelName, ...actor, ...runRef() })
    : { slots: [] };
  const restored = await applySlots(
    championSlots.map((slotId) => ({
      slotId,
      desired: { model: 'champion', capitalFraction: input.championFraction, riskState: 'active' as const },
    })),
    actor,
    applyTimeoutMs,
  );
  const others = touched.slots.filter((s) => !championSlots.includes(s.slotId));
  const followers = await awaitRevisions(others, applyTimeoutMs);
  const slots = [...pulled, ...restored, ...followers];

  const { id: evidenceId } = await acts.recordEvidence({
    versionId: challenger,
    kind: 'rollback',
    payload: { ...actor, champion, restoredPrevious, slots, unconfirmed },
    by,
    ...runRef(),
    idempotencyKey: `${wf}/evidence`,
  });
  upsertSearchAttributes([{ key: OUTCOME_KEY, value: 'rolled-back' }]);
  return { rolledBack: challenger, champion, restoredPrevious, slots, unconfirmed, evidenceId };
}
