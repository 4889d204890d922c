/**
 * Embedded PostgreSQL for `npm start`, the CLI and tests (ADR docs/adr/0001-embedded-services.md):
 *
 * 1. `DATABASE_URL` set → use it as is.
 * 2. PostgreSQL server binaries installed → a cluster under `<stateDir>/pg`, created once with initdb,
 *    started with pg_ctl on a free loopback port, trust auth on loopback only, database `mmflow`.
 *    A postmaster already running on that directory (another mmflow process) is reused.
 * 3. Otherwise → PGlite (PostgreSQL compiled to WASM, in process) served over TCP (./pglite.ts).
 */
import { join } from 'node:path';
import { Client } from 'pg';
import { z } from 'zod';
import type { Log } from '../log.ts';
import { acquireFileLock } from './file-lock.ts';
import { freePort, LOOPBACK } from './free-port.ts';
import { findPostgresBinaries, type PostgresBinaries } from './pg-binaries.ts';
import {
  initClusterOnce,
  reachableDataDir,
  runningPostmaster,
  serverAccount,
  startCluster,
  stopCluster,
  stopClusterSync,
  type ServerAccount,
} from './pg-cluster.ts';
import { startEmbeddedPglite } from './pglite.ts';
import type { ResolvedDatabase } from './resolved.ts';

export type { ResolvedDatabase } from './resolved.ts';

/** The database every embedded server creates and the URL points at. */
export const DEFAULT_DATABASE = 'mmflow';

/** Options of {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** Cluster directory (created by initdb on first use). */
  readonly dataDir: string;
  readonly log: Log;
  /** Port to try first (default: any free port). */
  readonly port?: number;
  /** `false` turns off fsync (tests: faster, unsafe on power loss). Default `true`. */
  readonly durable?: boolean;
  /** Stop the server when this process exits even without `stop()` (tests). Default `false`. */
  readonly stopOnExit?: boolean;
  /** Database to create and connect to (default `mmflow`). */
  readonly database?: string;
  /** Environment read for `MMFLOW_PG_BIN_DIR`, `MMFLOW_PG_OS_USER`, `PATH` (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** Binaries to use (default: {@link findPostgresBinaries}). */
  readonly binaries?: PostgresBinaries;
}

const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const START_ATTEMPTS = 5;

/**
 * Creates `database` on the server at `adminUrl` unless it exists; safe against a concurrent creator.
 * @throws Error for an invalid name or a failure other than "already exists".
 */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  if (!DATABASE_NAME.test(database)) throw new Error(`invalid database name "${database}"`);
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount !== 0) return;
    await client.query(`CREATE DATABASE "${database}"`).catch((err: unknown) => {
      const code: unknown = err instanceof Error ? Reflect.get(err, 'code') : undefined;
      if (code !== '42P04' && code !== '23505') throw err; // duplicate_database / unique race
    });
  } finally {
    await client.end();
  }
}

/** `postgres://postgres@127.0.0.1:<port>/<database>`. */
function loopbackUrl(port: number, database: string): string {
  return `postgres://postgres@${LOOPBACK}:${port}/${database}`;
}

/** Starts the cluster, retrying on a fresh port when another process grabbed ours meanwhile. */
async function startOnFreePort(
  bin: PostgresBinaries,
  dataDir: string,
  account: ServerAccount | undefined,
  options: EmbeddedPostgresOptions,
): Promise<number> {
  let preferred = options.port;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort(preferred);
    const outcome = await startCluster(bin, dataDir, port, options.durable ?? true, account);
    if (outcome.ok) return port;
    if (!outcome.portInUse || attempt >= START_ATTEMPTS) {
      throw new Error(`postgres on ${dataDir} failed to start (port ${port}):\n${outcome.log}`);
    }
    options.log.warn({ port, attempt }, 'postgres port taken meanwhile; retrying on another port');
    preferred = undefined;
  }
}

/**
 * Starts (or joins) a local PostgreSQL cluster in `dataDir` and ensures the database exists.
 * Handles a stale `postmaster.pid` from a killed run, a port taken between probe and bind, and
 * concurrent callers on the same directory (a lock file serialises them; the second reuses the first's
 * server). A reused server is not stopped by `stop()`.
 * @throws Error when no binaries are installed, initdb/pg_ctl fail (with the server log), or the
 *   `postgres` OS user is missing while we run as root.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<ResolvedDatabase> {
  const { log } = options;
  const env = options.env ?? process.env;
  const database = options.database ?? DEFAULT_DATABASE;
  const bin = options.binaries ?? (await findPostgresBinaries(env));
  if (bin === undefined)
    throw new Error('PostgreSQL server binaries not found (install postgresql or set MMFLOW_PG_BIN_DIR)');
  const account = await serverAccount(env);
  const dataDir = await reachableDataDir(options.dataDir, account, log);
  const lock = await acquireFileLock(`${dataDir}.lock`, 120_000);
  let port: number;
  let owned: boolean;
  try {
    await initClusterOnce(bin, dataDir, account, log);
    const running = await runningPostmaster(dataDir, log);
    owned = running === undefined;
    port = running?.port ?? (await startOnFreePort(bin, dataDir, account, options));
    try {
      await ensureDatabase(loopbackUrl(port, 'postgres'), database);
    } catch (err) {
      if (owned) await stopCluster(bin, dataDir, account).catch(() => undefined);
      throw err;
    }
  } finally {
    await lock.release();
  }
  log.info(
    { dataDir, port, database, reused: !owned },
    owned ? 'postgres started' : 'postgres already running; reusing it',
  );
  const onExit = (): void => stopClusterSync(bin, dataDir, account);
  if (owned && options.stopOnExit === true) process.once('exit', onExit);
  let stopped = false;
  return {
    url: loopbackUrl(port, database),
    kind: 'postgres',
    stop: async () => {
      if (stopped || !owned) return;
      stopped = true;
      process.removeListener('exit', onExit);
      await stopCluster(bin, dataDir, account);
      log.info({ dataDir }, 'postgres stopped');
    },
  };
}

/** Which embedded engine to use when DATABASE_URL is unset (`MMFLOW_EMBEDDED_DB`). */
const EmbeddedChoice = z.enum(['auto', 'postgres', 'pglite']);

/** Options of {@link resolveDatabase}. */
export interface ResolveDatabaseOptions {
  /** Reads `DATABASE_URL`, `MMFLOW_EMBEDDED_DB` (auto | postgres | pglite), `MMFLOW_PG_BIN_DIR`, `PATH`. */
  readonly env: NodeJS.ProcessEnv;
  /** Where embedded data lives (`<stateDir>/pg` or `<stateDir>/pglite`), e.g. `<repo>/.mmflow`. */
  readonly stateDir: string;
  readonly log: Log;
  /** See {@link EmbeddedPostgresOptions.durable}. Default `true`. */
  readonly durable?: boolean;
  /** See {@link EmbeddedPostgresOptions.stopOnExit}. Default `false`. */
  readonly stopOnExit?: boolean;
}

/**
 * Picks the database for this process: `DATABASE_URL`, else embedded PostgreSQL when its binaries
 * are installed, else PGlite. A real PostgreSQL that fails to start is an error, not a silent switch
 * to PGlite (its data would seem to vanish); set `MMFLOW_EMBEDDED_DB=pglite` to choose PGlite.
 * @throws Error for an invalid `MMFLOW_EMBEDDED_DB`, or when the chosen engine fails to start.
 */
export async function resolveDatabase(options: ResolveDatabaseOptions): Promise<ResolvedDatabase> {
  const { env, stateDir, log } = options;
  const url = env['DATABASE_URL'];
  if (url !== undefined && url !== '') {
    log.info({ url: redactUrl(url) }, 'using DATABASE_URL');
    return { url, kind: 'external', stop: async () => undefined };
  }
  const parsed = EmbeddedChoice.safeParse(env['MMFLOW_EMBEDDED_DB'] ?? 'auto');
  if (!parsed.success)
    throw new Error(
      `MMFLOW_EMBEDDED_DB must be auto, postgres or pglite, got "${env['MMFLOW_EMBEDDED_DB']}"`,
    );
  const binaries = parsed.data === 'pglite' ? undefined : await findPostgresBinaries(env);
  if (binaries !== undefined) {
    return startEmbeddedPostgres({
      dataDir: join(stateDir, 'pg'),
      log,
      env,
      binaries,
      durable: options.durable ?? true,
      stopOnExit: options.stopOnExit ?? false,
    });
  }
  if (parsed.data === 'postgres')
    throw new Error('MMFLOW_EMBEDDED_DB=postgres but no PostgreSQL server binaries were found');
  log.info({ stateDir }, 'no PostgreSQL binaries found; using PGlite');
  return startEmbeddedPglite({ dataDir: join(stateDir, 'pglite'), log });
}

/** The URL with any password replaced by `***`, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable DATABASE_URL>';
  }
}
