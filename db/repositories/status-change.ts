/**
 * The statement behind every model status change (migration 0013): sets the status of one version,
 * displaces the holder of the alias it takes and writes one `model_status_history` row per version
 * changed, atomically. Shared by model-history.ts `changeStatus` (idempotency keys, transition rules)
 * and models.ts `setStatus`; it imports nothing from either, so neither depends on the other.
 */
import { z } from 'zod';
import { PermanentError } from '../../core/errors.ts';
import { EpochMsOutput, msToTimestamptz, parseRows, SafeIntOutput } from '../codec.ts';
import { execute } from '../errors.ts';
import type { Queryable } from '../queryable.ts';

/** The statuses (models.ts `ModelStatus`; repeated here to keep this module below models.ts). */
const Status = z.enum(['candidate', 'champion', 'challenger', 'retired']);
type Status = z.infer<typeof Status>;

/** One row of a model's status history. */
export interface HistoryRow {
  readonly id: number;
  readonly modelName: string;
  readonly versionId: string;
  readonly from: Status;
  readonly to: Status;
  /** Unix epoch ms. */
  readonly atMs: number;
  readonly by: string;
  readonly reason: string;
  readonly workflowId: string | undefined;
  readonly runId: string | undefined;
}

export const HistoryDbRow = z
  .object({
    id: SafeIntOutput,
    model_name: z.string(),
    version_id: z.string(),
    from_status: Status,
    to_status: Status,
    at: EpochMsOutput,
    by: z.string(),
    reason: z.string(),
    workflow_id: z.string().nullable(),
    run_id: z.string().nullable(),
    idempotency_key: z.string().nullable(),
  })
  .transform((r) => ({
    key: r.idempotency_key,
    row: {
      id: r.id,
      modelName: r.model_name,
      versionId: r.version_id,
      from: r.from_status,
      to: r.to_status,
      atMs: r.at,
      by: r.by,
      reason: r.reason,
      workflowId: r.workflow_id ?? undefined,
      runId: r.run_id ?? undefined,
    } satisfies HistoryRow,
  }));

export const HISTORY_COLUMNS =
  'id, model_name, version_id, from_status, to_status, at, by, reason, workflow_id, run_id, idempotency_key';

/** Attempts of a change that lost a race for an alias (each loss means another change committed). */
const MAX_ATTEMPTS = 5;

/** Suffix of the idempotency key of the row of the version a change displaced (one key per row). */
export const DISPLACED_SUFFIX = '#displaced';

/**
 * One statement, so one transaction: locks the target version and the holder of the alias it takes,
 * updates both and writes their history rows (displaced first, so that at equal times the last row
 * names the new holder). $1 version, $2 to, $3 by, $4 reason, $5 workflow, $6 run, $7 key, $8 at ms.
 */
const CHANGE_SQL = `
WITH target AS (
  SELECT id, name, status FROM model_versions WHERE id = $1 FOR UPDATE
), displaced AS (
  SELECT m.id, m.name, m.status FROM model_versions m JOIN target t ON m.name = t.name
  WHERE $2::text IN ('champion', 'challenger') AND t.status <> $2::text AND m.id <> t.id AND m.status = $2::text
  FOR UPDATE OF m
), changes AS (
  SELECT 0 AS ord, d.id, d.name, d.status AS from_status,
         CASE WHEN $2::text = 'champion' THEN 'retired' ELSE 'candidate' END AS to_status,
         'replaced by ' || $1 || ': ' || $4::text AS reason,
         $7::text || '${DISPLACED_SUFFIX}' AS key
  FROM displaced d
  UNION ALL
  SELECT 1, t.id, t.name, t.status, $2::text, $4::text, $7::text FROM target t WHERE t.status <> $2::text
), updated AS (
  UPDATE model_versions m SET status = c.to_status, updated_at = now() FROM changes c WHERE m.id = c.id
  RETURNING m.id
)
INSERT INTO model_status_history
  (model_name, version_id, from_status, to_status, at, by, reason, workflow_id, run_id, idempotency_key)
SELECT c.name, c.id, c.from_status, c.to_status,
       COALESCE(${msToTimestamptz('$8')}, date_trunc('milliseconds', now())), $3, c.reason, $5, $6, c.key
FROM changes c ORDER BY c.ord
RETURNING ${HISTORY_COLUMNS}`;

/** Rows stored under idempotency key `key` (the target's row and the displaced version's), in order. */
export async function historyByKey(db: Queryable, key: string): Promise<z.output<typeof HistoryDbRow>[]> {
  const result = await execute(
    db,
    `read status change ${key}`,
    `SELECT ${HISTORY_COLUMNS} FROM model_status_history WHERE idempotency_key IN ($1, $1 || '${DISPLACED_SUFFIX}')
     ORDER BY id`,
    [key],
  );
  return parseRows(HistoryDbRow, result.rows, 'model_status_history');
}

export function sqlState(err: unknown): unknown {
  return err instanceof PermanentError ? err.details?.['sqlState'] : undefined;
}

/** A parsed status change (model-history.ts `StatusChange` output). */
export interface StatusChangeRequest {
  readonly versionId: string;
  readonly to: Status;
  readonly by: string;
  readonly reason: string;
  readonly workflowId?: string | undefined;
  readonly runId?: string | undefined;
  readonly idempotencyKey?: string | undefined;
  /** Unix epoch ms; absent: the database's now() to the ms. */
  readonly atMs?: number | undefined;
}

/**
 * Runs the change statement; a concurrent change of the same name that breaks the one-champion /
 * one-challenger constraint at commit (SQLSTATE 23P01) is run again against the new state, up to
 * {@link MAX_ATTEMPTS} times. An unknown version writes nothing.
 * @returns the rows written (empty: unknown version, or already at `to`).
 * @throws PermanentError `DB_CONSTRAINT` (23505: the idempotency key was taken concurrently), `DB_*`.
 */
export async function writeStatusChange(db: Queryable, c: StatusChangeRequest): Promise<HistoryRow[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      const inserted = await execute(db, `change status of ${c.versionId} to ${c.to}`, CHANGE_SQL, [
        c.versionId,
        c.to,
        c.by,
        c.reason,
        c.workflowId ?? null,
        c.runId ?? null,
        c.idempotencyKey ?? null,
        c.atMs ?? null,
      ]);
      return parseRows(HistoryDbRow, inserted.rows, 'model_status_history').map((r) => r.row);
    } catch (err) {
      if (sqlState(err) === '23P01' && attempt < MAX_ATTEMPTS) continue;
      throw err;
    }
  }
}
