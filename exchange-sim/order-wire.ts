/**
 * Wire shapes of the spot trading answers and user-data events (Spot API: `POST /api/v3/order` FULL
 * response, `GET /api/v3/order`, `DELETE /api/v3/order`, `GET /api/v3/account`; user data stream
 * `executionReport` and `outboundAccountPosition`), built from the account's records.
 */
import { formatPrice, formatSize } from '../core/instrument.ts';
import type { Instrument } from '../core/instrument.ts';
import type { Account } from './account.ts';
import type { OrderEvent, OrderRecord } from './orders.ts';
import { assetsOf, spotDecimal } from './market-wire.ts';

/** Looks up the instrument of a symbol (the loaded sessions'). */
export type InstrumentOf = (symbol: string) => Instrument;

/** A quote or balance amount with 8 decimals, as Binance spot writes them. */
export function amount8(x: number): string {
  const r = Math.round(x * 1e8) / 1e8;
  return (Object.is(r, -0) || Math.abs(r) < 5e-9 ? 0 : r).toFixed(8);
}

function side(o: OrderRecord): 'BUY' | 'SELL' {
  return o.side === 'bid' ? 'BUY' : 'SELL';
}

/** Fields every order answer shares. */
function common(o: OrderRecord, ins: Instrument): Record<string, unknown> {
  return {
    symbol: o.symbol,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: o.clientOrderId,
    price: spotDecimal(formatPrice(ins, o.priceTicks)),
    origQty: spotDecimal(formatSize(ins, o.origLots)),
    executedQty: spotDecimal(formatSize(ins, o.executedLots)),
    origQuoteOrderQty: '0.00000000',
    cummulativeQuoteQty: amount8(o.cumQuote),
    status: o.status,
    timeInForce: 'GTC',
    type: o.type,
    side: side(o),
    selfTradePreventionMode: 'EXPIRE_MAKER',
  };
}

/** `POST /api/v3/order` answer (`newOrderRespType` FULL; ACK and RESULT are prefixes of it). */
export function newOrderWire(o: OrderRecord, ins: Instrument, respType: string): Record<string, unknown> {
  if (respType === 'ACK') {
    return {
      symbol: o.symbol,
      orderId: o.orderId,
      orderListId: -1,
      clientOrderId: o.clientOrderId,
      transactTime: o.timeMs,
    };
  }
  const body = { ...common(o, ins), transactTime: o.timeMs, workingTime: o.timeMs };
  return respType === 'RESULT' ? body : { ...body, fills: [] };
}

/** `GET /api/v3/order` and `GET /api/v3/openOrders` items. */
export function queryOrderWire(o: OrderRecord, ins: Instrument): Record<string, unknown> {
  return {
    ...common(o, ins),
    stopPrice: '0.00000000',
    icebergQty: '0.00000000',
    time: o.timeMs,
    updateTime: o.updateTimeMs,
    isWorking: true,
    workingTime: o.timeMs,
  };
}

/** `DELETE /api/v3/order` answer (and the items of `DELETE /api/v3/openOrders`). */
export function cancelOrderWire(o: OrderRecord, ins: Instrument): Record<string, unknown> {
  return { ...common(o, ins), origClientOrderId: o.clientOrderId, transactTime: o.updateTimeMs };
}

/** `GET /api/v3/account` answer. */
export function accountWire(
  account: Account,
  nowMs: number,
  makerFeeBps: number,
  takerFeeBps: number,
): Record<string, unknown> {
  const rate = (bps: number): string => (bps / 10_000).toFixed(8);
  return {
    makerCommission: makerFeeBps,
    takerCommission: takerFeeBps,
    buyerCommission: 0,
    sellerCommission: 0,
    commissionRates: {
      maker: rate(makerFeeBps),
      taker: rate(takerFeeBps),
      buyer: '0.00000000',
      seller: '0.00000000',
    },
    canTrade: true,
    canWithdraw: false,
    canDeposit: false,
    brokered: false,
    requireSelfTradePrevention: false,
    preventSor: false,
    updateTime: nowMs,
    accountType: 'SPOT',
    balances: [...account.balances.entries()].map(([asset, b]) => ({
      asset,
      free: amount8(b.free),
      locked: amount8(b.locked),
    })),
    permissions: ['SPOT'],
    uid: 0,
  };
}

/** The `executionReport` user-data event of an order event. */
export function executionReportWire(
  ev: OrderEvent,
  ins: Instrument,
  eventMs: number,
): Record<string, unknown> {
  const o = ev.order;
  const fill = ev.fill;
  const lastQuote =
    fill === undefined ? 0 : fill.priceTicks * fill.lots * Number(ins.tickSize) * Number(ins.lotSize);
  return {
    e: 'executionReport',
    E: eventMs,
    s: o.symbol,
    c: o.clientOrderId,
    S: side(o),
    o: o.type,
    f: 'GTC',
    q: spotDecimal(formatSize(ins, o.origLots)),
    p: spotDecimal(formatPrice(ins, o.priceTicks)),
    P: '0.00000000',
    F: '0.00000000',
    g: -1,
    C: ev.execType === 'CANCELED' ? o.clientOrderId : '',
    x: ev.execType,
    X: o.status,
    r: 'NONE',
    i: o.orderId,
    l: spotDecimal(formatSize(ins, fill?.lots ?? 0)),
    z: spotDecimal(formatSize(ins, o.executedLots)),
    L: spotDecimal(formatPrice(ins, fill?.priceTicks ?? 0)),
    n: amount8(fill?.feeQuote ?? 0),
    N: fill === undefined ? null : assetsOf(o.symbol).quote,
    T: eventMs,
    t: fill?.tradeId ?? -1,
    I: 0,
    w: ev.execType !== 'CANCELED' && o.status !== 'FILLED',
    m: fill !== undefined,
    M: false,
    O: o.timeMs,
    Z: amount8(o.cumQuote),
    Y: amount8(lastQuote),
    Q: '0.00000000',
    W: o.timeMs,
    V: 'EXPIRE_MAKER',
  };
}

/** The `outboundAccountPosition` user-data event for the changed assets. */
export function accountPositionWire(
  account: Account,
  assets: readonly string[],
  eventMs: number,
): Record<string, unknown> {
  return {
    e: 'outboundAccountPosition',
    E: eventMs,
    u: eventMs,
    B: assets.map((a) => {
      const b = account.balance(a);
      return { a, f: amount8(b.free), l: amount8(b.locked) };
    }),
  };
}
