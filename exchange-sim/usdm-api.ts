/**
 * The Binance USDⓈ-M futures REST API of the simulator as pure request handlers: market data
 * `GET /fapi/v1/ping`, `/fapi/v1/time`, `/fapi/v1/exchangeInfo`, `/fapi/v1/depth` (with `E` and `T`,
 * the replay's exchange time), and the trading routes of ./usdm-trading.ts. Unknown paths: 404.
 */
import { apiErrors } from './api-error.ts';
import { answerOf, NOT_FOUND, paramsOf, type ApiAnswer, type ApiRequest } from './http-types.ts';
import { BINANCE_USDM_LIMITS, type RateLimiter } from './rate-limits.ts';
import { errorAnswer } from './request-params.ts';
import { ApiError } from './api-error.ts';
import type { SymbolReplay } from './symbol-replay.ts';
import { usdmTradingRoutes, type UsdmTradingContext } from './usdm-trading.ts';
import { usdmDepthLimit, usdmExchangeInfo, usdmWeight } from './usdm-wire.ts';

/** What the USDⓈ-M handlers read and act on. */
export interface UsdmContext extends UsdmTradingContext {
  /** USDⓈ-M replays by exchange symbol. */
  readonly replays: ReadonlyMap<string, SymbolReplay>;
  /** Server clock, Unix ms. */
  readonly nowMs: () => number;
  readonly limiter?: RateLimiter;
}

type Handler = (ctx: UsdmContext, req: ApiRequest, p: URLSearchParams) => unknown;

const routes: Readonly<Record<string, Handler>> = {
  'GET /fapi/v1/ping': () => ({}),
  'GET /fapi/v1/time': (ctx) => ({ serverTime: ctx.nowMs() }),
  'GET /fapi/v1/exchangeInfo': (ctx) =>
    usdmExchangeInfo(
      [...ctx.replays.values()].map((r) => r.instrument),
      ctx.nowMs(),
      ctx.limiter?.limits ?? BINANCE_USDM_LIMITS,
    ),
  'GET /fapi/v1/depth': (ctx, _req, p) => {
    const symbol = p.get('symbol');
    if (symbol === null || symbol === '') throw apiErrors.mandatory('symbol');
    const replay = ctx.replays.get(symbol.toUpperCase());
    if (replay === undefined) throw apiErrors.invalidSymbol();
    const limit = usdmDepthLimit(p.get('limit'));
    if (limit === undefined) throw apiErrors.mandatory('limit');
    const snap = replay.depthSnapshot(limit);
    const t = replay.exchTimeMs;
    return { lastUpdateId: snap.lastUpdateId, E: t, T: t, bids: snap.bids, asks: snap.asks };
  },
  ...usdmTradingRoutes,
};

/** Answers one USDⓈ-M REST request (after charging its weight to the caller's bucket). */
export function handleUsdmRequest(ctx: UsdmContext, req: ApiRequest): ApiAnswer {
  const handler = routes[`${req.method} ${req.path}`];
  if (handler === undefined) return NOT_FOUND;
  const params = paramsOf(req);
  let headers: Record<string, string> = {};
  try {
    if (ctx.limiter !== undefined) {
      const bucket = req.apiKeyHeader ?? `address:${req.clientAddress ?? ''}`;
      const isOrder = req.method === 'POST' && req.path === '/fapi/v1/order';
      const used = ctx.limiter.charge(bucket, usdmWeight(req.method, req.path, params), isOrder, ctx.nowMs());
      headers = { 'X-MBX-USED-WEIGHT-1M': String(used.usedWeight1m) };
      if (used.orderCount10s !== undefined) headers['X-MBX-ORDER-COUNT-10S'] = String(used.orderCount10s);
    }
    return answerOf(200, handler(ctx, req, params), headers);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const a = errorAnswer(err);
    return answerOf(a.status, a.body, { ...headers, ...a.headers });
  }
}
