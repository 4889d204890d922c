/**
 * Client-order bookkeeping shared by the spot and USDⓈ-M accounts (./account.ts,
 * ./futures-account.ts): the orders of one API key, one `core/sim` `SimulatedVenue` per symbol driven
 * by that symbol's replay, the capture of the venue's synchronous report, and cancel / query. What a
 * fill or a cancel does to balances or positions is the subclass's `onReport`.
 *
 * Venue latencies are 0: the answer to a REST order can then carry the venue's verdict, as Binance's does.
 */
import { quotePerTickLot } from '../core/sim/fees.ts';
import { SimulatedVenue } from '../core/sim/simulated-venue.ts';
import type { VenueReport } from '../core/engine/venue-port.ts';
import { apiErrors } from './api-error.ts';
import {
  isOpen,
  type FillRecord,
  type IdSource,
  type OrderEvent,
  type OrderRecord,
  type OrderType,
  type PlaceRequest,
} from './orders.ts';
import type { SymbolReplay } from './symbol-replay.ts';

/** One account's orders and venues; `L` is the kind of user-data listener it feeds. */
export abstract class SimAccount<L> {
  readonly apiKey: string;
  /** HMAC secret of the API key. */
  readonly secret: string;
  protected readonly orders = new Map<number, OrderRecord>();
  /** Every fill of this account, oldest first (the ledger: ./ledger.ts). */
  private readonly fillLog: FillRecord[] = [];
  protected readonly venues = new Map<string, SimulatedVenue>();
  protected readonly replays: ReadonlyMap<string, SymbolReplay>;
  protected readonly listeners = new Set<L>();
  protected readonly ids: IdSource;
  protected readonly nowMs: () => number;
  /** Report of the request being made (venue reports are synchronous with processUntil). */
  private lastReport: VenueReport | undefined;

  protected constructor(
    apiKey: string,
    secret: string,
    replays: ReadonlyMap<string, SymbolReplay>,
    ids: IdSource,
    nowMs: () => number,
  ) {
    this.apiKey = apiKey;
    this.secret = secret;
    this.replays = replays;
    this.ids = ids;
    this.nowMs = nowMs;
    for (const replay of replays.values()) {
      const venue = new SimulatedVenue({
        clock: replay.clock,
        book: replay.book,
        entryLatencyUs: 0,
        cancelLatencyUs: 0,
        makerFeeBps: replay.instrument.makerFeeBps,
        quotePerTickLot: quotePerTickLot(replay.instrument),
        onReport: (r) => {
          this.lastReport = r;
          this.onReport(replay, r);
        },
      });
      this.venues.set(replay.symbol, venue);
      replay.addDriver(venue);
    }
  }

  /** Number of user-data subscribers (open user streams). */
  get subscribers(): number {
    return this.listeners.size;
  }

  addListener(l: L): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
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

  /** Every order the venue kept (open and closed; refused ones are never kept), oldest first. */
  allOrders(): readonly OrderRecord[] {
    return [...this.orders.values()];
  }

  /** Every fill, oldest first. */
  fills(): readonly FillRecord[] {
    return this.fillLog;
  }

  /** Records the fill of an order event (called by the subclasses as they emit it). */
  protected logFill(ev: OrderEvent, timeMs: number): void {
    if (ev.fill === undefined) return;
    this.fillLog.push({
      symbol: ev.order.symbol,
      tradeId: ev.fill.tradeId,
      orderId: ev.order.orderId,
      clientOrderId: ev.order.clientOrderId,
      side: ev.order.side,
      priceTicks: ev.fill.priceTicks,
      lots: ev.fill.lots,
      feeQuote: ev.fill.feeQuote,
      maker: true,
      timeMs,
    });
  }

  /** What a venue report (fill, cancel, …) of `replay`'s symbol does to this account. */
  protected abstract onReport(replay: SymbolReplay, r: VenueReport): void;

  /** Whether an open order already carries `clientOrderId`. */
  protected hasOpenClientId(clientOrderId: string): boolean {
    for (const o of this.orders.values()) if (o.clientOrderId === clientOrderId && isOpen(o)) return true;
    return false;
  }

  /** A NEW order record for `req` with the next order id, created now (not yet stored). */
  protected newRecord(req: PlaceRequest, type: OrderType): OrderRecord {
    const now = this.nowMs();
    return {
      symbol: req.symbol,
      orderId: this.ids.nextOrderId(),
      clientOrderId: req.clientOrderId,
      side: req.side,
      type,
      priceTicks: req.priceTicks,
      origLots: req.sizeLots,
      executedLots: 0,
      cumQuote: 0,
      status: 'NEW',
      timeMs: now,
      updateTimeMs: now,
    };
  }

  /**
   * Stores `order` and submits it to its venue. @returns whether the venue accepted it; if not (the
   * core's post-only arrival check) the order is dropped again, as Binance keeps no order.
   */
  protected submitPlace(order: OrderRecord): boolean {
    const { venue, replay } = this.venueOf(order.symbol);
    this.lastReport = undefined;
    this.orders.set(order.orderId, order);
    venue.submit({
      type: 'place',
      clientOrderId: String(order.orderId),
      side: order.side,
      priceTicks: order.priceTicks,
      sizeLots: order.origLots,
    });
    venue.processUntil(replay.clock.nowUs());
    if (this.takeReport()?.type === 'accepted') return true;
    this.orders.delete(order.orderId);
    return false;
  }

  /** The venue and replay of `symbol`. @throws ApiError -1121 if it is not simulated. */
  protected venueOf(symbol: string): { venue: SimulatedVenue; replay: SymbolReplay } {
    const venue = this.venues.get(symbol);
    const replay = this.replays.get(symbol);
    if (venue === undefined || replay === undefined) throw apiErrors.invalidSymbol();
    return { venue, replay };
  }

  /** The report the last synchronous `processUntil` delivered (read once). */
  private takeReport(): VenueReport | undefined {
    const r = this.lastReport;
    this.lastReport = undefined;
    return r;
  }
}
