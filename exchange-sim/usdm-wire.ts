/**
 * Wire shapes of the USDⓈ-M futures market-data answers (USDⓈ-M Futures API `GET /fapi/v1/exchangeInfo`,
 * `GET /fapi/v1/depth`). Decimal strings carry the tick's or lot's own decimals, as the venue writes them.
 */
import type { Instrument } from '../core/instrument.ts';
import { assetsOf, minNotionalQuote } from './market-wire.ts';
import type { RateLimitOptions } from './rate-limits.ts';

/** Decimals of a step such as "0.001" (3). */
function decimalsOf(step: string): number {
  const dot = step.indexOf('.');
  return dot < 0 ? 0 : step.length - dot - 1;
}

/** One symbol of USDⓈ-M `exchangeInfo` (a perpetual contract margined in its quote asset). */
export function usdmSymbolInfo(instrument: Instrument): Record<string, unknown> {
  const { base, quote } = assetsOf(instrument.symbol);
  return {
    symbol: instrument.symbol,
    pair: instrument.symbol,
    contractType: 'PERPETUAL',
    deliveryDate: 4133404800000,
    onboardDate: 1569398400000,
    status: 'TRADING',
    maintMarginPercent: '2.5000',
    requiredMarginPercent: '5.0000',
    baseAsset: base,
    quoteAsset: quote,
    marginAsset: quote,
    pricePrecision: decimalsOf(instrument.tickSize),
    quantityPrecision: decimalsOf(instrument.lotSize),
    baseAssetPrecision: 8,
    quotePrecision: 8,
    underlyingType: 'COIN',
    underlyingSubType: [],
    triggerProtect: '0.0500',
    liquidationFee: '0.012500',
    marketTakeBound: '0.05',
    maxMoveOrderLimit: 10000,
    filters: [
      {
        filterType: 'PRICE_FILTER',
        minPrice: instrument.tickSize,
        maxPrice: '1000000',
        tickSize: instrument.tickSize,
      },
      { filterType: 'LOT_SIZE', minQty: instrument.lotSize, maxQty: '1000', stepSize: instrument.lotSize },
      {
        filterType: 'MARKET_LOT_SIZE',
        minQty: instrument.lotSize,
        maxQty: '120',
        stepSize: instrument.lotSize,
      },
      { filterType: 'MAX_NUM_ORDERS', limit: 200 },
      { filterType: 'MAX_NUM_ALGO_ORDERS', limit: 10 },
      { filterType: 'MIN_NOTIONAL', notional: minNotionalQuote(instrument) },
      {
        filterType: 'PERCENT_PRICE',
        multiplierUp: '1.0500',
        multiplierDown: '0.9500',
        multiplierDecimal: '4',
      },
    ],
    orderTypes: ['LIMIT'],
    timeInForce: ['GTC', 'GTX'],
  };
}

/** USDⓈ-M `GET /fapi/v1/exchangeInfo` body. */
export function usdmExchangeInfo(
  instruments: readonly Instrument[],
  serverTimeMs: number,
  limits: RateLimitOptions,
): Record<string, unknown> {
  const quotes = [...new Set(instruments.map((i) => assetsOf(i.symbol).quote))];
  return {
    timezone: 'UTC',
    serverTime: serverTimeMs,
    futuresType: 'U_MARGINED',
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: limits.weightPerMinute },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: limits.ordersPer10s },
    ],
    exchangeFilters: [],
    assets: quotes.map((asset) => ({ asset, marginAvailable: true, autoAssetExchange: '-10000' })),
    symbols: instruments.map(usdmSymbolInfo),
  };
}

/** USDⓈ-M `limit` of `GET /fapi/v1/depth`: 5, 10, 20, 50, 100, 500 or 1000 (default 500). */
export function usdmDepthLimit(text: string | null): number | undefined {
  if (text === null) return 500;
  const n = Number(text);
  return [5, 10, 20, 50, 100, 500, 1000].includes(n) ? n : undefined;
}

/** Request weight of a USDⓈ-M endpoint (USDⓈ-M docs, each endpoint's "Weight"); 1 for unlisted ones. */
export function usdmWeight(method: string, path: string, params: URLSearchParams): number {
  if (method === 'GET' && path === '/fapi/v1/depth') {
    const limit = Number(params.get('limit') ?? '500');
    return limit <= 50 ? 2 : limit <= 100 ? 5 : limit <= 500 ? 10 : 20;
  }
  if (method === 'GET' && path === '/fapi/v1/userTrades') return 5;
  return 1;
}
