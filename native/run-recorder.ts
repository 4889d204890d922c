/**
 * Turns what the engine did (order actions and venue reports) into the rows of the `quotes`, `orders`
 * and `fills` tables, buffered until the next flush. Pure bookkeeping: no I/O, no clock (times come
 * from the actions' market clock and the reports).
 *
 * Row semantics:
 * - `quotes`: one row per quote placed (per `place` action, so the row count equals the `quotes` KPI):
 *   the placed side carries its price and size, the other side is NULL; reasons, decision time and mid
 *   come from the intent that caused it.
 * - `orders`: one row per place, inserted as `open` and re-written (upsert) on each status change:
 *   `partially-filled`, `filled`, `cancelled`, `rejected`.
 * - `fills`: one row per fill report (the `fills` KPI), numbered in arrival order.
 */
import type { VenueReport } from '../core/engine/venue-port.ts';
import type { OrderAction, QuoteIntent, QuoteReason } from '../core/quoting/intent.ts';

/** A `quotes` row in domain units. */
export interface QuoteRow {
  readonly seq: number;
  /** Decision time, Unix epoch µs (market clock). */
  readonly decidedAtUs: number;
  readonly side: 'bid' | 'ask';
  readonly priceTicks: number;
  readonly sizeLots: number;
  readonly bidReason: QuoteReason;
  readonly askReason: QuoteReason;
  /** Mid at decision time, ticks (may be x.5); undefined without a mid. */
  readonly midTicks: number | undefined;
}

/** Order status as stored (`orders.status`). */
export type OrderStatus = 'open' | 'partially-filled' | 'filled' | 'cancelled' | 'rejected';

/** An `orders` row in domain units (latest state). */
export interface OrderRow {
  readonly clientOrderId: string;
  readonly side: 'bid' | 'ask';
  readonly priceTicks: number;
  readonly sizeLots: number;
  readonly status: OrderStatus;
  /** Submit time, Unix epoch µs. */
  readonly placedAtUs: number;
  /** Time the order closed, µs; undefined while working. */
  readonly doneAtUs: number | undefined;
}

/** A `fills` row in domain units. */
export interface FillRow {
  readonly seq: number;
  readonly clientOrderId: string;
  readonly side: 'bid' | 'ask';
  readonly priceTicks: number;
  readonly sizeLots: number;
  /** Fee, quote currency (negative = rebate). */
  readonly feeQuote: number;
  readonly liquidity: 'maker' | 'taker';
  readonly timeUs: number;
}

/** Rows to write in one flush. Orders always before fills (fills reference orders). */
export interface RowBatch {
  readonly quotes: readonly QuoteRow[];
  readonly orders: readonly OrderRow[];
  readonly fills: readonly FillRow[];
}

/** Buffers rows between flushes; see the module doc. */
export class RunRecorder {
  private quoteSeq = 0;
  private fillSeq = 0;
  private quotes: QuoteRow[] = [];
  private fills: FillRow[] = [];
  /** Latest state of orders changed since the last drain, by client id. */
  private dirtyOrders = new Map<string, OrderRow>();
  /** Latest state of every order not yet closed. */
  private readonly open = new Map<string, OrderRow>();

  /** Quote rows recorded so far (never reset). */
  get quotesRecorded(): number {
    return this.quoteSeq;
  }

  /** Fill rows recorded so far (never reset). */
  get fillsRecorded(): number {
    return this.fillSeq;
  }

  /** Rows waiting for the next flush. */
  get pendingRows(): number {
    return this.quotes.length + this.fills.length + this.dirtyOrders.size;
  }

  /**
   * Records an action the engine sent.
   * @param intent the intent that caused it (the engine's last intent); @param nowUs market time, µs.
   */
  onAction(action: OrderAction, intent: QuoteIntent | undefined, nowUs: number): void {
    if (action.type !== 'place') return;
    this.quotes.push({
      seq: this.quoteSeq++,
      decidedAtUs: intent?.decidedAtUs ?? nowUs,
      side: action.side,
      priceTicks: action.priceTicks,
      sizeLots: action.sizeLots,
      bidReason: intent?.bidReason ?? 'quote',
      askReason: intent?.askReason ?? 'quote',
      midTicks: intent?.midTicks,
    });
    this.setOrder({
      clientOrderId: action.clientOrderId,
      side: action.side,
      priceTicks: action.priceTicks,
      sizeLots: action.sizeLots,
      status: 'open',
      placedAtUs: nowUs,
      doneAtUs: undefined,
    });
  }

  /** Records a venue report (fills become rows; order status follows). */
  onReport(report: VenueReport): void {
    switch (report.type) {
      case 'accepted':
        return;
      case 'rejected':
        this.close(report.clientOrderId, 'rejected', report.timeUs);
        return;
      case 'canceled':
        this.close(report.clientOrderId, 'cancelled', report.timeUs);
        return;
      case 'cancel-rejected':
        return; // the order closed through its fills (or a reject), already recorded
      case 'fill': {
        const f = report.fill;
        this.fills.push({
          seq: this.fillSeq++,
          clientOrderId: f.clientOrderId,
          side: f.side,
          priceTicks: f.priceTicks,
          sizeLots: f.sizeLots,
          feeQuote: f.feeQuote,
          liquidity: f.liquidity,
          timeUs: f.timeUs,
        });
        if (report.openLots <= 0) this.close(f.clientOrderId, 'filled', f.timeUs);
        else this.update(f.clientOrderId, { status: 'partially-filled' });
        return;
      }
    }
  }

  /** Takes the buffered rows (orders first in the write order) and empties the buffer. */
  drain(): RowBatch {
    const batch: RowBatch = {
      quotes: this.quotes,
      orders: [...this.dirtyOrders.values()],
      fills: this.fills,
    };
    this.quotes = [];
    this.fills = [];
    this.dirtyOrders = new Map();
    return batch;
  }

  private setOrder(row: OrderRow): void {
    this.open.set(row.clientOrderId, row);
    this.dirtyOrders.set(row.clientOrderId, row);
  }

  private update(clientOrderId: string, change: Partial<OrderRow>): void {
    const row = this.open.get(clientOrderId);
    if (row !== undefined) this.setOrder({ ...row, ...change });
  }

  private close(clientOrderId: string, status: OrderStatus, timeUs: number): void {
    const row = this.open.get(clientOrderId);
    if (row === undefined) return;
    this.dirtyOrders.set(clientOrderId, { ...row, status, doneAtUs: Math.max(timeUs, row.placedAtUs) });
    this.open.delete(clientOrderId);
  }
}
