/**
 * States, reasons and transitions of the risk layer (docs/adr/0011-risk-layer.md). Stable codes, never
 * free text: they are metric labels, log fields and `risk_events` column values.
 */

/**
 * - `active`: the quoter's intent passes (subject to the per-leg checks).
 * - `reducing`: only legs that shrink |inventory| pass.
 * - `halted`: nothing is quoted and every working order is cancelled; latched (kill, loss, drawdown)
 *   until an explicit resume, or a suspension (latency, stress, reject rate) lifted when normal again.
 */
export type RiskState = 'active' | 'reducing' | 'halted';

/** All states, in escalation order (metric label values). */
export const RISK_STATES: readonly RiskState[] = ['active', 'reducing', 'halted'];

/** Why the gate is in its state (the condition of highest priority), or how it left one. */
export type RiskReason =
  /** Latched: an operator or workflow killed the engine. */
  | 'kill'
  /** Latched: loss since the start of the UTC day beyond `maxDailyLossQuote`. */
  | 'daily-loss'
  /** Latched: fall from the PnL peak beyond `maxDrawdownQuote`. */
  | 'drawdown'
  /** Suspension: send→ACK latency p99 over its window above `ackLatency.p99LimitMs`. */
  | 'ack-latency'
  /** Suspension: rejected share of places over its window above `rejectRate.max`. */
  | 'reject-rate'
  /** Suspension: σ(short) > `stress.sigmaRatio` × σ(long). */
  | 'volatility-spike'
  /** Suspension: a best level holds fewer than `stress.minL1DepthLots`. */
  | 'thin-book'
  /** Suspension: no depth message for `staleFeedMs` (or the stream is down); lifted when depth flows. */
  | 'stale-feed'
  /** Suspension: the engine's store (PostgreSQL) has been unreachable too long (docs/adr/0018-engine-store-outage.md). */
  | 'store-unavailable'
  /**
   * Halted (working orders differ) or reducing (inventory differs): the periodic reconciliation found
   * the venue's account and the engine disagreeing on two checks in a row (docs/adr/0015-reconciliation.md).
   */
  | 'reconcile-mismatch'
  /** Reducing: |q|·mid at or above `maxInventoryNotionalQuote`. */
  | 'inventory-notional'
  /** Reducing: |q| at or above `softInventoryLots`. */
  | 'inventory-soft-limit'
  /** Back to active: every condition cleared. */
  | 'normal'
  /** The latch was lifted by an explicit resume. */
  | 'resume';

/** Latched reasons: only `resume` leaves them. */
export const LATCHED_REASONS: ReadonlySet<RiskReason> = new Set(['kill', 'daily-loss', 'drawdown']);

/** One change of state or reason. */
export interface RiskTransition {
  /** Event time of the change, Unix epoch µs. */
  readonly atUs: number;
  readonly from: RiskState;
  readonly to: RiskState;
  readonly reason: RiskReason;
  /** The measured value that triggered it, in the limit's unit (ms, lots, quote, ratio); absent: none. */
  readonly value?: number;
  /** The limit crossed, same unit as `value`; absent: none. */
  readonly limit?: number;
  /** Free text of an operator (kill/resume reason); absent for automatic transitions. */
  readonly note?: string;
}
