/**
 * Maps node-postgres failures onto the error taxonomy (core/errors.ts, STYLE.md §10) at the database
 * edge, keeping PostgreSQL's own message (which names the violated constraint) and SQLSTATE.
 *
 * - Transient: connection loss/refusal (a node error such as ECONNREFUSED, also inside an
 *   AggregateError of several addresses; pg's "Connection terminated", "not queryable"), a server
 *   restart (57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now: class 57), statement
 *   timeout/cancel, serialization failure, deadlock, lock not available, too many connections, out of
 *   resources (SQLSTATE classes 08, 53, 57, 40; 55P03). Activities retry these with backoff for about
 *   2.5 min (pipeline-dsl/steps.ts STEP_RETRY_DEFAULT), enough for a PostgreSQL restart.
 * - Permanent: integrity (class 23: CHECK, NOT NULL, FK, unique, exclusion), data exceptions (22),
 *   schema/syntax errors (42: a missing migration or a bug), everything else PostgreSQL reports.
 */
import { DatabaseError } from 'pg';
import type { QueryResult, QueryResultRow } from 'pg';
import { PermanentError, TransientError } from '../core/errors.ts';
import type { Queryable } from './queryable.ts';

const TRANSIENT_SQLSTATE_CLASSES = new Set(['08', '53', '57', '40']);
const TRANSIENT_SQLSTATES = new Set(['55P03']);
const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

/** The error code stable callers may switch on for a PostgreSQL-reported failure. */
function codeForSqlState(sqlState: string): string {
  const cls = sqlState.slice(0, 2);
  if (cls === '23') return 'DB_CONSTRAINT';
  if (cls === '22') return 'DB_DATA';
  if (cls === '42') return 'DB_SCHEMA';
  if (TRANSIENT_SQLSTATE_CLASSES.has(cls) || TRANSIENT_SQLSTATES.has(sqlState)) return 'DB_UNAVAILABLE';
  return 'DB_ERROR';
}

/** A node network error code on `err` or, for an AggregateError (one per address tried), on any of its errors. */
function hasNetworkCode(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const nodeCode: unknown = Reflect.get(err, 'code');
  if (typeof nodeCode === 'string' && TRANSIENT_NODE_CODES.has(nodeCode)) return true;
  return err instanceof AggregateError && err.errors.some(hasNetworkCode);
}

/**
 * Converts a thrown value from node-postgres into a `TransientError` or `PermanentError`.
 * @param context what was being done, e.g. `insert ohlcv batch`; prefixed to the message.
 * @returns the mapped error (the original is kept as `cause`); non-pg errors that look like network
 *   failures become `TransientError('DB_CONNECTION')`, anything else a `PermanentError('DB_ERROR')`.
 */
export function mapDbError(err: unknown, context: string): TransientError | PermanentError {
  if (err instanceof DatabaseError) {
    const sqlState = err.code ?? '';
    const code = codeForSqlState(sqlState);
    const details = {
      sqlState,
      ...(err.constraint === undefined ? {} : { constraint: err.constraint }),
      ...(err.table === undefined ? {} : { table: err.table }),
      ...(err.column === undefined ? {} : { column: err.column }),
      ...(err.detail === undefined ? {} : { detail: err.detail }),
    };
    const message = `${context}: ${err.message}`;
    return code === 'DB_UNAVAILABLE'
      ? new TransientError(code, message, details, { cause: err })
      : new PermanentError(code, message, details, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  const looksLikeNetwork =
    hasNetworkCode(err) ||
    /Connection terminated|timeout exceeded when trying to connect|connection error and is not queryable/i.test(
      message,
    );
  return looksLikeNetwork
    ? new TransientError('DB_CONNECTION', `${context}: ${message}`, {}, { cause: err })
    : new PermanentError('DB_ERROR', `${context}: ${message}`, {}, { cause: err });
}

/**
 * Runs one parameterised statement, mapping failures with {@link mapDbError}.
 * @param context human description for error messages, e.g. `save backtest run bt-1`.
 * @throws TransientError | PermanentError as mapped.
 */
export async function execute<R extends QueryResultRow = QueryResultRow>(
  db: Queryable,
  context: string,
  text: string,
  values: readonly unknown[] = [],
): Promise<QueryResult<R>> {
  try {
    return await db.query<R>(text, [...values]);
  } catch (err) {
    throw mapDbError(err, context);
  }
}
