/**
 * Status (alias) changes of model versions with their history (migration 0013,
 * docs/adr/0016-promotion-lifecycle.md). The aliases `champion` and `challenger` are the statuses of
 * the same names, at most one each per model name; every change writes one `model_status_history` row
 * per version whose status changed, with who, why and the workflow that did it. "Which version was
 * champion at T" is one query ({@link championAt}).
 */
import { z } from 'zod';
import { PermanentError } from '../../core/errors.ts';
import { msToTimestamptz, NonEmpty, parseInput, parseRows, SafeIntInput } from '../codec.ts';
import { execute } from '../errors.ts';
import type { Queryable } from '../queryable.ts';
import { getModelVersion, ModelStatus, type ModelVersion } from './models.ts';
import {
  historyByKey,
  HISTORY_COLUMNS,
  HistoryDbRow,
  sqlState,
  writeStatusChange,
  type HistoryRow,
} from './status-change.ts';

export type { HistoryRow } from './status-change.ts';

/** A requested status change of one model version. */
export const StatusChange = z.object({
  /** `<name>@<n>`. */
  versionId: NonEmpty,
  to: ModelStatus,
  /** Who decides (operator, workflow type), stored as given. */
  by: NonEmpty,
  /** Why, stored as given. */
  reason: NonEmpty,
  workflowId: NonEmpty.optional(),
  runId: NonEmpty.optional(),
  /** Makes a retried change (e.g. `<workflowId>.<step>`) write its rows once. */
  idempotencyKey: NonEmpty.optional(),
  /** Time of the change, Unix epoch ms (injected clock); absent: the database's `now()` to the ms. */
  atMs: SafeIntInput.optional(),
});
export type StatusChange = z.input<typeof StatusChange>;

/** The stored result of a change already made under its key, or undefined when the key is new. */
async function storedChange(
  db: Queryable,
  c: z.output<typeof StatusChange>,
): Promise<{ version: ModelVersion; changed: readonly HistoryRow[] } | undefined> {
  if (c.idempotencyKey === undefined) return undefined;
  const stored = await historyByKey(db, c.idempotencyKey);
  const own = stored.find((r) => r.key === c.idempotencyKey);
  if (own === undefined) return undefined;
  if (own.row.versionId !== c.versionId || own.row.to !== c.to)
    throw new PermanentError(
      'IDEMPOTENCY_KEY_CONFLICT',
      `status change ${c.idempotencyKey} was ${own.row.versionId} → ${own.row.to}, not ${c.versionId} → ${c.to}`,
      { idempotencyKey: c.idempotencyKey },
    );
  const version = await getModelVersion(db, c.versionId);
  if (version === undefined) throw notFound(c.versionId);
  return { version, changed: stored.map((r) => r.row) };
}

function notFound(id: string): PermanentError {
  return new PermanentError('MODEL_NOT_FOUND', `model version ${id} does not exist`, { id });
}

/**
 * Sets the status of a version atomically (one statement), writing one history row per version whose
 * status changed. Taking `champion` retires the current champion, taking `challenger` moves the
 * current challenger back to `candidate` (their rows' reason: `replaced by <id>: <reason>`).
 * - Idempotent on `idempotencyKey`: a repeated key returns the stored rows and writes nothing.
 * - No-op (no row, `changed: []`) when the version already has status `to`.
 * - A concurrent change of the same name that breaks the one-champion/one-challenger constraint at
 *   commit is run again against the new state (status-change.ts).
 * @throws PermanentError `MODEL_NOT_FOUND`; `MODEL_STATUS_INVALID` for champion → candidate/challenger
 *   (a champion leaves by being replaced or retired); `IDEMPOTENCY_KEY_CONFLICT` when the key was used
 *   for another change; `DB_INVALID_INPUT` for bad input.
 */
export async function changeStatus(
  db: Queryable,
  change: StatusChange,
): Promise<{ version: ModelVersion; changed: readonly HistoryRow[] }> {
  const c = parseInput(StatusChange, change, 'status change');
  const done = await storedChange(db, c);
  if (done !== undefined) return done;
  const current = await getModelVersion(db, c.versionId);
  if (current === undefined) throw notFound(c.versionId);
  if (current.status === 'champion' && (c.to === 'candidate' || c.to === 'challenger'))
    throw new PermanentError(
      'MODEL_STATUS_INVALID',
      `${c.versionId} is champion: it can only be retired or replaced, not set to ${c.to}`,
      { id: c.versionId, from: current.status, to: c.to },
    );
  let changed: HistoryRow[];
  try {
    changed = await writeStatusChange(db, c);
  } catch (err) {
    const raced = sqlState(err) === '23505' ? await storedChange(db, c) : undefined; // same key, concurrently
    if (raced !== undefined) return raced;
    throw err;
  }
  const version = await getModelVersion(db, c.versionId);
  if (version === undefined) throw notFound(c.versionId);
  return { version, changed };
}

/**
 * The status history of model `name`, oldest first.
 * @param opts.versionId only that version's rows; opts.limit only the most recent `limit` rows.
 */
export async function modelHistory(
  db: Queryable,
  name: string,
  opts: { readonly versionId?: string; readonly limit?: number } = {},
): Promise<HistoryRow[]> {
  const limit = opts.limit === undefined ? null : parseInput(SafeIntInput.min(1), opts.limit, 'limit');
  const result = await execute(
    db,
    `read status history of ${name}`,
    `SELECT * FROM (
       SELECT ${HISTORY_COLUMNS} FROM model_status_history
       WHERE model_name = $1 AND ($2::text IS NULL OR version_id = $2) ORDER BY at DESC, id DESC LIMIT $3
     ) h ORDER BY at, id`,
    [name, opts.versionId ?? null, limit],
  );
  return parseRows(HistoryDbRow, result.rows, 'model_status_history').map((r) => r.row);
}

/**
 * The version that was champion of `name` at `atMs` (Unix epoch ms; a change at exactly `atMs`
 * counts), from the history: the last row at or before `atMs` that made or unmade a champion.
 * @returns undefined when none was (no champion yet, or the champion had been retired unreplaced).
 * Every status write goes through the history (`changeStatus`, and `setStatus` since 0013); statuses
 * set before the history existed are back-filled by migration 0015.
 */
export async function championAt(db: Queryable, name: string, atMs: number): Promise<string | undefined> {
  const at = parseInput(SafeIntInput, atMs, 'time (epoch ms)');
  const result = await execute(
    db,
    `champion of ${name} at ${at}`,
    `SELECT CASE WHEN to_status = 'champion' THEN version_id END AS version_id FROM model_status_history
     WHERE model_name = $1 AND at <= ${msToTimestamptz('$2')} AND 'champion' IN (to_status, from_status)
     ORDER BY at DESC, id DESC LIMIT 1`,
    [name, at],
  );
  return (
    parseRows(z.object({ version_id: z.string().nullable() }), result.rows, 'model_status_history')[0]
      ?.version_id ?? undefined
  );
}

/**
 * The champion before the current one: the last version (other than the current champion) whose
 * history shows champion → something else, before the current champion's latest promotion (or
 * anywhere in the history when there is no current champion, or it has no promotion row).
 * @returns undefined when there is none.
 */
export async function previousChampion(db: Queryable, name: string): Promise<string | undefined> {
  const result = await execute(
    db,
    `previous champion of ${name}`,
    `WITH cur AS (
       SELECT h.version_id, h.at, h.id FROM model_status_history h
       JOIN model_versions m ON m.id = h.version_id AND m.status = 'champion'
       WHERE h.model_name = $1 AND h.to_status = 'champion'
       ORDER BY h.at DESC, h.id DESC LIMIT 1
     ), holder AS (SELECT id FROM model_versions WHERE name = $1 AND status = 'champion')
     SELECT h.version_id FROM model_status_history h
     WHERE h.model_name = $1 AND h.from_status = 'champion'
       AND h.version_id NOT IN (SELECT id FROM holder)
       AND (NOT EXISTS (SELECT 1 FROM cur) OR (h.at, h.id) < (SELECT at, id FROM cur))
     ORDER BY h.at DESC, h.id DESC LIMIT 1`,
    [name],
  );
  return parseRows(z.object({ version_id: z.string() }), result.rows, 'model_status_history')[0]?.version_id;
}
