/**
 * Batched inserts through `unnest`: one statement per chunk with one array parameter per column, so the
 * parameter count stays fixed whatever the batch size (PostgreSQL caps a statement at 65 535
 * parameters) and the plan is reused.
 */
import type { Queryable } from './queryable.ts';
import { execute } from './errors.ts';

/** Rows per statement: large enough to amortise round trips, small enough to keep messages modest. */
export const BATCH_ROWS = 5_000;

/** A column of a batched insert: SQL name, SQL array type, and how to read it from a row. */
export interface BatchColumn<R> {
  readonly name: string;
  /** Element type of the array parameter, e.g. `text`, `bigint`, `numeric`. */
  readonly type: string;
  readonly value: (row: R) => string | number | null;
}

/**
 * Inserts `rows` into `table` in chunks of {@link BATCH_ROWS}, appending `conflict` (e.g.
 * `ON CONFLICT DO NOTHING`) to each statement.
 * @param extra optional leading constant column (e.g. `run_id`) set to the same value for every row.
 * @returns the number of rows the statements reported (inserted, or inserted + updated for upserts).
 * @throws TransientError | PermanentError from {@link execute} (a chunk that fails rolls back alone).
 */
export async function insertBatch<R>(
  db: Queryable,
  context: string,
  table: string,
  columns: readonly BatchColumn<R>[],
  rows: readonly R[],
  conflict: string,
  extra?: { readonly name: string; readonly value: string },
): Promise<number> {
  let written = 0;
  for (let start = 0; start < rows.length; start += BATCH_ROWS) {
    const chunk = rows.slice(start, start + BATCH_ROWS);
    const arrays = columns.map((column) => chunk.map(column.value));
    const offset = extra === undefined ? 0 : 1;
    const unnestArgs = columns.map((column, i) => `$${i + 1 + offset}::${column.type}[]`).join(', ');
    const names = columns.map((column) => column.name);
    const select =
      extra === undefined
        ? `SELECT * FROM unnest(${unnestArgs})`
        : `SELECT $1::text, u.* FROM unnest(${unnestArgs}) AS u`;
    const target = extra === undefined ? names : [extra.name, ...names];
    const text = `INSERT INTO ${table} (${target.join(', ')}) ${select} ${conflict}`;
    const values = extra === undefined ? arrays : [extra.value, ...arrays];
    const result = await execute(db, `${context} (rows ${start}..${start + chunk.length - 1})`, text, values);
    written += result.rowCount ?? 0;
  }
  return written;
}
