/**
 * The engine's list of working orders: every order we placed that is not known closed (not yet
 * acknowledged, live, or with a cancel in flight), as the executor's contract requires
 * (core/quoting/executor.ts), plus the quote-time data the spread-capture KPIs need. A handful of
 * orders at most, so a plain array with linear look-ups (faster than a Map at this size, no allocation).
 */
import type { Side } from '../market-events.ts';
import type { WorkingOrder } from '../quoting/intent.ts';
import { capQueueAhead, matchTrade } from '../sim/queue.ts';

/** One of our orders as the engine tracks it. */
export interface EngineOrder extends WorkingOrder {
  openLots: number;
  /** Mid when the order was decided, ticks. */
  readonly midAtQuoteTicks: number;
  /** Quoted half spread of the deciding intent, ticks (see core/metrics/spread-capture.ts). */
  readonly halfSpreadTicks: number;
  /** When the place was sent, Unix epoch µs (engine clock); quote ageing compares it. */
  readonly placedAtUs: number;
  /**
   * Estimated visible lots ahead of the order at its price, by the simulator's queue model
   * (core/sim/queue.ts): the level's size when the venue acknowledged it, consumed by public trades at
   * its price, capped when the level shrinks, 0 after a trade through it. NaN until acknowledged, and
   * always when the quoter does not read our resting orders (`Quoter.readsRestingOrders` false: the
   * engine does not run the estimate).
   */
  queueAheadLots: number;
}

/** What the queue estimate reads: the visible size at a price (the engine's touch or book). */
export interface LevelSizes {
  sizeAtLots(side: Side, priceTicks: number): number;
}

/** Working orders in placement order. */
export class WorkingOrders {
  private readonly orders: EngineOrder[] = [];

  /** The orders, for the executor (do not mutate). */
  get list(): readonly EngineOrder[] {
    return this.orders;
  }

  /** Number of working orders. */
  get size(): number {
    return this.orders.length;
  }

  /** Adds a just-placed order. */
  add(order: EngineOrder): void {
    this.orders.push(order);
  }

  /** The order with this client id, or undefined. */
  find(clientOrderId: string): EngineOrder | undefined {
    const w = this.orders;
    for (let i = 0; i < w.length; i++) if (w[i]!.clientOrderId === clientOrderId) return w[i];
    return undefined;
  }

  /** Removes the order with this client id (no-op if absent). */
  remove(clientOrderId: string): void {
    const w = this.orders;
    for (let i = 0; i < w.length; i++) {
      if (w[i]!.clientOrderId === clientOrderId) {
        // In place, keeping placement order (splice would allocate the removed-elements array).
        for (let j = i + 1; j < w.length; j++) w[j - 1] = w[j]!;
        w.pop();
        return;
      }
    }
  }

  /** The venue acknowledged the order: its queue starts behind the level's visible size now. */
  onAccepted(clientOrderId: string, levels: LevelSizes): void {
    const o = this.find(clientOrderId);
    if (o !== undefined) o.queueAheadLots = levels.sizeAtLots(o.side, o.priceTicks);
  }

  /**
   * A public trade: moves the queue estimate of each acknowledged order it reaches (the simulator's
   * `matchTrade`; the fill itself, if any, comes from the venue's report).
   */
  onTrade(priceTicks: number, sizeLots: number): void {
    const w = this.orders;
    for (let i = 0; i < w.length; i++) {
      const o = w[i]!;
      if (!Number.isNaN(o.queueAheadLots)) matchTrade(o, priceTicks, sizeLots, 0);
    }
  }

  /** The book changed: caps each acknowledged order's queue ahead at its level's visible size. */
  onBookChanged(levels: LevelSizes): void {
    const w = this.orders;
    for (let i = 0; i < w.length; i++) {
      const o = w[i]!;
      if (o.queueAheadLots > 0) capQueueAhead(o, levels.sizeAtLots(o.side, o.priceTicks));
    }
  }

  /** The first acknowledged order on `side` still open, or undefined (the one the quoter may keep). */
  resting(side: Side): EngineOrder | undefined {
    const w = this.orders;
    for (let i = 0; i < w.length; i++) {
      const o = w[i]!;
      if (o.side === side && o.openLots > 0 && !Number.isNaN(o.queueAheadLots)) return o;
    }
    return undefined;
  }

  /** Sum of open lots of the orders on `side` (the worst-case fill of that side). */
  openLots(side: Side): number {
    let open = 0;
    const w = this.orders;
    for (let i = 0; i < w.length; i++) if (w[i]!.side === side) open += w[i]!.openLots;
    return open;
  }
}
