/**
 * The quoting engine: the ONE strategy driver shared by the backtester (core/backtest) and the live
 * engine (native/). STYLE.md §2–4: one strategy, two drivers; decisions are data; time is injected.
 *
 * Per market event (`onMarketEvent`):
 *   book sync (BinanceBookSync) → signals (σ: EWMA of the mid on a calendar grid of
 *   `volSampleIntervalMs`; OFI: trade-flow imbalance on trades; DI: depth imbalance on applied depth,
 *   unless the quoter declares it never reads it)
 *   → quoter.decide(view) → executor.reconcile(intent, working) → actions to the ExecutionVenue port.
 * `@bookTicker` events cross-check the book (core/book/book-ticker-check.ts): a ticker whose best
 * bid/ask differs from the book at the same update id marks the book out of sync ('ticker-mismatch'),
 * which pulls the quotes and asks the owner for a new snapshot, as a gap does. `checkBookTicker: false`
 * turns the check off. With a `fastTouch` (core/book/fast-touch.ts), a ticker AHEAD of the book also
 * sets the touch (best bid/ask, their sizes, mid, microprice) that the view, σ, the mark-outs and the
 * risk checks read until the book catches up, and triggers a decision; the book itself (depth beyond
 * the touch) still comes from depth alone (docs/adr/0020-fair-value-quoter.md). Without one, tickers
 * take no part in quoting.
 *
 * Feed watchdog: `setFeedStale(true)` (the live process's timer, when no depth arrived for
 * `staleFeedMs`) halts the risk gate with reason `stale-feed` and cancels every working order at once;
 * `setFeedStale(false)` lifts it.
 *
 * Venue reports (`onVenueReport`) maintain the working orders, inventory (lots), cash (exact integer
 * tick·lots), fees (quote currency) and the spread-capture figures.
 *
 * Book failures: when the sync reports a gap or a crossed book, or is not synced, the engine pulls all
 * quotes (reconciles an empty intent: cancels everything) and does not quote again until synced; each
 * transition from quoting to pulled is counted in `counters.pulls`.
 *
 * Quoter failures (docs/adr/0010-quote-bounds.md): a quoter never throws on market conditions (a side
 * it cannot price is absent with a reason, counted per reason in `counters.sidesNotQuoted*`). If it
 * throws anyway (an invariant violation such as a NaN input), the engine cancels every working order,
 * counts `invariantViolations`, keeps the error as `lastInvariantViolation` for its driver to log, and
 * goes on with the next event, which is decided afresh: neither a live engine nor a backtest dies on
 * it, and the count is reported (backtest report counters, run summary). Deterministic: same events,
 * same counts.
 *
 * Risk (docs/adr/0011-risk-layer.md): every decision passes the `risk` gate (core/risk/risk-gate.ts), fed
 * here with the market (mid, L1), the position and PnL, and the venue's ACKs (send→ACK latency, measured
 * from each order's `placedAtUs`) and rejects. With no `riskLimits` the gate only guards against
 * self-trades, which a V1-α intent never is: backtests keep their figures.
 *
 * Options beyond V1-α (docs/adr/0006-quoting-model-v1-5.md):
 * - a slow σ (`volLongObservations`) for the adaptive widening, in the view as `sigmaLongTicksPerSqrtSec`;
 * - alpha: with `alphaIntervalMs`, every alpha grid point the features are handed to `onAlphaRequest`
 *   and the answer given to `setAlphaTicks` is in the view (`alphaTicks`) until it is `alphaHorizonMs`
 *   old; a feature tap at every point of the feature grid (./feature-schedule.ts);
 * - quote ageing: the time each place was sent is kept (`placedAtUs`), and a leg's `notBeforeUs`
 *   makes the executor replace older orders;
 * - `quoteFromUs` (windowed replays): before it the engine syncs the book and warms its signals but
 *   takes no decision and sends nothing.
 *
 * Hot swap (`swapModel`, docs/adr/0016-promotion-lifecycle.md): between two events the driver may
 * replace the quoter, its engine params, its alpha hook and the risk limits. Every working order is
 * cancelled at the swap; the book, the position and every signal whose settings are unchanged stay
 * warm (./engine-signals.ts); the next event decides with the new quoter. Counted in `swaps`.
 *
 * Mark-out (core/metrics/markout.ts): every fill is marked against the first synced mid and microprice
 * at or after each horizon of CURVE_MARKOUT_HORIZONS_MS (core/metrics/run-analysis.ts); `markoutCurve` is
 * the tracker, `markout` its 1-s totals against the mid.
 *
 * Hot path: per event, no allocation of our own (the quoter view is one reused object, working orders
 * live in one array, the executor writes its actions into one reused array); the quoter allocates at most
 * its intent, and reconcile is skipped when neither the intent's legs nor the working orders changed
 * since the last one.
 */
import { BinanceBookSync, type ResyncReason, type SyncResult } from '../book/binance-sync.ts';
import { BookTickerCheck } from '../book/book-ticker-check.ts';
import type { FastTouch, Touch } from '../book/fast-touch.ts';
import { OrderBook } from '../book/order-book.ts';
import type { MarketEvent, MarketKind } from '../market-events.ts';
import type { Clock } from '../ports.ts';
import type { Fill, OrderAction, QuoteIntent, QuoteLeg } from '../quoting/intent.ts';
import type { OrderExecutor } from '../quoting/executor.ts';
import type { Quoter } from '../quoting/quoter.ts';
import type { EwmaVolatility } from '../signals/ewma-volatility.ts';
import type { TradeFlowImbalance } from '../signals/order-flow-imbalance.ts';
import type { DepthImbalance } from '../signals/depth-imbalance.ts';
import {
  FeatureSchedule,
  type AlphaRequest,
  type FeatureSources,
  type FeatureTap,
} from './feature-schedule.ts';
import { buildSignals, carrySignals } from './engine-signals.ts';
import { SpreadCaptureAccumulator } from '../metrics/spread-capture.ts';
import { MarkoutCurveTracker, type MarkoutTotals } from '../metrics/markout.ts';
import { CURVE_MARKOUT_HORIZONS_MS } from '../metrics/run-analysis.ts';
import { countSideReason, newEngineCounters, type EngineCounters } from './engine-counters.ts';
import type { ExecutionVenue, VenueReport } from './venue-port.ts';
import { PositionLedger } from './position.ts';
import { RiskGate } from '../risk/risk-gate.ts';
import type { RiskLimits } from '../risk/risk-limits.ts';
import { WorkingOrders, type EngineOrder } from './working-orders.ts';
import { emptyView, viewTouchAndResting, type MutableView } from './engine-view.ts';

/** Settings the engine needs (a subset of the model parameters): signal windows and the hard inventory limit. */
export interface EngineParams {
  /** EWMA span N of σ, observations. */
  readonly volObservations: number;
  /** Calendar grid of σ samples, ms: at most one mid sample per interval. */
  readonly volSampleIntervalMs: number;
  /** OFI trailing window, ms. */
  readonly ofiWindowMs: number;
  /** Levels per side summed for the depth imbalance. */
  readonly diLevels: number;
  /** Hard inventory limit, lots: a place whose worst case would exceed it is not sent. */
  readonly maxInventoryLots: number;
  /** Span of the slow σ, observations on the same grid; absent: no slow σ (view field undefined). */
  readonly volLongObservations?: number;
  /** Alpha grid, ms (a multiple of the feature grid); absent: the model has no alpha term. */
  readonly alphaIntervalMs?: number;
  /** Age after which an alpha answer is dropped (the view carries 0), ms; absent: never. */
  readonly alphaHorizonMs?: number;
}

export type { EngineCounters } from './engine-counters.ts';

/** What {@link QuotingEngine.swapModel} installs. */
export interface ModelSwap {
  /** The new quoter (fresh: core/quoting/factory.ts `createQuoter`). */
  readonly quoter: Quoter;
  /** Its engine params (core/engine/engine-params.ts `engineParamsFor`), incl. the hard inventory limit. */
  readonly params: EngineParams;
  /** Alpha hook; required when `params.alphaIntervalMs` is set (the old one is never called again). */
  readonly onAlphaRequest?: AlphaRequest;
  /**
   * New risk limits (`risk.setLimits`: a latch and the reconcile/feed/store halts are kept; a rolling
   * window restarts only when its settings changed); absent: the current ones stay.
   */
  readonly riskLimits?: RiskLimits;
}

/** Mark-out horizon of the engine's tracker, µs (the 1-s mark-out of the promotion metrics). */
export const MARKOUT_HORIZON_US = 1_000_000;

/** Construction options of {@link QuotingEngine}. */
export interface QuotingEngineOptions {
  readonly market: MarketKind;
  readonly clock: Clock;
  readonly quoter: Quoter;
  readonly executor: OrderExecutor;
  readonly venue: ExecutionVenue;
  readonly params: EngineParams;
  /** Quote currency per tick·lot (core/sim/fees.ts `quotePerTickLot`), for PnL in quote currency. */
  readonly quotePerTickLot: number;
  /** Forwarded from the book sync: the owner should fetch a new snapshot. */
  readonly onResyncRequested?: (reason: ResyncReason) => void;
  /** If true, every fill is kept in `fills` (backtests); the live engine streams them instead. */
  readonly recordFills?: boolean;
  /** The book to keep in sync (default a new one); the engine is its only writer. */
  readonly book?: OrderBook;
  /**
   * Called at every alpha grid point (`params.alphaIntervalMs`) with the features then; required when
   * the params set `alphaIntervalMs`. The driver answers with {@link QuotingEngine.setAlphaTicks}.
   */
  readonly onAlphaRequest?: AlphaRequest;
  /** Called at every point of the feature grid once the features are warm (data-set building). */
  readonly featureTap?: FeatureTap;
  /** Feature grid, ms (an integer dividing 1000); default 100. */
  readonly featureGridMs?: number;
  /** No decision and no order before this time, Unix epoch µs (book and signals still update). */
  readonly quoteFromUs?: number;
  /** Limits of the risk gate (core/risk); absent: none (`risk.setLimits` may set them later). */
  readonly riskLimits?: RiskLimits;
  /** Cross-check the book against `@bookTicker` events (module doc); default true. */
  readonly checkBookTicker?: boolean;
  /**
   * The fastest top of book (core/book/fast-touch.ts, built over `book`): when given, `@bookTicker`
   * events ahead of the book set the touch the engine quotes, marks and risk-checks against between
   * depth diffs (docs/adr/0020-fair-value-quoter.md). Absent: the touch is the book's.
   */
  readonly fastTouch?: FastTouch;
}

/** The strategy driver; see the module doc. */
export class QuotingEngine {
  /** The synced book (read-only for others: the simulated venue reads it). */
  readonly book: OrderBook;
  /** The touch quoted against: the fast touch when one was given, else the book. */
  private readonly touch: Touch;
  private readonly fastTouch: FastTouch | undefined;
  /** Counters; read-only for callers. */
  readonly counters: EngineCounters = newEngineCounters();
  /** Fills kept when `recordFills` (oldest first). */
  readonly fills: Fill[] = [];
  /** Spread-capture sums over our fills. */
  readonly spreadCapture = new SpreadCaptureAccumulator();
  /** The risk gate every decision passes (docs/adr/0011-risk-layer.md). */
  readonly risk: RiskGate;
  private readonly markoutTracker: MarkoutCurveTracker;
  private readonly markout1s: MarkoutTotals;
  /** Microprice of the synced book as of its last change, ticks (NaN before the first). */
  private micropriceTicks = Number.NaN;

  private readonly opts: QuotingEngineOptions;
  private readonly sync: BinanceBookSync;
  /** The bookTicker cross-check; undefined when `checkBookTicker` is false. */
  private readonly tickerCheck: BookTickerCheck | undefined;
  private feedStale = false;
  private storeUnavailable = false;
  // The model's parts, replaced by `swapModel` (the rest of the engine stays).
  private quoter: Quoter;
  private params: EngineParams;
  private onAlphaRequest: AlphaRequest | undefined;
  private vol: EwmaVolatility;
  private ofi: TradeFlowImbalance;
  private di: DepthImbalance;
  private volLong: EwmaVolatility | undefined;
  /** What the feature schedule reads; updated in place when a swap rebuilds a signal. */
  private readonly sources: { -readonly [K in keyof FeatureSources]: FeatureSources[K] };
  private features: FeatureSchedule | undefined;
  private readonly quoteFromUs: number;
  private alpha = 0;
  private alphaAtUs = Number.NEGATIVE_INFINITY;
  private alphaHorizonUs: number;
  /** False when the quoter never reads the depth imbalance (the view then carries 0). */
  private diEnabled: boolean;
  /**
   * False when the quoter never reads our resting orders: the view leaves them undefined and the queue
   * estimate of our orders is not run (their `queueAheadLots` stays NaN); it costs ≈ 5 % of the hot path.
   */
  private restingEnabled: boolean;
  private readonly working = new WorkingOrders();
  /** The executor's output, reused by every reconcile. */
  private readonly actions: OrderAction[] = [];
  private readonly view: MutableView = emptyView();
  private lastIntentValue: QuoteIntent | undefined;
  /** Working orders or intent legs changed since the last reconcile (or it emitted actions). */
  private dirty = true;
  private pulled = true;
  private readonly position: PositionLedger;
  private lastMidTicksValue: number | undefined;
  private lastInvariantViolationValue: unknown;
  private lastAckLatencyUsValue: number | undefined;

  /**
   * @throws RangeError when the params set `alphaIntervalMs` without an `onAlphaRequest`, or on an
   *   invalid feature grid / alpha interval (see ./feature-schedule.ts).
   */
  constructor(opts: QuotingEngineOptions) {
    this.opts = opts;
    this.book = opts.book ?? new OrderBook();
    this.fastTouch = opts.fastTouch;
    this.touch = opts.fastTouch ?? this.book;
    this.position = new PositionLedger(opts.quotePerTickLot);
    this.risk = new RiskGate(opts.riskLimits, opts.quotePerTickLot);
    const s = opts.params;
    this.sync = new BinanceBookSync(
      opts.market,
      this.book,
      opts.onResyncRequested === undefined ? {} : { onResyncRequested: opts.onResyncRequested },
    );
    this.tickerCheck = opts.checkBookTicker === false ? undefined : new BookTickerCheck();
    this.markoutTracker = new MarkoutCurveTracker({
      horizonsUs: CURVE_MARKOUT_HORIZONS_MS.map((ms) => ms * 1000),
      quotePerTickLot: opts.quotePerTickLot,
      ...(opts.recordFills === true ? { perFillHorizonUs: MARKOUT_HORIZON_US } : {}),
    });
    this.markout1s = this.markoutTracker.totalsAt(MARKOUT_HORIZON_US);
    this.quoter = opts.quoter;
    this.params = s;
    this.onAlphaRequest = opts.onAlphaRequest;
    const signals = buildSignals(s);
    this.vol = signals.vol;
    this.volLong = signals.volLong;
    this.ofi = signals.ofi;
    this.di = signals.di;
    this.sources = { book: this.book, vol: this.vol, ofi: this.ofi, di: this.di };
    requireAlphaHook(s, opts.onAlphaRequest);
    this.features = this.scheduleFor(s);
    this.alphaHorizonUs = alphaHorizonUs(s);
    this.quoteFromUs = opts.quoteFromUs ?? Number.NEGATIVE_INFINITY;
    this.diEnabled = readsDi(opts.quoter, this.features);
    this.restingEnabled = opts.quoter.readsRestingOrders !== false;
  }

  /** The 1-s mark-out of our fills so far (core/metrics/markout.ts); a live view, read-only. */
  get markout(): MarkoutTotals {
    return this.markout1s;
  }
  /** Mark-outs of our fills at every curve horizon, vs mid and microprice; read-only for callers. */
  get markoutCurve(): MarkoutCurveTracker {
    return this.markoutTracker;
  }
  /** The hard inventory limit in force (the current params' `maxInventoryLots`), lots. */
  get maxInventoryLimitLots(): number {
    return this.params.maxInventoryLots;
  }
  /** Signed position, lots (+ long). */
  get inventoryLots(): number {
    return this.position.inventoryLots;
  }
  /** Largest |position| reached, lots. */
  get maxAbsInventoryLots(): number {
    return this.position.maxAbsInventoryLots;
  }
  /** Cash from fills, exact integer tick·lots (+ received). Multiply by quotePerTickLot for quote currency. */
  get cashTickLots(): number {
    return this.position.cashTickLots;
  }
  /** Fees paid, quote currency. */
  get feesQuote(): number {
    return this.position.feesQuote;
  }
  /** Last mid seen while synced, ticks; undefined before the first. */
  get lastMidTicks(): number | undefined {
    return this.lastMidTicksValue;
  }
  /** The last intent: the quoter's latest, or the empty one of a pull (undefined before either). */
  get lastIntent(): QuoteIntent | undefined {
    return this.lastIntentValue;
  }
  /** The book sync's state. */
  get syncState(): 'awaiting-snapshot' | 'synced' | 'out-of-sync' {
    return this.sync.state;
  }
  /**
   * What the quoter threw last (undefined before any): the driver logs it when `invariantViolations`
   * grows. Kept, not thrown: see the module doc.
   */
  get lastInvariantViolation(): unknown {
    return this.lastInvariantViolationValue;
  }
  /** send→ACK latency of the last accepted place, µs (the ACK's time on our clock − our send time); undefined before any. */
  get lastAckLatencyUs(): number | undefined {
    return this.lastAckLatencyUsValue;
  }

  /**
   * Kill switch: latches the risk gate HALTED and cancels every working order now (not at the next
   * event). Idempotent. @param note the operator's reason.
   */
  kill(note?: string): void {
    const nowUs = this.opts.clock.nowUs();
    this.risk.kill(nowUs, note);
    this.applyRiskNow(nowUs);
  }

  /** Re-filters the last intent through the risk gate and applies it now (a halt cancels everything). */
  private applyRiskNow(nowUs: number): void {
    this.dirty = true;
    this.apply(this.risk.filter(this.lastIntentValue ?? pulledIntent(nowUs, this.lastMidTicksValue), 0));
  }

  /**
   * Feed watchdog input (module doc). On the transition to stale the risk gate halts with reason
   * `stale-feed` and every working order is cancelled now (not at the next event, which may never
   * come); on the transition back the suspension is lifted and quoting restarts at the next event.
   * Repeated calls with the same value do nothing.
   * @param silenceMs time since the last depth message, ms; @param limitMs the staleness limit, ms
   *   (both only recorded in the risk transition).
   */
  setFeedStale(stale: boolean, silenceMs = 0, limitMs = 0): void {
    if (stale === this.feedStale) return;
    this.feedStale = stale;
    const nowUs = this.opts.clock.nowUs();
    this.risk.setFeedStale(nowUs, stale, silenceMs, limitMs);
    if (!stale) return;
    this.applyRiskNow(nowUs);
  }

  /**
   * Store watchdog input (docs/adr/0018-engine-store-outage.md), like {@link setFeedStale}: on the
   * transition to unavailable the risk gate halts with reason `store-unavailable` and every working
   * order is cancelled now; on the transition back the suspension is lifted. Repeated calls with the
   * same value do nothing.
   * @param outageMs how long the store has been failing, ms; @param limitMs the limit, ms (both only
   *   recorded in the risk transition).
   */
  setStoreUnavailable(unavailable: boolean, outageMs = 0, limitMs = 0): void {
    if (unavailable === this.storeUnavailable) return;
    this.storeUnavailable = unavailable;
    const nowUs = this.opts.clock.nowUs();
    this.risk.setStoreUnavailable(nowUs, unavailable, outageMs, limitMs);
    if (!unavailable) return;
    this.applyRiskNow(nowUs);
  }

  /**
   * Hot swap of the model at a safe point, between two market events (docs/adr/0016-promotion-lifecycle.md).
   * Synchronous. In order: (1) everything new is built first, so a throw leaves the engine untouched;
   * (2) every working order is cancelled (an empty intent reconciled, as a pull); (3) the quoter, the
   * params (so the hard inventory limit) and the alpha hook are replaced; each signal whose settings
   * changed is rebuilt cold, the others and the book stay warm (./engine-signals.ts); the feature
   * schedule is replaced (its features warm again) only when the alpha grid changed; a held alpha answer
   * is dropped when the alpha hook or grid changed; (4) the risk limits are set when given. The next
   * event decides afresh with the new quoter; its places wait for the cancels (executor:
   * cancel-then-place). Counted in `counters.swaps`.
   * @throws RangeError when `next.params` sets `alphaIntervalMs` without `next.onAlphaRequest`, or on an
   *   invalid signal window or alpha grid (nothing changed then).
   */
  swapModel(next: ModelSwap): void {
    const p = next.params;
    requireAlphaHook(p, next.onAlphaRequest);
    const prev = this.params;
    const { signals } = carrySignals(
      { vol: this.vol, volLong: this.volLong, ofi: this.ofi, di: this.di },
      prev,
      p,
    );
    const scheduleKept =
      p.alphaIntervalMs === prev.alphaIntervalMs &&
      wantsFeatures(p, this.opts) === wantsFeatures(prev, this.opts);
    const features = scheduleKept ? this.features : this.scheduleFor(p);
    // Commit: pull with the old model in place, then replace its parts.
    const nowUs = this.opts.clock.nowUs();
    this.counters.swaps++;
    this.dirty = true;
    this.apply(pulledIntent(nowUs, this.lastMidTicksValue));
    if (next.onAlphaRequest !== this.onAlphaRequest || !scheduleKept) {
      this.alpha = 0;
      this.alphaAtUs = Number.NEGATIVE_INFINITY;
    }
    this.quoter = next.quoter;
    this.params = p;
    this.onAlphaRequest = next.onAlphaRequest;
    this.vol = signals.vol;
    this.volLong = signals.volLong;
    this.ofi = signals.ofi;
    this.di = signals.di;
    const src = this.sources;
    src.vol = signals.vol;
    src.ofi = signals.ofi;
    src.di = signals.di;
    this.features = features;
    this.alphaHorizonUs = alphaHorizonUs(p);
    this.diEnabled = readsDi(next.quoter, features);
    this.restingEnabled = next.quoter.readsRestingOrders !== false;
    // View fields a model without slow σ or alpha never writes: what it reads (undefined, 0).
    this.view.sigmaLongTicksPerSqrtSec = undefined;
    this.view.alphaTicks = 0;
    if (next.riskLimits !== undefined) this.risk.setLimits(next.riskLimits);
  }

  /** Lifts a latched halt; quoting restarts at the next event if no other condition holds. */
  resume(note?: string): void {
    this.risk.resume(this.opts.clock.nowUs(), note);
  }

  /** The alpha the view carries now, ticks (0 before any answer and once it is older than its horizon). */
  get alphaTicks(): number {
    return this.alphaAt(this.opts.clock.nowUs());
  }

  /**
   * Gives the engine the answer to an alpha request; it is in the view from the next decision on.
   * @param value predicted mid move, ticks (finite).
   * @param requestedAtUs the grid time of the request the value answers, µs (default now): the value
   *   is dropped once older than `alphaHorizonMs`. An answer older than the one held is ignored.
   * @throws RangeError if `value` is not finite.
   */
  setAlphaTicks(value: number, requestedAtUs: number = this.opts.clock.nowUs()): void {
    if (!Number.isFinite(value)) throw new RangeError(`QuotingEngine: alpha must be finite, got ${value}`);
    if (requestedAtUs < this.alphaAtUs) return;
    this.alpha = value;
    this.alphaAtUs = requestedAtUs;
  }

  /**
   * Sets the inventory to the account's actual position (reconciliation, docs/adr/0015-reconciliation.md):
   * the difference is booked at the last mid, or at the first mid when none was seen yet, so adopting
   * a position adds no PnL (core/engine/position.ts). The next decision quotes around it.
   * @param inventoryLots the account's signed position, lots (+ long).
   * @returns the adopted difference, lots.
   * @throws RangeError if `inventoryLots` is not a safe integer.
   */
  adoptInventory(inventoryLots: number): number {
    const delta = this.position.adopt(inventoryLots, this.lastMidTicksValue);
    if (delta !== 0) this.dirty = true;
    return delta;
  }

  /**
   * Orders we may have on the venue (placed and not known closed), with the engine's estimate of the
   * lots ahead of each in its queue (`queueAheadLots`: NaN until acknowledged, or when the quoter does
   * not read resting orders). Read only.
   */
  workingOrders(): readonly Readonly<EngineOrder>[] {
    return this.working.list;
  }

  /**
   * Mark-to-mid PnL net of fees, quote currency: (cash + inventory·mid)·quotePerTickLot − fees, with the
   * last mid seen (0 inventory value before any mid).
   */
  netPnlQuote(): number {
    return this.position.netPnlQuote(this.lastMidTicksValue);
  }

  /**
   * Processes one market event at the clock's current time (the driver sets the clock first).
   * Never throws what the quoter throws: that pulls every quote and is counted (module doc).
   * @throws the book's `InvariantViolation`/`PermanentError` on malformed events.
   */
  onMarketEvent(ev: MarketEvent): void {
    const c = this.counters;
    c.events++;
    const features = this.features;
    if (features !== undefined) features.beforeEvent(this.opts.clock.nowUs(), this.sync.synced);
    let result: SyncResult | undefined;
    let depthChanged = false;
    let touchChanged = false;
    switch (ev.kind) {
      case 'bookTicker':
        if (this.tickerCheck !== undefined) {
          const r = this.tickerCheck.onTicker(ev, this.sync.updateId, this.book);
          if (r === 'match' || r === 'mismatch') this.onTickerCompared(r, true);
        }
        touchChanged =
          this.fastTouch?.onTicker(ev, this.sync.synced ? this.sync.updateId : undefined) ?? false;
        if (!touchChanged) {
          c.bookTickerIgnored++;
          return;
        }
        c.bookTickerTouches++;
        break;
      case 'snapshot':
        result = this.sync.onSnapshot(ev);
        depthChanged = result === 'applied';
        break;
      case 'depth':
        result = this.sync.onDiff(ev);
        depthChanged = result === 'applied';
        break;
      case 'trade':
        this.ofi.onTrade(ev.aggressor, ev.sizeLots, this.opts.clock.nowUs());
        if (this.restingEnabled && this.working.size > 0) this.working.onTrade(ev.priceTicks, ev.sizeLots);
        break;
    }
    if (depthChanged && this.tickerCheck !== undefined) {
      const r = this.tickerCheck.onBookAt(this.sync.updateId ?? 0, this.book);
      if (r === 'match' || r === 'mismatch') this.onTickerCompared(r, false); // pulled just below
    }
    if (depthChanged) this.fastTouch?.onBookAt(this.sync.updateId);
    if ((depthChanged || touchChanged) && this.restingEnabled && this.working.size > 0)
      this.working.onBookChanged(this.touch);
    if (result === 'gap' || result === 'crossed' || !this.sync.synced) {
      this.tickerCheck?.reset();
      this.fastTouch?.reset();
      this.pullQuotes();
      return;
    }
    this.pulled = false;
    const book = this.book;
    const touch = this.touch;
    const nowUs = this.opts.clock.nowUs();
    const mid = touch.midTicks();
    if (mid !== undefined) {
      this.lastMidTicksValue = mid;
      if (this.position.unmarkedLots !== 0) this.position.markAdopted(mid); // adopted at start: first mid
      this.vol.update(mid, nowUs);
      if (this.volLong !== undefined) this.volLong.update(mid, nowUs);
      // The microprice moves only with the touch: recomputed on depth or touch changes, not on trades.
      if (depthChanged || touchChanged || Number.isNaN(this.micropriceTicks))
        this.micropriceTicks = touch.micropriceTicks() ?? mid;
      this.markoutTracker.onMid(mid, this.micropriceTicks, nowUs);
    }
    if (depthChanged && this.diEnabled) {
      const levels = this.params.diLevels;
      this.di.update(book.depthLots('bid', levels), book.depthLots('ask', levels));
    }
    const risk = this.risk;
    if (risk.watchesMarket) risk.onMarket(nowUs, mid, touch.bestBidLots(), touch.bestAskLots());
    if (risk.watchesPosition) {
      const pnl = risk.watchesPnl ? this.netPnlQuote() : undefined;
      risk.onPosition(nowUs, this.position.inventoryLots, this.lastMidTicksValue, pnl);
    }
    if (nowUs < this.quoteFromUs) return;
    const v = this.view;
    v.nowUs = nowUs;
    viewTouchAndResting(v, touch, this.restingEnabled ? this.working : undefined);
    v.midTicks = mid;
    v.sigmaTicksPerSqrtSec = this.vol.sigmaTicksPerSqrtSec();
    v.ofi = this.ofi.value(nowUs);
    v.depthImbalance = this.di.value;
    v.inventoryLots = this.position.inventoryLots;
    if (this.volLong !== undefined) v.sigmaLongTicksPerSqrtSec = this.volLong.sigmaTicksPerSqrtSec();
    if (this.features !== undefined) v.alphaTicks = this.alphaAt(nowUs);
    c.decisions++;
    let intent: QuoteIntent;
    try {
      intent = this.quoter.decide(v);
    } catch (err) {
      // STYLE.md §10: an invariant violation pulls all quotes first; "fails loudly" is the counter and
      // the driver's log, not a dead engine (docs/adr/0010-quote-bounds.md).
      this.onInvariantViolation(err, nowUs, mid);
      return;
    }
    intent = risk.filter(intent, v.inventoryLots);
    countSideReason(c, intent.bidReason);
    countSideReason(c, intent.askReason);
    this.apply(intent);
  }

  /** Applies one execution report from the venue. */
  onVenueReport(r: VenueReport): void {
    const c = this.counters;
    this.dirty = true;
    switch (r.type) {
      case 'accepted': {
        if (this.restingEnabled) this.working.onAccepted(r.clientOrderId, this.touch);
        const placedAtUs = this.working.find(r.clientOrderId)?.placedAtUs;
        if (placedAtUs !== undefined) {
          this.lastAckLatencyUsValue = r.timeUs - placedAtUs;
          this.risk.onAck(r.timeUs, r.timeUs - placedAtUs);
        }
        return;
      }
      case 'rejected':
        c.rejects++;
        this.risk.onReject(r.timeUs);
        this.working.remove(r.clientOrderId);
        return;
      case 'canceled':
        c.cancelsConfirmed++;
        this.working.remove(r.clientOrderId);
        return;
      case 'cancel-rejected':
        c.cancelRejects++;
        this.working.remove(r.clientOrderId);
        return;
      case 'fill':
        this.onFill(r.fill, r.openLots);
        return;
    }
  }

  private onFill(f: Fill, openLots: number): void {
    const c = this.counters;
    c.fills++;
    c.filledLots += f.sizeLots;
    this.position.onFill(f);
    if (f.side === 'bid') this.view.lastBidFillUs = f.timeUs;
    else this.view.lastAskFillUs = f.timeUs;
    this.markoutTracker.onFill(f.side, f.priceTicks, f.sizeLots, f.timeUs, f.tradeThrough);
    if (this.opts.recordFills === true) this.fills.push(f);
    const o = this.working.find(f.clientOrderId);
    if (o === undefined) return; // an order we no longer track (cannot happen with a conforming venue)
    const midNow = this.touch.midTicks() ?? this.lastMidTicksValue ?? o.midAtQuoteTicks;
    this.spreadCapture.onFill(f.side, f.priceTicks, f.sizeLots, o.midAtQuoteTicks, o.halfSpreadTicks, midNow);
    o.openLots = openLots;
    if (openLots <= 0) this.working.remove(f.clientOrderId);
  }

  /** Counts one comparison; a mismatch marks the book out of sync (and pulls the quotes if `pull`). */
  private onTickerCompared(r: 'match' | 'mismatch', pull: boolean): void {
    const c = this.counters;
    c.bookTickerCompared++;
    if (r === 'match') return;
    c.bookTickerMismatches++;
    if (this.sync.markOutOfSync('ticker-mismatch') && pull) this.pullQuotes();
  }

  /** The quoter threw: cancel every working order (an empty intent), count, keep the error. */
  private onInvariantViolation(err: unknown, nowUs: number, mid: number | undefined): void {
    this.counters.invariantViolations++;
    this.lastInvariantViolationValue = err;
    // `apply` reconciles when the last intent had legs or reports arrived since: the first violation
    // cancels everything, a repeat while the cancels are in flight sends nothing more.
    this.apply({
      bid: undefined,
      ask: undefined,
      bidReason: 'invariant-violation',
      askReason: 'invariant-violation',
      decidedAtUs: nowUs,
      midTicks: mid,
    });
  }

  /** Cancels everything and marks the engine pulled (counted once per transition). */
  private pullQuotes(): void {
    const c = this.counters;
    c.eventsWhilePulled++;
    let intent = this.lastIntentValue;
    if (!this.pulled || intent === undefined) {
      // One empty intent per pull (allocated at the transition, not per event while pulled).
      if (!this.pulled) c.pulls++;
      this.pulled = true;
      intent = pulledIntent(this.opts.clock.nowUs(), this.lastMidTicksValue);
      this.lastIntentValue = intent;
      this.dirty = true;
    }
    // Reconcile the empty intent while orders remain and something changed (reports, or last actions).
    if (this.dirty && this.working.size > 0) this.apply(intent);
  }

  private apply(intent: QuoteIntent): void {
    const prev = this.lastIntentValue;
    this.lastIntentValue = intent;
    if (
      !this.dirty &&
      prev !== undefined &&
      sameLeg(prev.bid, intent.bid) &&
      sameLeg(prev.ask, intent.ask) &&
      !this.hasAgedOrder(intent)
    )
      return;
    this.counters.reconciles++;
    // One reused array: `send` cannot re-enter the engine (venue-port.ts contract 1: no synchronous reports).
    const actions = this.actions;
    const n = this.opts.executor.reconcileInto(intent, this.working.list, actions);
    this.dirty = n > 0;
    for (let i = 0; i < n; i++) this.send(actions[i]!, intent);
  }

  private send(a: OrderAction, intent: QuoteIntent): void {
    const c = this.counters;
    if (a.type === 'cancel') {
      c.cancelsSent++;
      this.opts.venue.submit(a);
      return;
    }
    if (!this.withinInventoryLimit(a.side, a.sizeLots) || !this.risk.admitsPlace(this.working.size)) {
      c.placesBlocked++;
      this.dirty = true;
      return;
    }
    const mid = intent.midTicks ?? this.lastMidTicksValue ?? a.priceTicks;
    const bid = intent.bid;
    const ask = intent.ask;
    const half =
      bid !== undefined && ask !== undefined
        ? (ask.priceTicks - bid.priceTicks) / 2
        : Math.abs(a.priceTicks - mid);
    this.working.add({
      clientOrderId: a.clientOrderId,
      side: a.side,
      priceTicks: a.priceTicks,
      sizeLots: a.sizeLots,
      openLots: a.sizeLots,
      midAtQuoteTicks: mid,
      halfSpreadTicks: half,
      placedAtUs: this.opts.clock.nowUs(),
      queueAheadLots: Number.NaN,
    });
    c.quotesPlaced++;
    this.opts.venue.submit(a);
  }

  /** The feature schedule `p` needs (undefined: neither alpha nor tap); @throws RangeError on a bad grid. */
  private scheduleFor(p: EngineParams): FeatureSchedule | undefined {
    const opts = this.opts;
    if (!wantsFeatures(p, opts)) return undefined;
    return new FeatureSchedule(
      {
        gridMs: opts.featureGridMs ?? 100,
        ...(opts.featureTap === undefined ? {} : { tap: opts.featureTap }),
        ...(p.alphaIntervalMs === undefined
          ? {}
          : { alphaIntervalMs: p.alphaIntervalMs, onAlphaRequest: this.forwardAlpha }),
      },
      this.sources,
    );
  }

  /** The schedule's alpha hook: forwards to the current model's (replaced by a swap, schedule kept). */
  private readonly forwardAlpha: AlphaRequest = (features, nowUs) => {
    this.onAlphaRequest?.(features, nowUs);
  };

  /** The alpha in force at `nowUs` (0 once older than the horizon). */
  private alphaAt(nowUs: number): number {
    return nowUs - this.alphaAtUs <= this.alphaHorizonUs ? this.alpha : 0;
  }

  /** Whether a working order is older than its side's `notBeforeUs` (quote ageing; V1-α legs have none). */
  private hasAgedOrder(intent: QuoteIntent): boolean {
    const bidBound = intent.bid?.notBeforeUs;
    const askBound = intent.ask?.notBeforeUs;
    if (bidBound === undefined && askBound === undefined) return false;
    const w = this.working.list;
    for (let i = 0; i < w.length; i++) {
      const o = w[i]!;
      const bound = o.side === 'bid' ? bidBound : askBound;
      if (bound !== undefined && o.openLots > 0 && o.placedAtUs < bound) return true;
    }
    return false;
  }

  /** Worst case: every open order of the side fills, plus this one; must stay within ±maxInventoryLots. */
  private withinInventoryLimit(side: 'bid' | 'ask', sizeLots: number): boolean {
    const open = sizeLots + this.working.openLots(side);
    const q = this.position.inventoryLots;
    const worst = side === 'bid' ? q + open : open - q;
    return worst <= this.params.maxInventoryLots;
  }
}

/** @throws RangeError when `p` asks for alpha and no hook answers it. */
function requireAlphaHook(p: EngineParams, hook: AlphaRequest | undefined): void {
  if (p.alphaIntervalMs !== undefined && hook === undefined) {
    throw new RangeError(
      `QuotingEngine: the model asks for alpha every ${p.alphaIntervalMs} ms but no onAlphaRequest was given`,
    );
  }
}

/** Whether the features are computed: the model has an alpha term, or a tap is installed. */
function wantsFeatures(p: EngineParams, opts: QuotingEngineOptions): boolean {
  return p.alphaIntervalMs !== undefined || opts.featureTap !== undefined;
}

/** Age after which an alpha answer is dropped, µs (∞ when the params set none). */
function alphaHorizonUs(p: EngineParams): number {
  return p.alphaHorizonMs === undefined ? Number.POSITIVE_INFINITY : p.alphaHorizonMs * 1000;
}

/** Whether the depth imbalance is computed: the quoter reads it, or the features do. */
function readsDi(quoter: Quoter, features: FeatureSchedule | undefined): boolean {
  return quoter.readsDepthImbalance !== false || features !== undefined;
}

function pulledIntent(nowUs: number, midTicks: number | undefined): QuoteIntent {
  return {
    bid: undefined,
    ask: undefined,
    bidReason: 'book-not-ready',
    askReason: 'book-not-ready',
    decidedAtUs: nowUs,
    midTicks,
  };
}

function sameLeg(a: QuoteLeg | undefined, b: QuoteLeg | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.priceTicks === b.priceTicks && a.sizeLots === b.sizeLots;
}
