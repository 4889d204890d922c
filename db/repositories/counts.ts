/**
 * Row counts per table, for tests and operations (`mmflow status`).
 */
import { z } from 'zod';
import { parseInput, parseRows, SafeIntOutput } from '../codec.ts';
import { execute } from '../errors.ts';
import type { Queryable } from '../queryable.ts';

/** Every table the migrations create (identifiers are interpolated only from this list). */
export const TABLES = [
  'ohlcv',
  'trades',
  'ingest_batches',
  'data_quality_reports',
  'data_quality_gates',
  'data_quality_windows',
  'calibrations',
  'studies',
  'study_trials',
  'study_fold_evaluations',
  'model_versions',
  'model_status_history',
  'model_evidence',
  'deployments',
  'deployment_changes',
  'deployment_metrics',
  'runs',
  'backtest_runs',
  'engine_runs',
  'quotes',
  'orders',
  'fills',
] as const;

/** One of mmflow's tables. */
export type TableName = (typeof TABLES)[number];

/**
 * Exact row count of `table` (a full count: fine for tests and ops, not for hot paths).
 * @throws PermanentError `DB_INVALID_INPUT` for a name outside {@link TABLES}.
 */
export async function countRows(db: Queryable, table: TableName): Promise<number> {
  const name = parseInput(z.enum(TABLES), table, 'table name');
  const result = await execute(db, `count ${name}`, `SELECT count(*) AS n FROM ${name}`);
  const [row] = parseRows(z.object({ n: SafeIntOutput }), result.rows, name);
  return row?.n ?? 0;
}
