/**
 * Changing slots from a workflow: set each slot's desired state, then await every engine's
 * acknowledgement of the exact revision (the engines apply in parallel). Workflow code only.
 */
import { ActivityFailure, workflowInfo } from '@temporalio/workflow';
import { awaitApplied, promotionActivities } from './activity-options.ts';
import type { Actor, AppliedSlot, DesiredState } from './types.ts';

/** One slot change. */
export interface SlotChange {
  readonly slotId: string;
  readonly desired: DesiredState;
}

/** The workflow and run making a change (recorded with every change). */
export function runRef(): { workflowId: string; runId: string } {
  const info = workflowInfo();
  return { workflowId: info.workflowId, runId: info.runId };
}

/**
 * Sets the desired state of every slot (in order), then awaits every apply.
 * @returns what each engine applied, in input order
 * @throws ActivityFailure (PermanentError SLOT_APPLY_TIMEOUT) when an engine does not apply within
 *   `timeoutMs`, naming the slot's last heartbeat
 */
export async function applySlots(
  changes: readonly SlotChange[],
  actor: Actor,
  timeoutMs: number,
): Promise<AppliedSlot[]> {
  const { setSlotDesired } = promotionActivities();
  const revisions: number[] = [];
  for (const change of changes) {
    const { revision } = await setSlotDesired({ ...change, ...actor, ...runRef() });
    revisions.push(revision);
  }
  const awaitSlotApplied = awaitApplied(timeoutMs);
  return Promise.all(
    changes.map(async (change, i) => {
      const revision = revisions[i] ?? 0;
      const applied = await awaitSlotApplied({ slotId: change.slotId, revision, timeoutMs });
      return {
        slotId: change.slotId,
        revision,
        version: applied.version,
        capitalFraction: applied.capitalFraction,
      };
    }),
  );
}

/** A slot whose engine did not confirm a change (SLOT_APPLY_TIMEOUT / SLOT_APPLY_FAILED). */
export interface UnconfirmedSlot {
  readonly slotId: string;
  /** The desired revision set (the engine applies it when it comes back). */
  readonly revision: number;
  readonly error: string;
}

/**
 * Like {@link applySlots}, but an engine that does not confirm (an ActivityFailure of its wait) does
 * not fail the others: its slot is returned in `unconfirmed`. The desired state is written for every
 * slot all the same, so a dead engine applies it when it comes back.
 * @returns the slots applied (input order) and the unconfirmed ones
 * @throws what setSlotDesired throws (the desired state could not be written)
 */
export async function applySlotsSettled(
  changes: readonly SlotChange[],
  actor: Actor,
  timeoutMs: number,
): Promise<{ applied: AppliedSlot[]; unconfirmed: UnconfirmedSlot[] }> {
  const { setSlotDesired } = promotionActivities();
  const revisions: number[] = [];
  for (const change of changes) {
    const { revision } = await setSlotDesired({ ...change, ...actor, ...runRef() });
    revisions.push(revision);
  }
  const awaitSlotApplied = awaitApplied(timeoutMs);
  const settled = await Promise.all(
    changes.map(async (change, i): Promise<AppliedSlot | UnconfirmedSlot> => {
      const revision = revisions[i] ?? 0;
      try {
        const a = await awaitSlotApplied({ slotId: change.slotId, revision, timeoutMs });
        return { slotId: change.slotId, revision, version: a.version, capitalFraction: a.capitalFraction };
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        return { slotId: change.slotId, revision, error: err.cause?.message ?? err.message };
      }
    }),
  );
  return {
    applied: settled.filter((s): s is AppliedSlot => 'version' in s),
    unconfirmed: settled.filter((s): s is UnconfirmedSlot => 'error' in s),
  };
}

/** Awaits the applies of revisions bumped elsewhere (e.g. touchAliasFollowers). */
export async function awaitRevisions(
  slots: readonly { slotId: string; revision: number }[],
  timeoutMs: number,
): Promise<AppliedSlot[]> {
  const awaitSlotApplied = awaitApplied(timeoutMs);
  return Promise.all(
    slots.map(async ({ slotId, revision }) => {
      const applied = await awaitSlotApplied({ slotId, revision, timeoutMs });
      return { slotId, revision, version: applied.version, capitalFraction: applied.capitalFraction };
    }),
  );
}
