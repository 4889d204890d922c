/**
 * The desired-state changes of engine slots (`deployment_changes`, migration 0013), written by
 * db/repositories/deployments.ts with every revision: the slot's audit trail next to the workflow
 * history (`mmflow slots show`).
 */
import { z } from 'zod';
import { EpochMsOutput, parseInput, parseRows, SafeIntInput, SafeIntOutput } from '../codec.ts';
import { execute } from '../errors.ts';
import type { Queryable } from '../queryable.ts';
import type { DesiredState } from './deployments.ts';

const RiskState = z.enum(['active', 'halted']);

/** One desired-state change of a slot (its audit trail). */
export interface SlotChange extends DesiredState {
  readonly slotId: string;
  readonly revision: number;
  /** Unix epoch ms. */
  readonly atMs: number;
  readonly by: string;
  readonly reason: string;
  readonly workflowId: string | undefined;
  readonly runId: string | undefined;
}

const SlotChangeRow = z
  .object({
    deployment_id: z.string(),
    revision: SafeIntOutput,
    desired_model: z.string(),
    desired_capital_fraction: z.number(),
    desired_risk_state: RiskState,
    at: EpochMsOutput,
    by: z.string(),
    reason: z.string(),
    workflow_id: z.string().nullable(),
    run_id: z.string().nullable(),
  })
  .transform((r): SlotChange => ({
    slotId: r.deployment_id,
    revision: r.revision,
    model: r.desired_model,
    capitalFraction: r.desired_capital_fraction,
    riskState: r.desired_risk_state,
    atMs: r.at,
    by: r.by,
    reason: r.reason,
    workflowId: r.workflow_id ?? undefined,
    runId: r.run_id ?? undefined,
  }));

/**
 * The desired-state changes of slot `id` by revision, oldest first.
 * @param opts.limit only the most recent `limit` changes.
 */
export async function listSlotChanges(
  db: Queryable,
  id: string,
  opts: { readonly limit?: number } = {},
): Promise<SlotChange[]> {
  const limit = opts.limit === undefined ? null : parseInput(SafeIntInput.min(1), opts.limit, 'limit');
  const result = await execute(
    db,
    `list changes of slot ${id}`,
    `SELECT * FROM (
       SELECT deployment_id, revision, desired_model, desired_capital_fraction, desired_risk_state, at, by, reason,
              workflow_id, run_id
       FROM deployment_changes WHERE deployment_id = $1 ORDER BY revision DESC LIMIT $2
     ) c ORDER BY revision`,
    [id, limit],
  );
  return parseRows(SlotChangeRow, result.rows, 'deployment_changes');
}
