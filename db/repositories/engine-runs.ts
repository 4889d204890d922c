/**
 * Quoting-engine runs (replay, paper, live) and the decisions and orders of any run.
 *
 * `insertQuotes`, `insertOrders` and `insertFills` take a run id from `runs`, so they serve backtest
 * runs (saved with saveBacktestRun) and engine runs (started with startEngineRun) alike. All writes
 * are idempotent: replaying a batch after a crash neither duplicates nor corrupts rows.
 */
import { z } from 'zod';
import { PermanentError } from '../../core/errors.ts';
import { insertBatch, type BatchColumn } from '../batch.ts';
import {
  DecimalInput,
  EpochMsOutput,
  JsonObject,
  msToTimestamptz,
  NonEmpty,
  parseInput,
  parseRows,
  SafeIntInput,
} from '../codec.ts';
import { execute } from '../errors.ts';
import type { Queryable } from '../queryable.ts';

/** How the engine was driven. */
export const EngineMode = z.enum(['replay', 'paper', 'live']);
export type EngineMode = z.infer<typeof EngineMode>;

/** What {@link startEngineRun} records. */
export const EngineRunStart = z.object({
  id: NonEmpty,
  mode: EngineMode,
  modelVersionId: NonEmpty.optional(),
  /** Recorded session replayed (replay mode), or a label for paper/live. */
  session: NonEmpty.optional(),
  venue: NonEmpty,
  symbol: NonEmpty,
  /** Unix epoch ms. */
  startedAtMs: SafeIntInput,
});
export type EngineRunStart = z.input<typeof EngineRunStart>;

/** A recorded engine run. */
export interface EngineRun {
  readonly id: string;
  readonly mode: EngineMode;
  readonly modelVersionId: string | undefined;
  readonly session: string | undefined;
  readonly venue: string;
  readonly symbol: string;
  /** Unix epoch ms. */
  readonly startedAtMs: number;
  /** Unix epoch ms; `undefined` while running. */
  readonly endedAtMs: number | undefined;
  /** KPIs at the end; `undefined` while running. */
  readonly kpis: Readonly<Record<string, unknown>> | undefined;
}

const EngineDbRow = z
  .object({
    id: z.string(),
    mode: EngineMode,
    model_version_id: z.string().nullable(),
    session: z.string().nullable(),
    venue: z.string(),
    symbol: z.string(),
    started_at: EpochMsOutput,
    ended_at: EpochMsOutput.nullable(),
    kpis: JsonObject.nullable(),
  })
  .transform((r): EngineRun => ({
    id: r.id,
    mode: r.mode,
    modelVersionId: r.model_version_id ?? undefined,
    session: r.session ?? undefined,
    venue: r.venue,
    symbol: r.symbol,
    startedAtMs: r.started_at,
    endedAtMs: r.ended_at ?? undefined,
    kpis: r.kpis ?? undefined,
  }));

/**
 * Records the start of an engine run (idempotent: a second call with the same id changes nothing).
 * @returns `created: false` when the run was already recorded.
 * @throws PermanentError `DB_INVALID_INPUT`, `DB_CONSTRAINT` (unknown model version, or the id names a
 *   backtest run).
 */
export async function startEngineRun(db: Queryable, run: EngineRunStart): Promise<{ created: boolean }> {
  const r = parseInput(EngineRunStart, run, 'engine run');
  const result = await execute(
    db,
    `start engine run ${r.id}`,
    `WITH parent AS (INSERT INTO runs (id, kind) VALUES ($1, 'engine') ON CONFLICT (id) DO NOTHING)
     INSERT INTO engine_runs (id, mode, model_version_id, session, venue, symbol, started_at)
     VALUES ($1, $2, $3, $4, $5, $6, ${msToTimestamptz('$7')})
     ON CONFLICT (id) DO NOTHING`,
    [r.id, r.mode, r.modelVersionId ?? null, r.session ?? null, r.venue, r.symbol, r.startedAtMs],
  );
  return { created: result.rowCount === 1 };
}

/**
 * Records the end of engine run `id` with its KPIs (calling it again overwrites both).
 * @param endedAtMs Unix epoch ms, >= the start.
 * @throws PermanentError `ENGINE_RUN_NOT_FOUND`, `DB_CONSTRAINT` (end before start).
 */
export async function finishEngineRun(
  db: Queryable,
  id: string,
  end: { readonly endedAtMs: number; readonly kpis: Readonly<Record<string, unknown>> },
): Promise<void> {
  const e = parseInput(z.object({ endedAtMs: SafeIntInput, kpis: JsonObject }), end, 'engine run end');
  const result = await execute(
    db,
    `finish engine run ${id}`,
    `UPDATE engine_runs SET ended_at = ${msToTimestamptz('$2')}, kpis = $3::jsonb WHERE id = $1`,
    [id, e.endedAtMs, JSON.stringify(e.kpis)],
  );
  if (result.rowCount !== 1)
    throw new PermanentError('ENGINE_RUN_NOT_FOUND', `engine run ${id} does not exist`, { id });
}

/** The engine run with `id`, or `undefined`. */
export async function getEngineRun(db: Queryable, id: string): Promise<EngineRun | undefined> {
  const result = await execute(
    db,
    `get engine run ${id}`,
    `SELECT id, mode, model_version_id, session, venue, symbol, started_at, ended_at, kpis FROM engine_runs WHERE id = $1`,
    [id],
  );
  return parseRows(EngineDbRow, result.rows, 'engine_runs')[0];
}

/** One side of a quote decision: price in ticks and as a decimal, size as a decimal (base units). */
const QuoteLegRecord = z.object({ priceTicks: SafeIntInput, price: DecimalInput, size: DecimalInput });

/** One quoting decision (core/quoting/intent.ts QuoteIntent, resolved to prices). */
export const QuoteRecord = z.object({
  /** Position of the decision within the run, from 0. */
  seq: SafeIntInput.min(0),
  /** Unix epoch µs. */
  decidedAtUs: SafeIntInput,
  /** Undefined = no bid wanted. */
  bid: QuoteLegRecord.optional(),
  ask: QuoteLegRecord.optional(),
  /** QuoteReason codes. */
  bidReason: NonEmpty,
  askReason: NonEmpty,
  /** Mid in ticks at decision time (may be x.5); undefined without a two-sided book. */
  midTicks: z.number().optional(),
});
export type QuoteRecord = z.input<typeof QuoteRecord>;
type QuoteValid = z.output<typeof QuoteRecord>;

const QUOTE_COLUMNS: readonly BatchColumn<QuoteValid>[] = [
  { name: 'seq', type: 'bigint', value: (q) => q.seq },
  { name: 'decided_at_us', type: 'bigint', value: (q) => q.decidedAtUs },
  { name: 'bid_ticks', type: 'bigint', value: (q) => q.bid?.priceTicks ?? null },
  { name: 'ask_ticks', type: 'bigint', value: (q) => q.ask?.priceTicks ?? null },
  { name: 'bid_price', type: 'numeric', value: (q) => q.bid?.price ?? null },
  { name: 'ask_price', type: 'numeric', value: (q) => q.ask?.price ?? null },
  { name: 'bid_size', type: 'numeric', value: (q) => q.bid?.size ?? null },
  { name: 'ask_size', type: 'numeric', value: (q) => q.ask?.size ?? null },
  { name: 'bid_reason', type: 'text', value: (q) => q.bidReason },
  { name: 'ask_reason', type: 'text', value: (q) => q.askReason },
  { name: 'mid_ticks', type: 'double precision', value: (q) => q.midTicks ?? null },
];

/**
 * Stores quote decisions of run `runId` (skipping seqs already stored).
 * @returns how many were new.
 * @throws PermanentError `DB_INVALID_INPUT`, `DB_CONSTRAINT` (unknown run, crossed quote, …).
 */
export async function insertQuotes(
  db: Queryable,
  runId: string,
  quotes: readonly QuoteRecord[],
): Promise<number> {
  const valid = parseInput(z.array(QuoteRecord), quotes, `quotes of run ${runId}`);
  return insertBatch(
    db,
    `insert quotes of run ${runId}`,
    'quotes',
    QUOTE_COLUMNS,
    valid,
    'ON CONFLICT DO NOTHING',
    {
      name: 'run_id',
      value: runId,
    },
  );
}

/** Lifecycle status of one of our orders. */
export const OrderStatus = z.enum(['open', 'partially-filled', 'filled', 'cancelled', 'rejected', 'expired']);

/** One of our orders, in its latest known state. */
export const OrderRecord = z.object({
  clientOrderId: NonEmpty,
  side: z.enum(['bid', 'ask']),
  /** Quote currency, exact decimal. */
  price: DecimalInput,
  /** Base units, exact decimal. */
  size: DecimalInput,
  status: OrderStatus,
  /** Unix epoch µs. */
  placedAtUs: SafeIntInput,
  /** Unix epoch µs when it stopped working (filled, cancelled…); undefined while working. */
  doneAtUs: SafeIntInput.optional(),
});
export type OrderRecord = z.input<typeof OrderRecord>;
type OrderValid = z.output<typeof OrderRecord>;

const ORDER_COLUMNS: readonly BatchColumn<OrderValid>[] = [
  { name: 'client_order_id', type: 'text', value: (o) => o.clientOrderId },
  { name: 'side', type: 'text', value: (o) => o.side },
  { name: 'price', type: 'numeric', value: (o) => o.price },
  { name: 'size', type: 'numeric', value: (o) => o.size },
  { name: 'status', type: 'text', value: (o) => o.status },
  { name: 'placed_at_us', type: 'bigint', value: (o) => o.placedAtUs },
  { name: 'done_at_us', type: 'bigint', value: (o) => o.doneAtUs ?? null },
];

/**
 * Upserts orders of run `runId`. A stored order that is done (doneAtUs set) keeps its final state, so
 * an out-of-date replayed batch cannot reopen it; a working one takes the new status. Within one call
 * the last record of a clientOrderId wins.
 * @returns rows inserted or updated.
 * @throws PermanentError `DB_INVALID_INPUT`, `DB_CONSTRAINT` (unknown run, non-positive price…).
 */
export async function insertOrders(
  db: Queryable,
  runId: string,
  orders: readonly OrderRecord[],
): Promise<number> {
  const valid = parseInput(z.array(OrderRecord), orders, `orders of run ${runId}`);
  const latest = [...new Map(valid.map((o) => [o.clientOrderId, o])).values()];
  return insertBatch(
    db,
    `insert orders of run ${runId}`,
    'orders',
    ORDER_COLUMNS,
    latest,
    `ON CONFLICT (run_id, client_order_id) DO UPDATE SET
       status = CASE WHEN orders.done_at_us IS NULL THEN EXCLUDED.status ELSE orders.status END,
       done_at_us = COALESCE(orders.done_at_us, EXCLUDED.done_at_us)`,
    { name: 'run_id', value: runId },
  );
}

/** A fill of one of our orders (core/quoting/intent.ts Fill, resolved to prices). */
export const FillRecord = z.object({
  /** Position of the fill within the run, from 0. */
  seq: SafeIntInput.min(0),
  clientOrderId: NonEmpty,
  side: z.enum(['bid', 'ask']),
  price: DecimalInput,
  size: DecimalInput,
  /** Fee in quote currency; negative = rebate. `String(x)` of a float is accepted. */
  feeQuote: DecimalInput,
  liquidity: z.enum(['maker', 'taker']),
  /** Unix epoch µs. */
  timeUs: SafeIntInput,
  /** The venue's trade id (live; migration 0012); undefined when not known. */
  tradeId: NonEmpty.optional(),
});
export type FillRecord = z.input<typeof FillRecord>;
type FillValid = z.output<typeof FillRecord>;

const FILL_COLUMNS: readonly BatchColumn<FillValid>[] = [
  { name: 'seq', type: 'bigint', value: (f) => f.seq },
  { name: 'client_order_id', type: 'text', value: (f) => f.clientOrderId },
  { name: 'side', type: 'text', value: (f) => f.side },
  { name: 'price', type: 'numeric', value: (f) => f.price },
  { name: 'size', type: 'numeric', value: (f) => f.size },
  { name: 'fee_quote', type: 'numeric', value: (f) => f.feeQuote },
  { name: 'liquidity', type: 'text', value: (f) => f.liquidity },
  { name: 'time_us', type: 'bigint', value: (f) => f.timeUs },
  { name: 'trade_id', type: 'text', value: (f) => f.tradeId ?? null },
];

/**
 * Stores fills of run `runId` (skipping seqs, and trade ids, already stored). Their orders must be
 * stored first.
 * @returns how many were new.
 * @throws PermanentError `DB_INVALID_INPUT`, `DB_CONSTRAINT` (unknown run or order, size <= 0…).
 */
export async function insertFills(
  db: Queryable,
  runId: string,
  fills: readonly FillRecord[],
): Promise<number> {
  const valid = parseInput(z.array(FillRecord), fills, `fills of run ${runId}`);
  return insertBatch(
    db,
    `insert fills of run ${runId}`,
    'fills',
    FILL_COLUMNS,
    valid,
    'ON CONFLICT DO NOTHING',
    {
      name: 'run_id',
      value: runId,
    },
  );
}
