/**
 * Public trades: idempotent batch insert keyed by (venue, symbol, tradeId) and range reads. Price and
 * quantity are exact decimal strings.
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

/** One trade print as stored. */
export interface TradeRow {
  readonly venue: string;
  readonly symbol: string;
  /** Exchange trade id (Binance `t`), unique per venue and symbol. */
  readonly tradeId: number;
  /** Quote currency per base unit, exact decimal string. */
  readonly price: string;
  /** Base units, exact decimal string. */
  readonly qty: string;
  /** Taker side: `buy` lifted the ask, `sell` hit the bid. */
  readonly aggressor: 'buy' | 'sell';
  /** Trade time, Unix epoch ms (Binance `T`). */
  readonly tradeTimeMs: number;
}

const TradeInput = z.object({
  venue: NonEmpty,
  symbol: NonEmpty,
  tradeId: SafeIntInput,
  price: DecimalInput,
  qty: DecimalInput,
  aggressor: z.enum(['buy', 'sell']),
  tradeTimeMs: SafeIntInput,
});

const TradeDbRow = z
  .object({
    venue: z.string(),
    symbol: z.string(),
    trade_id: SafeIntOutput,
    price: DecimalOutput,
    qty: DecimalOutput,
    aggressor: z.enum(['buy', 'sell']),
    trade_time_ms: SafeIntOutput,
  })
  .transform((r): TradeRow => ({
    venue: r.venue,
    symbol: r.symbol,
    tradeId: r.trade_id,
    price: r.price,
    qty: r.qty,
    aggressor: r.aggressor,
    tradeTimeMs: r.trade_time_ms,
  }));

const COLUMNS: readonly BatchColumn<TradeRow>[] = [
  { name: 'venue', type: 'text', value: (r) => r.venue },
  { name: 'symbol', type: 'text', value: (r) => r.symbol },
  { name: 'trade_id', type: 'bigint', value: (r) => r.tradeId },
  { name: 'price', type: 'numeric', value: (r) => r.price },
  { name: 'qty', type: 'numeric', value: (r) => r.qty },
  { name: 'aggressor', type: 'text', value: (r) => r.aggressor },
  { name: 'trade_time_ms', type: 'bigint', value: (r) => r.tradeTimeMs },
];

/**
 * Inserts trades, skipping any already stored (same venue, symbol, tradeId).
 * @returns how many rows were new.
 * @throws PermanentError `DB_INVALID_INPUT` for a malformed row (nothing written), `DB_CONSTRAINT` for a
 *   row the table refuses (price or qty <= 0; that chunk is not written).
 */
export async function insertTradesBatch(db: Queryable, rows: readonly TradeRow[]): Promise<number> {
  const valid = parseInput(z.array(TradeInput), rows, 'trades batch');
  return insertBatch(db, 'insert trades batch', 'trades', COLUMNS, valid, 'ON CONFLICT DO NOTHING');
}

/** Range query of {@link listTrades}. */
export interface TradesQuery {
  readonly venue: string;
  readonly symbol: string;
  /** Inclusive lower bound on trade time, Unix epoch ms. */
  readonly fromMs?: number;
  /** Exclusive upper bound on trade time, Unix epoch ms. */
  readonly toMs?: number;
  /** Maximum rows (default 100 000). */
  readonly limit?: number;
}

/** Trades of one symbol ordered by (tradeTimeMs, tradeId). */
export async function listTrades(db: Queryable, query: TradesQuery): Promise<TradeRow[]> {
  const result = await execute(
    db,
    'list trades',
    `SELECT venue, symbol, trade_id, price, qty, aggressor, trade_time_ms FROM trades
     WHERE venue = $1 AND symbol = $2
       AND ($3::bigint IS NULL OR trade_time_ms >= $3) AND ($4::bigint IS NULL OR trade_time_ms < $4)
     ORDER BY trade_time_ms, trade_id LIMIT $5`,
    [query.venue, query.symbol, query.fromMs ?? null, query.toMs ?? null, query.limit ?? 100_000],
  );
  return parseRows(TradeDbRow, result.rows, 'trades');
}
