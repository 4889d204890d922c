/**
 * A deterministic simulated exchange implementing the `ExecutionVenue` port for backtests.
 *
 * Model (docs/adr/0003-fill-model-and-kpis.md):
 *  - Latency: a place request arrives `entryLatencyUs` after `submit`, a cancel `cancelLatencyUs` after
 *    (but never before the place it refers to: requests are FIFO per connection). Until a place arrives
 *    the order cannot fill; until a cancel arrives the order can still fill.
 *  - Orders are post-only (Binance `LIMIT_MAKER` / `GTX`): one that would cross the book on arrival
 *    (bid ≥ best ask, ask ≤ best bid) is rejected with `post-only-would-cross`. Every fill is therefore
 *    a maker fill at the order's own price, charged `makerFeeBps`.
 *  - Queue and fills: the risk-averse queue model of `./queue.ts` (trade-through fills; at-price fills
 *    after the visible queue ahead has traded; queue ahead capped when the level shrinks). Each fill says
 *    which (`Fill.tradeThrough`).
 *
 * Driving it (the replay loop in core/backtest/replay.ts): for each market event at time t,
 * `processUntil(t)` first (arrivals with arrival time ≤ t happen before the event, against the book as
 * it was before the event), then `onTrade(trade)` for trades, and `onBookChanged()` after the book has
 * applied a depth event. Reports go to `onReport` synchronously from those three calls, never from
 * `submit`.
 */
import { InvariantViolation } from '../errors.ts';
import type { Side, Trade } from '../market-events.ts';
import type { Clock } from '../ports.ts';
import type { OrderAction } from '../quoting/intent.ts';
import type { ExecutionVenue, VenueReportListener } from '../engine/venue-port.ts';
import { feeQuote } from './fees.ts';
import { capQueueAhead, isTradeThrough, matchTrade, type QueuedOrder } from './queue.ts';

/** What the simulated venue reads from the (shared, read-only) order book. `OrderBook` satisfies it. */
export interface BookLevelsReader {
  bestBidTicks(): number | undefined;
  bestAskTicks(): number | undefined;
  /** Visible lots at a price; 0 if no level. */
  sizeAtLots(side: Side, priceTicks: number): number;
}

/** Construction options of {@link SimulatedVenue}. */
export interface SimulatedVenueOptions {
  /** Market time source (the replay's ManualClock). */
  readonly clock: Clock;
  /** The book as the market data shows it (without our orders). */
  readonly book: BookLevelsReader;
  /** Delay from `submit` of a place until the order is live, µs, integer ≥ 0. */
  readonly entryLatencyUs: number;
  /** Delay from `submit` of a cancel until it takes effect, µs, integer ≥ 0. */
  readonly cancelLatencyUs: number;
  /** Maker fee, bps of notional (negative = rebate). */
  readonly makerFeeBps: number;
  /** Quote currency per tick·lot (see `quotePerTickLot` in ./fees.ts). */
  readonly quotePerTickLot: number;
  /** Receives every execution report. */
  readonly onReport: VenueReportListener;
}

/** An order known to the venue: submitted (not yet arrived) or live. */
interface SimOrder extends QueuedOrder {
  readonly clientOrderId: string;
  readonly sizeLots: number;
  /** When the place request reaches the venue, Unix epoch µs. */
  readonly arrivalUs: number;
  live: boolean;
}

/** A request on its way to the venue. */
interface InFlight {
  readonly arrivalUs: number;
  readonly action: OrderAction;
}

/** Read-only view of a live order, for inspection and tests. */
export interface SimOrderView {
  readonly clientOrderId: string;
  readonly side: Side;
  readonly priceTicks: number;
  readonly sizeLots: number;
  readonly openLots: number;
  readonly queueAheadLots: number;
}

/** Deterministic simulated venue; see the module doc for the model. */
export class SimulatedVenue implements ExecutionVenue {
  private readonly opts: SimulatedVenueOptions;
  /** Requests in flight, sorted by arrival time (stable: equal times keep submission order). */
  private readonly inFlight: InFlight[] = [];
  /** Orders submitted or live, in submission order (= time priority among our own orders). */
  private readonly orders: SimOrder[] = [];
  private liveCount = 0;

  /**
   * @throws RangeError if a latency is not a non-negative safe integer.
   */
  constructor(opts: SimulatedVenueOptions) {
    for (const [name, v] of [
      ['entryLatencyUs', opts.entryLatencyUs],
      ['cancelLatencyUs', opts.cancelLatencyUs],
    ] as const) {
      if (!Number.isSafeInteger(v) || v < 0)
        throw new RangeError(`SimulatedVenue: ${name} must be an integer >= 0, got ${v}`);
    }
    this.opts = opts;
  }

  /**
   * Sends one action; it takes effect after the configured latency. Never reports synchronously.
   * @throws InvariantViolation `DUPLICATE_ORDER_ID` if a place reuses a client order id still known.
   */
  submit(action: OrderAction): void {
    const nowUs = this.opts.clock.nowUs();
    if (action.type === 'place') {
      if (this.findOrder(action.clientOrderId) !== undefined) {
        throw new InvariantViolation(
          'DUPLICATE_ORDER_ID',
          `client order id in use: ${action.clientOrderId}`,
          {
            clientOrderId: action.clientOrderId,
          },
        );
      }
      const arrivalUs = nowUs + this.opts.entryLatencyUs;
      this.orders.push({
        clientOrderId: action.clientOrderId,
        side: action.side,
        priceTicks: action.priceTicks,
        sizeLots: action.sizeLots,
        openLots: action.sizeLots,
        queueAheadLots: 0,
        arrivalUs,
        live: false,
      });
      this.enqueue(arrivalUs, action);
    } else {
      const order = this.findOrder(action.clientOrderId);
      const earliestUs = nowUs + this.opts.cancelLatencyUs;
      // FIFO per connection: the cancel cannot overtake its own place request.
      const arrivalUs = order !== undefined && order.arrivalUs > earliestUs ? order.arrivalUs : earliestUs;
      this.enqueue(arrivalUs, action);
    }
  }

  /** Delivers every request whose arrival time is ≤ `tUs` (µs), in arrival order. */
  processUntil(tUs: number): void {
    const q = this.inFlight;
    while (q.length > 0 && q[0]!.arrivalUs <= tUs) {
      const req = q.shift()!;
      if (req.action.type === 'place') this.arrivePlace(req.action.clientOrderId, req.arrivalUs);
      else this.arriveCancel(req.action.clientOrderId, req.action.side, req.arrivalUs);
    }
  }

  /** Matches one public trade print against our live orders (at the clock's current time). */
  onTrade(trade: Trade): void {
    if (this.liveCount === 0) return;
    let filledBid = 0;
    let filledAsk = 0;
    const orders = this.orders;
    for (let i = 0; i < orders.length; i++) {
      const o = orders[i]!;
      if (!o.live) continue;
      const already = o.side === 'bid' ? filledBid : filledAsk;
      const lots = matchTrade(o, trade.priceTicks, trade.sizeLots, already);
      if (lots === 0) continue;
      if (o.side === 'bid') filledBid += lots;
      else filledAsk += lots;
      o.openLots -= lots;
      if (o.openLots === 0) {
        removeAt(orders, i);
        i--;
        this.liveCount--;
      }
      this.opts.onReport({
        type: 'fill',
        fill: {
          clientOrderId: o.clientOrderId,
          side: o.side,
          priceTicks: o.priceTicks,
          sizeLots: lots,
          feeQuote: feeQuote(o.priceTicks, lots, this.opts.quotePerTickLot, this.opts.makerFeeBps),
          liquidity: 'maker',
          timeUs: this.opts.clock.nowUs(),
          tradeThrough: isTradeThrough(o, trade.priceTicks),
        },
        openLots: o.openLots,
      });
    }
  }

  /** Re-caps every live order's queue ahead at its level's current size (call after a depth change). */
  onBookChanged(): void {
    if (this.liveCount === 0) return;
    const orders = this.orders;
    const book = this.opts.book;
    for (let i = 0; i < orders.length; i++) {
      const o = orders[i]!;
      if (o.live && o.queueAheadLots > 0) capQueueAhead(o, book.sizeAtLots(o.side, o.priceTicks));
    }
  }

  /** Live orders (arrived, not filled or cancelled), in time priority. Allocates: not for the hot path. */
  liveOrders(): readonly SimOrderView[] {
    return this.orders
      .filter((o) => o.live)
      .map(({ clientOrderId, side, priceTicks, sizeLots, openLots, queueAheadLots }) => ({
        clientOrderId,
        side,
        priceTicks,
        sizeLots,
        openLots,
        queueAheadLots,
      }));
  }

  /** Number of requests still in flight. */
  get inFlightCount(): number {
    return this.inFlight.length;
  }

  private arrivePlace(clientOrderId: string, atUs: number): void {
    const o = this.findOrder(clientOrderId);
    if (o === undefined) return; // unreachable: places are recorded at submit and only removed after arrival
    const book = this.opts.book;
    const bestBid = book.bestBidTicks();
    const bestAsk = book.bestAskTicks();
    const crosses =
      o.side === 'bid'
        ? bestAsk !== undefined && o.priceTicks >= bestAsk
        : bestBid !== undefined && o.priceTicks <= bestBid;
    if (crosses) {
      this.removeOrder(o);
      this.opts.onReport({
        type: 'rejected',
        clientOrderId,
        side: o.side,
        reason: 'post-only-would-cross',
        timeUs: atUs,
      });
      return;
    }
    o.live = true;
    o.queueAheadLots = book.sizeAtLots(o.side, o.priceTicks);
    this.liveCount++;
    this.opts.onReport({
      type: 'accepted',
      clientOrderId,
      side: o.side,
      priceTicks: o.priceTicks,
      sizeLots: o.sizeLots,
      timeUs: atUs,
    });
  }

  private arriveCancel(clientOrderId: string, side: Side, atUs: number): void {
    const o = this.findOrder(clientOrderId);
    if (o === undefined || !o.live) {
      // Filled, rejected, or never placed. (A cancel cannot reach a not-yet-live order: FIFO.)
      this.opts.onReport({
        type: 'cancel-rejected',
        clientOrderId,
        side,
        reason: 'unknown-order',
        timeUs: atUs,
      });
      return;
    }
    this.removeOrder(o);
    this.liveCount--;
    this.opts.onReport({
      type: 'canceled',
      clientOrderId,
      side: o.side,
      canceledLots: o.openLots,
      timeUs: atUs,
    });
  }

  private enqueue(arrivalUs: number, action: OrderAction): void {
    const q = this.inFlight;
    let i = q.length;
    while (i > 0 && q[i - 1]!.arrivalUs > arrivalUs) i--;
    if (i === q.length) q.push({ arrivalUs, action });
    else q.splice(i, 0, { arrivalUs, action });
  }

  private findOrder(clientOrderId: string): SimOrder | undefined {
    const orders = this.orders;
    for (let i = 0; i < orders.length; i++) if (orders[i]!.clientOrderId === clientOrderId) return orders[i];
    return undefined;
  }

  private removeOrder(o: SimOrder): void {
    const i = this.orders.indexOf(o);
    if (i >= 0) removeAt(this.orders, i);
  }
}

/** Removes element `i` of a small array in place, keeping the order (no array allocated, unlike splice). */
function removeAt<T>(a: T[], i: number): void {
  for (let j = i + 1; j < a.length; j++) a[j - 1] = a[j]!;
  a.pop();
}
