/**
 * OHLCV candles: idempotent batch insert (a re-delivered candle is ignored, never duplicated or
 * overwritten) and range reads. Prices and volume are exact decimal strings.
 */
import { z } from 'zod';
import { insertBatch, type BatchColumn } from '../batch.ts';
import {
  DecimalInput,
  DecimalOutput,
  NonEmpty,
  parseInput,
  parseRows,
  SafeIntInput,
  SafeIntOutput,
} from '../codec.ts';
import { execute } from '../errors.ts';
import type { Queryable } from '../queryable.ts';

/** One candle as stored. */
export interface OhlcvRow {
  /** e.g. `binance-spot`. */
  readonly venue: string;
  /** e.g. `BTCUSDT`. */
  readonly symbol: string;
  /** Binance-style interval, e.g. `1m`, `1h`, `1d`. */
  readonly interval: string;
  /** Candle open time, Unix epoch ms. */
  readonly openTimeMs: number;
  /** Prices in quote currency, exact decimal strings. */
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
  /** Base-asset volume, exact decimal string. */
  readonly volume: string;
}

const OhlcvInput = z.object({
  venue: NonEmpty,
  symbol: NonEmpty,
  interval: NonEmpty,
  openTimeMs: SafeIntInput,
  open: DecimalInput,
  high: DecimalInput,
  low: DecimalInput,
  close: DecimalInput,
  volume: DecimalInput,
});

const OhlcvDbRow = z
  .object({
    venue: z.string(),
    symbol: z.string(),
    interval: z.string(),
    open_time_ms: SafeIntOutput,
    open: DecimalOutput,
    high: DecimalOutput,
    low: DecimalOutput,
    close: DecimalOutput,
    volume: DecimalOutput,
  })
  .transform((r): OhlcvRow => ({
    venue: r.venue,
    symbol: r.symbol,
    interval: r.interval,
    openTimeMs: r.open_time_ms,
    open: r.open,
    high: r.high,
    low: r.low,
    close: r.close,
    volume: r.volume,
  }));

const COLUMNS: readonly BatchColumn<OhlcvRow>[] = [
  { name: 'venue', type: 'text', value: (r) => r.venue },
  { name: 'symbol', type: 'text', value: (r) => r.symbol },
  { name: '"interval"', type: 'text', value: (r) => r.interval },
  { name: 'open_time_ms', type: 'bigint', value: (r) => r.openTimeMs },
  { name: 'open', type: 'numeric', value: (r) => r.open },
  { name: 'high', type: 'numeric', value: (r) => r.high },
  { name: 'low', type: 'numeric', value: (r) => r.low },
  { name: 'close', type: 'numeric', value: (r) => r.close },
  { name: 'volume', type: 'numeric', value: (r) => r.volume },
];

/**
 * Inserts candles, skipping any whose key (venue, symbol, interval, openTimeMs) is already stored.
 * @returns how many rows were new.
 * @throws PermanentError `DB_INVALID_INPUT` for a malformed row (nothing written), `DB_CONSTRAINT` for
 *   a row the table's CHECKs refuse (e.g. high < low, negative volume; that chunk is not written).
 */
export async function insertOhlcvBatch(db: Queryable, rows: readonly OhlcvRow[]): Promise<number> {
  const valid = parseInput(z.array(OhlcvInput), rows, 'ohlcv batch');
  return insertBatch(db, 'insert ohlcv batch', 'ohlcv', COLUMNS, valid, 'ON CONFLICT DO NOTHING');
}

/** Range query of {@link listOhlcv}. */
export interface OhlcvQuery {
  readonly venue: string;
  readonly symbol: string;
  readonly interval: string;
  /** Inclusive lower bound on open time, Unix epoch ms (default: no bound). */
  readonly fromMs?: number;
  /** Exclusive upper bound on open time, Unix epoch ms (default: no bound). */
  readonly toMs?: number;
  /** Maximum rows (default 100 000). */
  readonly limit?: number;
}

/** Candles of one series ordered by open time. */
export async function listOhlcv(db: Queryable, query: OhlcvQuery): Promise<OhlcvRow[]> {
  const result = await execute(
    db,
    'list ohlcv',
    `SELECT venue, symbol, "interval", open_time_ms, open, high, low, close, volume FROM ohlcv
     WHERE venue = $1 AND symbol = $2 AND "interval" = $3
       AND ($4::bigint IS NULL OR open_time_ms >= $4) AND ($5::bigint IS NULL OR open_time_ms < $5)
     ORDER BY open_time_ms LIMIT $6`,
    [
      query.venue,
      query.symbol,
      query.interval,
      query.fromMs ?? null,
      query.toMs ?? null,
      query.limit ?? 100_000,
    ],
  );
  return parseRows(OhlcvDbRow, result.rows, 'ohlcv');
}
