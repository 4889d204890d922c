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
import { SimulatedVenue } from '../core/sim/simulated-venue.ts';
import type { VenueReport } from '../core/engine/venue-port.ts';
import { apiErrors } from './api-error.ts';
import { assetsOf } from './market-wire.ts';
import type { SymbolReplay } from './symbol-replay.ts';
import { isOpen, type IdSource, type OrderEvent, type OrderRecord, type PlaceRequest } from './orders.ts';

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
export class Account {
  readonly apiKey: string;
  /** HMAC secret of the API key. */
  readonly secret: string;
  readonly balances = new Map<string, Balance>();
  private readonly orders = new Map<number, OrderRecord>();
  private readonly venues = new Map<string, SimulatedVenue>();
  private readonly replays: ReadonlyMap<string, SymbolReplay>;
  private readonly listeners = new Set<AccountListener>();
  private readonly nowMs: () => number;
  private readonly ids: IdSource;
  /** Reports of the request being made (venue reports are synchronous with processUntil). */
  private lastReport: VenueReport | undefined;

  constructor(
    apiKey: string,
    secret: string,
    balances: Readonly<Record<string, number>>,
    replays: ReadonlyMap<string, SymbolReplay>,
    ids: IdSource,
    nowMs: () => number,
  ) {
    this.apiKey = apiKey;
    this.secret = secret;
    this.replays = replays;
    this.ids = ids;
    this.nowMs = nowMs;
    for (const [asset, free] of Object.entries(balances)) this.balances.set(asset, { free, locked: 0 });
    for (const replay of replays.values()) {
      const venue = new SimulatedVenue({
        clock: replay.clock,
        book: replay.book,
        entryLatencyUs: 0,
        cancelLatencyUs: 0,
        makerFeeBps: replay.instrument.makerFeeBps,
        quotePerTickLot: quotePerTickLot(replay.instrument),
        onReport: (r) => this.onReport(replay.symbol, r),
      });
      this.venues.set(replay.symbol, venue);
      replay.addDriver(venue);
    }
  }

  /** Number of user-data subscribers (open user streams). */
  get subscribers(): number {
    return this.listeners.size;
  }

  addListener(l: AccountListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /**
   * Places a limit order through the fill model.
   * @throws ApiError -2010 (duplicate client id, insufficient balance, would cross the book).
   */
  place(req: PlaceRequest): OrderRecord {
    const { venue, replay } = this.venueOf(req.symbol);
    for (const o of this.orders.values()) {
      if (o.clientOrderId === req.clientOrderId && isOpen(o)) throw apiErrors.duplicateOrder();
    }
    const { base, quote } = assetsOf(req.symbol);
    const notional = req.priceTicks * req.sizeLots * quotePerTickLot(replay.instrument);
    const size = req.sizeLots * lotValueOf(replay);
    const asset = req.side === 'bid' ? quote : base;
    const amount = req.side === 'bid' ? notional : size;
    const bal = this.balance(asset);
    if (bal.free + 1e-9 < amount) throw apiErrors.insufficientBalance();
    const now = this.nowMs();
    const order: OrderRecord = {
      symbol: req.symbol,
      orderId: this.ids.nextOrderId(),
      clientOrderId: req.clientOrderId,
      side: req.side,
      type: req.type,
      priceTicks: req.priceTicks,
      origLots: req.sizeLots,
      executedLots: 0,
      cumQuote: 0,
      status: 'NEW',
      timeMs: now,
      updateTimeMs: now,
    };
    this.lastReport = undefined;
    this.orders.set(order.orderId, order);
    venue.submit({
      type: 'place',
      clientOrderId: String(order.orderId),
      side: req.side,
      priceTicks: req.priceTicks,
      sizeLots: req.sizeLots,
    });
    venue.processUntil(replay.clock.nowUs());
    if (this.takeReport()?.type !== 'accepted') {
      // The core's post-only arrival check: Binance answers -2010 and keeps no order.
      this.orders.delete(order.orderId);
      throw apiErrors.wouldTake();
    }
    bal.free -= amount;
    bal.locked += amount;
    this.emitOrder({ order, execType: 'NEW' }, now);
    this.emitBalances([asset], now);
    return order;
  }

  /** Cancels an open order. @throws ApiError -2011 if it is unknown or no longer open. */
  cancel(symbol: string, orderId: number | undefined, clientOrderId: string | undefined): OrderRecord {
    const { venue, replay } = this.venueOf(symbol);
    const order = this.findOrder(symbol, orderId, clientOrderId);
    if (order === undefined || !isOpen(order)) throw apiErrors.unknownOrderCancel();
    this.lastReport = undefined;
    venue.submit({ type: 'cancel', clientOrderId: String(order.orderId), side: order.side });
    venue.processUntil(replay.clock.nowUs());
    if (this.takeReport()?.type !== 'canceled') throw apiErrors.unknownOrderCancel();
    return order;
  }

  /** Cancels every open order of `symbol`; @returns them (empty if none). */
  cancelAll(symbol: string): OrderRecord[] {
    return this.openOrders(symbol).map((o) => this.cancel(symbol, o.orderId, undefined));
  }

  /** Open orders, of one symbol or all, oldest first. */
  openOrders(symbol: string | undefined): OrderRecord[] {
    return [...this.orders.values()].filter(
      (o) => isOpen(o) && (symbol === undefined || o.symbol === symbol),
    );
  }

  /** An order by id or client id (open or closed); undefined if unknown. */
  findOrder(
    symbol: string,
    orderId: number | undefined,
    clientOrderId: string | undefined,
  ): OrderRecord | undefined {
    if (orderId !== undefined) {
      const o = this.orders.get(orderId);
      return o?.symbol === symbol ? o : undefined;
    }
    let found: OrderRecord | undefined;
    for (const o of this.orders.values())
      if (o.symbol === symbol && o.clientOrderId === clientOrderId) found = o;
    return found;
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

  /** The report the last synchronous `processUntil` delivered (read once). */
  private takeReport(): VenueReport | undefined {
    const r = this.lastReport;
    this.lastReport = undefined;
    return r;
  }

  private venueOf(symbol: string): { venue: SimulatedVenue; replay: SymbolReplay } {
    const venue = this.venues.get(symbol);
    const replay = this.replays.get(symbol);
    if (venue === undefined || replay === undefined) throw apiErrors.invalidSymbol();
    return { venue, replay };
  }

  private onReport(symbol: string, r: VenueReport): void {
    this.lastReport = r;
    const replay = this.replays.get(symbol);
    if (replay === undefined || (r.type !== 'fill' && r.type !== 'canceled')) return;
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
