/**
 * The engine's record of a desired state it could not apply (infra/migrations/0014_slot-apply-error.sql):
 * `applied_error` (one line: `CODE: message`), `applied_error_revision` and `applied_error_at` on the
 * slot's `deployments` row. The engine keeps quoting with what it applied before; whoever waits for
 * revision R (activities' awaitSlotApplied) fails at once when `applied_error_revision >= R`.
 *
 * The engine writes it (native/slot/slot-runner.ts); activities/promotion/slots.ts reads it.
 */
import { z } from 'zod';
import { parseRows } from '../codec.ts';
import { execute } from '../errors.ts';
import type { Queryable } from '../queryable.ts';

/** The last apply failure of a slot. */
export interface SlotApplyError {
  /** The desired revision that failed. */
  readonly revision: number;
  /** `CODE: message`, at most 1,000 characters. */
  readonly error: string;
  /** When the engine recorded it, Unix epoch ms. */
  readonly atMs: number;
}

/**
 * Records that revision `revision` of slot `slotId` could not be applied. A failure of an older
 * revision than the one recorded is ignored (the newest failure wins).
 * @param atMs wall time, Unix epoch ms.
 * @throws TransientError / PermanentError from the DB (db/errors.ts).
 */
export async function recordSlotApplyError(
  db: Queryable,
  slotId: string,
  failure: { readonly revision: number; readonly error: string; readonly atMs: number },
): Promise<void> {
  await execute(
    db,
    `record apply error of slot ${slotId}`,
    `UPDATE deployments
     SET applied_error = $2, applied_error_revision = $3, applied_error_at = to_timestamp($4::double precision / 1000)
     WHERE id = $1 AND (applied_error_revision IS NULL OR applied_error_revision <= $3)`,
    [slotId, failure.error.slice(0, 1000), failure.revision, failure.atMs],
  );
}

const Row = z.object({
  applied_error: z.string().nullable(),
  applied_error_revision: z.coerce.number().int().nullable(),
  applied_error_at: z.date().nullable(),
});

/**
 * The last apply failure of slot `slotId`; undefined when none was recorded (or no such slot).
 * @throws TransientError / PermanentError from the DB.
 */
export async function getSlotApplyError(db: Queryable, slotId: string): Promise<SlotApplyError | undefined> {
  const result = await execute(
    db,
    `read apply error of slot ${slotId}`,
    'SELECT applied_error, applied_error_revision, applied_error_at FROM deployments WHERE id = $1',
    [slotId],
  );
  const row = parseRows(Row, result.rows, 'deployments')[0];
  if (row?.applied_error == null || row.applied_error_revision === null || row.applied_error_at === null)
    return undefined;
  return {
    revision: row.applied_error_revision,
    error: row.applied_error,
    atMs: row.applied_error_at.getTime(),
  };
}
