/**
 * The execution-venue port: how the quoting engine talks to a venue, simulated (core/sim) or real
 * (the ccxt-backed venue in native/). Modelled on an asynchronous exchange connection:
 *
 *  - the engine `submit`s order actions (place / cancel) and never waits for an answer;
 *  - the venue later delivers execution reports (accepted, rejected, fill, canceled, cancel-rejected) to
 *    the `VenueReportListener` it was given at construction.
 *
 * Contract every implementation honours (checked by the port's contract suite,
 * test/core/engine/venue-port.contract.ts):
 *  1. `submit` never delivers a report synchronously from inside itself (a real venue cannot), so the
 *     engine is never re-entered while it is iterating its own actions.
 *  2. Reports of one order arrive in causal order: `accepted` (or `rejected`) first, then zero or more
 *     `fill`s, then at most one terminal `canceled` / `cancel-rejected`; `openLots` in a fill report
 *     is the order's size still open after that fill (0 = fully filled, the order is gone).
 *  3. Requests are processed FIFO per connection: a cancel never overtakes the place it refers to.
 */
import type { Side } from '../market-events.ts';
import type { Fill, OrderAction } from '../quoting/intent.ts';

/** Why a venue refused to place an order. Stable codes, never free text. */
export type RejectReason =
  /** The order is post-only and would have matched on arrival (Binance `LIMIT_MAKER` / `GTX`). */
  | 'post-only-would-cross'
  /** The venue refused for another reason (size, price filter, rate limit...). */
  | 'venue-error';

/** The order is live on the venue's book (entry latency elapsed). */
export interface AcceptedReport {
  readonly type: 'accepted';
  readonly clientOrderId: string;
  readonly side: Side;
  readonly priceTicks: number;
  readonly sizeLots: number;
  /**
   * When the acceptance is known, on the engine's clock, Unix epoch µs: the arrival time on the market
   * clock for the simulated venue; the engine's clock at the ACK for a real venue (never the venue's own
   * timestamp, whose clock may be skewed against ours: send→ACK latency would mix two clocks).
   */
  readonly timeUs: number;
}

/** The order never went live. */
export interface RejectedReport {
  readonly type: 'rejected';
  readonly clientOrderId: string;
  readonly side: Side;
  readonly reason: RejectReason;
  /** Time the venue rejected the order, Unix epoch µs. */
  readonly timeUs: number;
}

/** Some or all of a live order traded. */
export interface FillReport {
  readonly type: 'fill';
  readonly fill: Fill;
  /** Lots of the order still open after this fill; 0 means the order is complete and gone. */
  readonly openLots: number;
}

/** A cancel took effect; the remaining open lots are off the book. */
export interface CanceledReport {
  readonly type: 'canceled';
  readonly clientOrderId: string;
  readonly side: Side;
  /** Lots that were still open and are now cancelled (≥ 0). */
  readonly canceledLots: number;
  /** Time the cancel took effect, Unix epoch µs. */
  readonly timeUs: number;
}

/** A cancel found no open order (it was filled, or rejected, before the cancel arrived). */
export interface CancelRejectedReport {
  readonly type: 'cancel-rejected';
  readonly clientOrderId: string;
  readonly side: Side;
  readonly reason: 'unknown-order';
  /** Time the venue answered, Unix epoch µs. */
  readonly timeUs: number;
}

/** Everything a venue reports about our orders. */
export type VenueReport =
  AcceptedReport | RejectedReport | FillReport | CanceledReport | CancelRejectedReport;

/** Receives a venue's execution reports (the engine's `onVenueReport`). */
export type VenueReportListener = (report: VenueReport) => void;

/**
 * An execution venue. `submit` sends one action and returns at once; the outcome comes back later as
 * `VenueReport`s. Throws only on programming errors (e.g. a duplicate client order id), never for
 * venue-side refusals, which are `rejected` / `cancel-rejected` reports.
 */
export interface ExecutionVenue {
  submit(action: OrderAction): void;
}
