/**
 * `mmflow migrate`: applies infra/migrations to DATABASE_URL, then registers the built-in model
 * versions that are missing (app/seed-models.ts), so that the production path (`migrate`, then
 * `worker`) has the champion and the retraining base model that `npm start` registers. Both parts
 * are idempotent: a second run applies and registers nothing.
 */
import { createCliLogger } from '../app/logger.ts';
import { ensureBuiltInModels } from '../app/seed-models.ts';
import { createPool } from '../db/pool.ts';
import { migrateUp } from '../db/migrate.ts';

/**
 * Prints `{"applied":[…migration names],"registeredModels":[…model version ids]}` on stdout (both
 * empty when the database was already up to date).
 * @returns the process exit code.
 */
export async function runMigrateCommand(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const url = env['DATABASE_URL'];
  if (url === undefined) {
    process.stderr.write('mmflow migrate: set DATABASE_URL\n');
    return 2;
  }
  const log = createCliLogger('mmflow');
  const applied = await migrateUp(url, log);
  const db = createPool(url);
  let registeredModels: string[];
  try {
    registeredModels = await ensureBuiltInModels(db);
  } finally {
    await db.end();
  }
  if (registeredModels.length > 0)
    log.info({ registered: registeredModels }, 'registered built-in model versions');
  process.stdout.write(`${JSON.stringify({ applied, registeredModels })}\n`);
  return 0;
}
