/**
 * The evidence a promotion rests on, linked to the model version it is about (migration 0013): holdout
 * gate results, A/B statistics, canary step metrics, decisions, rollbacks, promotions — each with who
 * recorded it and from which workflow run.
 */
import { z } from 'zod';
import { PermanentError } from '../../core/errors.ts';
import { EpochMsOutput, JsonObject, NonEmpty, parseInput, parseRows, SafeIntOutput } from '../codec.ts';
import { execute } from '../errors.ts';
import type { Queryable } from '../queryable.ts';

/** What a piece of evidence is. */
export const EvidenceKind = z.enum([
  'holdout-gate',
  'ab-test',
  'canary-step',
  'decision',
  'rollback',
  'promotion',
]);
export type EvidenceKind = z.infer<typeof EvidenceKind>;

/** A piece of evidence to record. */
export const NewEvidence = z.object({
  /** `<name>@<n>` the evidence is about. */
  versionId: NonEmpty,
  kind: EvidenceKind,
  /** Figures and decision, stored as jsonb (keep it small: statistics, not samples). */
  payload: JsonObject,
  by: NonEmpty,
  workflowId: NonEmpty.optional(),
  runId: NonEmpty.optional(),
  /** Makes a retried write land once (e.g. `<workflowId>.<step>`). */
  idempotencyKey: NonEmpty.optional(),
});
export type NewEvidence = z.input<typeof NewEvidence>;

/** A stored piece of evidence. */
export interface EvidenceRow {
  readonly id: number;
  readonly versionId: string;
  readonly kind: EvidenceKind;
  readonly payload: Readonly<Record<string, unknown>>;
  /** Unix epoch ms. */
  readonly atMs: number;
  readonly by: string;
  readonly workflowId: string | undefined;
  readonly runId: string | undefined;
  readonly idempotencyKey: string | undefined;
}

const EvidenceDbRow = z
  .object({
    id: SafeIntOutput,
    version_id: z.string(),
    kind: EvidenceKind,
    payload: JsonObject,
    at: EpochMsOutput,
    by: z.string(),
    workflow_id: z.string().nullable(),
    run_id: z.string().nullable(),
    idempotency_key: z.string().nullable(),
  })
  .transform((r): EvidenceRow => ({
    id: r.id,
    versionId: r.version_id,
    kind: r.kind,
    payload: r.payload,
    atMs: r.at,
    by: r.by,
    workflowId: r.workflow_id ?? undefined,
    runId: r.run_id ?? undefined,
    idempotencyKey: r.idempotency_key ?? undefined,
  }));

const COLUMNS = 'id, version_id, kind, payload, at, by, workflow_id, run_id, idempotency_key';

/**
 * Records a piece of evidence. Idempotent on `idempotencyKey`: a repeated key returns the first row's id
 * with `created: false` and writes nothing.
 * @throws PermanentError `MODEL_NOT_FOUND` (unknown version), `IDEMPOTENCY_KEY_CONFLICT` (the key was
 *   used for evidence of another version or kind), `DB_INVALID_INPUT`.
 */
export async function addEvidence(
  db: Queryable,
  evidence: NewEvidence,
): Promise<{ id: number; created: boolean }> {
  const e = parseInput(NewEvidence, evidence, 'evidence');
  let result;
  try {
    result = await execute(
      db,
      `add ${e.kind} evidence to ${e.versionId}`,
      `INSERT INTO model_evidence (version_id, kind, payload, by, workflow_id, run_id, idempotency_key)
       VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7) ON CONFLICT (idempotency_key) DO NOTHING RETURNING ${COLUMNS}`,
      [
        e.versionId,
        e.kind,
        JSON.stringify(e.payload),
        e.by,
        e.workflowId ?? null,
        e.runId ?? null,
        e.idempotencyKey ?? null,
      ],
    );
  } catch (err) {
    if (err instanceof PermanentError && err.details?.['constraint'] === 'model_evidence_version_fkey')
      throw new PermanentError('MODEL_NOT_FOUND', `model version ${e.versionId} does not exist`, {
        id: e.versionId,
      });
    throw err;
  }
  const [created] = parseRows(EvidenceDbRow, result.rows, 'model_evidence');
  if (created !== undefined) return { id: created.id, created: true };
  const stored = await execute(
    db,
    `read evidence ${e.idempotencyKey ?? ''}`,
    `SELECT ${COLUMNS} FROM model_evidence WHERE idempotency_key = $1`,
    [e.idempotencyKey ?? null],
  );
  const [existing] = parseRows(EvidenceDbRow, stored.rows, 'model_evidence');
  if (existing === undefined)
    throw new Error(`evidence ${e.idempotencyKey ?? ''}: neither inserted nor found`);
  if (existing.versionId !== e.versionId || existing.kind !== e.kind)
    throw new PermanentError(
      'IDEMPOTENCY_KEY_CONFLICT',
      `evidence ${e.idempotencyKey ?? ''} is ${existing.kind} of ${existing.versionId}, not ${e.kind} of ${e.versionId}`,
      { idempotencyKey: e.idempotencyKey },
    );
  return { id: existing.id, created: false };
}

/** The evidence of version `versionId`, oldest first. */
export async function listEvidence(db: Queryable, versionId: string): Promise<EvidenceRow[]> {
  const result = await execute(
    db,
    `list evidence of ${versionId}`,
    `SELECT ${COLUMNS} FROM model_evidence WHERE version_id = $1 ORDER BY at, id`,
    [versionId],
  );
  return parseRows(EvidenceDbRow, result.rows, 'model_evidence');
}
