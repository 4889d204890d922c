/**
 * The request loop shared by the spot and USDⓈ-M REST APIs (./spot-api.ts, ./usdm-api.ts): route
 * lookup (unknown path: 404, empty body), request weight charged to the caller's rate-limit bucket
 * (the API key, else the client address) with the venue's `X-MBX-*` usage headers, and venue errors
 * answered as `{code, msg}` with their HTTP status.
 */
import { ApiError } from './api-error.ts';
import { answerOf, NOT_FOUND, paramsOf, type ApiAnswer, type ApiRequest } from './http-types.ts';
import type { RateLimiter } from './rate-limits.ts';
import { errorAnswer } from './request-params.ts';

/** One route: the answer body, or an `ApiError` thrown. */
export type RouteHandler<C> = (ctx: C, req: ApiRequest, params: URLSearchParams) => unknown;

/** What the loop reads of a handler context. */
export interface DispatchContext {
  /** Server clock, Unix ms. */
  readonly nowMs: () => number;
  /** Request-weight and order-rate limits; none if undefined. */
  readonly limiter?: RateLimiter;
}

/** One REST API: its routes by `METHOD /path`, its new-order path and its request weights. */
export interface RestApi<C> {
  readonly routes: Readonly<Record<string, RouteHandler<C>>>;
  /** Path of `POST` new order (counted against the order-rate limit). */
  readonly orderPath: string;
  readonly weight: (method: string, path: string, params: URLSearchParams) => number;
}

/** Answers one REST request of `api`; see the module doc. */
export function dispatchRequest<C extends DispatchContext>(
  api: RestApi<C>,
  ctx: C,
  req: ApiRequest,
): ApiAnswer {
  const handler = api.routes[`${req.method} ${req.path}`];
  if (handler === undefined) return NOT_FOUND;
  const params = paramsOf(req);
  let headers: Record<string, string> = {};
  try {
    if (ctx.limiter !== undefined) {
      const bucket = req.apiKeyHeader ?? `address:${req.clientAddress ?? ''}`;
      const isOrder = req.method === 'POST' && req.path === api.orderPath;
      const used = ctx.limiter.charge(bucket, api.weight(req.method, req.path, params), isOrder, ctx.nowMs());
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
