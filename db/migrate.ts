/**
 * Applies the SQL migrations in infra/migrations with node-pg-migrate's runner: its own bookkeeping
 * table (`pgmigrations`) records what ran, and its advisory lock serialises concurrent callers (we
 * wait for the lock instead of failing, so two processes starting together both succeed).
 */
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import { silentLog, type Log } from '../infra/log.ts';

/** Absolute path of the migration files (`NNNN_name.sql`, `-- Up Migration` / `-- Down Migration`). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../infra/migrations', import.meta.url));

/** Name of node-pg-migrate's bookkeeping table. */
export const MIGRATIONS_TABLE = 'pgmigrations';

/**
 * Brings the database at `databaseUrl` up to the latest migration. Idempotent: a second call applies
 * nothing. All pending migrations run in one transaction (all or nothing).
 * @returns names of the migrations applied by this call (empty when already up to date).
 * @throws the runner's error (connection, SQL) after rolling back.
 */
export async function migrateUp(databaseUrl: string, log: Log = silentLog): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    migrationsTable: MIGRATIONS_TABLE,
    direction: 'up',
    checkOrder: true,
    singleTransaction: true,
    advisoryLockMode: 'wait',
    logger: {
      debug: (msg: string) => log.debug({ msg }, 'migration runner'),
      info: (msg: string) => log.debug({ msg }, 'migration runner'),
      warn: (msg: string) => log.warn({ msg }, 'migration runner'),
      error: (msg: string) => log.error({ msg }, 'migration runner'),
    },
  });
  const names = applied.map((m) => m.name);
  log.info({ applied: names }, names.length === 0 ? 'database schema up to date' : 'database migrated');
  return names;
}
