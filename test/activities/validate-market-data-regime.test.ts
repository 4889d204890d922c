// The kline regime in the `validate-market-data` report, over the run's PostgreSQL: returned and stored
// in `data_quality_reports.details`, equal (to the last bit) to the features computed from the recorded
// file itself, read in pages, limited to the checked range, null for trades, and reported with reasons
// (never a lost report) when the candles are too few or not finite. A symbol of its own per test.
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { klineRegime, type RegimeCandle } from '../../activities/features/kline-regime.ts';
import { klineRegimeOf, validateMarketData } from '../../activities/validate-market-data.ts';
import { createLogger } from '../../app/logger.ts';
import { createPool } from '../../db/pool.ts';
import { getDataQualityReport } from '../../db/repositories/data-quality.ts';
import { insertOhlcvBatch, type OhlcvRow } from '../../db/repositories/ohlcv.ts';
import { insertTradesBatch } from '../../db/repositories/trades.ts';
import { readKlines } from '../../venues/binance/klines.ts';
import { dataPath } from '../venues/binance/data.ts';
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
/** 2023-11-14T22:14:00Z, a whole minute. */
const T0_MS = 28_333_334 * MIN;
const symbolOf = (tag: string): string => `R${tag}${Date.now() % 1e9}`;

/** A candle whose high/low straddle `close` by ±0.5%; prices as exact decimals with 2 places. */
function candle(symbol: string, i: number, close: number): OhlcvRow {
  const c = close.toFixed(2);
  return {
    venue: 'binance-spot',
    symbol,
    interval: '1m',
    openTimeMs: T0_MS + i * MIN,
    open: c,
    high: (close * 1.005).toFixed(2),
    low: (close * 0.995).toFixed(2),
    close: c,
    volume: '1',
  };
}
const asFeatureCandle = (r: OhlcvRow): RegimeCandle => ({
  openTimeMs: r.openTimeMs,
  high: Number(r.high),
  low: Number(r.low),
  close: Number(r.close),
});
/** A zig-zag trend of n candles around 100. */
const series = (symbol: string, n: number): OhlcvRow[] =>
  Array.from({ length: n }, (_, i) => candle(symbol, i, 100 + i * 0.1 + (i % 3) - 1));

const klinesInput = (symbol: string, reportId: string) =>
  ({
    reportId,
    venue: 'binance-spot',
    symbol,
    kind: 'klines',
    interval: '1m',
    failOnImpossible: true,
  }) as const;

describe('validate-market-data: kline regime', () => {
  it('reports and stores the regime of the checked candles, read in pages', async () => {
    const symbol = symbolOf('A');
    const rows = series(symbol, 60);
    await insertOhlcvBatch(db, rows);
    const report = await validateMarketData({ db, log }, klinesInput(symbol, `dq:test.regime-${symbol}`));

    const expected = klineRegime(rows.map(asFeatureCandle));
    expect(report.regime).toEqual(expected);
    expect(report.regime?.candles).toBe(60);
    expect(report.regime?.atrBp.summary?.count).toBe(60 - 14);
    expect(report.regime?.rsi.summary?.count).toBe(60 - 14);
    expect(report.regime?.bollingerWidthBp.summary?.count).toBe(60 - 20 + 1);
    expect(report.regime?.atrBp.summary?.lastOpenTimeMs).toBe(T0_MS + 59 * MIN);

    // Stored in the report's jsonb as returned.
    const stored = await getDataQualityReport(db, report.reportId);
    expect(stored?.details['regime']).toEqual(expected);

    // Pages of 7 (not a divisor of 60) and of exactly 60 give the same figures.
    expect(await klineRegimeOf(db, { venue: 'binance-spot', symbol }, '1m', 7)).toEqual(expected);
    expect(await klineRegimeOf(db, { venue: 'binance-spot', symbol }, '1m', 60)).toEqual(expected);

    // Only the checked range [fromMs, toMs).
    const ranged = await validateMarketData(
      { db, log },
      {
        ...klinesInput(symbol, `dq:test.regime-range-${symbol}`),
        fromMs: T0_MS + 5 * MIN,
        toMs: T0_MS + 45 * MIN,
      },
    );
    expect(ranged.rowsChecked).toBe(40);
    expect(ranged.regime).toEqual(klineRegime(rows.slice(5, 45).map(asFeatureCandle)));
  });

  it('keeps the report when there are too few candles, with the reason per indicator', async () => {
    const symbol = symbolOf('F');
    await insertOhlcvBatch(db, series(symbol, 16));
    const report = await validateMarketData({ db, log }, klinesInput(symbol, `dq:test.regime-few-${symbol}`));
    expect(report.rowsChecked).toBe(16);
    expect(report.regime?.atrBp.summary?.count).toBe(2);
    expect(report.regime?.bollingerWidthBp).toEqual({
      summary: null,
      reason: 'needs at least 20 candles, got 16',
    });
    const stored = await getDataQualityReport(db, report.reportId);
    expect(stored?.details['regime']).toEqual(report.regime);
  });

  it('reports a NaN price stored in NUMERIC (as before migration 0010) instead of failing', async () => {
    const symbol = symbolOf('N');
    const client = await db.connect();
    try {
      await client.query('BEGIN');
      // Only inside this transaction: a NaN row as stored before migration 0010 refused them.
      await client.query('ALTER TABLE ohlcv DROP CONSTRAINT ohlcv_not_nan');
      await insertOhlcvBatch(client, series(symbol, 30));
      // The repository refuses NaN; raw SQL can store it, and NaN > 0 and NaN ≥ low hold in PostgreSQL.
      await client.query(
        `UPDATE ohlcv SET high = 'NaN' WHERE venue = 'binance-spot' AND symbol = $1 AND open_time_ms = $2`,
        [symbol, T0_MS + 25 * MIN],
      );
      const report = await validateMarketData(
        { db: client, log },
        { ...klinesInput(symbol, `dq:test.regime-nan-${symbol}`), failOnImpossible: false },
      );
      expect(report.rowsChecked).toBe(30);
      expect(report.klines?.nonFiniteValues).toBe(1);
      const reason = `candle 25 (open time ${T0_MS + 25 * MIN} ms): high is NaN, not a finite price`;
      for (const figure of [report.regime?.atrBp, report.regime?.rsi, report.regime?.bollingerWidthBp])
        expect(figure).toEqual({ summary: null, reason });
      const stored = await getDataQualityReport(client, report.reportId);
      expect(stored?.details['regime']).toEqual(report.regime);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('has no regime for trades', async () => {
    const symbol = symbolOf('T');
    await insertTradesBatch(db, [
      {
        venue: 'binance-usdm',
        symbol,
        tradeId: 1,
        price: '3400.5',
        qty: '0.1',
        aggressor: 'buy',
        tradeTimeMs: T0_MS,
      },
    ]);
    const report = await validateMarketData(
      { db, log },
      {
        reportId: `dq:test.regime-t-${symbol}`,
        venue: 'binance-usdm',
        symbol,
        kind: 'trades',
        failOnImpossible: true,
      },
    );
    expect(report.regime).toBeNull();
  });

  it('gives, from PostgreSQL, exactly the figures of the recorded BTCUSDT 1m file', async () => {
    const symbol = symbolOf('B');
    const rows: OhlcvRow[] = [];
    for await (const k of readKlines(dataPath('klines/binance-spot_BTCUSDT_1m_20230316-20230501.csv.gz')))
      rows.push({ venue: 'binance-spot', symbol, interval: '1m', ...k });
    for (let i = 0; i < rows.length; i += 5_000) await insertOhlcvBatch(db, rows.slice(i, i + 5_000));
    const report = await validateMarketData({ db, log }, klinesInput(symbol, `dq:test.regime-btc-${symbol}`));
    expect(report).toMatchObject({ rowsChecked: 66_087, gaps: 1, missing: 80, impossible: 0 });
    // float8 of the NUMERIC is the nearest double, as Number() of the decimal text: same bits.
    expect(report.regime).toEqual(klineRegime(rows.map(asFeatureCandle)));
    expect(report.regime?.atrBp.summary?.median).toBeCloseTo(5.2075, 3);
    expect(report.regime?.rsi.summary?.median).toBe(50.28);
    // Small enough for the workflow history (summaries only).
    expect(JSON.stringify(report.regime).length).toBeLessThan(1_000);
  });
});
