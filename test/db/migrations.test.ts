import { randomUUID } from 'node:crypto';
import { Client, type Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipWithout } from '../setup/require.ts';
import { migrateUp, MIGRATIONS_TABLE } from '../../db/migrate.ts';
import { createPool } from '../../db/pool.ts';
import { TABLES } from '../../db/repositories/counts.ts';
import { ensureDatabase } from '../../infra/embedded/postgres.ts';
import { testServices } from '../setup/services.ts';

const ALL_MIGRATIONS = [
  '0001_market-data',
  '0002_model-registry',
  '0003_runs',
  '0004_timescaledb-optional',
  '0005_fill-ratio-unbounded',
  '0006_data-quality-reports',
  '0007_calibration-and-quality-windows',
  '0008_studies',
  '0009_model-artifacts-and-metrics',
  '0010_market-data-not-nan',
  '0011_risk-state',
  '0012_fill-trade-id',
  '0013_promotion',
  '0014_slot-apply-error',
  '0015_status-history-backfill',
  '0016_deployment-change-keys',
];

/** Table names, column names and types of the public schema, as one comparable list. */
async function schemaShape(pool: Pool): Promise<string[]> {
  const result = await pool.query<{ shape: string }>(
    `SELECT table_name || '.' || column_name || ':' || data_type AS shape FROM information_schema.columns
     WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
  );
  return result.rows.map((r) => r.shape);
}

describe('migrations on the test database', () => {
  const { databaseUrl, databaseKind } = testServices();
  let pool: Pool;

  beforeAll(() => {
    pool = createPool(databaseUrl);
  });
  afterAll(async () => {
    await pool.end();
  });

  it('created every table plus the migrations bookkeeping table', async () => {
    const result = await pool.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
    );
    const tables = result.rows.map((r) => r.table_name);
    expect(tables).toEqual(expect.arrayContaining([...TABLES, MIGRATIONS_TABLE]));
  });

  it('records every migration in order, and a second run applies nothing and changes no column', async () => {
    const before = await schemaShape(pool);
    expect(await migrateUp(databaseUrl)).toEqual([]);
    expect(await schemaShape(pool)).toEqual(before);
    const recorded = await pool.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`);
    expect(recorded.rows.map((r) => r.name)).toEqual(ALL_MIGRATIONS);
  });

  it('leaves ohlcv and trades as plain tables when timescaledb is not available', async () => {
    const available = await pool.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'`);
    const installed = await pool.query(`SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'`);
    const kinds = await pool.query<{ relname: string; relkind: string }>(
      `SELECT relname, relkind FROM pg_class WHERE relname IN ('ohlcv', 'trades') AND relnamespace = 'public'::regnamespace
       ORDER BY relname`,
    );
    if (available.rowCount === 0) {
      expect(installed.rowCount).toBe(0);
      expect(kinds.rows).toEqual([
        { relname: 'ohlcv', relkind: 'r' },
        { relname: 'trades', relkind: 'r' },
      ]);
    } else {
      // A TimescaleDB server (DATABASE_URL): the tables must have become hypertables.
      const hypertables = await pool.query(`SELECT hypertable_name FROM timescaledb_information.hypertables`);
      expect(hypertables.rowCount).toBe(installed.rowCount === 0 ? 0 : 2);
    }
  });

  it.skipIf(
    skipWithout(
      databaseKind === 'pglite'
        ? 'a PostgreSQL server: this run uses PGlite (no server binaries found), which serves one connection at a time'
        : undefined,
      'the concurrent-migration test',
    ),
  )(
    'applies every migration exactly once when three processes migrate an empty database at once',
    async () => {
      const name = `mmflow_migrate_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
      const url = new URL(databaseUrl);
      await ensureDatabase(url.toString(), name);
      url.pathname = `/${name}`;
      try {
        const results = await Promise.all([
          migrateUp(url.toString()),
          migrateUp(url.toString()),
          migrateUp(url.toString()),
        ]);
        expect(results.flat().sort()).toEqual(ALL_MIGRATIONS);
      } finally {
        const admin = new Client({ connectionString: databaseUrl });
        await admin.connect();
        // The runner closes its connections asynchronously: wait for them to go rather than force
        // them off (a terminated idle client of the runner would raise an unhandled error).
        const deadline = Date.now() + 15_000;
        for (;;) {
          const open = await admin.query<{ n: string }>(
            'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1',
            [name],
          );
          if (Number(open.rows[0]?.n ?? 0) === 0 || Date.now() > deadline) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
        await admin.end();
      }
    },
  );
});
