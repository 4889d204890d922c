/**
 * Runs `temporal server start-dev` (the CLI's single-process dev server: frontend, history, matching,
 * worker services, Web UI, SQLite persistence) as a child process in its own process group, and waits
 * until it serves the namespace.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import type { Log } from '../log.ts';
import { freePort, LOOPBACK } from './free-port.ts';
import { fileTail, pollUntil, runCommand } from './processes.ts';
import { ensureSearchAttributes, searchAttributeFlags } from './search-attributes.ts';

/** Options of {@link startTemporalDevServer}. */
export interface DevServerOptions {
  readonly cliPath: string;
  /** Directory for the SQLite file (`dev.db`) and the server log (`server.log`). */
  readonly dir: string;
  readonly namespace: string;
  readonly log: Log;
  /** Serve the Web UI (default true); `false` runs headless (tests). */
  readonly ui: boolean;
  /** Try 7233 (gRPC) and 8233 (UI) first when free. */
  readonly preferDefaultPorts: boolean;
  /** Give up waiting for health after this many ms (default 90 000). */
  readonly startTimeoutMs?: number;
}

/** A running dev server we started. */
export interface DevServer {
  readonly pid: number;
  readonly address: string;
  readonly uiUrl: string | undefined;
  /** SIGTERM the process group, wait for exit (SIGKILL after 15 s). Idempotent. */
  stop(): Promise<void>;
}

/** Resolves once `child` exits (immediately if it already has). */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Sends `signal` to the child's process group (it is a group leader: spawned detached). */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Polls `address` until `namespace` can be described, returning an open connection.
 * @throws Error if `isDead()` reports the process died, or after `timeoutMs`.
 */
export async function waitForTemporal(
  address: string,
  namespace: string,
  timeoutMs: number,
  isDead: () => string | undefined = () => undefined,
): Promise<Connection> {
  return pollUntil(
    async () => {
      const death = isDead();
      if (death !== undefined) throw new Error(death);
      let connection: Connection | undefined;
      try {
        connection = await Connection.connect({ address, connectTimeout: 1_000 });
        await connection.workflowService.describeNamespace({ namespace });
        return connection;
      } catch {
        await connection?.close();
        return undefined;
      }
    },
    { timeoutMs, intervalMs: 200, what: `temporal at ${address} to serve namespace ${namespace}` },
  );
}

/** Whether this CLI's `server start-dev` knows `flag` (older releases lack e.g. `--ui-disable-news-fetch`). */
async function supportsFlag(cliPath: string, flag: string): Promise<boolean> {
  const help = await runCommand(cliPath, ['server', 'start-dev', '--help'], { timeoutMs: 30_000 }).catch(
    () => undefined,
  );
  return help !== undefined && `${help.stdout}${help.stderr}`.includes(flag);
}

/** One start attempt on the given ports. */
async function startOnce(
  options: DevServerOptions,
  grpcPort: number,
  uiPort: number | undefined,
): Promise<DevServer> {
  const logFile = join(options.dir, 'server.log');
  const args = [
    'server',
    'start-dev',
    '--ip',
    LOOPBACK,
    '--port',
    String(grpcPort),
    ...(uiPort === undefined ? ['--headless'] : ['--ui-port', String(uiPort)]),
    // The UI fetches a news feed from the internet; turn it off where this CLI allows.
    ...(uiPort !== undefined && (await supportsFlag(options.cliPath, '--ui-disable-news-fetch'))
      ? ['--ui-disable-news-fetch']
      : []),
    '--db-filename',
    join(options.dir, 'dev.db'),
    '--namespace',
    options.namespace,
    '--log-level',
    'warn',
    ...searchAttributeFlags(),
  ];
  const logFd = openSync(logFile, 'w'); // this run's log only
  let child: ChildProcess;
  try {
    child = spawn(options.cliPath, args, {
      cwd: options.dir,
      detached: true,
      stdio: ['ignore', logFd, logFd],
    });
  } finally {
    closeSync(logFd);
  }
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${options.cliPath}`);
  const done = exited(child);
  const onExit = (): void => signalGroup(pid, 'SIGTERM');
  process.once('exit', onExit);
  const address = `${LOOPBACK}:${grpcPort}`;
  const isDead = (): string | undefined =>
    child.exitCode !== null || child.signalCode !== null
      ? `temporal dev server exited (${child.exitCode ?? child.signalCode})`
      : undefined;
  let stopped = false;
  const server: DevServer = {
    pid,
    address,
    uiUrl: uiPort === undefined ? undefined : `http://${LOOPBACK}:${uiPort}`,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', onExit);
      child.ref(); // keep this process alive until the server has exited
      signalGroup(pid, 'SIGTERM');
      const inTime = await Promise.race([done.then(() => true), delayed(15_000, false)]);
      if (!inTime) {
        signalGroup(pid, 'SIGKILL');
        await done;
      }
      child.unref();
    },
  };
  try {
    const connection = await waitForTemporal(
      address,
      options.namespace,
      options.startTimeoutMs ?? 90_000,
      isDead,
    );
    try {
      await ensureSearchAttributes(connection, options.namespace, options.log);
    } finally {
      await connection.close();
    }
    return server;
  } catch (err) {
    await server.stop();
    const tail = await fileTail(logFile, 3000);
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n--- ${logFile} ---\n${tail}`, {
      cause: err,
    });
  }
}

/** Resolves to `value` after `ms` without keeping the process alive. */
function delayed<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms).unref());
}

/**
 * Starts the dev server on free loopback ports (7233/8233 first when asked and free), retrying on
 * new ports if a port was taken between probe and bind, and waits until the namespace answers and
 * mmflow's search attributes are registered.
 * @throws Error with the server log tail if it cannot start.
 */
export async function startTemporalDevServer(options: DevServerOptions): Promise<DevServer> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const preferDefault = options.preferDefaultPorts && attempt === 1;
    const grpcPort = await freePort(preferDefault ? 7233 : undefined);
    const uiPort = options.ui ? await freePort(preferDefault ? 8233 : grpcPort + 1000) : undefined;
    try {
      const server = await startOnce(options, grpcPort, uiPort);
      options.log.info(
        { address: server.address, uiUrl: server.uiUrl, pid: server.pid },
        'temporal dev server started',
      );
      return server;
    } catch (err) {
      lastError = err;
      const message = err instanceof Error ? err.message : String(err);
      if (!/address already in use|bind/i.test(message)) throw err;
      options.log.warn(
        { grpcPort, uiPort, attempt },
        'temporal port taken meanwhile; retrying on other ports',
      );
    }
  }
  throw lastError;
}
