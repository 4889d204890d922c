/** `mmflow migrate`: applies infra/migrations to DATABASE_URL. */
import { createLogger } from '../app/logger.ts';
import { migrateUp } from '../db/migrate.ts';

/** @returns the process exit code. */
export async function runMigrateCommand(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const url = env['DATABASE_URL'];
  if (url === undefined) {
    process.stderr.write('mmflow migrate: set DATABASE_URL\n');
    return 2;
  }
  const applied = await migrateUp(url, createLogger('mmflow'));
  process.stdout.write(`${JSON.stringify({ applied })}\n`);
  return 0;
}
