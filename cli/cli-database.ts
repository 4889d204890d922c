/**
 * The database of one-shot CLI commands (`study show`, `models …`, `slots …`): `DATABASE_URL`, else the
 * embedded PostgreSQL as `mmflow start` runs it (migrated first), logging at `warn` unless
 * `MMFLOW_LOG_LEVEL` says otherwise.
 */
import type { Pool } from 'pg';
import { createLogger } from '../app/logger.ts';
import { stateDir } from '../app/paths.ts';
import { migrateUp } from '../db/migrate.ts';
import { createPool } from '../db/pool.ts';
import { resolveDatabase } from '../infra/embedded/postgres.ts';

/** Opens the database; the caller closes it (pool, then the embedded server if one was started). */
export async function openCliDatabase(): Promise<{ pool: Pool; close: () => Promise<void> }> {
  const log = createLogger('mmflow', process.env['MMFLOW_LOG_LEVEL'] ?? 'warn');
  const db = await resolveDatabase({ env: process.env, stateDir: stateDir(), log });
  if (db.kind !== 'external') await migrateUp(db.url, log);
  const pool = createPool(db.url);
  return {
    pool,
    close: async () => {
      await pool.end();
      await db.stop();
    },
  };
}

/** Runs `body` on an open database; a thrown error becomes one stderr line and exit code 1. */
export async function withCliDatabase(command: string, body: (db: Pool) => Promise<number>): Promise<number> {
  let db: Awaited<ReturnType<typeof openCliDatabase>> | undefined;
  try {
    db = await openCliDatabase();
    return await body(db.pool);
  } catch (err) {
    process.stderr.write(`mmflow ${command}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await db?.close();
  }
}
