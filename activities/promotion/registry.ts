/**
 * Registry activities of the promotion workflows: status (alias) changes with who and why, the slots
 * that follow an alias, the previous champion (for a rollback), alias resolution and evidence.
 * All thin over db/repositories/model-history.ts, model-evidence.ts, deployments.ts and models.ts;
 * their job here is the strict input boundary and the idempotency keys.
 */
import { z } from 'zod';
import { getSlot, touchAliasFollowers as touchFollowers } from '../../db/repositories/deployments.ts';
import { addEvidence, EvidenceKind } from '../../db/repositories/model-evidence.ts';
import {
  changeStatus,
  previousChampion as previousChampionOf,
  type HistoryRow,
} from '../../db/repositories/model-history.ts';
import { listModelVersions, ModelStatus } from '../../db/repositories/models.ts';
import {
  BySchema,
  IdempotencyKeySchema,
  ModelNameSchema,
  parsePromotionInput,
  ReasonSchema,
  VersionIdSchema,
  workflowRef,
  WorkflowRefShape,
  type PromotionDeps,
} from './input.ts';

export const ChangeModelStatusInputSchema = z.strictObject({
  versionId: VersionIdSchema,
  to: ModelStatus,
  by: BySchema,
  reason: ReasonSchema,
  /** e.g. `<workflowId>.promote`: a retried attempt writes no second history row. */
  idempotencyKey: IdempotencyKeySchema,
  ...WorkflowRefShape,
});
export type ChangeModelStatusInput = z.input<typeof ChangeModelStatusInputSchema>;

/**
 * Changes the status of a version (its alias): `champion` retires the current champion, `challenger`
 * moves the current challenger back to `candidate`, one history row per version changed, atomically.
 * @returns the history rows of the change (empty when the status was already `to`); a retry of the same
 *   key returns the first attempt's rows and writes nothing
 * @throws PermanentError `PROMOTION_INVALID_INPUT` naming the field; `MODEL_NOT_FOUND`,
 *   `MODEL_STATUS_INVALID` from the repository
 */
export async function changeModelStatus(
  deps: PromotionDeps,
  raw: ChangeModelStatusInput,
): Promise<{ changed: readonly HistoryRow[] }> {
  const input = parsePromotionInput(ChangeModelStatusInputSchema, raw, 'changeModelStatus');
  const { changed } = await changeStatus(deps.db, {
    versionId: input.versionId,
    to: input.to,
    by: input.by,
    reason: input.reason,
    idempotencyKey: input.idempotencyKey,
    ...workflowRef(input),
  });
  deps.log.info(
    {
      versionId: input.versionId,
      to: input.to,
      by: input.by,
      idempotencyKey: input.idempotencyKey,
      changed: changed.map((r) => `${r.versionId}: ${r.from} → ${r.to}`),
    },
    'model status changed',
  );
  return { changed };
}

export const TouchAliasFollowersInputSchema = z.strictObject({
  modelName: ModelNameSchema,
  by: BySchema,
  reason: ReasonSchema,
  /** Default `touch:<workflowId>:<runId>` when the workflow is given: a retried attempt bumps no slot twice. */
  idempotencyKey: IdempotencyKeySchema.optional(),
  ...WorkflowRefShape,
});
export type TouchAliasFollowersInput = z.input<typeof TouchAliasFollowersInputSchema>;

/**
 * Bumps the desired revision of every slot of `modelName` whose desired model is an alias, so their
 * engines resolve the alias again after a promotion or rollback changed what it names.
 * Keyed (`idempotencyKey`, by default the workflow run): a retried attempt bumps no slot twice.
 * @returns each slot touched and its current desired revision (the one to await)
 * @throws PermanentError `PROMOTION_INVALID_INPUT` naming the field; `DB_*`
 */
export async function touchAliasFollowers(
  deps: PromotionDeps,
  raw: TouchAliasFollowersInput,
): Promise<{ slots: { slotId: string; revision: number }[] }> {
  const input = parsePromotionInput(TouchAliasFollowersInputSchema, raw, 'touchAliasFollowers');
  const key =
    input.idempotencyKey ??
    (input.workflowId === undefined ? undefined : `touch:${input.workflowId}:${input.runId ?? ''}`);
  const ids = await touchFollowers(
    deps.db,
    input.modelName,
    { by: input.by, reason: input.reason, ...workflowRef(input) },
    key,
  );
  const slots: { slotId: string; revision: number }[] = [];
  for (const slotId of ids) {
    const slot = await getSlot(deps.db, slotId);
    if (slot !== undefined) slots.push({ slotId, revision: slot.desired.revision });
  }
  deps.log.info({ modelName: input.modelName, by: input.by, slots }, 'alias followers touched');
  return { slots };
}

export const PreviousChampionInputSchema = z.strictObject({ modelName: ModelNameSchema });
export type PreviousChampionInput = z.input<typeof PreviousChampionInputSchema>;

/**
 * The champion before the current one (from the status history), for a rollback.
 * @returns its version id, or null when the name never had another champion
 * @throws PermanentError `PROMOTION_INVALID_INPUT`
 */
export async function previousChampion(
  deps: PromotionDeps,
  raw: PreviousChampionInput,
): Promise<{ versionId: string | null }> {
  const { modelName } = parsePromotionInput(PreviousChampionInputSchema, raw, 'previousChampion');
  return { versionId: (await previousChampionOf(deps.db, modelName)) ?? null };
}

export const ResolveAliasInputSchema = z.strictObject({
  modelName: ModelNameSchema,
  alias: z.enum(['champion', 'challenger']),
});
export type ResolveAliasInput = z.input<typeof ResolveAliasInputSchema>;

/**
 * The version an alias of `modelName` names now (the aliases are the statuses, ≤ 1 each).
 * @returns its version id, or null when no version holds the alias
 * @throws PermanentError `PROMOTION_INVALID_INPUT`
 */
export async function resolveAlias(
  deps: PromotionDeps,
  raw: ResolveAliasInput,
): Promise<{ versionId: string | null }> {
  const { modelName, alias } = parsePromotionInput(ResolveAliasInputSchema, raw, 'resolveAlias');
  const [version] = await listModelVersions(deps.db, { name: modelName, status: alias });
  return { versionId: version?.id ?? null };
}

export const RecordEvidenceInputSchema = z.strictObject({
  versionId: VersionIdSchema,
  kind: EvidenceKind,
  /** The figures or decision, a JSON object (stored as jsonb). */
  payload: z.record(z.string(), z.unknown()),
  by: BySchema,
  idempotencyKey: IdempotencyKeySchema,
  ...WorkflowRefShape,
});
export type RecordEvidenceInput = z.input<typeof RecordEvidenceInputSchema>;

/**
 * Links evidence to a version. Idempotent per key (a retry returns the stored row's id).
 * @throws PermanentError `PROMOTION_INVALID_INPUT` naming the field; `DB_*` (e.g. unknown version)
 */
export async function recordEvidence(deps: PromotionDeps, raw: RecordEvidenceInput): Promise<{ id: number }> {
  const input = parsePromotionInput(RecordEvidenceInputSchema, raw, 'recordEvidence');
  const { id, created } = await addEvidence(deps.db, {
    versionId: input.versionId,
    kind: input.kind,
    payload: input.payload,
    by: input.by,
    idempotencyKey: input.idempotencyKey,
    ...workflowRef(input),
  });
  deps.log.info({ versionId: input.versionId, kind: input.kind, id, created }, 'evidence recorded');
  return { id };
}
