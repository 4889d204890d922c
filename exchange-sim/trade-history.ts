/**
 * An account's trade history on the wire: spot `GET /api/v3/myTrades` ("Account trade list") and
 * USDⓈ-M `GET /fapi/v1/userTrades` ("Account Trade List"), both SIGNED. Query parameters as the venue
 * reads them: `symbol` (mandatory), `orderId`, `startTime`, `endTime` (Unix ms, inclusive), `fromId`
 * (trade id, inclusive; takes precedence over the times), `limit` (default 500, max 1000). Trades are
 * returned oldest first, as the venue does. The source is the account's fill log, the same records as
 * the ledger (./ledger.ts), so a client's back-fill can be compared with `sim.ledger`.
 */
import type { Instrument } from '../core/instrument.ts';
import { apiErrors } from './api-error.ts';
import { assetsOf, wirePrice, wireSize } from './market-wire.ts';
import type { FillRecord } from './orders.ts';

/** The parsed filter of a trade-history request. */
export interface TradeQuery {
  readonly symbol: string;
  readonly orderId?: number;
  readonly startTimeMs?: number;
  readonly endTimeMs?: number;
  readonly fromId?: number;
  readonly limit: number;
}

function intParam(p: URLSearchParams, name: string): number | undefined {
  const text = p.get(name);
  if (text === null) return undefined;
  if (!/^\d{1,16}$/.test(text)) throw apiErrors.illegalChars(name);
  return Number(text);
}

/**
 * Parses the trade-history parameters (`symbol` already resolved by the caller).
 * @throws ApiError -1100 on a non-integer number, -1102 when `limit` is out of 1..1000.
 */
export function tradeQueryOf(symbol: string, p: URLSearchParams): TradeQuery {
  const limit = intParam(p, 'limit') ?? 500;
  if (limit < 1 || limit > 1000) throw apiErrors.mandatory('limit');
  const q: {
    symbol: string;
    limit: number;
    orderId?: number;
    startTimeMs?: number;
    endTimeMs?: number;
    fromId?: number;
  } = { symbol, limit };
  const orderId = intParam(p, 'orderId');
  const startTimeMs = intParam(p, 'startTime');
  const endTimeMs = intParam(p, 'endTime');
  const fromId = intParam(p, 'fromId');
  if (orderId !== undefined) q.orderId = orderId;
  if (startTimeMs !== undefined) q.startTimeMs = startTimeMs;
  if (endTimeMs !== undefined) q.endTimeMs = endTimeMs;
  if (fromId !== undefined) q.fromId = fromId;
  return q;
}

/** The fills of `fills` that `q` selects, oldest first, at most `q.limit`. */
export function selectTrades(fills: readonly FillRecord[], q: TradeQuery): FillRecord[] {
  const out: FillRecord[] = [];
  for (const f of fills) {
    if (f.symbol !== q.symbol) continue;
    if (q.orderId !== undefined && f.orderId !== q.orderId) continue;
    if (q.fromId !== undefined) {
      if (f.tradeId < q.fromId) continue;
    } else {
      if (q.startTimeMs !== undefined && f.timeMs < q.startTimeMs) continue;
      if (q.endTimeMs !== undefined && f.timeMs > q.endTimeMs) continue;
    }
    out.push(f);
    if (out.length >= q.limit) break;
  }
  return out;
}

function fee8(x: number): string {
  return (Math.round(x * 1e8) / 1e8).toFixed(8);
}

/** One spot trade as `GET /api/v3/myTrades` answers it (fees in the quote asset: core/sim/fees.ts). */
export function spotTradeWire(f: FillRecord, ins: Instrument): Record<string, unknown> {
  const price = wirePrice(ins, 'spot', f.priceTicks);
  const qty = wireSize(ins, 'spot', f.lots);
  return {
    symbol: f.symbol,
    id: f.tradeId,
    orderId: f.orderId,
    orderListId: -1,
    price,
    qty,
    quoteQty: (Number(price) * Number(qty)).toFixed(8),
    commission: fee8(f.feeQuote),
    commissionAsset: assetsOf(f.symbol).quote,
    time: f.timeMs,
    isBuyer: f.side === 'bid',
    isMaker: f.maker,
    isBestMatch: true,
  };
}

/**
 * One USDⓈ-M trade as `GET /fapi/v1/userTrades` answers it. `realizedPnl` is reported as "0": the
 * simulator's ledger does not attribute realised PnL per trade (the engine computes its own).
 */
export function futuresTradeWire(f: FillRecord, ins: Instrument): Record<string, unknown> {
  const price = wirePrice(ins, 'usdm', f.priceTicks);
  const qty = wireSize(ins, 'usdm', f.lots);
  return {
    buyer: f.side === 'bid',
    commission: fee8(f.feeQuote),
    commissionAsset: assetsOf(f.symbol).quote,
    id: f.tradeId,
    maker: f.maker,
    orderId: f.orderId,
    price,
    qty,
    quoteQty: (Number(price) * Number(qty)).toFixed(8),
    realizedPnl: '0',
    side: f.side === 'bid' ? 'BUY' : 'SELL',
    positionSide: 'BOTH',
    symbol: f.symbol,
    time: f.timeMs,
  };
}
