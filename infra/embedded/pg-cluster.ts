/**
 * Low-level control of a local PostgreSQL cluster directory: initdb once, detect a running or stale
 * postmaster, start on a loopback port with pg_ctl, stop. When we run as root, every server command
 * runs as an unprivileged OS user (PostgreSQL refuses root) via `runuser`.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, chown, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Log } from '../log.ts';
import { LOOPBACK } from './free-port.ts';
import type { PostgresBinaries } from './pg-binaries.ts';
import { fileTail, isProcessAlive, pollUntil, processCommandLine, runCommand } from './processes.ts';

/** The OS account the server runs as when we are root. */
export interface ServerAccount {
  readonly user: string;
  readonly uid: number;
  readonly gid: number;
}

/** A postmaster found running on a cluster directory. */
export interface RunningPostmaster {
  readonly pid: number;
  readonly port: number;
}

/** Name of the server log inside the data directory (the data dir is the one place the server can write). */
export const SERVER_LOG = 'mmflow-server.log';

/**
 * The account to run the server as: `undefined` when we are not root (run as ourselves), else
 * `MMFLOW_PG_OS_USER` or `postgres`.
 * @throws Error if we are root and that account does not exist.
 */
export async function serverAccount(env: NodeJS.ProcessEnv): Promise<ServerAccount | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const user = env['MMFLOW_PG_OS_USER'] ?? 'postgres';
  const [uid, gid] = await Promise.all([runCommand('id', ['-u', user]), runCommand('id', ['-g', user])]);
  if (uid.code !== 0 || gid.code !== 0) {
    throw new Error(
      `running as root, PostgreSQL must run as another OS user, but user "${user}" does not exist; ` +
        'create it (useradd --system postgres) or set MMFLOW_PG_OS_USER',
    );
  }
  return { user, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * `dataDir` if `account` can reach it, else a directory under /var/lib/mmflow derived from its path
 * (a repository under /root is unreachable for the `postgres` user; we do not loosen /root).
 */
export async function reachableDataDir(
  dataDir: string,
  account: ServerAccount | undefined,
  log: Log,
): Promise<string> {
  const absolute = resolve(dataDir);
  await mkdir(dirname(absolute), { recursive: true });
  if (account === undefined) return absolute;
  const probe = await runCommand('test', ['-x', dirname(absolute)], { asUser: account.user });
  if (probe.code === 0) return absolute;
  const digest = createHash('sha256').update(absolute).digest('hex').slice(0, 12);
  const relocated = join('/var/lib/mmflow', digest, 'pg');
  await mkdir(dirname(relocated), { recursive: true });
  await chmod('/var/lib/mmflow', 0o755);
  await chmod(dirname(relocated), 0o755);
  log.warn(
    { dataDir: absolute, relocated, user: account.user },
    'postgres data dir unreachable for its OS user; using relocated dir',
  );
  return relocated;
}

/** Runs a server binary as `account` (or ourselves), returning its result. */
function runServerCommand(command: string, args: readonly string[], account: ServerAccount | undefined) {
  return runCommand(command, args, {
    asUser: account?.user,
    env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
  });
}

/**
 * Creates the cluster with initdb unless `dataDir/PG_VERSION` exists: superuser `postgres`, trust
 * authentication (the server listens on loopback only), UTF-8, C locale.
 * @throws Error with initdb's output when it fails, or when `dataDir` is a non-empty non-cluster dir.
 */
export async function initClusterOnce(
  bin: PostgresBinaries,
  dataDir: string,
  account: ServerAccount | undefined,
  log: Log,
): Promise<void> {
  const existing = await readdir(dataDir).catch(() => undefined);
  if (existing?.includes('PG_VERSION')) return;
  if (existing !== undefined && existing.length > 0) {
    throw new Error(`${dataDir} is not empty and holds no PostgreSQL cluster; move it away`);
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
  if (account !== undefined) await chown(dataDir, account.uid, account.gid);
  const args = [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '--encoding=UTF8',
    '--locale=C',
    '--no-sync',
  ];
  const result = await runServerCommand(bin.initdb, args, account);
  if (result.code !== 0) {
    throw new Error(`initdb ${dataDir} failed (exit ${result.code}): ${result.stderr.slice(-2000)}`);
  }
  log.info({ dataDir }, 'postgres cluster initialised');
}

/** Whether a `/proc/<pid>/cmdline` belongs to a PostgreSQL server process (`postgres` / `postmaster`). */
function isPostgresCommand(cmdline: string): boolean {
  const executable = cmdline.split(' ')[0] ?? '';
  return /(^|\/)(postgres|postmaster)(:|$)/.test(executable);
}

/**
 * Inspects `dataDir/postmaster.pid`: the running postmaster (waiting for it to finish starting), or
 * `undefined` after removing a stale file left by a killed run (dead pid, or a pid reused by a
 * non-postgres process, which would otherwise make the server refuse to start).
 */
export async function runningPostmaster(dataDir: string, log: Log): Promise<RunningPostmaster | undefined> {
  const pidFile = join(dataDir, 'postmaster.pid');
  const read = async (): Promise<string[] | undefined> =>
    (await readFile(pidFile, 'utf8').catch(() => undefined))?.split('\n');
  const lines = await read();
  if (lines === undefined) return undefined;
  const pid = Number(lines[0]);
  const alive = Number.isSafeInteger(pid) && pid > 0 && isProcessAlive(pid);
  const cmdline = alive ? await processCommandLine(pid) : undefined;
  if (!alive || cmdline === undefined || !isPostgresCommand(cmdline)) {
    log.warn({ pidFile, pid }, 'removing stale postmaster.pid');
    await rm(pidFile, { force: true });
    return undefined;
  }
  const ready = await pollUntil(
    async () => {
      const now = await read();
      if (now === undefined) return { state: 'gone' as const };
      return now[7]?.trim() === 'ready' ? { state: 'ready' as const, port: Number(now[3]) } : undefined;
    },
    { timeoutMs: 60_000, what: `postgres ${pid} on ${dataDir} to become ready` },
  );
  return ready.state === 'ready' ? { pid, port: ready.port } : undefined;
}

/** Server options: loopback only, no Unix socket (the socket dir may not exist), optional no-fsync. */
function serverOptions(port: number, durable: boolean): string {
  const base = `-c port=${port} -c listen_addresses=${LOOPBACK} -c unix_socket_directories=''`;
  return durable ? base : `${base} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
}

/** Outcome of one start attempt. */
export type StartOutcome =
  { readonly ok: true } | { readonly ok: false; readonly portInUse: boolean; readonly log: string };

/** Starts the cluster on `port` with pg_ctl, waiting (up to 60 s) until it accepts connections. */
export async function startCluster(
  bin: PostgresBinaries,
  dataDir: string,
  port: number,
  durable: boolean,
  account: ServerAccount | undefined,
): Promise<StartOutcome> {
  const logFile = join(dataDir, SERVER_LOG);
  const args = ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', serverOptions(port, durable), 'start'];
  const result = await runServerCommand(bin.pgCtl, args, account);
  if (result.code === 0) return { ok: true };
  const serverLog = `${result.stderr}\n${await fileTail(logFile)}`;
  return {
    ok: false,
    portInUse: /could not bind|address already in use/i.test(serverLog),
    log: serverLog.slice(-3000),
  };
}

/** Stops the cluster (`fast`: roll back sessions, checkpoint) and waits for it; a no-op if stopped. */
export async function stopCluster(
  bin: PostgresBinaries,
  dataDir: string,
  account: ServerAccount | undefined,
): Promise<void> {
  const result = await runServerCommand(
    bin.pgCtl,
    ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop'],
    account,
  );
  if (result.code !== 0 && !/is the server running|No such file/i.test(result.stderr)) {
    throw new Error(`pg_ctl stop ${dataDir} failed (exit ${result.code}): ${result.stderr.slice(-2000)}`);
  }
}

/** Synchronous immediate stop, usable from a process `exit` handler. */
export function stopClusterSync(
  bin: PostgresBinaries,
  dataDir: string,
  account: ServerAccount | undefined,
): void {
  const args = ['-D', dataDir, '-m', 'immediate', '-w', '-t', '20', 'stop'];
  const [file, argv] =
    account === undefined ? [bin.pgCtl, args] : ['runuser', ['-u', account.user, '--', bin.pgCtl, ...args]];
  spawnSync(file, argv, { cwd: '/', stdio: 'ignore', timeout: 30_000 });
}
