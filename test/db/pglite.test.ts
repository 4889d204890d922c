import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateUp } from '../../db/migrate.ts';
import { createPool } from '../../db/pool.ts';
import { countRows } from '../../db/repositories/counts.ts';
import { insertOhlcvBatch, listOhlcv } from '../../db/repositories/ohlcv.ts';
import { startEmbeddedPglite } from '../../infra/embedded/pglite.ts';
import { resolveDatabase } from '../../infra/embedded/postgres.ts';
import type { ResolvedDatabase } from '../../infra/embedded/resolved.ts';
import { silentLog } from '../../infra/log.ts';
import { btcusdtHourlyCandles } from './market-data.ts';
import { describeRepositoryContract } from './repository-contract.ts';

let stateDir: string;
let database: ResolvedDatabase;
let pool: Pool;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'mmflow-pglite-'));
  database = await startEmbeddedPglite({ dataDir: join(stateDir, 'pglite'), log: silentLog });
  await migrateUp(database.url);
  pool = createPool(database.url, { maxConnections: 4 });
});

afterAll(async () => {
  await pool.end();
  await database.stop();
  await rm(stateDir, { recursive: true, force: true });
});

describe('PGlite fallback', () => {
  it('serves PGlite over loopback TCP to an ordinary pg pool, migrated and idempotently re-migratable', async () => {
    expect(database.kind).toBe('pglite');
    expect(new URL(database.url).hostname).toBe('127.0.0.1');
    const version = await pool.query<{ version: string }>('SELECT version()');
    expect(version.rows[0]?.version).toContain('PGlite');
    expect(await migrateUp(database.url)).toEqual([]);
  });

  it('refuses to open a data directory another server already holds', async () => {
    await expect(startEmbeddedPglite({ dataDir: join(stateDir, 'pglite'), log: silentLog })).rejects.toThrow(
      /open in another process/,
    );
  });

  it('is chosen by resolveDatabase when MMFLOW_EMBEDDED_DB=pglite, and keeps its data across a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mmflow-pglite-restart-'));
    const env = { PATH: process.env['PATH'], MMFLOW_EMBEDDED_DB: 'pglite' };
    try {
      const first = await resolveDatabase({ env, stateDir: dir, log: silentLog });
      expect(first.kind).toBe('pglite');
      await migrateUp(first.url);
      const candles = await btcusdtHourlyCandles(5);
      const p1 = createPool(first.url, { maxConnections: 2 });
      expect(await insertOhlcvBatch(p1, candles)).toBe(5);
      await p1.end();
      await first.stop();

      const second = await resolveDatabase({ env, stateDir: dir, log: silentLog });
      const p2 = createPool(second.url, { maxConnections: 2 });
      expect(await listOhlcv(p2, { venue: 'binance-spot', symbol: 'BTCUSDT', interval: '1h' })).toEqual(
        candles,
      );
      expect(await countRows(p2, 'ohlcv')).toBe(5);
      await p2.end();
      await second.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describeRepositoryContract('PGlite', () => pool);
