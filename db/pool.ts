/**
 * The process-wide PostgreSQL connection pool.
 */
import { Pool } from 'pg';
import { errorFields, silentLog, type Log } from '../infra/log.ts';

/** Pool tuning; every field optional. */
export interface PoolOptions {
  /** Maximum open connections (default 10: a worker's activities plus the engine's writer fit). */
  readonly maxConnections?: number;
  /** Server-side statement timeout in ms (default 60 000); a runaway query fails instead of hanging. */
  readonly statementTimeoutMs?: number;
  /** Time to wait for a connection (ms, default 10 000) before `query` rejects. */
  readonly connectTimeoutMs?: number;
  /** Idle connections are closed after this many ms (default 30 000). */
  readonly idleTimeoutMs?: number;
  /** Receives errors of idle clients (default: discarded). */
  readonly log?: Log;
}

/**
 * Creates a `pg.Pool` for `databaseUrl` (`postgres://user@host:port/db`). Errors raised by idle clients
 * (server restart, network drop) are logged and the client discarded; they never crash the process.
 * The caller owns the pool and must `end()` it.
 */
export function createPool(databaseUrl: string, options: PoolOptions = {}): Pool {
  const log = options.log ?? silentLog;
  const pool = new Pool({
    connectionString: databaseUrl,
    max: options.maxConnections ?? 10,
    statement_timeout: options.statementTimeoutMs ?? 60_000,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
    application_name: 'mmflow',
  });
  pool.on('error', (err) => {
    log.error({ err: errorFields(err) }, 'idle postgres client failed; it was discarded');
  });
  return pool;
}
