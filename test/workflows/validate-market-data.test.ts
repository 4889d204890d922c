/**
 * The `validate-market-data` activity over hand-made rows in the run's PostgreSQL (a symbol of its own
 * per test, so other tests' data does not interfere). Impossible values cannot be stored while the
 * table constraints hold, so that case drops the constraints inside a transaction that is rolled back.
 */
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateMarketData, intervalMs } from '../../activities/validate-market-data.ts';
import { createLogger } from '../../app/logger.ts';
import { PermanentError } from '../../core/errors.ts';
import { createPool } from '../../db/pool.ts';
import { insertOhlcvBatch, type OhlcvRow } from '../../db/repositories/ohlcv.ts';
import { insertTradesBatch, type TradeRow } from '../../db/repositories/trades.ts';
import { getDataQualityReport } from '../../db/repositories/data-quality.ts';
import { testServices } from '../setup/services.ts';

let db: Pool;
const log = createLogger('test', 'error');
beforeAll(() => {
  db = createPool(testServices().databaseUrl);
});
afterAll(async () => {
  await db?.end();
});

const MIN = 60_000;
/** 2023-11-14T22:14:00Z, a whole minute (28 333 334 × 60 000 ms). */
const T0_MS = 28_333_334 * MIN;
const symbolOf = (tag: string): string => `T${tag}${Date.now() % 1e9}`;

function candle(symbol: string, openTimeMs: number, fields: Partial<OhlcvRow> = {}): OhlcvRow {
  return {
    venue: 'binance-spot',
    symbol,
    interval: '1m',
    openTimeMs,
    open: '100',
    high: '101',
    low: '99',
    close: '100.5',
    volume: '2',
    ...fields,
  };
}

function trade(symbol: string, tradeId: number, tradeTimeMs: number): TradeRow {
  return {
    venue: 'binance-usdm',
    symbol,
    tradeId,
    price: '3400.5',
    qty: '0.1',
    aggressor: 'buy',
    tradeTimeMs,
  };
}

describe('validate-market-data', () => {
  it('knows interval lengths and refuses months', () => {
    expect(intervalMs('1m')).toBe(60_000);
    expect(intervalMs('4h')).toBe(14_400_000);
    expect(intervalMs('1d')).toBe(86_400_000);
    expect(() => intervalMs('1M')).toThrow(PermanentError);
  });

  it('counts kline gaps, missing candles and off-grid open times', async () => {
    const symbol = symbolOf('K');
    // 0, 1, 2, then 5 (3 and 4 missing), 6, then 6.5 (off the 1m grid), then 10 (7, 8, 9 missing).
    const times = [0, 1, 2, 5, 6, 6.5, 10].map((m) => T0_MS + m * MIN);
    await insertOhlcvBatch(
      db,
      times.map((t) => candle(symbol, t)),
    );
    const report = await validateMarketData(
      { db, log },
      {
        reportId: 'dq:test.k',
        venue: 'binance-spot',
        symbol,
        kind: 'klines',
        interval: '1m',
        failOnImpossible: false,
      },
    );
    expect(report).toMatchObject({
      reportId: 'dq:test.k',
      rowsChecked: 7,
      gaps: 2,
      missing: 5,
      duplicates: 0,
      impossible: 1,
      interval: '1m',
      trades: null,
    });
    expect(report.klines).toMatchObject({
      firstOpenTimeMs: times[0],
      lastOpenTimeMs: times[6],
      largestGapMs: 3.5 * MIN,
      misalignedOpenTimes: 1,
      highBelowLow: 0,
    });
    // Missing grid minutes: 3 and 4 (between 2 and 5), 7, 8 and 9 (between 6.5 and 10); 6 → 6.5 is
    // under one interval, so not a gap.
    expect(report.klines?.missingCandles).toBe(5);

    // Stored under its id; a retry (same id) overwrites the same row.
    await validateMarketData(
      { db, log },
      {
        reportId: 'dq:test.k',
        venue: 'binance-spot',
        symbol,
        kind: 'klines',
        interval: '1m',
        failOnImpossible: false,
      },
    );
    const stored = await getDataQualityReport(db, 'dq:test.k');
    expect(stored).toMatchObject({
      venue: 'binance-spot',
      symbol,
      dataset: 'ohlcv',
      interval: '1m',
      rowsChecked: 7,
      gaps: 2,
      duplicates: 0,
      impossible: 1,
    });
    expect(stored?.details).toMatchObject({ missing: 5, klines: { largestGapMs: 3.5 * MIN } });
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM data_quality_reports WHERE id = 'dq:test.k'`,
    );
    expect(rows[0]?.n).toBe('1');
  });

  it('counts trade id gaps and time going backwards', async () => {
    const symbol = symbolOf('T');
    const t0 = 1_721_347_022_000;
    await insertTradesBatch(db, [
      trade(symbol, 1, t0),
      trade(symbol, 2, t0 + 5),
      trade(symbol, 3, t0 + 5),
      trade(symbol, 7, t0 + 9), // ids 4, 5, 6 missing
      trade(symbol, 8, t0 + 8), // earlier than id 7
      trade(symbol, 10, t0 + 12), // id 9 missing
    ]);
    const report = await validateMarketData(
      { db, log },
      { reportId: 'dq:test.t', venue: 'binance-usdm', symbol, kind: 'trades', failOnImpossible: false },
    );
    expect(report).toMatchObject({
      rowsChecked: 6,
      gaps: 2,
      missing: 4,
      duplicates: 0,
      impossible: 1,
      klines: null,
    });
    expect(report.trades).toMatchObject({
      firstTradeId: 1,
      lastTradeId: 10,
      timeRegressions: 1,
      nonPositivePrice: 0,
    });

    const err = await validateMarketData(
      { db, log },
      { reportId: 'dq:test.t2', venue: 'binance-usdm', symbol, kind: 'trades', failOnImpossible: true },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as PermanentError).code).toBe('BAD_MARKET_DATA');
  });

  it('restricts the check to [fromMs, toMs) and fails when nothing is stored there', async () => {
    const symbol = symbolOf('R');
    const t0 = T0_MS;
    await insertOhlcvBatch(
      db,
      [0, 1, 2, 3, 10, 11].map((m) => candle(symbol, t0 + m * MIN)),
    );
    const head = await validateMarketData(
      { db, log },
      {
        reportId: 'dq:test.r',
        venue: 'binance-spot',
        symbol,
        kind: 'klines',
        interval: '1m',
        fromMs: t0,
        toMs: t0 + 4 * MIN,
        failOnImpossible: true,
      },
    );
    expect(head).toMatchObject({ rowsChecked: 4, gaps: 0, missing: 0 });
    const err = await validateMarketData(
      { db, log },
      {
        reportId: 'dq:test.r2',
        venue: 'binance-spot',
        symbol,
        kind: 'klines',
        interval: '1m',
        fromMs: t0 + 20 * MIN,
        failOnImpossible: true,
      },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as PermanentError).code).toBe('NO_MARKET_DATA');
  });

  it('finds impossible candles (high < low, negative volume, zero price, NaN) and refuses them', async () => {
    const symbol = symbolOf('I');
    const t0 = T0_MS;
    const client = await db.connect();
    try {
      await client.query('BEGIN');
      // Only inside this transaction: let impossible rows in, as a broken writer or migration could.
      await client.query(`ALTER TABLE ohlcv DROP CONSTRAINT ohlcv_high_gte_low,
        DROP CONSTRAINT ohlcv_open_close_within_range, DROP CONSTRAINT ohlcv_volume_non_negative,
        DROP CONSTRAINT ohlcv_low_positive, DROP CONSTRAINT ohlcv_open_positive, DROP CONSTRAINT ohlcv_not_nan`);
      await insertOhlcvBatch(client, [
        candle(symbol, t0),
        candle(symbol, t0 + MIN, { high: '98', low: '99', open: '98.5', close: '98.5' }), // high < low
        candle(symbol, t0 + 2 * MIN, { volume: '-1' }), // negative volume
        candle(symbol, t0 + 3 * MIN, { open: '0', low: '0' }), // zero price
        candle(symbol, t0 + 4 * MIN),
      ]);
      // The repository refuses NaN; raw SQL can store it, and NaN passes > 0 and ≥ low in PostgreSQL.
      await client.query(`UPDATE ohlcv SET high = 'NaN' WHERE symbol = $1 AND open_time_ms = $2`, [
        symbol,
        t0 + 4 * MIN,
      ]);
      const input = {
        reportId: 'dq:test.i',
        venue: 'binance-spot',
        symbol,
        kind: 'klines' as const,
        interval: '1m',
        failOnImpossible: false,
      };
      const report = await validateMarketData({ db: client, log }, input);
      expect(report.klines).toMatchObject({
        highBelowLow: 1,
        negativeVolume: 1,
        nonPositivePrices: 1,
        openCloseOutsideRange: 1, // the high < low candle: open 98.5 is not within [99, 98]
        nonFiniteValues: 1,
      });
      expect(report.impossible).toBe(5);
      const err = await validateMarketData({ db: client, log }, { ...input, failOnImpossible: true }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(PermanentError);
      expect((err as Error).message).toContain('5 impossible value(s) and 0 duplicate(s)');
      // A refused dataset still leaves its report.
      expect((await getDataQualityReport(client, 'dq:test.i'))?.impossible).toBe(5);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('refuses NaN prices and sizes at the table (migration 0010), which the positivity checks let through', async () => {
    const symbol = symbolOf('X');
    await insertOhlcvBatch(db, [candle(symbol, T0_MS)]);
    for (const column of ['open', 'high', 'low', 'close', 'volume']) {
      const err = await db
        .query(`UPDATE ohlcv SET ${column} = 'NaN' WHERE symbol = $1`, [symbol])
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: '23514' });
    }
    // NaN sorts above every number, so without migration 0010 a NaN high or volume passes every CHECK.
    const client = await db.connect();
    try {
      await client.query('BEGIN');
      await client.query('ALTER TABLE ohlcv DROP CONSTRAINT ohlcv_not_nan');
      const updated = await client.query(`UPDATE ohlcv SET high = 'NaN', volume = 'NaN' WHERE symbol = $1`, [
        symbol,
      ]);
      expect(updated.rowCount).toBe(1);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
    const trade = await db
      .query(
        `INSERT INTO trades (venue, symbol, trade_id, price, qty, aggressor, trade_time_ms)
         VALUES ('binance-usdm', $1, 1, 'NaN', '1', 'buy', 0)`,
        [symbol],
      )
      .catch((e: unknown) => e);
    expect(trade).toMatchObject({ code: '23514', constraint: 'trades_not_nan' });
  });
});
