/**
 * An inter-process lock file (`open(O_CREAT|O_EXCL)` holding the owner's pid) guarding one state
 * directory: two mmflow processes must not initialise or start the same embedded service at once. A
 * lock whose owner is dead (killed run) is stale and taken over.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { isProcessAlive, pollUntil } from './processes.ts';

/** A held lock; `release()` is idempotent. */
export interface FileLock {
  readonly path: string;
  release(): Promise<void>;
}

/** Reads the owner pid of a lock file (undefined if missing or garbled). */
async function lockOwner(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** One attempt: the lock if taken, `undefined` if a live process holds it. */
async function tryAcquire(path: string): Promise<FileLock | undefined> {
  try {
    const handle = await open(path, 'wx');
    await handle.writeFile(`${process.pid}\n`);
    await handle.close();
  } catch (err) {
    if (!(err instanceof Error) || Reflect.get(err, 'code') !== 'EEXIST') throw err;
    const owner = await lockOwner(path);
    if (owner === process.pid || (owner !== undefined && isProcessAlive(owner))) return undefined;
    // Stale (owner dead) or half-written: remove and let the next attempt race for it.
    await rm(path, { force: true });
    return undefined;
  }
  let released = false;
  return {
    path,
    release: async () => {
      if (released) return;
      released = true;
      if ((await lockOwner(path)) === process.pid) await rm(path, { force: true });
    },
  };
}

/**
 * Takes the lock at `path`, waiting up to `timeoutMs` for a live owner to release it.
 * @throws Error naming the owner pid when the deadline passes.
 */
export async function acquireFileLock(path: string, timeoutMs: number): Promise<FileLock> {
  try {
    return await pollUntil(() => tryAcquire(path), { timeoutMs, intervalMs: 50, what: `lock ${path}` });
  } catch (err) {
    const owner = await lockOwner(path);
    throw new Error(
      `${path} is held by process ${owner ?? 'unknown'}: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}
