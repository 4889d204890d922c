import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../app/paths.ts';
import { acquireFileLock, STALE_MS } from '../../infra/embedded/file-lock.ts';
import { freePort, isPortFree } from '../../infra/embedded/free-port.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mmflow-lock-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs test/infra/fixtures/lock-contender.ts; resolves with its exit code and stderr. */
function contender(
  lock: string,
  section: string,
  rounds: number,
): Promise<{ code: number | null; stderr: string }> {
  const script = resolve(repoRoot, 'test/infra/fixtures/lock-contender.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, lock, section, String(rounds)], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((done) => child.once('close', (code) => done({ code, stderr })));
}

describe('acquireFileLock', () => {
  it('records our pid, blocks a second taker until released, then hands over', async () => {
    const path = join(dir, 'a.lock');
    const lock = await acquireFileLock(path, 1_000);
    expect((await readFile(`${path}.owner`, 'utf8')).trim()).toBe(String(process.pid));
    await expect(acquireFileLock(path, 200)).rejects.toThrow(`held by process ${process.pid}`);
    const waiting = acquireFileLock(path, 5_000);
    await lock.release();
    const next = await waiting;
    await next.release();
    await next.release(); // idempotent
    await expect(stat(path)).rejects.toThrow(/ENOENT/);
  });

  it('keeps two processes out of the critical section at once, 2 × 40 rounds', async () => {
    const lock = join(dir, 'contended.lock');
    const section = join(dir, 'inside');
    const results = await Promise.all([contender(lock, section, 40), contender(lock, section, 40)]);
    expect(results).toEqual([
      { code: 0, stderr: '' },
      { code: 0, stderr: '' },
    ]);
  });

  it('takes over a lock its holder stopped refreshing (killed) once it is stale', async () => {
    const path = join(dir, 'b.lock');
    await mkdir(path);
    const old = new Date(Date.now() - STALE_MS - 5_000);
    await utimes(path, old, old);
    const lock = await acquireFileLock(path, 1_000);
    expect((await readFile(`${path}.owner`, 'utf8')).trim()).toBe(String(process.pid));
    await lock.release();
  });

  it('does not take over a fresh lock of another holder', async () => {
    const path = join(dir, 'c.lock');
    await mkdir(path);
    await expect(acquireFileLock(path, 300)).rejects.toThrow(/c\.lock is held by process unknown/);
    await rm(path, { recursive: true });
  });

  it('replaces a lock file of the older format left by a dead process', async () => {
    const path = join(dir, 'd.lock');
    const deadPid = spawnSync('true').pid;
    await writeFile(path, `${deadPid}\n`);
    const lock = await acquireFileLock(path, 1_000);
    expect((await stat(path)).isDirectory()).toBe(true);
    await lock.release();
  });
});

describe('freePort', () => {
  it('returns the preferred port when free and another one when it is taken', async () => {
    const port = await freePort();
    expect(await isPortFree(port)).toBe(true);
    expect(await freePort(port)).toBe(port);
  });
});
