/**
 * An inter-process lock guarding one state directory: two mmflow processes must not initialise or start
 * the same embedded service at once. Built on `proper-lockfile`: the lock is a directory created with
 * `mkdir` (atomic: exactly one creator wins, and there is no window in which a half-written lock can be
 * read as stale), whose mtime the holder refreshes every few seconds; a lock not refreshed for
 * {@link STALE_MS} (its holder was killed) is stale and taken over. The holder's pid is written beside
 * it (`<path>.owner`, not inside: that would change the directory's mtime, which the library reads as
 * the lock having been taken over) for error messages only; it never decides staleness.
 */
import { lstat, readFile, rm, writeFile } from 'node:fs/promises';
import lockfile from 'proper-lockfile';
import { isProcessAlive, pollUntil } from './processes.ts';

/** A lock whose mtime was not refreshed for this long, ms, belongs to a dead process. */
export const STALE_MS = 10_000;

/** How often the holder refreshes the lock's mtime, ms. */
const UPDATE_MS = 2_000;

/** Informational file beside the lock directory: the holder's pid. */
const ownerFile = (path: string): string => `${path}.owner`;

/** A held lock; `release()` is idempotent. */
export interface FileLock {
  readonly path: string;
  release(): Promise<void>;
}

/** The holder pid written in the lock (undefined if missing or garbled). */
async function lockOwner(path: string): Promise<number | undefined> {
  const text = await readFile(ownerFile(path), 'utf8').catch(() => undefined);
  const pid = Number.parseInt(text?.trim() ?? '', 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Removes a lock *file* left by mmflow before the lock became a directory, when its pid is dead (a
 * lock file of a live older process is left alone: the new lock then waits for it to go).
 */
async function removeLegacyLockFile(path: string): Promise<void> {
  const stats = await lstat(path).catch(() => undefined);
  if (stats === undefined || !stats.isFile()) return;
  const pid = Number.parseInt((await readFile(path, 'utf8').catch(() => '')).trim(), 10);
  if (Number.isSafeInteger(pid) && pid > 0 && isProcessAlive(pid)) return;
  await rm(path, { force: true });
}

function isLocked(err: unknown): boolean {
  return err instanceof Error && Reflect.get(err, 'code') === 'ELOCKED';
}

/** One attempt: the lock if taken, `undefined` if another process holds it. */
async function tryAcquire(path: string): Promise<FileLock | undefined> {
  await removeLegacyLockFile(path);
  let releaseLock: () => Promise<void>;
  try {
    releaseLock = await lockfile.lock(path, {
      realpath: false,
      lockfilePath: path,
      stale: STALE_MS,
      update: UPDATE_MS,
      retries: 0,
      onCompromised: (err) =>
        process.emitWarning(`lock ${path} was compromised (taken over as stale): ${err.message}`),
    });
  } catch (err) {
    if (isLocked(err)) return undefined;
    throw err;
  }
  await writeFile(ownerFile(path), `${process.pid}\n`);
  let released = false;
  return {
    path,
    release: async () => {
      if (released) return;
      released = true;
      await rm(ownerFile(path), { force: true });
      await releaseLock();
    },
  };
}

/**
 * Takes the lock at `path` (a directory it creates), waiting up to `timeoutMs` for the holder to
 * release it or for it to go stale ({@link STALE_MS} after its holder died).
 * @throws Error naming the holder pid when the deadline passes.
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
