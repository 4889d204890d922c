/**
 * Wire shapes of the USDⓈ-M trading answers and user-data events (USDⓈ-M Futures API: `POST/GET/DELETE
 * /fapi/v1/order`, `GET /fapi/v1/openOrders`, `GET /fapi/v2|v3/account`, `/balance`, `/positionRisk`;
 * user data `ORDER_TRADE_UPDATE` and `ACCOUNT_UPDATE`), from the futures account's records.
 */
import { formatPrice, formatSize, type Instrument } from '../core/instrument.ts';
import type { OrderEvent, OrderRecord } from './orders.ts';
import type { FuturesAccount, FuturesTif } from './futures-account.ts';
import { assetsOf } from './market-wire.ts';
import { amount8 } from './order-wire.ts';

/** A price (float ticks, e.g. a mean entry) as a decimal string with 8 decimals at most. */
function priceText(ins: Instrument, ticks: number): string {
  return Number.isInteger(ticks)
    ? formatPrice(ins, ticks)
    : String(Number((ticks * Number(ins.tickSize)).toFixed(8)));
}

/** An order as `POST`/`GET`/`DELETE /fapi/v1/order` and `openOrders` answer it. */
export function futuresOrderWire(o: OrderRecord, ins: Instrument, tif: FuturesTif): Record<string, unknown> {
  const avg = o.executedLots === 0 ? 0 : o.cumQuote / (o.executedLots * Number(ins.lotSize));
  return {
    orderId: o.orderId,
    symbol: o.symbol,
    status: o.status,
    clientOrderId: o.clientOrderId,
    price: formatPrice(ins, o.priceTicks),
    avgPrice: avg === 0 ? '0' : String(Number(avg.toFixed(8))),
    origQty: formatSize(ins, o.origLots),
    executedQty: formatSize(ins, o.executedLots),
    cumQty: formatSize(ins, o.executedLots),
    cumQuote: amount8(o.cumQuote),
    timeInForce: tif,
    type: 'LIMIT',
    reduceOnly: false,
    closePosition: false,
    side: o.side === 'bid' ? 'BUY' : 'SELL',
    positionSide: 'BOTH',
    stopPrice: '0',
    workingType: 'CONTRACT_PRICE',
    priceProtect: false,
    origType: 'LIMIT',
    priceMatch: 'NONE',
    selfTradePreventionMode: 'NONE',
    goodTillDate: 0,
    time: o.timeMs,
    updateTime: o.updateTimeMs,
  };
}

/** One position as `positionRisk` lists it. */
function positionWire(
  a: FuturesAccount,
  symbol: string,
  ins: Instrument,
  nowMs: number,
): Record<string, unknown> {
  const p = a.positions.get(symbol);
  const amount = p?.amountLots ?? 0;
  const notional = Math.abs(amount) * (p?.entryTicks ?? 0) * a.qptl(symbol);
  return {
    symbol,
    positionSide: 'BOTH',
    positionAmt: amount < 0 ? `-${formatSize(ins, -amount)}` : formatSize(ins, amount),
    entryPrice: priceText(ins, p?.entryTicks ?? 0),
    breakEvenPrice: priceText(ins, p?.entryTicks ?? 0),
    markPrice: priceText(ins, p?.entryTicks ?? 0),
    unRealizedProfit: amount8(a.unrealizedQuote(symbol)),
    liquidationPrice: '0',
    isolatedMargin: '0',
    notional: amount8(amount < 0 ? -notional : notional),
    marginAsset: assetsOf(symbol).quote,
    isolatedWallet: '0',
    initialMargin: amount8(notional / a.leverage),
    maintMargin: '0',
    positionInitialMargin: amount8(notional / a.leverage),
    openOrderInitialMargin: '0',
    adl: 0,
    bidNotional: '0',
    askNotional: '0',
    leverage: String(a.leverage),
    marginType: 'cross',
    updateTime: nowMs,
  };
}

/** `GET /fapi/v2|v3/positionRisk`. */
export function positionRiskWire(
  a: FuturesAccount,
  instruments: readonly Instrument[],
  nowMs: number,
): Record<string, unknown>[] {
  return instruments.map((ins) => positionWire(a, ins.symbol, ins, nowMs));
}

/** `GET /fapi/v2|v3/account` (cross margin, one asset: the quote). */
export function futuresAccountWire(
  a: FuturesAccount,
  instruments: readonly Instrument[],
  nowMs: number,
): Record<string, unknown> {
  const asset = instruments[0] === undefined ? 'USDT' : assetsOf(instruments[0].symbol).quote;
  const equity = a.equityQuote();
  const im = a.initialMarginQuote();
  const unrealized = equity - a.walletQuote;
  const available = equity - im;
  return {
    totalInitialMargin: amount8(im),
    totalMaintMargin: '0.00000000',
    totalWalletBalance: amount8(a.walletQuote),
    totalUnrealizedProfit: amount8(unrealized),
    totalMarginBalance: amount8(equity),
    totalPositionInitialMargin: amount8(im),
    totalOpenOrderInitialMargin: '0.00000000',
    totalCrossWalletBalance: amount8(a.walletQuote),
    totalCrossUnPnl: amount8(unrealized),
    availableBalance: amount8(available),
    maxWithdrawAmount: amount8(available),
    canTrade: true,
    canDeposit: false,
    canWithdraw: false,
    multiAssetsMargin: false,
    updateTime: nowMs,
    assets: [
      {
        asset,
        walletBalance: amount8(a.walletQuote),
        unrealizedProfit: amount8(unrealized),
        marginBalance: amount8(equity),
        maintMargin: '0.00000000',
        initialMargin: amount8(im),
        positionInitialMargin: amount8(im),
        openOrderInitialMargin: '0.00000000',
        crossWalletBalance: amount8(a.walletQuote),
        crossUnPnl: amount8(unrealized),
        availableBalance: amount8(available),
        maxWithdrawAmount: amount8(available),
        marginAvailable: true,
        updateTime: nowMs,
      },
    ],
    positions: instruments.map((ins) => positionWire(a, ins.symbol, ins, nowMs)),
  };
}

/** `GET /fapi/v2|v3/balance`. */
export function futuresBalanceWire(
  a: FuturesAccount,
  asset: string,
  nowMs: number,
): Record<string, unknown>[] {
  const equity = a.equityQuote();
  return [
    {
      accountAlias: 'SgsR',
      asset,
      balance: amount8(a.walletQuote),
      crossWalletBalance: amount8(a.walletQuote),
      crossUnPnl: amount8(equity - a.walletQuote),
      availableBalance: amount8(equity - a.initialMarginQuote()),
      maxWithdrawAmount: amount8(equity - a.initialMarginQuote()),
      marginAvailable: true,
      updateTime: nowMs,
    },
  ];
}

/** The `ORDER_TRADE_UPDATE` event of an order event. */
export function orderTradeUpdateWire(
  ev: OrderEvent,
  ins: Instrument,
  tif: FuturesTif,
  realizedQuote: number,
  eventMs: number,
): Record<string, unknown> {
  const o = ev.order;
  const f = ev.fill;
  const w = futuresOrderWire(o, ins, tif);
  return {
    e: 'ORDER_TRADE_UPDATE',
    E: eventMs,
    T: eventMs,
    o: {
      s: o.symbol,
      c: o.clientOrderId,
      S: w['side'],
      o: 'LIMIT',
      f: tif,
      q: w['origQty'],
      p: w['price'],
      ap: w['avgPrice'],
      sp: '0',
      x: ev.execType,
      X: o.status,
      i: o.orderId,
      l: formatSize(ins, f?.lots ?? 0),
      z: w['executedQty'],
      L: formatPrice(ins, f?.priceTicks ?? 0),
      N: assetsOf(o.symbol).quote,
      n: amount8(f?.feeQuote ?? 0),
      T: eventMs,
      t: f?.tradeId ?? 0,
      b: '0',
      a: '0',
      m: f !== undefined,
      R: false,
      wt: 'CONTRACT_PRICE',
      ot: 'LIMIT',
      ps: 'BOTH',
      cp: false,
      rp: amount8(realizedQuote),
      pP: false,
      si: 0,
      ss: 0,
      V: 'NONE',
      pm: 'NONE',
      gtd: 0,
    },
  };
}

/** The `ACCOUNT_UPDATE` event after a fill on `symbol` (reason ORDER). */
export function accountUpdateWire(
  a: FuturesAccount,
  symbol: string,
  ins: Instrument,
  eventMs: number,
): Record<string, unknown> {
  const p = positionWire(a, symbol, ins, eventMs);
  return {
    e: 'ACCOUNT_UPDATE',
    E: eventMs,
    T: eventMs,
    a: {
      m: 'ORDER',
      B: [{ a: assetsOf(symbol).quote, wb: amount8(a.walletQuote), cw: amount8(a.walletQuote), bc: '0' }],
      P: [
        {
          s: symbol,
          pa: p['positionAmt'],
          ep: p['entryPrice'],
          bep: p['breakEvenPrice'],
          cr: amount8(a.positions.get(symbol)?.realizedQuote ?? 0),
          up: p['unRealizedProfit'],
          mt: 'cross',
          iw: '0',
          ps: 'BOTH',
        },
      ],
    },
  };
}
