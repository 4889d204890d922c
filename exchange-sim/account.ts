/**
 * One simulated trading account (one API key): balances, orders, and one `SimulatedVenue` per symbol,
 * the backtester's fill model (core/sim: queue position, post-only arrival check, maker fees), driven
 * here by client orders instead of the quoting engine. Accounts never see each other's orders: each
 * queues against the recorded book alone, as each backtest does.
 *
 * Venue latencies are 0: the network between client and simulator is real, and the answer to a REST
 * order can then carry the venue's verdict (NEW, or -2010 if it would cross), as Binance's does.
 * Fees are charged in the quote asset (the core's `feeQuote`), on both sides.
 */
import { quotePerTickLot } from '../core/sim/fees.ts';
import type { VenueReport } from '../core/engine/venue-port.ts';
import { apiErrors } from './api-error.ts';
import { assetsOf } from './market-wire.ts';
import type { SymbolReplay } from './symbol-replay.ts';
import type { IdSource, OrderEvent, OrderRecord, PlaceRequest } from './orders.ts';
import { SimAccount } from './sim-account.ts';

/** One asset's balance, asset units (floats: display only, rounded to 8 decimals on the wire). */
export interface Balance {
  free: number;
  locked: number;
}

export interface AccountListener {
  onOrder(ev: OrderEvent, timeMs: number): void;
  onBalances(assets: readonly string[], timeMs: number): void;
}

/** One account; see the module doc. */
export class Account extends SimAccount<AccountListener> {
  readonly balances = new Map<string, Balance>();

  constructor(
    apiKey: string,
    secret: string,
    balances: Readonly<Record<string, number>>,
    replays: ReadonlyMap<string, SymbolReplay>,
    ids: IdSource,
    nowMs: () => number,
  ) {
    super(apiKey, secret, replays, ids, nowMs);
    for (const [asset, free] of Object.entries(balances)) this.balances.set(asset, { free, locked: 0 });
  }

  /**
   * Places a limit order through the fill model.
   * @throws ApiError -2010 (duplicate client id, insufficient balance, would cross the book).
   */
  place(req: PlaceRequest): OrderRecord {
    const { replay } = this.venueOf(req.symbol);
    if (this.hasOpenClientId(req.clientOrderId)) throw apiErrors.duplicateOrder();
    const { base, quote } = assetsOf(req.symbol);
    const notional = req.priceTicks * req.sizeLots * quotePerTickLot(replay.instrument);
    const size = req.sizeLots * lotValueOf(replay);
    const asset = req.side === 'bid' ? quote : base;
    const amount = req.side === 'bid' ? notional : size;
    const bal = this.balance(asset);
    if (bal.free + 1e-9 < amount) throw apiErrors.insufficientBalance();
    const order = this.newRecord(req, req.type);
    // The core's post-only arrival check: Binance answers -2010 and keeps no order.
    if (!this.submitPlace(order)) throw apiErrors.wouldTake();
    bal.free -= amount;
    bal.locked += amount;
    this.emitOrder({ order, execType: 'NEW' }, order.timeMs);
    this.emitBalances([asset], order.timeMs);
    return order;
  }

  /** The balance of `asset` (created at 0 when first touched). */
  balance(asset: string): Balance {
    let b = this.balances.get(asset);
    if (b === undefined) {
      b = { free: 0, locked: 0 };
      this.balances.set(asset, b);
    }
    return b;
  }

  protected onReport(replay: SymbolReplay, r: VenueReport): void {
    if (r.type !== 'fill' && r.type !== 'canceled') return;
    const symbol = replay.symbol;
    const id = Number(r.type === 'fill' ? r.fill.clientOrderId : r.clientOrderId);
    const order = this.orders.get(id);
    if (order === undefined) return;
    const now = this.nowMs();
    const { base, quote } = assetsOf(symbol);
    const qptl = quotePerTickLot(replay.instrument);
    const lot = lotValueOf(replay);
    order.updateTimeMs = now;
    if (r.type === 'canceled') {
      order.status = 'CANCELED';
      const openLots = order.origLots - order.executedLots;
      this.release(
        order.side === 'bid' ? quote : base,
        order.side === 'bid' ? order.priceTicks * openLots * qptl : openLots * lot,
      );
      this.emitOrder({ order, execType: 'CANCELED' }, now);
      this.emitBalances([order.side === 'bid' ? quote : base], now);
      return;
    }
    const { sizeLots, priceTicks, feeQuote } = r.fill;
    const notional = priceTicks * sizeLots * qptl;
    order.executedLots += sizeLots;
    order.cumQuote += notional;
    order.status = r.openLots === 0 ? 'FILLED' : 'PARTIALLY_FILLED';
    const b = this.balance(base);
    const q = this.balance(quote);
    if (order.side === 'bid') {
      q.locked -= notional;
      b.free += sizeLots * lot;
    } else {
      b.locked -= sizeLots * lot;
      q.free += notional;
    }
    q.free -= feeQuote;
    this.emitOrder(
      {
        order,
        execType: 'TRADE',
        fill: { lots: sizeLots, priceTicks, feeQuote, tradeId: this.ids.nextTradeId() },
      },
      now,
    );
    this.emitBalances([base, quote], now);
  }

  private release(asset: string, amount: number): void {
    const b = this.balance(asset);
    b.locked -= amount;
    b.free += amount;
  }

  private emitOrder(ev: OrderEvent, timeMs: number): void {
    this.logFill(ev, timeMs);
    for (const l of this.listeners) l.onOrder(ev, timeMs);
  }

  private emitBalances(assets: readonly string[], timeMs: number): void {
    for (const l of this.listeners) l.onBalances(assets, timeMs);
  }
}

/** Base units per lot of the replay's instrument. */
function lotValueOf(replay: SymbolReplay): number {
  return Number(replay.instrument.lotSize);
}
