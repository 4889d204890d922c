/**
 * The ledger of one simulated account: every order the venue kept and every fill, as the simulator
 * recorded them (`GET /admin/ledger?apiKey=KEY&market=spot|usdm`, `sim.ledger(apiKey, market)`). Other
 * engineers' tests compare an engine's own counts with it. Prices and sizes are the venue's decimal
 * strings (the instrument's tick and lot grid, as on the wire); fees are quote-asset amounts (the fill
 * model charges the maker fee in the quote asset, core/sim/fees.ts).
 */
import type { Instrument } from '../core/instrument.ts';
import { assetsOf, wirePrice, wireSize } from './market-wire.ts';
import type { FillRecord, OrderRecord, OrderStatus } from './orders.ts';
import type { SimAccount } from './sim-account.ts';

/** One order in the ledger. */
export interface LedgerOrder {
  readonly symbol: string;
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly side: 'BUY' | 'SELL';
  readonly status: OrderStatus;
  /** Limit price, quote per base unit (decimal string). */
  readonly price: string;
  /** Original quantity, base units. */
  readonly origQty: string;
  /** Executed quantity, base units. */
  readonly executedQty: string;
  /** Creation and last update times, server clock, Unix ms. */
  readonly timeMs: number;
  readonly updateTimeMs: number;
}

/** One fill in the ledger. */
export interface LedgerFill {
  readonly symbol: string;
  readonly tradeId: number;
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly side: 'BUY' | 'SELL';
  readonly price: string;
  readonly qty: string;
  /** Fee paid, in `feeAsset` (the quote asset), as a number (display precision: 8 decimals). */
  readonly fee: number;
  readonly feeAsset: string;
  readonly maker: boolean;
  readonly timeMs: number;
}

/** An account's ledger on one market. */
export interface Ledger {
  readonly apiKey: string;
  readonly market: 'spot' | 'usdm';
  readonly orders: readonly LedgerOrder[];
  readonly fills: readonly LedgerFill[];
}

/**
 * The ledger of `account`.
 * @param instrumentOf the instrument of a symbol of this market.
 */
export function ledgerOf(
  account: SimAccount<unknown>,
  market: 'spot' | 'usdm',
  instrumentOf: (symbol: string) => Instrument,
): Ledger {
  return {
    apiKey: account.apiKey,
    market,
    orders: account.allOrders().map((o) => ledgerOrder(o, instrumentOf(o.symbol), market)),
    fills: account.fills().map((f) => ledgerFill(f, instrumentOf(f.symbol), market)),
  };
}

function ledgerOrder(o: OrderRecord, ins: Instrument, market: 'spot' | 'usdm'): LedgerOrder {
  return {
    symbol: o.symbol,
    orderId: o.orderId,
    clientOrderId: o.clientOrderId,
    side: o.side === 'bid' ? 'BUY' : 'SELL',
    status: o.status,
    price: wirePrice(ins, market, o.priceTicks),
    origQty: wireSize(ins, market, o.origLots),
    executedQty: wireSize(ins, market, o.executedLots),
    timeMs: o.timeMs,
    updateTimeMs: o.updateTimeMs,
  };
}

function ledgerFill(f: FillRecord, ins: Instrument, market: 'spot' | 'usdm'): LedgerFill {
  return {
    symbol: f.symbol,
    tradeId: f.tradeId,
    orderId: f.orderId,
    clientOrderId: f.clientOrderId,
    side: f.side === 'bid' ? 'BUY' : 'SELL',
    price: wirePrice(ins, market, f.priceTicks),
    qty: wireSize(ins, market, f.lots),
    fee: Math.round(f.feeQuote * 1e8) / 1e8,
    feeAsset: assetsOf(f.symbol).quote,
    maker: f.maker,
    timeMs: f.timeMs,
  };
}
