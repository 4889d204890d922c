/**
 * The Binance USDⓈ-M futures REST API of the simulator as pure request handlers: market data
 * `GET /fapi/v1/ping`, `/fapi/v1/time`, `/fapi/v1/exchangeInfo`, `/fapi/v1/depth` (with `E` and `T`,
 * the replay's exchange time), and the trading routes of ./usdm-trading.ts. Unknown paths: 404.
 */
import { apiErrors } from './api-error.ts';
import type { ApiAnswer, ApiRequest } from './http-types.ts';
import { BINANCE_USDM_LIMITS, type RateLimiter } from './rate-limits.ts';
import { replayFrom } from './request-params.ts';
import { dispatchRequest, type RouteHandler } from './rest-dispatch.ts';
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

const routes: Readonly<Record<string, RouteHandler<UsdmContext>>> = {
  'GET /fapi/v1/ping': () => ({}),
  'GET /fapi/v1/time': (ctx) => ({ serverTime: ctx.nowMs() }),
  'GET /fapi/v1/exchangeInfo': (ctx) =>
    usdmExchangeInfo(
      [...ctx.replays.values()].map((r) => r.instrument),
      ctx.nowMs(),
      ctx.limiter?.limits ?? BINANCE_USDM_LIMITS,
    ),
  'GET /fapi/v1/depth': (ctx, _req, p) => {
    const replay = replayFrom(ctx.replays, p);
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
  return dispatchRequest({ routes, orderPath: '/fapi/v1/order', weight: usdmWeight }, ctx, req);
}
