/**
 * The Binance spot REST API of the simulator as pure request handlers: `ApiRequest` → `ApiAnswer`,
 * no sockets (server.ts is the glue). Endpoints (Spot API docs, "General endpoints", "Market data",
 * "Trading", "Account", "User data stream"):
 *
 *   GET /api/v3/ping, /api/v3/time, /api/v3/exchangeInfo, /api/v3/depth
 *   POST /api/v3/order (LIMIT GTC, LIMIT_MAKER); DELETE /api/v3/order; DELETE /api/v3/openOrders
 *   GET /api/v3/openOrders, /api/v3/order, /api/v3/account, /api/v3/myTrades (SIGNED)
 *   POST / PUT / DELETE /api/v3/userDataStream (API key only)
 *
 * Anything else answers 404 with an empty body, as the venue does for an unknown path.
 */
import type { Instrument } from '../core/instrument.ts';
import type { Account } from './account.ts';
import type { OrderType } from './orders.ts';
import { apiErrors, type ApiError } from './api-error.ts';
import type { ApiAnswer, ApiRequest } from './http-types.ts';
import type { ListenKeys } from './listen-keys.ts';
import { depthLimit, minNotionalQuote, spotExchangeInfo } from './market-wire.ts';
import { accountWire, cancelOrderWire, newOrderWire, queryOrderWire } from './order-wire.ts';
import { orderRef, replayFrom, steps } from './request-params.ts';
import { selectTrades, spotTradeWire, tradeQueryOf } from './trade-history.ts';
import { BINANCE_SPOT_LIMITS, spotWeight, type RateLimiter } from './rate-limits.ts';
import { dispatchRequest, type RouteHandler } from './rest-dispatch.ts';
import { requireApiKey, verifySignedRequest } from './signing.ts';
import type { SymbolReplay } from './symbol-replay.ts';

/** What the spot handlers read and act on. */
export interface SpotContext {
  /** Spot replays by exchange symbol. */
  readonly replays: ReadonlyMap<string, SymbolReplay>;
  /** Accounts by API key. */
  readonly accounts: ReadonlyMap<string, Account>;
  readonly listenKeys: ListenKeys;
  /** Server clock, Unix ms (the wall clock: clients sign with theirs). */
  readonly nowMs: () => number;
  /** Request-weight and order-rate limits; none if undefined. */
  readonly limiter?: RateLimiter;
  /** An injected reject for the next new order (./faults.ts `rejectOrders`); none if undefined. */
  readonly rejectNext?: () => ApiError | undefined;
}

const routes: Readonly<Record<string, RouteHandler<SpotContext>>> = {
  'GET /api/v3/ping': () => ({}),
  'GET /api/v3/time': (ctx) => ({ serverTime: ctx.nowMs() }),
  'GET /api/v3/exchangeInfo': (ctx, _req, p) =>
    spotExchangeInfo(selectInstruments(ctx, p), ctx.nowMs(), ctx.limiter?.limits ?? BINANCE_SPOT_LIMITS),
  'GET /api/v3/depth': (ctx, _req, p) => {
    const replay = replayFrom(ctx.replays, p);
    const limit = depthLimit(p.get('limit'));
    if (limit === undefined) throw apiErrors.mandatory('limit');
    return replay.depthSnapshot(limit);
  },
  'POST /api/v3/order': (ctx, req, p) => newOrder(ctx, signed(ctx, req, p), p),
  'DELETE /api/v3/order': (ctx, req, p) => {
    const account = signed(ctx, req, p);
    const replay = replayFrom(ctx.replays, p);
    const { orderId, clientOrderId } = orderRef(p);
    return cancelOrderWire(account.cancel(replay.symbol, orderId, clientOrderId), replay.instrument);
  },
  'DELETE /api/v3/openOrders': (ctx, req, p) => {
    const account = signed(ctx, req, p);
    const replay = replayFrom(ctx.replays, p);
    return account.cancelAll(replay.symbol).map((o) => cancelOrderWire(o, replay.instrument));
  },
  'GET /api/v3/openOrders': (ctx, req, p) => {
    const account = signed(ctx, req, p);
    const symbol = p.get('symbol');
    const only = symbol === null ? undefined : replayFrom(ctx.replays, p).symbol;
    return account.openOrders(only).map((o) => queryOrderWire(o, instrumentOf(ctx, o.symbol)));
  },
  'GET /api/v3/order': (ctx, req, p) => {
    const account = signed(ctx, req, p);
    const replay = replayFrom(ctx.replays, p);
    const { orderId, clientOrderId } = orderRef(p);
    const o = account.findOrder(replay.symbol, orderId, clientOrderId);
    if (o === undefined) throw apiErrors.orderDoesNotExist();
    return queryOrderWire(o, replay.instrument);
  },
  'GET /api/v3/account': (ctx, req, p) => {
    const account = signed(ctx, req, p);
    const first = ctx.replays.values().next().value;
    return accountWire(
      account,
      ctx.nowMs(),
      first?.instrument.makerFeeBps ?? 10,
      first?.instrument.takerFeeBps ?? 10,
    );
  },
  'GET /api/v3/myTrades': (ctx, req, p) => {
    const account = signed(ctx, req, p);
    const replay = replayFrom(ctx.replays, p);
    const trades = selectTrades(account.fills(), tradeQueryOf(replay.symbol, p));
    return trades.map((f) => spotTradeWire(f, replay.instrument));
  },
  'POST /api/v3/userDataStream': (ctx, req) => ({ listenKey: ctx.listenKeys.obtain(keyOnly(ctx, req)) }),
  'PUT /api/v3/userDataStream': (ctx, req, p) => {
    ctx.listenKeys.keepAlive(keyOnly(ctx, req), p.get('listenKey'));
    return {};
  },
  'DELETE /api/v3/userDataStream': (ctx, req, p) => {
    ctx.listenKeys.close(keyOnly(ctx, req), p.get('listenKey'));
    return {};
  },
};

/**
 * Answers one spot REST request (errors as the venue's `{code, msg}` with its HTTP status), after
 * charging its weight to the caller's rate-limit bucket (the API key, else the client address).
 */
export function handleSpotRequest(ctx: SpotContext, req: ApiRequest): ApiAnswer {
  return dispatchRequest({ routes, orderPath: '/api/v3/order', weight: spotWeight }, ctx, req);
}

function signed(ctx: SpotContext, req: ApiRequest, p: URLSearchParams): Account {
  const secretOf = (k: string): string | undefined => (ctx.accounts.has(k) ? secretOfKey(ctx, k) : undefined);
  const key = verifySignedRequest(req, p, secretOf, ctx.nowMs());
  const account = ctx.accounts.get(key);
  if (account === undefined) throw apiErrors.invalidApiKey();
  return account;
}

function secretOfKey(ctx: SpotContext, apiKey: string): string | undefined {
  return ctx.accounts.get(apiKey)?.secret;
}

function keyOnly(ctx: SpotContext, req: ApiRequest): string {
  return requireApiKey(req.apiKeyHeader, (k) => secretOfKey(ctx, k));
}

function instrumentOf(ctx: SpotContext, symbol: string): Instrument {
  const r = ctx.replays.get(symbol);
  if (r === undefined) throw apiErrors.invalidSymbol();
  return r.instrument;
}

function selectInstruments(ctx: SpotContext, p: URLSearchParams): Instrument[] {
  const all = [...ctx.replays.values()].map((r) => r.instrument);
  const one = p.get('symbol');
  const many = p.get('symbols');
  let wanted: string[] | undefined;
  if (one !== null) wanted = [one];
  else if (many !== null) {
    try {
      const parsed: unknown = JSON.parse(many);
      if (!Array.isArray(parsed)) throw apiErrors.mandatory('symbols');
      wanted = parsed.map(String);
    } catch {
      throw apiErrors.mandatory('symbols');
    }
  }
  if (wanted === undefined) return all;
  const out = all.filter((i) => wanted.includes(i.symbol));
  if (out.length !== wanted.length) throw apiErrors.invalidSymbol();
  return out;
}

let generatedIds = 0;

function newOrder(ctx: SpotContext, account: Account, p: URLSearchParams): unknown {
  const replay = replayFrom(ctx.replays, p);
  const ins = replay.instrument;
  const sideText = p.get('side');
  if (sideText === null) throw apiErrors.mandatory('side');
  if (sideText !== 'BUY' && sideText !== 'SELL') throw apiErrors.invalidSide();
  const typeText = p.get('type');
  if (typeText === null) throw apiErrors.mandatory('type');
  if (typeText !== 'LIMIT' && typeText !== 'LIMIT_MAKER') throw apiErrors.invalidOrderType();
  const type: OrderType = typeText;
  const tif = p.get('timeInForce');
  if (type === 'LIMIT') {
    if (tif === null) throw apiErrors.mandatory('timeInForce');
    if (tif !== 'GTC') throw apiErrors.invalidTimeInForce();
  }
  const priceTicks = steps(ins.tickSize, p.get('price'), 'price', 'PRICE_FILTER');
  const sizeLots = steps(ins.lotSize, p.get('quantity'), 'quantity', 'LOT_SIZE');
  const notional = Number(p.get('price')) * Number(p.get('quantity'));
  if (notional < Number(minNotionalQuote(ins))) throw apiErrors.filter('NOTIONAL');
  const cid = p.get('newClientOrderId');
  if (cid !== null && !/^[.A-Za-z0-9_-]{1,36}$/.test(cid)) throw apiErrors.illegalChars('newClientOrderId');
  // An injected reject comes after validation, where the matching engine's -2010 would.
  const injected = ctx.rejectNext?.();
  if (injected !== undefined) throw injected;
  const order = account.place({
    symbol: replay.symbol,
    side: sideText === 'BUY' ? 'bid' : 'ask',
    type,
    priceTicks,
    sizeLots,
    clientOrderId: cid ?? `sim${(++generatedIds).toString(36).padStart(19, '0')}`,
  });
  return newOrderWire(order, ins, p.get('newOrderRespType') ?? 'FULL');
}
