import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { beforeEach, describe, expect, it } from 'vitest';
import { PermanentError } from '../../core/errors.ts';
import {
  getBacktestRun,
  saveBacktestRun,
  type BacktestRunInput,
} from '../../db/repositories/backtest-runs.ts';
import { countRows } from '../../db/repositories/counts.ts';
import {
  finishEngineRun,
  getEngineRun,
  insertFills,
  insertOrders,
  insertQuotes,
  startEngineRun,
} from '../../db/repositories/engine-runs.ts';
import { getIngestBatch, recordIngestBatch } from '../../db/repositories/ingest-batches.ts';
import {
  getChampion,
  getModelVersion,
  listModelVersions,
  registerModelVersion,
  setStatus,
} from '../../db/repositories/models.ts';
import { insertOhlcvBatch, listOhlcv } from '../../db/repositories/ohlcv.ts';
import { listFills, listOrders, listQuotes } from '../../db/repositories/run-records.ts';
import { insertTradesBatch, listTrades } from '../../db/repositories/trades.ts';
import { btcusdtHourlyCandles, btcusdtSpotTrades } from './market-data.ts';

/** A name unique to this test run, so tests sharing the database never collide. */
const unique = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

/** Resolves to the error `promise` rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<PermanentError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof PermanentError)) throw new Error(`expected a PermanentError, got ${String(err)}`);
  return err;
}

/** A complete backtest run record for `id`. */
function backtestRun(id: string, overrides: Partial<BacktestRunInput> = {}): BacktestRunInput {
  return {
    id,
    session: 'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z',
    venue: 'binance-spot',
    symbol: 'BTCUSDT',
    config: { model: { gamma: 0.1 }, feeBps: 1 },
    kpis: { netPnlQuote: '12.5', sharpe: 1.25, extra: [1, 2] },
    events: 10_000,
    quotes: 800,
    fills: 40,
    netPnlQuote: '12.50',
    sharpe: 1.25,
    maxDrawdownQuote: '3.2',
    rmsInventoryRatio: 0.4,
    spreadCapturedPct: 61.5,
    fillRatio: 0.05,
    cancelRatio: 0.9,
    startedAtMs: 1_723_161_254_087,
    finishedAtMs: 1_723_161_260_000,
    source: 'workflow',
    ...overrides,
  };
}

/**
 * The repository contract: every repository against a migrated database, run on each engine we
 * support (the test run's PostgreSQL in repositories.test.ts, PGlite in pglite.test.ts).
 * @param engine label for the suite name.
 * @param db returns the pool to use (called inside tests, after the caller's beforeAll ran).
 */
export function describeRepositoryContract(engine: string, db: () => Pool): void {
  describe(`repositories on ${engine}`, () => {
    let pool: Pool;
    beforeEach(() => {
      pool = db();
    });

    describe('ohlcv repository', () => {
      it('stores real BTCUSDT 1h candles exactly once however often the batch is inserted', async () => {
        const venue = unique('binance-spot');
        const candles = (await btcusdtHourlyCandles(48)).map((c) => ({ ...c, venue }));
        const before = await countRows(pool, 'ohlcv');
        expect(await insertOhlcvBatch(pool, candles)).toBe(48);
        expect(await insertOhlcvBatch(pool, candles)).toBe(0);
        expect(await countRows(pool, 'ohlcv')).toBe(before + 48);
        const stored = await listOhlcv(pool, { venue, symbol: 'BTCUSDT', interval: '1h' });
        expect(stored).toEqual(candles);
        // Binance's first BTCUSDT 1h candle: 2017-08-17 04:00 UTC, open 4261.48 (data README anchor).
        expect(stored[0]).toMatchObject({
          openTimeMs: Date.UTC(2017, 7, 17, 4),
          open: '4261.48',
          volume: '47.181009',
        });
      });

      it('skips only the already stored candles of an overlapping batch', async () => {
        const venue = unique('binance-spot');
        const candles = (await btcusdtHourlyCandles(10)).map((c) => ({ ...c, venue }));
        expect(await insertOhlcvBatch(pool, candles.slice(0, 6))).toBe(6);
        expect(await insertOhlcvBatch(pool, candles.slice(4))).toBe(4);
        expect(
          await listOhlcv(pool, {
            venue,
            symbol: 'BTCUSDT',
            interval: '1h',
            fromMs: candles[8]?.openTimeMs ?? 0,
          }),
        ).toEqual(candles.slice(8));
      });

      it('rejects a candle whose high is below its low with the violated CHECK named, writing nothing', async () => {
        const venue = unique('binance-spot');
        const bad = {
          venue,
          symbol: 'BTCUSDT',
          interval: '1h',
          openTimeMs: 0,
          open: '10',
          high: '9',
          low: '11',
          close: '10',
          volume: '1',
        };
        const err = await rejection(insertOhlcvBatch(pool, [bad]));
        expect(err.code).toBe('DB_CONSTRAINT');
        expect(err.details?.['constraint']).toBe('ohlcv_high_gte_low');
        expect(await listOhlcv(pool, { venue, symbol: 'BTCUSDT', interval: '1h' })).toEqual([]);
      });

      it('rejects negative volume in the database and a malformed price before SQL', async () => {
        const venue = unique('binance-spot');
        const row = {
          venue,
          symbol: 'BTCUSDT',
          interval: '1h',
          openTimeMs: 0,
          open: '10',
          high: '11',
          low: '9',
          close: '10',
          volume: '-1',
        };
        expect((await rejection(insertOhlcvBatch(pool, [row]))).details?.['constraint']).toBe(
          'ohlcv_volume_non_negative',
        );
        const malformed = await rejection(insertOhlcvBatch(pool, [{ ...row, volume: '1', open: '10,5' }]));
        expect(malformed.code).toBe('DB_INVALID_INPUT');
        expect(malformed.message).toContain('open');
      });
    });

    describe('trades repository', () => {
      it('stores real spot trades exactly once, keeping the exchange decimals', async () => {
        const venue = unique('binance-spot');
        const trades = (await btcusdtSpotTrades(200)).map((t) => ({ ...t, venue }));
        const before = await countRows(pool, 'trades');
        expect(await insertTradesBatch(pool, trades)).toBe(200);
        expect(await insertTradesBatch(pool, trades)).toBe(0);
        expect(await countRows(pool, 'trades')).toBe(before + 200);
        const stored = await listTrades(pool, { venue, symbol: 'BTCUSDT' });
        expect(stored).toHaveLength(200);
        expect(stored[0]).toEqual({
          venue,
          symbol: 'BTCUSDT',
          tradeId: 3735683259,
          price: '61837.63000000',
          qty: '0.02000000',
          aggressor: 'sell',
          tradeTimeMs: 1723161255342,
        });
      });

      it('rejects a non-positive price via the trades_price_positive CHECK', async () => {
        const venue = unique('binance-spot');
        const trade = {
          venue,
          symbol: 'BTCUSDT',
          tradeId: 1,
          price: '-1',
          qty: '1',
          aggressor: 'buy' as const,
          tradeTimeMs: 1,
        };
        const err = await rejection(insertTradesBatch(pool, [trade]));
        expect(err.details).toMatchObject({ constraint: 'trades_price_positive', sqlState: '23514' });
        expect(err.message).toContain('trades_price_positive');
      });
    });

    describe('model registry', () => {
      it('round-trips a version with params, lineage and parent, and numbers versions per name', async () => {
        const name = unique('as-v1');
        const root = await registerModelVersion(pool, {
          name,
          kind: 'avellaneda-stoikov',
          params: { gamma: 0.1, kappa: 1.5 },
        });
        expect(root).toMatchObject({ id: `${name}@1`, version: 1, status: 'candidate', parentId: undefined });
        expect(root.lineage).toEqual({ datasetDigests: {}, workflowIds: [] });
        const lineage = {
          datasetDigests: { 'binance-spot_BTCUSDT_1h': 'sha256:abc123' },
          workflowIds: ['pipeline-nightly-1'],
          codeVersion: 'deadbeef',
          notes: 'kept as an extra key',
        };
        const child = await registerModelVersion(pool, {
          name,
          kind: 'avellaneda-stoikov',
          params: { gamma: 0.2, kappa: 1.5, nested: { horizonMs: 60_000 } },
          parentId: root.id,
          lineage,
          status: 'challenger',
        });
        expect(child).toMatchObject({
          id: `${name}@2`,
          version: 2,
          status: 'challenger',
          parentId: root.id,
          lineage,
        });
        expect(await getModelVersion(pool, child.id)).toEqual(child);
        expect((await listModelVersions(pool, { name })).map((m) => m.id)).toEqual([root.id, child.id]);
      });

      it('re-registering an explicit version is idempotent, but different params conflict', async () => {
        const name = unique('as-v1');
        const input = { name, version: 7, kind: 'avellaneda-stoikov', params: { b: 2, a: 1 } };
        const first = await registerModelVersion(pool, input);
        expect(await registerModelVersion(pool, { ...input, params: { a: 1, b: 2 } })).toEqual(first);
        const err = await rejection(registerModelVersion(pool, { ...input, params: { a: 1, b: 3 } }));
        expect(err.code).toBe('MODEL_VERSION_CONFLICT');
      });

      it('a registration key makes a retried registration return the same version, with its artifacts and metrics', async () => {
        const name = unique('as-v1.5');
        const key = unique('retrain-weekly/run-1.register');
        const artifact = {
          kind: 'onnx' as const,
          path: 'alpha/a.onnx',
          sha256: 'ab'.repeat(32),
          bytes: 1234,
        };
        const input = {
          name,
          kind: 'as-v1.5',
          params: { model: 'as-v1.5', gamma: 1e-6 },
          artifacts: [artifact],
          metrics: { inSample: { sharpe: 1.5 }, outOfSample: { sharpe: 0.7 } },
          registrationKey: key,
        };
        const first = await registerModelVersion(pool, input);
        expect(first).toMatchObject({ id: `${name}@1`, artifacts: [artifact], registrationKey: key });
        expect(first.metrics).toEqual({ inSample: { sharpe: 1.5 }, outOfSample: { sharpe: 0.7 } });
        // The retry (no explicit version) does not take version 2.
        expect(await registerModelVersion(pool, input)).toEqual(first);
        expect((await listModelVersions(pool, { name })).map((m) => m.id)).toEqual([first.id]);
        const err = await rejection(
          registerModelVersion(pool, { ...input, params: { model: 'as-v1.5', gamma: 2e-6 } }),
        );
        expect(err.code).toBe('MODEL_VERSION_CONFLICT');
        expect(err.message).toContain(key);
      });

      it('refuses an artifact whose sha256 is not 64 hex digits', async () => {
        const err = await rejection(
          registerModelVersion(pool, {
            name: unique('as-v1.5'),
            kind: 'k',
            params: {},
            artifacts: [{ kind: 'onnx', path: 'a.onnx', sha256: 'xyz', bytes: 1 }],
          }),
        );
        expect(err.code).toBe('DB_INVALID_INPUT');
        expect(err.message).toMatch(/artifacts\[0\]\.sha256/);
      });

      it('keeps one champion per name: promoting a version retires the previous champion', async () => {
        const name = unique('gueant');
        const v1 = await registerModelVersion(pool, { name, kind: 'glft', params: {} });
        const v2 = await registerModelVersion(pool, { name, kind: 'glft', params: {} });
        expect(await getChampion(pool, name)).toBeUndefined();
        await setStatus(pool, v1.id, 'champion');
        expect((await getChampion(pool, name))?.id).toBe(v1.id);
        const promoted = await setStatus(pool, v2.id, 'champion');
        expect(promoted.status).toBe('champion');
        expect((await getChampion(pool, name))?.id).toBe(v2.id);
        expect((await getModelVersion(pool, v1.id))?.status).toBe('retired');
        expect((await listModelVersions(pool, { name, status: 'champion' })).map((m) => m.id)).toEqual([
          v2.id,
        ]);
      });

      it('refuses an unknown parent, an unknown id and a second champion written behind its back', async () => {
        const name = unique('as-v1');
        expect(
          (await rejection(registerModelVersion(pool, { name, kind: 'k', params: {}, parentId: 'nope@1' })))
            .code,
        ).toBe('DB_CONSTRAINT');
        expect((await rejection(setStatus(pool, `${name}@99`, 'retired'))).code).toBe('MODEL_NOT_FOUND');
        const a = await registerModelVersion(pool, { name, kind: 'k', params: {} });
        const b = await registerModelVersion(pool, { name, kind: 'k', params: {} });
        await setStatus(pool, a.id, 'champion');
        const raw = pool.query(`UPDATE model_versions SET status = 'champion' WHERE id = $1`, [b.id]);
        await expect(raw).rejects.toThrow(/model_versions_one_champion/);
      });
    });

    describe('backtest runs', () => {
      it('stores a fill ratio above 1 (partial fills each count as a fill)', async () => {
        const id = unique('bt');
        await saveBacktestRun(pool, backtestRun(id, { fillRatio: 1.5 }));
        expect((await getBacktestRun(pool, id))?.fillRatio).toBe(1.5);
      });

      it('saves idempotently by id and round-trips every field exactly', async () => {
        const id = unique('wf-backtest/step-3');
        const run = backtestRun(id, { sharpe: undefined });
        const before = await countRows(pool, 'backtest_runs');
        expect(await saveBacktestRun(pool, run)).toEqual({ inserted: true });
        expect(await saveBacktestRun(pool, { ...run, fills: 41 })).toEqual({ inserted: false });
        expect(await countRows(pool, 'backtest_runs')).toBe(before + 1);
        const stored = await getBacktestRun(pool, id);
        const { sharpe: _omitted, ...expected } = { ...run, fills: 41 };
        expect(stored).toEqual({ ...expected, updatedAtMs: expect.any(Number) });
      });

      it('links a registered model version and refuses an unknown one', async () => {
        const model = await registerModelVersion(pool, { name: unique('as-v1'), kind: 'k', params: {} });
        const id = unique('bt');
        await saveBacktestRun(pool, backtestRun(id, { modelVersionId: model.id }));
        expect((await getBacktestRun(pool, id))?.modelVersionId).toBe(model.id);
        const err = await rejection(
          saveBacktestRun(pool, backtestRun(unique('bt'), { modelVersionId: 'missing@1' })),
        );
        expect(err.details?.['constraint']).toBe('backtest_runs_model_version_fkey');
      });

      it('rejects out-of-range ratios and an end before the start before touching the database', async () => {
        expect(
          (await rejection(saveBacktestRun(pool, backtestRun(unique('bt'), { cancelRatio: 1.5 })))).code,
        ).toBe('DB_INVALID_INPUT');
        expect(
          (await rejection(saveBacktestRun(pool, backtestRun(unique('bt'), { fillRatio: -0.1 })))).code,
        ).toBe('DB_INVALID_INPUT');
        const err = await rejection(saveBacktestRun(pool, backtestRun(unique('bt'), { finishedAtMs: 0 })));
        expect(err.message).toContain('finishedAtMs');
      });
    });

    describe('engine runs, quotes, orders and fills', () => {
      it('records a replay run with its decisions, orders and fills, idempotently', async () => {
        const id = unique('engine-replay');
        const start = {
          id,
          mode: 'replay' as const,
          venue: 'binance-spot',
          symbol: 'BTCUSDT',
          startedAtMs: 1_723_161_254_000,
        };
        expect(await startEngineRun(pool, start)).toEqual({ created: true });
        expect(await startEngineRun(pool, start)).toEqual({ created: false });
        const quotes = [
          {
            seq: 0,
            decidedAtUs: 1_723_161_254_087_896,
            bid: { priceTicks: 6_183_763, price: '61837.63', size: '0.001' },
            ask: { priceTicks: 6_183_800, price: '61838.00', size: '0.001' },
            bidReason: 'quote',
            askReason: 'quote',
            midTicks: 6_183_781.5,
          },
          {
            seq: 1,
            decidedAtUs: 1_723_161_254_187_000,
            bidReason: 'book-not-ready',
            askReason: 'book-not-ready',
          },
        ];
        expect(await insertQuotes(pool, id, quotes)).toBe(2);
        expect(await insertQuotes(pool, id, quotes)).toBe(0);
        const order = {
          clientOrderId: 'b-1',
          side: 'bid' as const,
          price: '61837.63',
          size: '0.001',
          status: 'open' as const,
          placedAtUs: 1_723_161_254_100_000,
        };
        expect(await insertOrders(pool, id, [order])).toBe(1);
        const filled = { ...order, status: 'filled' as const, doneAtUs: 1_723_161_255_342_000 };
        expect(await insertOrders(pool, id, [filled])).toBe(1);
        await insertOrders(pool, id, [order]); // a stale replay must not reopen it
        expect(await listOrders(pool, id)).toEqual([filled]);
        const fill = {
          seq: 0,
          clientOrderId: 'b-1',
          side: 'bid' as const,
          price: '61837.63',
          size: '0.001',
          feeQuote: String(-0.0061837),
          liquidity: 'maker' as const,
          timeUs: 1_723_161_255_342_000,
        };
        expect(await insertFills(pool, id, [fill, fill])).toBe(1);
        expect(await listFills(pool, id)).toEqual([{ ...fill, feeQuote: '-0.0061837' }]);
        const storedQuotes = await listQuotes(pool, id);
        expect(storedQuotes[0]).toEqual(quotes[0]);
        expect(storedQuotes[1]).toEqual({
          ...quotes[1],
          bid: undefined,
          ask: undefined,
          midTicks: undefined,
        });
        await finishEngineRun(pool, id, { endedAtMs: 1_723_161_260_000, kpis: { fills: 1 } });
        expect(await getEngineRun(pool, id)).toEqual({
          ...start,
          modelVersionId: undefined,
          session: undefined,
          endedAtMs: 1_723_161_260_000,
          kpis: { fills: 1 },
        });
      });

      it('attaches records to a backtest run too, and refuses fills of unknown orders or runs', async () => {
        const id = unique('bt');
        await saveBacktestRun(pool, backtestRun(id));
        expect(
          await insertOrders(pool, id, [
            { clientOrderId: 'a-1', side: 'ask', price: '2', size: '1', status: 'open', placedAtUs: 1 },
          ]),
        ).toBe(1);
        const fill = {
          seq: 0,
          clientOrderId: 'a-2',
          side: 'ask' as const,
          price: '2',
          size: '1',
          feeQuote: '0',
          liquidity: 'maker' as const,
          timeUs: 2,
        };
        expect((await rejection(insertFills(pool, id, [fill]))).details?.['constraint']).toBe(
          'fills_order_fkey',
        );
        expect(
          (
            await rejection(
              insertQuotes(pool, unique('nope'), [
                { seq: 0, decidedAtUs: 0, bidReason: 'halted', askReason: 'halted' },
              ]),
            )
          ).details?.['constraint'],
        ).toBe('quotes_run_fkey');
      });

      it('refuses a crossed quote and one id used for both kinds of run', async () => {
        const id = unique('engine-live');
        await startEngineRun(pool, {
          id,
          mode: 'live',
          venue: 'binance-spot',
          symbol: 'BTCUSDT',
          startedAtMs: 0,
        });
        const crossed = {
          seq: 0,
          decidedAtUs: 0,
          bid: { priceTicks: 101, price: '1.01', size: '1' },
          ask: { priceTicks: 100, price: '1.00', size: '1' },
          bidReason: 'quote',
          askReason: 'quote',
        };
        expect((await rejection(insertQuotes(pool, id, [crossed]))).details?.['constraint']).toBe(
          'quotes_not_crossed',
        );
        expect((await rejection(saveBacktestRun(pool, backtestRun(id)))).details?.['constraint']).toBe(
          'backtest_runs_run_fkey',
        );
      });
    });

    describe('ingest batches', () => {
      it('records a batch once and reads it back', async () => {
        const id = unique('wf-ingest/chunk-0');
        const batch = {
          id,
          dataset: 'ohlcv' as const,
          venue: 'binance-spot',
          symbol: 'BTCUSDT',
          interval: '1h',
          fromTimeMs: 1_502_942_400_000,
          toTimeMs: 1_503_111_600_000,
          rowsSeen: 48,
          rowsInserted: 48,
          source: 'klines/binance-spot_BTCUSDT_1h_20170817-20230630.csv.gz',
        };
        expect(await recordIngestBatch(pool, batch)).toEqual({ recorded: true });
        expect(await recordIngestBatch(pool, { ...batch, rowsInserted: 0 })).toEqual({ recorded: false });
        expect(await getIngestBatch(pool, id)).toEqual({ ...batch, createdAtMs: expect.any(Number) });
        const err = await rejection(recordIngestBatch(pool, { ...batch, id: unique('x'), rowsInserted: 49 }));
        expect(err.details?.['constraint']).toBe('ingest_batches_rows_inserted_range');
      });
    });
  });
}
