import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireFileLock } from '../../infra/embedded/file-lock.ts';
import { freePort, isPortFree } from '../../infra/embedded/free-port.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mmflow-lock-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('acquireFileLock', () => {
  it('writes our pid, blocks a second taker until released, then hands over', async () => {
    const path = join(dir, 'a.lock');
    const lock = await acquireFileLock(path, 1_000);
    expect((await readFile(path, 'utf8')).trim()).toBe(String(process.pid));
    await expect(acquireFileLock(path, 200)).rejects.toThrow(`held by process ${process.pid}`);
    const waiting = acquireFileLock(path, 5_000);
    await lock.release();
    const next = await waiting;
    await next.release();
    await next.release(); // idempotent
  });

  it('takes over a lock left by a dead process', async () => {
    const path = join(dir, 'b.lock');
    const deadPid = spawnSync('true').pid;
    await writeFile(path, `${deadPid}\n`);
    const lock = await acquireFileLock(path, 1_000);
    expect((await readFile(path, 'utf8')).trim()).toBe(String(process.pid));
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
