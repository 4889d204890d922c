/**
 * Market events as the pure core sees them: parsed, exact (integer ticks and lots), stamped with
 * exchange time (ms) and our receive time (µs). Venue parsers (`venues/*`) produce these; the order book,
 * signals, simulated venue and backtester consume them.
 *
 * Time units: `exchTimeMs` is the exchange's event/transaction time in Unix epoch milliseconds;
 * `recvTimeUs` is the local receive time in Unix epoch microseconds (ns would exceed 2^53).
 * Price levels are `[priceTicks, sizeLots]` pairs; a size of 0 removes the level.
 */

/** Book side. `bid` = buy side, `ask` = sell side. */
export type Side = 'bid' | 'ask';

/** Aggressor (taker) side of a trade: `buy` lifted the ask, `sell` hit the bid. */
export type AggressorSide = 'buy' | 'sell';

/** One price level: price in integer ticks, size in integer lots (absolute size, 0 = level removed). */
export type Level = readonly [priceTicks: number, sizeLots: number];

/** Which Binance market a stream comes from: the sync rules differ (see core/book/binance-sync.ts). */
export type MarketKind = 'spot' | 'usdm';

/** REST depth snapshot (`lastUpdateId`, up to 1000 levels a side), best levels first. */
export interface DepthSnapshot {
  readonly kind: 'snapshot';
  readonly lastUpdateId: number;
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
  readonly recvTimeUs: number;
  /** Exchange time (ms); absent for spot snapshots, which carry none. */
  readonly exchTimeMs: number | undefined;
}

/** Diff-depth event (`depthUpdate`): absolute new sizes for the listed levels. */
export interface DepthDiff {
  readonly kind: 'depth';
  /** `U`: first update id in the event. */
  readonly firstUpdateId: number;
  /** `u`: final update id in the event. */
  readonly finalUpdateId: number;
  /** `pu`: final update id of the previous event (USDⓈ-M futures only; undefined on spot). */
  readonly prevFinalUpdateId: number | undefined;
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
  readonly exchTimeMs: number;
  readonly recvTimeUs: number;
}

/** Public trade print (`@trade`). */
export interface Trade {
  readonly kind: 'trade';
  readonly tradeId: number;
  readonly priceTicks: number;
  readonly sizeLots: number;
  /** From Binance `m`: m == true means the buyer was the maker, so the aggressor sold. */
  readonly aggressor: AggressorSide;
  /** Trade time `T` (ms). */
  readonly exchTimeMs: number;
  readonly recvTimeUs: number;
}

/** Best bid/ask update (`@bookTicker`). */
export interface BookTicker {
  readonly kind: 'bookTicker';
  /** `u`: the order-book update id this top of book corresponds to. */
  readonly updateId: number;
  readonly bidTicks: number;
  readonly bidLots: number;
  readonly askTicks: number;
  readonly askLots: number;
  /** Exchange time (ms); absent on spot bookTicker. */
  readonly exchTimeMs: number | undefined;
  readonly recvTimeUs: number;
}

export type MarketEvent = DepthSnapshot | DepthDiff | Trade | BookTicker;
