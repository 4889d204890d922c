import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPostgresBinaries } from '../../infra/embedded/pg-binaries.ts';
import { resolveDatabase, startEmbeddedPostgres } from '../../infra/embedded/postgres.ts';
import type { ResolvedDatabase } from '../../infra/embedded/resolved.ts';
import { silentLog } from '../../infra/log.ts';
import { skipWithout } from '../setup/require.ts';

/** `SELECT current_database()` through `url`. */
async function currentDatabase(url: string): Promise<string | undefined> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ db: string }>('SELECT current_database() AS db');
    return result.rows[0]?.db;
  } finally {
    await client.end();
  }
}

describe('resolveDatabase', () => {
  it('uses DATABASE_URL as given, starting nothing', async () => {
    const url = 'postgres://u:secret@db.example:5432/mmflow';
    const resolved = await resolveDatabase({
      env: { DATABASE_URL: url },
      stateDir: '/nonexistent',
      log: silentLog,
    });
    expect(resolved).toMatchObject({ url, kind: 'external' });
    await resolved.stop();
  });

  it('rejects an unknown MMFLOW_EMBEDDED_DB', async () => {
    await expect(
      resolveDatabase({ env: { MMFLOW_EMBEDDED_DB: 'mysql' }, stateDir: '/nonexistent', log: silentLog }),
    ).rejects.toThrow(/MMFLOW_EMBEDDED_DB/);
  });
});

const binaries = await findPostgresBinaries(process.env);

describe.skipIf(
  skipWithout(
    binaries === undefined
      ? "PostgreSQL's server binaries (initdb, pg_ctl: PATH, /usr/lib/postgresql/*/bin or MMFLOW_PG_BIN_DIR)"
      : undefined,
    'the embedded PostgreSQL suite',
  ),
)('embedded PostgreSQL', () => {
  let stateDir: string;
  let blocker: Server;
  let blockedPort: number;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'mmflow-pg-'));
    await chmod(stateDir, 0o755);
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    blockedPort = typeof address === 'object' && address !== null ? address.port : 0;
  });
  afterAll(async () => {
    await new Promise((resolve) => blocker.close(resolve));
    await rm(stateDir, { recursive: true, force: true });
  });

  it('initialises once, avoids a busy port, is reused by a second caller, and survives a stale pid file', async () => {
    const dataDir = join(stateDir, 'pg');
    const options = { dataDir, log: silentLog, durable: false, stopOnExit: true, port: blockedPort };
    const first: ResolvedDatabase = await startEmbeddedPostgres(options);
    const port = Number(new URL(first.url).port);
    expect(port).not.toBe(blockedPort);
    expect(await currentDatabase(first.url)).toBe('mmflow');

    const second = await startEmbeddedPostgres(options);
    expect(second.url).toBe(first.url);
    await second.stop(); // reused: must not stop the first caller's server
    expect(await currentDatabase(first.url)).toBe('mmflow');
    await first.stop();

    // A killed run leaves postmaster.pid naming a dead process: the next start must clear it.
    const deadPid = spawnSync('true').pid;
    const pidFile = join(dataDir, 'postmaster.pid');
    await writeFile(pidFile, `${deadPid}\n${dataDir}\n0\n${port}\n\n127.0.0.1\n0 0\nready\n`);
    const third = await startEmbeddedPostgres({ ...options, database: 'mmflow_other' });
    expect(await currentDatabase(third.url)).toBe('mmflow_other');
    expect((await readFile(pidFile, 'utf8')).split('\n')[0]).not.toBe(String(deadPid));
    await third.stop();
  });
});
