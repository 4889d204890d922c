/**
 * Cleans up after test runs that died without their teardown (SIGKILL, a killed CI job): each run's
 * temporary state dir records its owner pid (`owner.pid`); a dir whose owner is dead gets its
 * PostgreSQL and Temporal dev server stopped and is removed. Dirs of live runs (concurrent test
 * processes) and dirs without an owner file are left alone.
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { findPostgresBinaries } from '../../infra/embedded/pg-binaries.ts';
import { serverAccount, stopClusterSync } from '../../infra/embedded/pg-cluster.ts';
import { isProcessAlive, processCommandLine } from '../../infra/embedded/processes.ts';
import { errorFields, type Log } from '../../infra/log.ts';

/** Prefix of every test run's state dir under the OS temp dir. */
export const TEST_STATE_PREFIX = 'mmflow-test-';

const OWNER_FILE = 'owner.pid';

/** The part of infra/embedded/temporal.ts's `server.json` we need. */
const ServerRecord = z.object({ pid: z.number().int().positive() });

/** Records this process as the owner of `stateDir`. */
export async function claimStateDir(stateDir: string): Promise<void> {
  await writeFile(join(stateDir, OWNER_FILE), `${process.pid}\n`);
}

/** The pid on the first line of `path`, or `undefined`. */
async function pidIn(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  const pid = Number.parseInt(text?.split('\n')[0] ?? '', 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** Whether `pid` is alive and its command line mentions `word`. */
async function isLive(pid: number | undefined, word: string): Promise<boolean> {
  return pid !== undefined && isProcessAlive(pid) && ((await processCommandLine(pid)) ?? '').includes(word);
}

/** Stops the servers of one dead run's state dir and removes it. */
async function sweepOne(dir: string, log: Log): Promise<void> {
  const record = await readFile(join(dir, 'temporal', 'server.json'), 'utf8').catch(() => undefined);
  const temporal = ServerRecord.safeParse(record === undefined ? undefined : JSON.parse(record));
  if (temporal.success && (await isLive(temporal.data.pid, 'temporal')))
    process.kill(temporal.data.pid, 'SIGTERM');
  const dataDir = join(dir, 'pg');
  if (await isLive(await pidIn(join(dataDir, 'postmaster.pid')), 'postgres')) {
    const bin = await findPostgresBinaries(process.env);
    if (bin !== undefined) stopClusterSync(bin, dataDir, await serverAccount(process.env));
  }
  await rm(dir, { recursive: true, force: true });
  log.info({ dir }, 'removed the state of a dead test run');
}

/** Sweeps every `mmflow-test-*` dir under `parent` whose owner process is dead. Never throws. */
export async function sweepStaleTestStates(parent: string, log: Log): Promise<void> {
  const entries = await readdir(parent).catch(() => []);
  for (const entry of entries.filter((name) => name.startsWith(TEST_STATE_PREFIX))) {
    const dir = join(parent, entry);
    const owner = await pidIn(join(dir, OWNER_FILE));
    if (owner === undefined || isProcessAlive(owner)) continue;
    await sweepOne(dir, log).catch((err: unknown) =>
      log.warn({ dir, err: errorFields(err) }, 'could not clean up a dead test run'),
    );
  }
}
