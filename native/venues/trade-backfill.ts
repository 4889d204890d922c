/**
 * Back-fill of own trades from the venue's trade history, for fills the user-data stream did not
 * deliver (a dropped stream, a crashed run): ccxt `fetchMyTrades(symbol, since, limit)`, which is
 * Binance spot `GET /api/v3/myTrades` ("Account trade list", SIGNED, weight 20) and USDⓈ-M
 * `GET /fapi/v1/userTrades` ("Account Trade List", SIGNED, weight 5). Both return at most 1000 trades
 * oldest first from `startTime`; we page forward from the last trade time seen until a short page.
 * Trades are parsed with the same schema as the stream's (./ccxt-wire.ts `ccxtTradeWire`), so the
 * caller feeds them through the stream path, which de-duplicates by trade id
 * (docs/adr/0015-reconciliation.md, "Back-fill").
 */
import { ccxtTradeWire, parseCcxt, type CcxtTradeWire } from './ccxt-wire.ts';

/** The ccxt method the back-fill calls (a `ccxt.pro.binance` / `binanceusdm` instance has it). */
export interface CcxtTradeHistoryClient {
  fetchMyTrades(
    symbol?: string,
    since?: number,
    limit?: number,
    params?: Record<string, unknown>,
  ): Promise<unknown>;
}

/** Page size of one history request (Binance's maximum `limit`). */
export const TRADE_PAGE_LIMIT = 1000;
/** Margin subtracted from the last trade time seen before asking again, ms: trades stamped in the
 * same millisecond, or a little out of order between the stream and REST, are not skipped. */
export const BACKFILL_MARGIN_MS = 5000;

/** What to fetch. */
export interface TradeHistoryQuery {
  /** ccxt unified symbol (`BTC/USDT`, `ETH/USDT:USDT`). */
  readonly symbol: string;
  /** Oldest trade time wanted, Unix ms (inclusive); ignored with `orderId`. */
  readonly sinceMs: number;
  /** Only the trades of this exchange order id, one page, no time filter (Binance spot accepts
   * `orderId` with `symbol` only, not with `startTime`); all of the symbol if undefined. */
  readonly orderId?: string;
  /** Most pages to read (default 20, i.e. 20 000 trades): a bound on one back-fill's REST weight. */
  readonly maxPages?: number;
}

/**
 * Own trades of `q.symbol` since `q.sinceMs`, oldest first, each trade id once.
 * @returns the parsed trades (amount in base units, price in quote per base, timestamp Unix ms).
 * @throws whatever the client throws (the engine's client maps and redacts it: ./exchange-errors.ts);
 *   PermanentError `PARSE_FIELD` on a malformed trade.
 */
export async function fetchOwnTrades(
  client: CcxtTradeHistoryClient,
  q: TradeHistoryQuery,
): Promise<CcxtTradeWire[]> {
  const out: CcxtTradeWire[] = [];
  const seen = new Set<string>();
  const params: Record<string, unknown> = q.orderId === undefined ? {} : { orderId: q.orderId };
  let since = Math.max(0, Math.floor(q.sinceMs));
  const maxPages = q.maxPages ?? 20;
  for (let page = 0; page < maxPages; page++) {
    const from = q.orderId === undefined ? since : undefined;
    const raw = await client.fetchMyTrades(q.symbol, from, TRADE_PAGE_LIMIT, params);
    if (!Array.isArray(raw)) throw new TypeError('fetchMyTrades did not return an array');
    let fresh = 0;
    let last = since;
    for (const item of raw) {
      const t = parseCcxt(ccxtTradeWire, item, 'own trade (history)');
      last = Math.max(last, t.timestamp);
      if (seen.has(t.id)) continue;
      seen.add(t.id);
      out.push(t);
      fresh++;
    }
    // A short page is the end; a full page of trades already seen (all in one millisecond) cannot
    // advance by time, so stop rather than loop.
    if (raw.length < TRADE_PAGE_LIMIT || fresh === 0 || q.orderId !== undefined) break;
    since = last;
  }
  out.sort((a, b) => a.timestamp - b.timestamp || compareIds(a.id, b.id));
  return out;
}

function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
