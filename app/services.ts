/**
 * Brings up what the main job and the worker need: PostgreSQL (DATABASE_URL or the embedded default,
 * migrated) and a Temporal server (TEMPORAL_ADDRESS or the embedded dev server). See ADR 0001.
 */
import { migrateUp } from '../db/migrate.ts';
import { resolveDatabase } from '../infra/embedded/postgres.ts';
import { resolveTemporal } from '../infra/embedded/temporal.ts';
import type { Logger } from './logger.ts';
import { pythonEnvDir, stateDir } from './paths.ts';

export interface Services {
  readonly databaseUrl: string;
  readonly temporalAddress: string;
  readonly namespace: string;
  /** Temporal Web UI URL when known (embedded dev server), else undefined. */
  readonly uiUrl: string | undefined;
  stop(): Promise<void>;
}

/** Resolves (or starts) PostgreSQL and Temporal and applies migrations. */
export async function startServices(log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<Services> {
  const state = stateDir(env);
  const db = await resolveDatabase({ env, stateDir: state, log });
  try {
    await migrateUp(db.url, log);
    const temporal = await resolveTemporal({ env, stateDir: state, log, pythonEnvDir: pythonEnvDir(env) });
    return {
      databaseUrl: db.url,
      temporalAddress: temporal.address,
      namespace: temporal.namespace,
      uiUrl: temporal.uiUrl,
      async stop() {
        await temporal.stop();
        await db.stop();
      },
    };
  } catch (err) {
    await db.stop();
    throw err;
  }
}
