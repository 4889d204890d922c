/**
 * Wire shapes of the market-data REST answers (Spot API `GET /api/v3/exchangeInfo`, `GET /api/v3/depth`)
 * built from the instruments of the loaded sessions and the replayed book. Decimal strings as Binance
 * writes them: spot with 8 decimals ("61837.63000000"), USDⓈ-M with the tick's or lot's own decimals.
 */
import { formatPrice, formatSize, type Instrument } from '../core/instrument.ts';
import type { MarketKind, Side } from '../core/market-events.ts';
import type { OrderBook } from '../core/book/order-book.ts';
import type { RateLimitOptions } from './rate-limits.ts';

/** `[price, qty]` decimal strings. */
export type WireLevel = [string, string];

/** Body of `GET /api/v3/depth`. */
export interface DepthSnapshotWire {
  readonly lastUpdateId: number;
  readonly bids: WireLevel[];
  readonly asks: WireLevel[];
}

/** Quote assets recognised when splitting a symbol into base + quote (longest first). */
const QUOTE_ASSETS = ['FDUSD', 'USDT', 'USDC', 'BUSD', 'TUSD', 'BTC', 'ETH', 'BNB', 'EUR'];

/**
 * Minimum order notional in quote currency. Not in config/instruments.json: Binance's published
 * values for the symbols recorded here (spot BTCUSDT/ETHUSDT NOTIONAL 5 USDT; USDⓈ-M BTCUSDT 100,
 * ETHUSDT 20 USDT MIN_NOTIONAL).
 */
export function minNotionalQuote(instrument: Instrument): string {
  if (instrument.venue === 'binance-spot') return '5';
  return instrument.symbol === 'BTCUSDT' ? '100' : '20';
}

/** Base and quote asset of a symbol, e.g. BTCUSDT → BTC / USDT. */
export function assetsOf(symbol: string): { readonly base: string; readonly quote: string } {
  for (const q of QUOTE_ASSETS) {
    if (symbol.endsWith(q) && symbol.length > q.length) return { base: symbol.slice(0, -q.length), quote: q };
  }
  return { base: symbol.slice(0, -4), quote: symbol.slice(-4) };
}

/** A decimal string padded to Binance spot's 8 decimals ("61837.63" → "61837.63000000"). */
export function spotDecimal(text: string): string {
  const dot = text.indexOf('.');
  const decimals = dot < 0 ? 0 : text.length - dot - 1;
  if (decimals >= 8) return text;
  return (dot < 0 ? `${text}.` : text) + '0'.repeat(8 - decimals);
}

/** Price of `ticks` as the market writes it. */
export function wirePrice(instrument: Instrument, market: MarketKind, ticks: number): string {
  const s = formatPrice(instrument, ticks);
  return market === 'spot' ? spotDecimal(s) : s;
}

/** Size of `lots` as the market writes it. */
export function wireSize(instrument: Instrument, market: MarketKind, lots: number): string {
  const s = formatSize(instrument, lots);
  return market === 'spot' ? spotDecimal(s) : s;
}

/** The best `limit` levels of one side of the book, best first. */
export function depthLevels(
  instrument: Instrument,
  market: MarketKind,
  book: OrderBook,
  side: Side,
  limit: number,
): WireLevel[] {
  const out: WireLevel[] = [];
  for (let i = 0; i < limit; i++) {
    const p = book.priceAtTicks(side, i);
    const q = book.sizeAtIndexLots(side, i);
    if (p === undefined || q === undefined) break;
    out.push([wirePrice(instrument, market, p), wireSize(instrument, market, q)]);
  }
  return out;
}

/** Spot `limit` values of `GET /api/v3/depth`: default 100, at most 5000 (larger values are capped). */
export function depthLimit(text: string | null): number | undefined {
  if (text === null) return 100;
  if (!/^\d{1,6}$/.test(text)) return undefined;
  const n = Number(text);
  return n < 1 ? undefined : Math.min(n, 5000);
}

/** One symbol of spot `exchangeInfo`. */
export function spotSymbolInfo(instrument: Instrument): Record<string, unknown> {
  const { base, quote } = assetsOf(instrument.symbol);
  return {
    symbol: instrument.symbol,
    status: 'TRADING',
    baseAsset: base,
    baseAssetPrecision: 8,
    quoteAsset: quote,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: ['LIMIT', 'LIMIT_MAKER'],
    icebergAllowed: false,
    ocoAllowed: false,
    otoAllowed: false,
    quoteOrderQtyMarketAllowed: false,
    allowTrailingStop: false,
    cancelReplaceAllowed: false,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      {
        filterType: 'PRICE_FILTER',
        minPrice: spotDecimal(instrument.tickSize),
        maxPrice: '1000000.00000000',
        tickSize: spotDecimal(instrument.tickSize),
      },
      {
        filterType: 'LOT_SIZE',
        minQty: spotDecimal(instrument.lotSize),
        maxQty: '9000.00000000',
        stepSize: spotDecimal(instrument.lotSize),
      },
      {
        filterType: 'NOTIONAL',
        minNotional: spotDecimal(minNotionalQuote(instrument)),
        applyMinToMarket: true,
        maxNotional: '9000000.00000000',
        applyMaxToMarket: false,
        avgPriceMins: 5,
      },
    ],
    permissions: [],
    permissionSets: [['SPOT']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['NONE', 'EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
  };
}

/** Spot `GET /api/v3/exchangeInfo` body (the rate limits are the ones the simulator enforces). */
export function spotExchangeInfo(
  instruments: readonly Instrument[],
  serverTimeMs: number,
  limits: RateLimitOptions,
): Record<string, unknown> {
  return {
    timezone: 'UTC',
    serverTime: serverTimeMs,
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: limits.weightPerMinute },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: limits.ordersPer10s },
      { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200000 },
    ],
    exchangeFilters: [],
    symbols: instruments.map(spotSymbolInfo),
  };
}
