/**
 * The risk gate: a pure state machine (no clock, no I/O; event time is passed in, µs) that the quoting
 * engine feeds (market, position/PnL, ACKs, rejects) and consults on every decision. Shared by the
 * backtester and the live engine through core/engine/quoting-engine.ts. See docs/adr/0011-risk-layer.md.
 *
 * State = the condition of highest priority that holds:
 *   latched halt (kill > daily-loss > drawdown) > suspension (reconcile-mismatch of orders > stale-feed >
 *   store-unavailable > ack-latency > reject-rate > volatility-spike > thin-book) > reducing (reconcile-mismatch of inventory
 *   > inventory-notional > inventory-soft-limit) > active.
 * Escalation is immediate (on the input that crosses a limit). Suspensions and reducing lift as soon as
 * their condition clears; a latched halt only on `resume`. Every change of (state, reason) is queued as
 * a `RiskTransition` for the driver to log, count and store (`drainTransitions`).
 *
 * Filtering (`filter`) of the quoter's intent, in order: halted → no legs (reason `halted`); the hard
 * inventory limit drops a leg whose full fill would take |q| beyond `maxInventoryLots` (reason
 * `inventory-limit`); reducing keeps only the side that shrinks |q|, its size cut to |q| (never flips
 * the position); a leg above `maxOrderNotionalQuote` is dropped, and a bid at or above our own ask
 * drops both (reason `halted`: a risk control, see core/quoting/intent.ts).
 */
import type { QuoteIntent, QuoteLeg, QuoteReason } from '../quoting/intent.ts';
import { EwmaVolatility } from '../signals/ewma-volatility.ts';
import { NO_RISK_LIMITS, type RiskLimits } from './risk-limits.ts';
import { LATCHED_REASONS, type RiskReason, type RiskState, type RiskTransition } from './risk-state.ts';
import { RollingWindow } from './rolling-window.ts';

const DAY_US = 86_400_000_000;

/** Counters of the gate (monotone integers). */
export interface RiskCounters {
  /** Transitions queued (state or reason changes). */
  transitions: number;
  /** Legs dropped because the gate was halted. */
  sidesDroppedHalted: number;
  /** Legs dropped or cut by reducing. */
  sidesDroppedReducing: number;
  /** Legs dropped by the hard inventory limit. */
  sidesDroppedInventoryLimit: number;
  /** Legs dropped by `maxOrderNotionalQuote`. */
  sidesDroppedOrderNotional: number;
  /** Decisions whose bid was at or above their ask (both legs dropped). */
  selfTradesPrevented: number;
  /** Places refused by `maxOpenOrders`. */
  placesBlockedOpenOrders: number;
  /** ACKs seen (accepted places with a known send time). */
  acks: number;
  /** Rejected places seen. */
  rejects: number;
}

/** Conditions that are not latched, as bit flags (allocation-free bookkeeping). */
const SUSPEND_ACK = 1;
const SUSPEND_REJECT = 2;
const SUSPEND_VOL = 4;
const SUSPEND_DEPTH = 8;
const REDUCE_NOTIONAL = 16;
const REDUCE_SOFT = 32;
/** Reconciliation (docs/adr/0015-reconciliation.md): working orders / inventory differ from the venue's. */
const RECONCILE_ORDERS = 64;
const RECONCILE_INVENTORY = 128;
const SUSPEND_FEED = 256;
/** The run store is unreachable beyond its limit (docs/adr/0018-engine-store-outage.md). */
const SUSPEND_STORE = 512;

const FLAG_REASON: readonly (readonly [number, RiskReason, RiskState])[] = [
  [RECONCILE_ORDERS, 'reconcile-mismatch', 'halted'],
  [SUSPEND_FEED, 'stale-feed', 'halted'],
  [SUSPEND_STORE, 'store-unavailable', 'halted'],
  [SUSPEND_ACK, 'ack-latency', 'halted'],
  [SUSPEND_REJECT, 'reject-rate', 'halted'],
  [SUSPEND_VOL, 'volatility-spike', 'halted'],
  [SUSPEND_DEPTH, 'thin-book', 'halted'],
  [RECONCILE_INVENTORY, 'reconcile-mismatch', 'reducing'],
  [REDUCE_NOTIONAL, 'inventory-notional', 'reducing'],
  [REDUCE_SOFT, 'inventory-soft-limit', 'reducing'],
];

/** The state machine and limits; see the module doc. */
export class RiskGate {
  readonly counters: RiskCounters = {
    transitions: 0,
    sidesDroppedHalted: 0,
    sidesDroppedReducing: 0,
    sidesDroppedInventoryLimit: 0,
    sidesDroppedOrderNotional: 0,
    selfTradesPrevented: 0,
    placesBlockedOpenOrders: 0,
    acks: 0,
    rejects: 0,
  };

  private limitsValue: RiskLimits = NO_RISK_LIMITS;
  private readonly quotePerTickLot: number;
  private stateValue: RiskState = 'active';
  private reasonValue: RiskReason = 'normal';
  private latch: RiskReason | undefined;
  private flags = 0;
  /** Measured value and limit of each condition when it last turned on (for the transition record). */
  private readonly trigger = new Map<RiskReason, readonly [number, number]>();
  private queue: RiskTransition[] = [];
  private acks: RollingWindow | undefined;
  private outcomes: RollingWindow | undefined;
  private ackP99Us: number | undefined;
  private sigmaShort: EwmaVolatility | undefined;
  private sigmaLong: EwmaVolatility | undefined;
  private day = Number.NaN;
  private dayStartPnlQuote = 0;
  private peakPnlQuote = Number.NEGATIVE_INFINITY;
  private lastPnlQuote: number | undefined;

  /**
   * @param limits parsed limits (core/risk/risk-limits.ts); default none (a pass-through).
   * @param quotePerTickLot quote currency per tick·lot, for notionals (core/sim/fees.ts).
   */
  constructor(limits: RiskLimits = NO_RISK_LIMITS, quotePerTickLot = 1) {
    this.quotePerTickLot = quotePerTickLot;
    this.setLimits(limits);
  }

  /** Current state. */
  get state(): RiskState {
    return this.stateValue;
  }
  /** Why (the condition of highest priority, or `normal`/`resume` once active). */
  get reason(): RiskReason {
    return this.reasonValue;
  }
  /** True while a latched halt (kill, daily loss, drawdown) holds. */
  get latched(): boolean {
    return this.latch !== undefined;
  }
  /** The limits in force. */
  get limits(): RiskLimits {
    return this.limitsValue;
  }
  /** p99 of send→ACK latency over the guard's window, µs; undefined without the guard or samples. */
  get ackLatencyP99Us(): number | undefined {
    return this.ackP99Us;
  }
  /** Whether `onMarket` does anything (the engine skips the call otherwise). */
  get watchesMarket(): boolean {
    const s = this.limitsValue.stress;
    return s !== undefined || this.acks !== undefined || this.outcomes !== undefined;
  }
  /** Whether `onPosition` wants the PnL (the engine computes it only then). */
  get watchesPnl(): boolean {
    const l = this.limitsValue;
    return l.maxDailyLossQuote !== undefined || l.maxDrawdownQuote !== undefined;
  }
  /** Whether `onPosition` does anything. */
  get watchesPosition(): boolean {
    const l = this.limitsValue;
    return this.watchesPnl || l.softInventoryLots !== undefined || l.maxInventoryNotionalQuote !== undefined;
  }

  /**
   * Replaces the limits (at start-up, from the engine config, or on a hot swap: every canary step and
   * capital change). Only what the new limits invalidate is reset, so a swap never lifts a halt:
   * - kept always: a latch (kill, daily loss, drawdown), the PnL marks, the reconcile-mismatch halt and
   *   reducing (observations of the venue, lifted by the next matching reconciliation), stale-feed and
   *   store-unavailable;
   * - a rolling window (ACK latency, reject rate) restarts empty, its suspension cleared, only when its
   *   `windowMs` changed or the guard was switched on/off; otherwise its samples are kept and its flag is
   *   re-checked against the new thresholds (`p99LimitMs`/`max`, `minSamples`);
   * - the σ pair restarts cold, volatility-spike cleared, only when a σ setting changed;
   * - a flag whose limit was removed (thin-book, soft/notional inventory) is cleared; otherwise kept
   *   until the next market/position input re-checks it against the new limit.
   * The state is recomputed at the next input (no event time here).
   */
  setLimits(limits: RiskLimits): void {
    const prev = this.limitsValue;
    this.limitsValue = limits;
    const a = limits.ackLatency;
    if (a?.windowMs !== prev.ackLatency?.windowMs) {
      this.acks = a === undefined ? undefined : new RollingWindow(a.windowMs * 1000);
      this.ackP99Us = undefined;
      this.flags &= ~SUSPEND_ACK;
    } else this.refreshAckLatency();
    const r = limits.rejectRate;
    if (r?.windowMs !== prev.rejectRate?.windowMs) {
      this.outcomes = r === undefined ? undefined : new RollingWindow(r.windowMs * 1000);
      this.flags &= ~SUSPEND_REJECT;
    } else this.refreshRejectRate();
    const s = limits.stress;
    const sigmaOn = s?.sigmaRatio !== undefined;
    if (!sameSigma(prev, limits)) {
      this.sigmaShort = sigmaOn ? ewma(s.sigmaShortWindowMs, s.sigmaSampleIntervalMs) : undefined;
      this.sigmaLong = sigmaOn ? ewma(s.sigmaLongWindowMs, s.sigmaSampleIntervalMs) : undefined;
      this.flags &= ~SUSPEND_VOL;
    }
    if (s?.minL1DepthLots === undefined) this.flags &= ~SUSPEND_DEPTH;
    if (limits.softInventoryLots === undefined) this.flags &= ~REDUCE_SOFT;
    if (limits.maxInventoryNotionalQuote === undefined) this.flags &= ~REDUCE_NOTIONAL;
  }

  /**
   * Market input, per event: σ samples of the mid, L1 depth, and the passing of time for the windows.
   * @param nowUs event time, µs. @param midTicks mid (undefined: a side is empty).
   * @param bidL1Lots / askL1Lots lots at the best levels (undefined: side empty).
   */
  onMarket(
    nowUs: number,
    midTicks: number | undefined,
    bidL1Lots: number | undefined,
    askL1Lots: number | undefined,
  ): void {
    const s = this.limitsValue.stress;
    if (s !== undefined) {
      const short = this.sigmaShort;
      const long = this.sigmaLong;
      if (short !== undefined && long !== undefined && s.sigmaRatio !== undefined && midTicks !== undefined) {
        short.update(midTicks, nowUs);
        long.update(midTicks, nowUs);
        const ss = short.sigmaLogPerSqrtSec();
        const sl = long.sigmaLogPerSqrtSec();
        if (ss !== undefined && sl !== undefined && sl > 0) {
          this.setFlag(SUSPEND_VOL, ss > s.sigmaRatio * sl, ss / sl, s.sigmaRatio);
        }
      }
      const min = s.minL1DepthLots;
      if (min !== undefined) {
        const l1 = Math.min(bidL1Lots ?? 0, askL1Lots ?? 0);
        this.setFlag(SUSPEND_DEPTH, l1 < min, l1, min);
      }
    }
    if (this.acks?.prune(nowUs) === true) this.refreshAckLatency();
    if (this.outcomes?.prune(nowUs) === true) this.refreshRejectRate();
    this.evaluate(nowUs);
  }

  /**
   * Position input: inventory, mark and PnL.
   * @param inventoryLots signed position, lots. @param midTicks mark, ticks (undefined: none yet).
   * @param netPnlQuote net PnL marked to mid, quote currency (undefined when `watchesPnl` is false).
   */
  onPosition(
    nowUs: number,
    inventoryLots: number,
    midTicks: number | undefined,
    netPnlQuote: number | undefined,
  ): void {
    const l = this.limitsValue;
    const absQ = Math.abs(inventoryLots);
    if (l.softInventoryLots !== undefined)
      this.setFlag(REDUCE_SOFT, absQ >= l.softInventoryLots, absQ, l.softInventoryLots);
    if (l.maxInventoryNotionalQuote !== undefined && midTicks !== undefined) {
      const notional = absQ * midTicks * this.quotePerTickLot;
      this.setFlag(
        REDUCE_NOTIONAL,
        notional >= l.maxInventoryNotionalQuote,
        notional,
        l.maxInventoryNotionalQuote,
      );
    }
    if (netPnlQuote !== undefined && Number.isFinite(netPnlQuote)) this.onPnl(nowUs, netPnlQuote);
    this.evaluate(nowUs);
  }

  /**
   * A place was accepted. @param nowUs the venue's accept time, µs.
   * @param latencyUs send→ACK latency (accept time − our send time), µs.
   */
  onAck(nowUs: number, latencyUs: number): void {
    this.counters.acks++;
    const acks = this.acks;
    if (acks !== undefined) {
      acks.prune(nowUs);
      acks.add(nowUs, latencyUs);
      this.refreshAckLatency();
    }
    const o = this.outcomes;
    if (o !== undefined) {
      o.prune(nowUs);
      o.add(nowUs, 0);
      this.refreshRejectRate();
    }
    this.evaluate(nowUs);
  }

  /** A place was rejected by the venue, at `nowUs` (µs). */
  onReject(nowUs: number): void {
    this.counters.rejects++;
    const o = this.outcomes;
    if (o !== undefined) {
      o.prune(nowUs);
      o.add(nowUs, 1);
      this.refreshRejectRate();
      this.evaluate(nowUs);
    }
  }

  /**
   * Reconciliation input (native/reconcile.ts): a confirmed difference between the engine and the
   * venue's account halts (orders) or reduces (inventory) with reason `reconcile-mismatch`; a match
   * (0) clears it. Not latched: the next matching reconciliation lifts it.
   * @param orderDiffs working orders that differ (only on one side), count; 0 = match.
   * @param inventoryDiffLots |engine inventory − account inventory|, lots; 0 = match.
   */
  onReconcile(nowUs: number, orderDiffs: number, inventoryDiffLots: number): void {
    this.setFlag(RECONCILE_INVENTORY, inventoryDiffLots !== 0, inventoryDiffLots, 0);
    this.setFlag(RECONCILE_ORDERS, orderDiffs !== 0, orderDiffs, 0);
    this.evaluate(nowUs);
  }

  /**
   * Latches HALTED with reason `kill` (an operator, an HTTP call or a workflow). Idempotent while killed.
   * @param note the operator's reason (stored, never parsed).
   */
  kill(nowUs: number, note?: string): void {
    if (this.latch === 'kill') return;
    this.latch = 'kill';
    this.evaluate(nowUs, note);
  }

  /**
   * Lifts a latched halt (kill, daily loss, drawdown). The PnL marks restart from the last PnL (peak and
   * day start), or the same loss would latch again at once. No-op when not latched.
   */
  resume(nowUs: number, note?: string): void {
    if (this.latch === undefined) return;
    this.latch = undefined;
    if (this.lastPnlQuote !== undefined) {
      this.peakPnlQuote = this.lastPnlQuote;
      this.dayStartPnlQuote = this.lastPnlQuote;
    }
    this.evaluate(nowUs, note, 'resume');
  }

  /**
   * Feed watchdog input (native/engine-process.ts): while `stale` (no depth message for the configured
   * `staleFeedMs`, or the market stream is down) the gate is HALTED with reason `stale-feed`, a
   * suspension lifted by the first call with `stale` false. Kept across `setLimits` (not a limit).
   * @param nowUs event time, µs. @param silenceMs how long the feed has been silent, ms (the
   *   transition's value). @param limitMs the staleness limit, ms (the transition's limit).
   */
  setFeedStale(nowUs: number, stale: boolean, silenceMs = 0, limitMs = 0): void {
    this.setFlag(SUSPEND_FEED, stale, silenceMs, limitMs);
    this.evaluate(nowUs);
  }

  /**
   * Store watchdog input (native/engine-process.ts, docs/adr/0018-engine-store-outage.md): while
   * `unavailable` the gate is HALTED with reason `store-unavailable`, a suspension lifted by the first
   * call with `unavailable` false. Kept across `setLimits` (not a limit).
   * @param nowUs event time, µs. @param outageMs how long the store has been failing, ms (the
   *   transition's value). @param limitMs the outage limit, ms (the transition's limit).
   */
  setStoreUnavailable(nowUs: number, unavailable: boolean, outageMs = 0, limitMs = 0): void {
    this.setFlag(SUSPEND_STORE, unavailable, outageMs, limitMs);
    this.evaluate(nowUs);
  }

  /** Whether one more place may be sent with `workingOrders` already working (`maxOpenOrders`). */
  admitsPlace(workingOrders: number): boolean {
    const max = this.limitsValue.maxOpenOrders;
    if (max === undefined || workingOrders < max) return true;
    this.counters.placesBlockedOpenOrders++;
    return false;
  }

  /**
   * Filters the quoter's intent (module doc). Returns `intent` itself when nothing is dropped (no
   * allocation on the common path).
   * @param inventoryLots signed position now, lots.
   */
  filter(intent: QuoteIntent, inventoryLots: number): QuoteIntent {
    let bid = intent.bid;
    let ask = intent.ask;
    if (bid === undefined && ask === undefined) return intent;
    const c = this.counters;
    if (this.stateValue === 'halted') {
      c.sidesDroppedHalted += (bid === undefined ? 0 : 1) + (ask === undefined ? 0 : 1);
      return { ...intent, bid: undefined, ask: undefined, bidReason: 'halted', askReason: 'halted' };
    }
    let bidReason: QuoteReason = intent.bidReason;
    let askReason: QuoteReason = intent.askReason;
    const l = this.limitsValue;
    const q = inventoryLots;
    const max = l.maxInventoryLots;
    if (max !== undefined) {
      if (bid !== undefined && q + bid.sizeLots > max && q + bid.sizeLots > Math.abs(q)) {
        bid = undefined;
        bidReason = 'inventory-limit';
        c.sidesDroppedInventoryLimit++;
      }
      if (ask !== undefined && q - ask.sizeLots < -max && ask.sizeLots - q > Math.abs(q)) {
        ask = undefined;
        askReason = 'inventory-limit';
        c.sidesDroppedInventoryLimit++;
      }
    }
    if (this.stateValue === 'reducing') {
      // Keep only the side that shrinks |q|, cut to |q| so a full fill never flips the position.
      if (bid !== undefined) {
        const keep = q < 0 ? cut(bid, -q) : undefined;
        if (keep !== bid) {
          bid = keep;
          if (keep === undefined) bidReason = 'inventory-limit';
          c.sidesDroppedReducing++;
        }
      }
      if (ask !== undefined) {
        const keep = q > 0 ? cut(ask, q) : undefined;
        if (keep !== ask) {
          ask = keep;
          if (keep === undefined) askReason = 'inventory-limit';
          c.sidesDroppedReducing++;
        }
      }
    }
    const maxNotional = l.maxOrderNotionalQuote;
    if (maxNotional !== undefined) {
      const k = this.quotePerTickLot;
      if (bid !== undefined && bid.priceTicks * bid.sizeLots * k > maxNotional) {
        bid = undefined;
        bidReason = 'halted';
        c.sidesDroppedOrderNotional++;
      }
      if (ask !== undefined && ask.priceTicks * ask.sizeLots * k > maxNotional) {
        ask = undefined;
        askReason = 'halted';
        c.sidesDroppedOrderNotional++;
      }
    }
    if (l.selfTradeGuard && bid !== undefined && ask !== undefined && bid.priceTicks >= ask.priceTicks) {
      bid = undefined;
      ask = undefined;
      bidReason = 'halted';
      askReason = 'halted';
      c.selfTradesPrevented++;
    }
    if (bid === intent.bid && ask === intent.ask) return intent;
    return { ...intent, bid, ask, bidReason, askReason };
  }

  /** Transitions since the last call, oldest first (the queue is emptied). */
  drainTransitions(): readonly RiskTransition[] {
    if (this.queue.length === 0) return EMPTY;
    const out = this.queue;
    this.queue = [];
    return out;
  }

  private onPnl(nowUs: number, pnl: number): void {
    const l = this.limitsValue;
    this.lastPnlQuote = pnl;
    const day = Math.floor(nowUs / DAY_US);
    if (day !== this.day) {
      this.day = day;
      this.dayStartPnlQuote = pnl;
    }
    if (pnl > this.peakPnlQuote) this.peakPnlQuote = pnl;
    if (this.latch !== undefined) return;
    const loss = this.dayStartPnlQuote - pnl;
    if (l.maxDailyLossQuote !== undefined && loss > l.maxDailyLossQuote) {
      this.latch = 'daily-loss';
      this.trigger.set('daily-loss', [loss, l.maxDailyLossQuote]);
      return;
    }
    const drawdown = this.peakPnlQuote - pnl;
    if (l.maxDrawdownQuote !== undefined && drawdown > l.maxDrawdownQuote) {
      this.latch = 'drawdown';
      this.trigger.set('drawdown', [drawdown, l.maxDrawdownQuote]);
    }
  }

  private refreshAckLatency(): void {
    const a = this.limitsValue.ackLatency;
    const w = this.acks;
    if (a === undefined || w === undefined) return;
    this.ackP99Us = w.quantile(0.99);
    const p99Ms = (this.ackP99Us ?? 0) / 1000;
    this.setFlag(SUSPEND_ACK, w.size >= a.minSamples && p99Ms > a.p99LimitMs, p99Ms, a.p99LimitMs);
  }

  private refreshRejectRate(): void {
    const r = this.limitsValue.rejectRate;
    const w = this.outcomes;
    if (r === undefined || w === undefined) return;
    const rate = w.size === 0 ? 0 : w.total / w.size;
    this.setFlag(SUSPEND_REJECT, w.size >= r.minSamples && rate > r.max, rate, r.max);
  }

  private setFlag(flag: number, on: boolean, value: number, limit: number): void {
    const was = (this.flags & flag) !== 0;
    if (on === was) return;
    if (on) {
      this.flags |= flag;
      const entry = FLAG_REASON.find((f) => f[0] === flag);
      if (entry !== undefined) this.trigger.set(entry[1], [value, limit]);
    } else {
      this.flags &= ~flag;
    }
  }

  /** Recomputes (state, reason) and queues a transition when either changed. */
  private evaluate(nowUs: number, note?: string, clearedReason: RiskReason = 'normal'): void {
    let state: RiskState = 'active';
    let reason: RiskReason = clearedReason;
    if (this.latch !== undefined) {
      state = 'halted';
      reason = this.latch;
    } else if (this.flags !== 0) {
      for (const [flag, r, s] of FLAG_REASON) {
        if ((this.flags & flag) !== 0) {
          state = s;
          reason = r;
          break;
        }
      }
    }
    if (state === this.stateValue && (reason === this.reasonValue || state === 'active')) return;
    const from = this.stateValue;
    const escalating = LATCHED_REASONS.has(reason) || reason !== clearedReason;
    const t = escalating ? this.trigger.get(reason) : undefined;
    this.stateValue = state;
    this.reasonValue = reason;
    this.counters.transitions++;
    this.queue.push({
      atUs: nowUs,
      from,
      to: state,
      reason,
      ...(t === undefined ? {} : { value: t[0], limit: t[1] }),
      ...(note === undefined ? {} : { note }),
    });
  }
}

const EMPTY: readonly RiskTransition[] = [];

function cut(leg: QuoteLeg, maxLots: number): QuoteLeg | undefined {
  if (maxLots < 1) return undefined;
  return leg.sizeLots <= maxLots ? leg : { ...leg, sizeLots: maxLots };
}

/** Whether two limits configure the same σ pair (ratio on/off and the three windows). */
function sameSigma(a: RiskLimits, b: RiskLimits): boolean {
  const x = a.stress;
  const y = b.stress;
  const xOn = x?.sigmaRatio !== undefined;
  const yOn = y?.sigmaRatio !== undefined;
  if (!xOn || !yOn) return xOn === yOn;
  return (
    x.sigmaShortWindowMs === y.sigmaShortWindowMs &&
    x.sigmaLongWindowMs === y.sigmaLongWindowMs &&
    x.sigmaSampleIntervalMs === y.sigmaSampleIntervalMs
  );
}

function ewma(windowMs: number, intervalMs: number): EwmaVolatility {
  return new EwmaVolatility({ observations: windowMs / intervalMs, sampleIntervalMs: intervalMs });
}
