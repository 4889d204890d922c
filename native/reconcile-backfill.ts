/**
 * The restart back-fill (docs/adr/0015-reconciliation.md, "Back-fill"): after a crash (kill -9), the
 * fills of the previous run that were never flushed to PostgreSQL, and the fills of its orphan
 * orders between the crash and the restart, exist only on the venue. At start reconciliation this
 * fetches the account's own trades since the previous run's start (ccxt `fetchMyTrades`:
 * ./venues/trade-backfill.ts), keeps those of orders carrying this engine's tag
 * (./client-order-ids.ts; the client id comes from `fetchOrder`, since a trade does not carry it),
 * and inserts the ones missing from `fills` for the run that owns the order:
 *
 * - owner: the run whose `orders` row has the client id; an order no run stored (the crash came
 *   before its first flush) is attached to the live run of the same venue and symbol whose client id
 *   prefix it carries (tag + run start in base 36: `runClientIdPrefix`, the run's `started_at`), else
 *   to the latest such run that started at or before its first trade, and its `orders` row is
 *   written from the venue's answer (logged as `order attached to previous run`, with `byPrefix`);
 * - idempotent: a trade already stored with its trade id (`fills.trade_id`, migration 0012) is
 *   skipped; so is one matching a stored fill without a trade id (written by a run before this
 *   column, or by the live path, which does not keep it) on the same order, time (µs) and size;
 *   new rows take the run's next `seq` and carry the trade id, and (run_id, trade_id) is unique.
 *
 * The current run's inventory is the account's (adopted at start), so nothing here changes it; only
 * the record of the previous run is completed.
 */
import { z } from 'zod';
import { formatPrice, formatSize, instrumentSteps, type Instrument } from '../core/instrument.ts';
import type { Queryable } from '../db/queryable.ts';
import { insertFills, insertOrders, type FillRecord } from '../db/repositories/engine-runs.ts';
import {
  fillKeysOfOrder,
  liveRunsBefore,
  nextFillSeq,
  runOfOrder,
} from '../db/repositories/fill-backfill.ts';
import type { Log } from '../infra/log.ts';
import { isOwnClientOrderId } from './client-order-ids.ts';
import { parseVenueOrder, type CcxtOrderQueryClient, type VenueOrder } from './venues/ccxt-account.ts';
import { ccxtSymbolOf, feeQuoteOf, floatToSteps, type CcxtTradeWire } from './venues/ccxt-wire.ts';
import { fetchOwnTrades, type CcxtTradeHistoryClient } from './venues/trade-backfill.ts';

/** Look-back when no previous run is known, ms (24 h). */
export const RESTART_LOOKBACK_MS = 24 * 3600 * 1000;

/** What the restart back-fill needs. */
export interface RestartBackfillOptions {
  readonly db: Queryable;
  readonly client: CcxtTradeHistoryClient & CcxtOrderQueryClient;
  readonly instrument: Instrument;
  /** This engine's tag (`engineOrderTag(engineId)`). */
  readonly tag: string;
  /** The run starting now (its own rows are never touched). */
  readonly currentRunId: string;
  /** Trades from this time, Unix ms (the previous run's start, or now − `RESTART_LOOKBACK_MS`). */
  readonly sinceMs: number;
  readonly log: Log;
}

/** What the back-fill did. */
export interface RestartBackfillResult {
  /** Own trades the venue listed since `sinceMs` (all owners). */
  readonly trades: number;
  /** Fill rows inserted. */
  readonly inserted: number;
  /** Order rows written for orders no run had stored. */
  readonly ordersAdded: number;
  /** Trades skipped: another owner's order, or no run to attach them to. */
  readonly skipped: number;
}

const orderTime = z.object({ timestamp: z.number().int().nullish() });

/**
 * Runs the restart back-fill; see the module doc.
 * @throws the client's mapped error or a PermanentError from the database; a partial run is safe to
 *   repeat (every write is idempotent).
 */
export async function backfillPreviousRuns(o: RestartBackfillOptions): Promise<RestartBackfillResult> {
  const symbol = ccxtSymbolOf(o.instrument);
  const trades = await fetchOwnTrades(o.client, { symbol, sinceMs: o.sinceMs });
  const byOrder = new Map<string, CcxtTradeWire[]>();
  for (const t of trades) {
    if (t.order === undefined || t.order === null) continue;
    const list = byOrder.get(t.order) ?? [];
    list.push(t);
    byOrder.set(t.order, list);
  }
  let inserted = 0;
  let ordersAdded = 0;
  let skipped = 0;
  for (const [exchangeId, list] of byOrder) {
    const raw = await o.client.fetchOrder(exchangeId, symbol);
    const v = parseVenueOrder(o.instrument, raw, 'fetchOrder');
    const cid = v.clientOrderId;
    if (cid === undefined || !isOwnClientOrderId(o.tag, cid)) {
      skipped += list.length;
      continue;
    }
    const firstMs = list[0]?.timestamp ?? o.sinceMs;
    let runId = await runOfOrder(o.db, cid, o.currentRunId);
    if (runId === undefined) {
      const runs = await liveRunsBefore(
        o.db,
        o.instrument.venue,
        o.instrument.symbol,
        firstMs,
        o.currentRunId,
      );
      const byPrefix = runs.find((x) => cid.startsWith(`${o.tag}${x.startedMs.toString(36)}`));
      runId = (byPrefix ?? runs[0])?.id;
      if (runId === undefined) {
        o.log.warn(
          { clientOrderId: cid, trades: list.length },
          'no previous run to attach back-filled fills to',
        );
        skipped += list.length;
        continue;
      }
      const placedMs = orderTime.safeParse(raw).data?.timestamp ?? firstMs;
      await insertOrders(o.db, runId, [orderRow(o.instrument, v, placedMs, list)]);
      ordersAdded++;
      o.log.warn(
        { clientOrderId: cid, runId, byPrefix: byPrefix !== undefined },
        'order attached to previous run',
      );
    }
    inserted += await insertMissing(o, runId, cid, v, list);
  }
  o.log.info(
    { trades: trades.length, inserted, ordersAdded, skipped, sinceMs: o.sinceMs },
    'restart back-fill done',
  );
  return { trades: trades.length, inserted, ordersAdded, skipped };
}

async function insertMissing(
  o: RestartBackfillOptions,
  runId: string,
  cid: string,
  v: VenueOrder,
  list: readonly CcxtTradeWire[],
): Promise<number> {
  const keys = await fillKeysOfOrder(o.db, runId, cid);
  const { size } = instrumentSteps(o.instrument);
  const rows: FillRecord[] = [];
  let seq = await nextFillSeq(o.db, runId);
  for (const t of list) {
    if (keys.some((k) => k.tradeId === t.id)) continue;
    const lots = floatToSteps(size, t.amount);
    const sizeText = formatSize(o.instrument, lots);
    const match = keys.findIndex(
      (k) =>
        k.tradeId === undefined && k.timeUs === t.timestamp * 1000 && Number(k.size) === Number(sizeText),
    );
    if (match >= 0) {
      keys.splice(match, 1); // one stored row answers one trade
      continue;
    }
    rows.push({
      seq: seq++,
      clientOrderId: cid,
      side: v.side,
      price: formatPrice(o.instrument, floatToSteps(instrumentSteps(o.instrument).price, t.price)),
      size: sizeText,
      feeQuote: String(feeQuoteOf(o.instrument, t, t.price * t.amount)),
      liquidity: t.takerOrMaker === 'taker' ? 'taker' : 'maker',
      timeUs: t.timestamp * 1000,
      tradeId: t.id,
    });
  }
  if (rows.length === 0) return 0;
  return insertFills(o.db, runId, rows);
}

function orderRow(
  instrument: Instrument,
  v: VenueOrder,
  placedMs: number,
  list: readonly CcxtTradeWire[],
): Parameters<typeof insertOrders>[2][number] {
  const lastMs = Math.max(placedMs, ...list.map((t) => t.timestamp));
  const status =
    v.status === 'closed'
      ? 'filled'
      : v.status === 'canceled'
        ? 'cancelled'
        : v.status === 'open'
          ? v.filledLots > 0
            ? 'partially-filled'
            : 'open'
          : v.status;
  return {
    clientOrderId: v.clientOrderId ?? '',
    side: v.side,
    price: formatPrice(instrument, v.priceTicks),
    size: formatSize(instrument, v.sizeLots),
    status,
    placedAtUs: placedMs * 1000,
    ...(status === 'filled' || status === 'cancelled' || status === 'expired'
      ? { doneAtUs: lastMs * 1000 }
      : {}),
  };
}
