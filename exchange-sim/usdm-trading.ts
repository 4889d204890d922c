/**
 * USDⓈ-M trading handlers (USDⓈ-M Futures API "Trade" and "Account" endpoints, "User Data Streams"):
 * SIGNED `POST /fapi/v1/order` (LIMIT GTC, GTX = post-only), `DELETE /fapi/v1/order`,
 * `DELETE /fapi/v1/allOpenOrders`, `GET /fapi/v1/openOrders`, `GET /fapi/v1/order`,
 * `GET /fapi/v1/userTrades` (./trade-history.ts), `GET /fapi/v2|v3/account`, `/balance`, `/positionRisk`, `GET /fapi/v1/leverageBracket` (one tier); API-key-only `POST/PUT/DELETE /fapi/v1/listenKey`.
 */
import type { Instrument } from '../core/instrument.ts';
import type { FuturesAccount, FuturesTif } from './futures-account.ts';
import { apiErrors, type ApiError } from './api-error.ts';
import type { ApiRequest } from './http-types.ts';
import type { ListenKeys } from './listen-keys.ts';
import { assetsOf, minNotionalQuote } from './market-wire.ts';
import {
  futuresAccountWire,
  futuresBalanceWire,
  futuresOrderWire,
  positionRiskWire,
} from './futures-wire.ts';
import { orderRef, replayFrom, steps } from './request-params.ts';
import { futuresTradeWire, selectTrades, tradeQueryOf } from './trade-history.ts';
import { requireApiKey, verifySignedRequest } from './signing.ts';
import type { SymbolReplay } from './symbol-replay.ts';

/** What the USDⓈ-M trading handlers act on. */
export interface UsdmTradingContext {
  readonly replays: ReadonlyMap<string, SymbolReplay>;
  /** Futures accounts by API key. */
  readonly accounts: ReadonlyMap<string, FuturesAccount>;
  readonly listenKeys: ListenKeys;
  readonly nowMs: () => number;
  /** An injected reject for the next new order (./faults.ts `rejectOrders`); none if undefined. */
  readonly rejectNext?: () => ApiError | undefined;
}

export type UsdmHandler = (ctx: UsdmTradingContext, req: ApiRequest, p: URLSearchParams) => unknown;

function signed(ctx: UsdmTradingContext, req: ApiRequest, p: URLSearchParams): FuturesAccount {
  const key = verifySignedRequest(req, p, (k) => ctx.accounts.get(k)?.secret, ctx.nowMs());
  const account = ctx.accounts.get(key);
  if (account === undefined) throw apiErrors.invalidApiKey();
  return account;
}

function keyOnly(ctx: UsdmTradingContext, req: ApiRequest): string {
  return requireApiKey(req.apiKeyHeader, (k) => ctx.accounts.get(k)?.secret);
}

function instruments(ctx: UsdmTradingContext): Instrument[] {
  return [...ctx.replays.values()].map((r) => r.instrument);
}

let generatedIds = 0;

function newOrder(ctx: UsdmTradingContext, a: FuturesAccount, p: URLSearchParams): unknown {
  const replay = replayFrom(ctx.replays, p);
  const ins = replay.instrument;
  const side = p.get('side');
  if (side === null) throw apiErrors.mandatory('side');
  if (side !== 'BUY' && side !== 'SELL') throw apiErrors.invalidSide();
  const type = p.get('type');
  if (type === null) throw apiErrors.mandatory('type');
  if (type !== 'LIMIT') throw apiErrors.invalidOrderType();
  const tifText = p.get('timeInForce');
  if (tifText === null) throw apiErrors.mandatory('timeInForce');
  if (tifText !== 'GTC' && tifText !== 'GTX') throw apiErrors.invalidTimeInForce();
  const tif: FuturesTif = tifText;
  const priceTicks = steps(ins.tickSize, p.get('price'), 'price', 'PRICE_FILTER');
  const sizeLots = steps(ins.lotSize, p.get('quantity'), 'quantity', 'LOT_SIZE');
  if (Number(p.get('price')) * Number(p.get('quantity')) < Number(minNotionalQuote(ins))) {
    throw apiErrors.filter('MIN_NOTIONAL');
  }
  const cid = p.get('newClientOrderId');
  if (cid !== null && !/^[.A-Za-z0-9:/_-]{1,36}$/.test(cid)) throw apiErrors.illegalChars('newClientOrderId');
  const injected = ctx.rejectNext?.();
  if (injected !== undefined) throw injected;
  const order = a.place(
    {
      symbol: replay.symbol,
      side: side === 'BUY' ? 'bid' : 'ask',
      type: 'LIMIT',
      priceTicks,
      sizeLots,
      clientOrderId: cid ?? `simf${(++generatedIds).toString(36).padStart(18, '0')}`,
    },
    tif,
  );
  return futuresOrderWire(order, ins, tif);
}

const account: UsdmHandler = (ctx, req, p) =>
  futuresAccountWire(signed(ctx, req, p), instruments(ctx), ctx.nowMs());
const balance: UsdmHandler = (ctx, req, p) => {
  const first = instruments(ctx)[0];
  return futuresBalanceWire(
    signed(ctx, req, p),
    first === undefined ? 'USDT' : assetsOf(first.symbol).quote,
    ctx.nowMs(),
  );
};
const positionRisk: UsdmHandler = (ctx, req, p) => {
  const a = signed(ctx, req, p);
  const all = instruments(ctx);
  const symbol = p.get('symbol');
  return positionRiskWire(a, symbol === null ? all : [replayFrom(ctx.replays, p).instrument], ctx.nowMs());
};

/** The trading routes, by `METHOD path`. */
export const usdmTradingRoutes: Readonly<Record<string, UsdmHandler>> = {
  'POST /fapi/v1/order': (ctx, req, p) => newOrder(ctx, signed(ctx, req, p), p),
  'DELETE /fapi/v1/order': (ctx, req, p) => {
    const a = signed(ctx, req, p);
    const replay = replayFrom(ctx.replays, p);
    const { orderId, clientOrderId } = orderRef(p);
    const o = a.cancel(replay.symbol, orderId, clientOrderId);
    return futuresOrderWire(o, replay.instrument, a.tif.get(o.orderId) ?? 'GTC');
  },
  'DELETE /fapi/v1/allOpenOrders': (ctx, req, p) => {
    const a = signed(ctx, req, p);
    a.cancelAll(replayFrom(ctx.replays, p).symbol);
    return { code: 200, msg: 'The operation of cancel all open order is done.' };
  },
  'GET /fapi/v1/openOrders': (ctx, req, p) => {
    const a = signed(ctx, req, p);
    const only = p.get('symbol') === null ? undefined : replayFrom(ctx.replays, p).symbol;
    return a.openOrders(only).map((o) => {
      const ins = ctx.replays.get(o.symbol)?.instrument;
      if (ins === undefined) throw apiErrors.invalidSymbol();
      return futuresOrderWire(o, ins, a.tif.get(o.orderId) ?? 'GTC');
    });
  },
  'GET /fapi/v1/order': (ctx, req, p) => {
    const a = signed(ctx, req, p);
    const replay = replayFrom(ctx.replays, p);
    const { orderId, clientOrderId } = orderRef(p);
    const o = a.findOrder(replay.symbol, orderId, clientOrderId);
    if (o === undefined) throw apiErrors.orderDoesNotExist();
    return futuresOrderWire(o, replay.instrument, a.tif.get(o.orderId) ?? 'GTC');
  },
  'GET /fapi/v1/leverageBracket': (ctx, req, p) => {
    signed(ctx, req, p);
    const one = p.get('symbol') === null ? instruments(ctx) : [replayFrom(ctx.replays, p).instrument];
    // One bracket per symbol: the simulator has no maintenance-margin tiers (docs/adr/0012).
    return one.map((ins) => ({
      symbol: ins.symbol,
      brackets: [
        {
          bracket: 1,
          initialLeverage: 125,
          notionalCap: 1e12,
          notionalFloor: 0,
          maintMarginRatio: 0.004,
          cum: 0,
        },
      ],
    }));
  },
  'GET /fapi/v1/userTrades': (ctx, req, p) => {
    const a = signed(ctx, req, p);
    const replay = replayFrom(ctx.replays, p);
    const trades = selectTrades(a.fills(), tradeQueryOf(replay.symbol, p));
    return trades.map((f) => futuresTradeWire(f, replay.instrument));
  },
  'GET /fapi/v2/account': account,
  'GET /fapi/v3/account': account,
  'GET /fapi/v2/balance': balance,
  'GET /fapi/v3/balance': balance,
  'GET /fapi/v2/positionRisk': positionRisk,
  'GET /fapi/v3/positionRisk': positionRisk,
  'POST /fapi/v1/listenKey': (ctx, req) => ({ listenKey: ctx.listenKeys.obtain(keyOnly(ctx, req)) }),
  'PUT /fapi/v1/listenKey': (ctx, req) => ({ listenKey: ctx.listenKeys.obtain(keyOnly(ctx, req)) }),
  'DELETE /fapi/v1/listenKey': (ctx, req) => {
    const key = keyOnly(ctx, req);
    ctx.listenKeys.close(key, ctx.listenKeys.obtain(key));
    return {};
  },
};
