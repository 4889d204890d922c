/**
 * Reads back what a run (backtest or engine) decided and did: quotes, orders, fills, in sequence.
 * Writers are in ./engine-runs.ts.
 */
import { z } from 'zod';
import { DecimalOutput, parseRows, SafeIntOutput } from '../codec.ts';
import { execute } from '../errors.ts';
import type { Queryable } from '../queryable.ts';

/** A stored order. Prices/sizes are exact decimal strings; times Unix epoch µs. */
export interface StoredOrder {
  readonly clientOrderId: string;
  readonly side: 'bid' | 'ask';
  readonly price: string;
  readonly size: string;
  readonly status: string;
  readonly placedAtUs: number;
  readonly doneAtUs: number | undefined;
}

/** A stored fill. */
export interface StoredFill {
  readonly seq: number;
  readonly clientOrderId: string;
  readonly side: 'bid' | 'ask';
  readonly price: string;
  readonly size: string;
  /** Quote currency; negative = rebate. */
  readonly feeQuote: string;
  readonly liquidity: 'maker' | 'taker';
  readonly timeUs: number;
}

/** A stored quote decision (sides absent when not quoted). */
export interface StoredQuote {
  readonly seq: number;
  readonly decidedAtUs: number;
  readonly bid: { readonly priceTicks: number; readonly price: string; readonly size: string } | undefined;
  readonly ask: { readonly priceTicks: number; readonly price: string; readonly size: string } | undefined;
  readonly bidReason: string;
  readonly askReason: string;
  readonly midTicks: number | undefined;
}

const Side = z.enum(['bid', 'ask']);

const OrderDbRow = z
  .object({
    client_order_id: z.string(),
    side: Side,
    price: DecimalOutput,
    size: DecimalOutput,
    status: z.string(),
    placed_at_us: SafeIntOutput,
    done_at_us: SafeIntOutput.nullable(),
  })
  .transform((r): StoredOrder => ({
    clientOrderId: r.client_order_id,
    side: r.side,
    price: r.price,
    size: r.size,
    status: r.status,
    placedAtUs: r.placed_at_us,
    doneAtUs: r.done_at_us ?? undefined,
  }));

const FillDbRow = z
  .object({
    seq: SafeIntOutput,
    client_order_id: z.string(),
    side: Side,
    price: DecimalOutput,
    size: DecimalOutput,
    fee_quote: DecimalOutput,
    liquidity: z.enum(['maker', 'taker']),
    time_us: SafeIntOutput,
  })
  .transform((r): StoredFill => ({
    seq: r.seq,
    clientOrderId: r.client_order_id,
    side: r.side,
    price: r.price,
    size: r.size,
    feeQuote: r.fee_quote,
    liquidity: r.liquidity,
    timeUs: r.time_us,
  }));

const Leg = (ticks: number | null, price: string | null, size: string | null) =>
  ticks === null || price === null || size === null ? undefined : { priceTicks: ticks, price, size };

const QuoteDbRow = z
  .object({
    seq: SafeIntOutput,
    decided_at_us: SafeIntOutput,
    bid_ticks: SafeIntOutput.nullable(),
    ask_ticks: SafeIntOutput.nullable(),
    bid_price: DecimalOutput.nullable(),
    ask_price: DecimalOutput.nullable(),
    bid_size: DecimalOutput.nullable(),
    ask_size: DecimalOutput.nullable(),
    bid_reason: z.string(),
    ask_reason: z.string(),
    mid_ticks: z.number().nullable(),
  })
  .transform((r): StoredQuote => ({
    seq: r.seq,
    decidedAtUs: r.decided_at_us,
    bid: Leg(r.bid_ticks, r.bid_price, r.bid_size),
    ask: Leg(r.ask_ticks, r.ask_price, r.ask_size),
    bidReason: r.bid_reason,
    askReason: r.ask_reason,
    midTicks: r.mid_ticks ?? undefined,
  }));

/** Orders of run `runId` ordered by placement time, then id. */
export async function listOrders(db: Queryable, runId: string): Promise<StoredOrder[]> {
  const result = await execute(
    db,
    `list orders of run ${runId}`,
    `SELECT client_order_id, side, price, size, status, placed_at_us, done_at_us FROM orders
     WHERE run_id = $1 ORDER BY placed_at_us, client_order_id`,
    [runId],
  );
  return parseRows(OrderDbRow, result.rows, 'orders');
}

/** Fills of run `runId` in seq order. */
export async function listFills(db: Queryable, runId: string): Promise<StoredFill[]> {
  const result = await execute(
    db,
    `list fills of run ${runId}`,
    `SELECT seq, client_order_id, side, price, size, fee_quote, liquidity, time_us FROM fills
     WHERE run_id = $1 ORDER BY seq`,
    [runId],
  );
  return parseRows(FillDbRow, result.rows, 'fills');
}

/** Quote decisions of run `runId` in seq order (at most `limit`, default 100 000). */
export async function listQuotes(db: Queryable, runId: string, limit = 100_000): Promise<StoredQuote[]> {
  const result = await execute(
    db,
    `list quotes of run ${runId}`,
    `SELECT seq, decided_at_us, bid_ticks, ask_ticks, bid_price, ask_price, bid_size, ask_size, bid_reason,
       ask_reason, mid_ticks FROM quotes WHERE run_id = $1 ORDER BY seq LIMIT $2`,
    [runId, limit],
  );
  return parseRows(QuoteDbRow, result.rows, 'quotes');
}
