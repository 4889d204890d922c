/**
 * Order records and requests shared by the spot and USDⓈ-M accounts (./account.ts,
 * ./futures-account.ts): prices in integer ticks, sizes in integer lots, quote amounts in quote currency.
 */
import type { Side } from '../core/market-events.ts';

export type OrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'REJECTED' | 'EXPIRED';
export type OrderType = 'LIMIT' | 'LIMIT_MAKER';

/** An order of this account, open or closed. Sizes in lots, prices in ticks, quote amounts in quote. */
export interface OrderRecord {
  readonly symbol: string;
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly side: Side;
  readonly type: OrderType;
  readonly priceTicks: number;
  readonly origLots: number;
  executedLots: number;
  /** Σ fill price × size, quote currency. */
  cumQuote: number;
  status: OrderStatus;
  /** Creation and last update times, Unix ms (server clock). */
  readonly timeMs: number;
  updateTimeMs: number;
}

/** What happened to an order, for the user-data stream. */
export interface OrderEvent {
  readonly order: OrderRecord;
  readonly execType: 'NEW' | 'TRADE' | 'CANCELED';
  /** The fill (TRADE only): lots and price of this execution, fee in quote, our trade id. */
  readonly fill?: {
    readonly lots: number;
    readonly priceTicks: number;
    readonly feeQuote: number;
    readonly tradeId: number;
  };
}

/** One fill of an account (the ledger). Price in ticks, size in lots, fee in the quote asset. */
export interface FillRecord {
  readonly symbol: string;
  /** Our trade id (shared sequence across accounts). */
  readonly tradeId: number;
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly side: Side;
  readonly priceTicks: number;
  readonly lots: number;
  readonly feeQuote: number;
  /** Always true: the fill model (core/sim) is post-only. */
  readonly maker: boolean;
  /** Server clock, Unix ms. */
  readonly timeMs: number;
}

/** A new-order request after parsing: exact ticks and lots. */
export interface PlaceRequest {
  readonly symbol: string;
  readonly side: Side;
  readonly type: OrderType;
  readonly priceTicks: number;
  readonly sizeLots: number;
  readonly clientOrderId: string;
}

/** Shared order-id source, so order ids are unique across accounts (as on the venue). */
export interface IdSource {
  nextOrderId(): number;
  nextTradeId(): number;
}

/** Whether the order can still fill (NEW or PARTIALLY_FILLED). */
export function isOpen(o: OrderRecord): boolean {
  return o.status === 'NEW' || o.status === 'PARTIALLY_FILLED';
}
