/**
 * One simulated USDⓈ-M futures account (one API key): a cross-margin wallet in the quote asset,
 * one-way positions per symbol, orders, and one `core/sim` `SimulatedVenue` per symbol (the fill model
 * of the backtester, as for spot: ./account.ts). Leverage is fixed per account (default 20×).
 *
 * Position accounting (one-way mode): a fill in the position's direction moves the entry price to the
 * size-weighted mean; against it, the closed part realises (fill − entry) × size × sign(position);
 * beyond flat the rest opens at the fill price. Fees (maker, `core/sim/fees.ts`) come off the wallet.
 * Margin check on new orders: open-order and position initial margin (notional / leverage) may not
 * exceed wallet + unrealised PnL, else -2019.
 */
import { quotePerTickLot } from '../core/sim/fees.ts';
import type { VenueReport } from '../core/engine/venue-port.ts';
import { ApiError, apiErrors } from './api-error.ts';
import type { IdSource, OrderEvent, OrderRecord, PlaceRequest } from './orders.ts';
import { SimAccount } from './sim-account.ts';
import type { SymbolReplay } from './symbol-replay.ts';

/** One-way position: signed lots (+ long), entry price in ticks (float mean), realised PnL in quote. */
export interface Position {
  amountLots: number;
  entryTicks: number;
  realizedQuote: number;
}

export interface FuturesListener {
  onOrder(ev: OrderEvent, realizedQuote: number, timeMs: number): void;
  onAccount(symbol: string, timeMs: number): void;
}

/** `timeInForce` of a futures order: GTX = post-only. */
export type FuturesTif = 'GTC' | 'GTX';

const DEFAULT_LEVERAGE = 20;

export class FuturesAccount extends SimAccount<FuturesListener> {
  /** Wallet balance, quote currency (USDT). */
  walletQuote: number;
  readonly leverage: number;
  readonly positions = new Map<string, Position>();
  readonly tif = new Map<number, FuturesTif>();

  constructor(
    apiKey: string,
    secret: string,
    walletQuote: number,
    replays: ReadonlyMap<string, SymbolReplay>,
    ids: IdSource,
    nowMs: () => number,
    leverage = DEFAULT_LEVERAGE,
  ) {
    super(apiKey, secret, replays, ids, nowMs);
    this.walletQuote = walletQuote;
    this.leverage = leverage;
    for (const replay of replays.values()) {
      this.positions.set(replay.symbol, { amountLots: 0, entryTicks: 0, realizedQuote: 0 });
    }
  }

  /**
   * Places a limit order. @throws ApiError -2019 (margin), -5022 (GTX would take), -2010 (GTC would
   * take: the fill model is post-only), -4015 (duplicate client id).
   */
  place(req: PlaceRequest, tif: FuturesTif): OrderRecord {
    const { replay } = this.venueOf(req.symbol);
    if (this.hasOpenClientId(req.clientOrderId)) {
      throw new ApiError(400, -4015, 'Client order id is not valid.');
    }
    const notional = req.priceTicks * req.sizeLots * quotePerTickLot(replay.instrument);
    if (this.initialMarginQuote() + notional / this.leverage > this.equityQuote() + 1e-9) {
      throw new ApiError(400, -2019, 'Margin is insufficient.');
    }
    const order = this.newRecord(req, 'LIMIT');
    this.tif.set(order.orderId, tif);
    if (!this.submitPlace(order)) {
      throw tif === 'GTX'
        ? new ApiError(
            400,
            -5022,
            'Due to the order could not be executed as maker, the Post Only order will be rejected. The order will not be recorded in the order history',
          )
        : apiErrors.wouldTake();
    }
    this.emitOrder({ order, execType: 'NEW' }, 0, order.timeMs);
    return order;
  }

  /** Unrealised PnL of a position at the replay's mid (or entry if the book is one-sided), quote. */
  unrealizedQuote(symbol: string): number {
    const replay = this.replays.get(symbol);
    const p = this.positions.get(symbol);
    if (replay === undefined || p === undefined || p.amountLots === 0) return 0;
    const mark = replay.book.midTicks() ?? p.entryTicks;
    return (mark - p.entryTicks) * p.amountLots * quotePerTickLot(replay.instrument);
  }

  /** Wallet + unrealised PnL of every position, quote. */
  equityQuote(): number {
    let u = 0;
    for (const s of this.positions.keys()) u += this.unrealizedQuote(s);
    return this.walletQuote + u;
  }

  /** Initial margin of positions (at entry) and open orders (at their price), quote. */
  initialMarginQuote(): number {
    let im = 0;
    for (const [s, p] of this.positions) {
      const r = this.replays.get(s);
      if (r !== undefined) im += Math.abs(p.amountLots) * p.entryTicks * quotePerTickLot(r.instrument);
    }
    for (const o of this.openOrders(undefined)) {
      const r = this.replays.get(o.symbol);
      if (r !== undefined) im += (o.origLots - o.executedLots) * o.priceTicks * quotePerTickLot(r.instrument);
    }
    return im / this.leverage;
  }

  /** Quote per tick·lot of a symbol. */
  qptl(symbol: string): number {
    const r = this.replays.get(symbol);
    return r === undefined ? 0 : quotePerTickLot(r.instrument);
  }

  protected onReport(replay: SymbolReplay, r: VenueReport): void {
    if (r.type !== 'fill' && r.type !== 'canceled') return;
    const order = this.orders.get(Number(r.type === 'fill' ? r.fill.clientOrderId : r.clientOrderId));
    if (order === undefined) return;
    const now = this.nowMs();
    order.updateTimeMs = now;
    if (r.type === 'canceled') {
      order.status = 'CANCELED';
      this.emitOrder({ order, execType: 'CANCELED' }, 0, now);
      return;
    }
    const { sizeLots, priceTicks, feeQuote } = r.fill;
    const qptl = quotePerTickLot(replay.instrument);
    order.executedLots += sizeLots;
    order.cumQuote += priceTicks * sizeLots * qptl;
    order.status = r.openLots === 0 ? 'FILLED' : 'PARTIALLY_FILLED';
    const realized = this.applyFill(
      replay.symbol,
      order.side === 'bid' ? sizeLots : -sizeLots,
      priceTicks,
      qptl,
    );
    this.walletQuote += realized - feeQuote;
    this.emitOrder(
      {
        order,
        execType: 'TRADE',
        fill: { lots: sizeLots, priceTicks, feeQuote, tradeId: this.ids.nextTradeId() },
      },
      realized,
      now,
    );
    for (const l of this.listeners) l.onAccount(replay.symbol, now);
  }

  /** Applies a signed fill (lots) to the position; @returns the realised PnL, quote. */
  private applyFill(symbol: string, signedLots: number, priceTicks: number, qptl: number): number {
    const p = this.positions.get(symbol) ?? { amountLots: 0, entryTicks: 0, realizedQuote: 0 };
    this.positions.set(symbol, p);
    let realized = 0;
    if (p.amountLots === 0 || Math.sign(p.amountLots) === Math.sign(signedLots)) {
      const total = Math.abs(p.amountLots) + Math.abs(signedLots);
      p.entryTicks = (Math.abs(p.amountLots) * p.entryTicks + Math.abs(signedLots) * priceTicks) / total;
      p.amountLots += signedLots;
    } else {
      const closing = Math.min(Math.abs(signedLots), Math.abs(p.amountLots));
      realized = (priceTicks - p.entryTicks) * closing * Math.sign(p.amountLots) * qptl;
      p.amountLots += signedLots;
      if (p.amountLots === 0) p.entryTicks = 0;
      else if (Math.sign(p.amountLots) === Math.sign(signedLots)) p.entryTicks = priceTicks;
    }
    p.realizedQuote += realized;
    return realized;
  }

  private emitOrder(ev: OrderEvent, realizedQuote: number, timeMs: number): void {
    this.logFill(ev, timeMs);
    for (const l of this.listeners) l.onOrder(ev, realizedQuote, timeMs);
  }
}
