/**
 * A stand-in for a ccxt pro Binance client (trading side) with the shapes of ccxt 4.5's unified
 * `Order` and `Trade` and its real error classes, so `CcxtVenue` can be tested offline. Every call
 * answers on a later macrotask (like a network round trip); `settle()` waits until nothing is in flight.
 */
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { NetworkError, OrderImmediatelyFillable, OrderNotFound, RequestTimeout } from 'ccxt';
import type { CcxtTradingClient } from '../../native/venues/ccxt-venue.ts';

interface FakeOrder {
  readonly id: string;
  readonly clientOrderId: string;
  readonly side: string;
  readonly price: number;
  readonly amount: number;
  filled: number;
  status: 'open' | 'closed' | 'canceled';
}

/** One ccxt-shaped own trade. */
export interface FakeTrade {
  readonly id: string;
  readonly order: string;
  readonly timestamp: number;
  readonly side: string;
  readonly price: number;
  readonly amount: number;
  readonly takerOrMaker: 'maker';
  readonly fee: { readonly cost: number; readonly currency: string };
}

/** Fake exchange: a best bid/ask for post-only checks, orders by client id, an own-trades stream. */
export class FakeCcxtExchange implements CcxtTradingClient {
  bestAsk = 101;
  /** Errors the next createOrder / cancelOrder calls throw (consumed in order). */
  readonly createErrors: Error[] = [];
  readonly cancelErrors: Error[] = [];
  /** Every call, as a line of text. */
  readonly calls: string[] = [];
  /** If set, the next order created is filled by this amount before the createOrder answer leaves. */
  fillOnCreate: number | undefined;
  private readonly orders = new Map<string, FakeOrder>();
  private nextId = 1000;
  private nextTradeId = 1;
  private inFlight = 0;
  private pendingTrades: FakeTrade[] = [];
  private tradeWaiter: ((trades: FakeTrade[]) => void) | undefined;
  private nowMs = 1_723_161_600_000;

  async createOrder(
    symbol: string,
    type: string,
    side: string,
    amount: number,
    price?: number,
    params?: Record<string, unknown>,
  ): Promise<unknown> {
    return this.roundTrip(() => {
      const clientOrderId = String(params?.['clientOrderId']);
      this.calls.push(
        `createOrder ${symbol} ${type} ${side} ${amount} ${price} ${clientOrderId} postOnly=${String(params?.['postOnly'])}`,
      );
      const err = this.createErrors.shift();
      if (err !== undefined) throw err;
      if (side === 'buy' && price !== undefined && price >= this.bestAsk) {
        throw new OrderImmediatelyFillable(
          'binance {"code":-2010,"msg":"Order would immediately match and take."}',
        );
      }
      const order: FakeOrder = {
        id: String(this.nextId++),
        clientOrderId,
        side,
        price: price ?? 0,
        amount,
        filled: 0,
        status: 'open',
      };
      this.orders.set(clientOrderId, order);
      if (this.fillOnCreate !== undefined) {
        this.fill(clientOrderId, this.fillOnCreate);
        this.fillOnCreate = undefined;
      }
      return {
        id: order.id,
        clientOrderId,
        timestamp: this.nowMs,
        status: 'open',
        filled: 0,
        remaining: amount,
      };
    });
  }

  async cancelOrder(id: string, symbol?: string, params?: Record<string, unknown>): Promise<unknown> {
    return this.roundTrip(() => {
      const clientOrderId = String(params?.['clientOrderId']);
      this.calls.push(`cancelOrder ${id} ${symbol} ${clientOrderId}`);
      const err = this.cancelErrors.shift();
      if (err !== undefined) throw err;
      const o = this.orders.get(clientOrderId);
      if (o === undefined || o.status !== 'open') {
        throw new OrderNotFound(`binance {"code":-2011,"msg":"Unknown order sent."}`);
      }
      o.status = 'canceled';
      return {
        id: o.id,
        clientOrderId,
        status: 'canceled',
        filled: o.filled,
        remaining: round(o.amount - o.filled),
      };
    });
  }

  async watchMyTrades(): Promise<unknown> {
    if (this.pendingTrades.length > 0) {
      const out = this.pendingTrades;
      this.pendingTrades = [];
      return out;
    }
    return new Promise<FakeTrade[]>((resolve) => (this.tradeWaiter = resolve));
  }

  /**
   * The exchange fills `amount` of our order: its state changes at once; the trade message is
   * delivered on the stream now, or held back until `deliverTrades()` when `hold` is set.
   */
  fill(clientOrderId: string, amount: number, hold = false): void {
    const o = this.orders.get(clientOrderId);
    if (o === undefined) throw new Error(`no order ${clientOrderId}`);
    o.filled = round(o.filled + amount);
    if (o.filled >= o.amount) o.status = 'closed';
    const trade: FakeTrade = {
      id: String(this.nextTradeId++),
      order: o.id,
      timestamp: ++this.nowMs,
      side: o.side,
      price: o.price,
      amount,
      takerOrMaker: 'maker',
      fee: { cost: round(o.price * amount * 0.001), currency: 'USDT' },
    };
    this.pendingTrades.push(trade);
    if (!hold) this.deliverTrades();
  }

  /** Delivers held trade messages on the stream. */
  deliverTrades(): void {
    const waiter = this.tradeWaiter;
    if (waiter === undefined || this.pendingTrades.length === 0) return;
    this.tradeWaiter = undefined;
    const out = this.pendingTrades;
    this.pendingTrades = [];
    waiter(out);
  }

  /** Waits until no request is in flight and queued callbacks ran. */
  async settle(): Promise<void> {
    for (let i = 0; i < 10 || this.inFlight > 0; i++) await nextMacrotask();
  }

  private async roundTrip<T>(answer: () => T): Promise<T> {
    this.inFlight++;
    try {
      await nextMacrotask();
      return answer();
    } finally {
      this.inFlight--;
    }
  }
}

function round(x: number): number {
  return Math.round(x * 1e8) / 1e8;
}

export { NetworkError, RequestTimeout };
