/**
 * The replay loop shared by the backtester and the hot-path benchmark: one QuotingEngine (the same
 * strategy driver the live engine runs) against one SimulatedVenue, on a ManualClock driven by the
 * recorded events' exchange times.
 *
 * Per event, in recorded (receive-time) order:
 *  1. market time t = exchange time (`E`/`T`, ms → µs); events without one (spot snapshot, spot
 *     bookTicker) leave the clock where it is. The recorder's receive clock is off by ≈ 1.3 s in the 2024
 *     sessions (/work/shared/data/README.md, "Known quirks"), so receive time is used for ORDER only.
 *     The clock is monotone: a slightly earlier exchange time than the last one does not move it back.
 *  2. equity/inventory/mid sampling on the 1-s grid (state before this event), for the KPIs and the
 *     report's series;
 *  3. venue.processUntil(t): our requests due by t arrive (against the book before this event);
 *  4. trades: venue.onTrade (fills of our resting orders, reported to the engine) …
 *  5. engine.onMarketEvent: book, signals, decision, actions to the venue (which arrive later);
 *  6. depth (and, with `fastTouch`, a bookTicker): venue.onBookChanged (queue-ahead caps against the
 *     updated book or touch).
 *
 * The quoter is the one the model version names (core/quoting/factory.ts). Optional:
 * - `window` [startUs, endUs) of exchange time (walk-forward folds): before startUs the engine syncs
 *   the book and warms its signals but takes no decision and sends no order; the replay ends at the
 *   first event stamped at or after endUs (it and everything after are not replayed). Equity and
 *   inventory are sampled, and events counted, from startUs on, so the KPIs cover the window only
 *   (nothing is traded before it). With no window, or one spanning the session, the run is the plain one.
 * - `featureTap`: the alpha features at every point of the `featureGridMs` grid once warm, for any model.
 * - alpha requests (V1.5 with an alpha block) go to the `onAlphaRequest` hook; the caller answers with
 *   `engine.setAlphaTicks` (./backtester.ts `runBacktestAsync` awaits each before the next event).
 */
import type { Instrument } from '../instrument.ts';
import type { MarketEvent, MarketKind } from '../market-events.ts';
import { ManualClock } from '../ports.ts';
import { OrderBook } from '../book/order-book.ts';
import { FastTouch } from '../book/fast-touch.ts';
import type { ModelParams } from '../quoting/model-params.ts';
import { createQuoter } from '../quoting/factory.ts';
import { OrderExecutor } from '../quoting/executor.ts';
import { QuotingEngine } from '../engine/quoting-engine.ts';
import { SimulatedVenue } from '../sim/simulated-venue.ts';
import { quotePerTickLot } from '../sim/fees.ts';
import { EquitySampler, ONE_SECOND_US } from '../metrics/equity.ts';
import type { Kpis } from '../metrics/kpis.ts';
import { engineKpis } from '../engine/engine-kpis.ts';
import { engineParamsFor } from '../engine/engine-params.ts';
import type { AlphaRequest, FeatureTap } from '../engine/feature-schedule.ts';

/** A replay window of exchange time, [startUs, endUs), Unix epoch µs. */
export interface ReplayWindow {
  readonly startUs: number;
  readonly endUs: number;
}

/** Options of a replay (and of `runBacktest`). */
export interface ReplayOptions {
  readonly instrument: Instrument;
  readonly market: MarketKind;
  readonly params: ModelParams;
  /** Order-entry latency, µs (integer ≥ 0). */
  readonly entryLatencyUs: number;
  /** Cancel latency, µs (integer ≥ 0). */
  readonly cancelLatencyUs: number;
  /** Maker fee, bps; default the instrument's `makerFeeBps`. */
  readonly makerFeeBps?: number;
  /** Prefix of client order ids (default `bt`). */
  readonly clientIdPrefix?: string;
  /** Keep every fill (default true). */
  readonly recordFills?: boolean;
  /** Quote and measure only inside this window (see the module doc); default the whole stream. */
  readonly window?: ReplayWindow;
  /** Called with the alpha features at every feature grid point once warm (copy to keep them). */
  readonly featureTap?: FeatureTap;
  /** Feature grid, ms (an integer dividing 1000); default 100. */
  readonly featureGridMs?: number;
  /**
   * Quote against the fastest top of book (core/book/fast-touch.ts): `@bookTicker` events in the stream
   * that are ahead of the book set the touch of the engine AND of the simulated venue (its post-only
   * check and the queue ahead of a new order), docs/adr/0020-fair-value-quoter.md. Default false: the
   * touch is the depth book's and bookTicker events only cross-check it.
   */
  readonly fastTouch?: boolean;
}

/** Hooks of a replay that are not options of a backtest. */
export interface ReplayHooks {
  /** Receives alpha requests; required when the model has an alpha block. */
  readonly onAlphaRequest?: AlphaRequest;
}

/** One engine + simulated venue + clock + sampler, stepped event by event. */
export class ReplaySession {
  readonly clock = new ManualClock(0);
  readonly engine: QuotingEngine;
  readonly venue: SimulatedVenue;
  readonly sampler = new EquitySampler(ONE_SECOND_US);
  readonly makerFeeBps: number;
  /** First and last market time seen, µs; NaN before any (numbers only: a double field is stored in
   * place, where a `number | undefined` field would box every new time). */
  private firstTimeUs = Number.NaN;
  private lastTimeUs = Number.NaN;
  private readonly startUs: number;
  private readonly endUs: number;
  private readonly windowed: boolean;
  private windowEvents = 0;
  private endedValue = false;
  private readonly fastTouch: boolean;

  /**
   * @throws RangeError on an empty or inverted window, or an alpha model without `onAlphaRequest`;
   *   ZodError on invalid params.
   */
  constructor(opts: ReplayOptions, hooks: ReplayHooks = {}) {
    const p = opts.params;
    const w = opts.window;
    if (w !== undefined && !(w.startUs < w.endUs)) {
      throw new RangeError(`ReplaySession: window [${w.startUs}, ${w.endUs}) µs is empty or inverted`);
    }
    this.windowed = w !== undefined;
    this.startUs = w?.startUs ?? Number.NEGATIVE_INFINITY;
    this.endUs = w?.endUs ?? Number.POSITIVE_INFINITY;
    const qptl = quotePerTickLot(opts.instrument);
    this.makerFeeBps = opts.makerFeeBps ?? opts.instrument.makerFeeBps;
    // The venue reads the book the engine writes, and reports into the engine; the engine submits to
    // the venue. The closure below runs only once events flow, after both exist.
    const book = new OrderBook();
    // What the venue matches against must be what the engine can know: the same touch.
    const fastTouch = opts.fastTouch === true ? new FastTouch(book) : undefined;
    this.fastTouch = fastTouch !== undefined;
    const venue = new SimulatedVenue({
      clock: this.clock,
      book: fastTouch ?? book,
      entryLatencyUs: opts.entryLatencyUs,
      cancelLatencyUs: opts.cancelLatencyUs,
      makerFeeBps: this.makerFeeBps,
      quotePerTickLot: qptl,
      onReport: (r) => engine.onVenueReport(r),
    });
    const engine = new QuotingEngine({
      market: opts.market,
      clock: this.clock,
      book,
      quoter: createQuoter(p),
      executor: new OrderExecutor(opts.clientIdPrefix ?? 'bt'),
      venue,
      params: engineParamsFor(p),
      quotePerTickLot: qptl,
      recordFills: opts.recordFills ?? true,
      ...(fastTouch === undefined ? {} : { fastTouch }),
      ...(w === undefined ? {} : { quoteFromUs: w.startUs }),
      ...(opts.featureTap === undefined ? {} : { featureTap: opts.featureTap }),
      ...(opts.featureGridMs === undefined ? {} : { featureGridMs: opts.featureGridMs }),
      ...(hooks.onAlphaRequest === undefined ? {} : { onAlphaRequest: hooks.onAlphaRequest }),
    });
    this.venue = venue;
    this.engine = engine;
  }

  /** True once an event at or after the window's end was seen: later events are not replayed. */
  get ended(): boolean {
    return this.endedValue;
  }

  /** Feeds one recorded event through the loop described in the module doc (a no-op once ended). */
  step(ev: MarketEvent): void {
    if (!this.beforeEngine(ev)) return;
    this.engine.onMarketEvent(ev);
    this.afterEngine(ev);
  }

  /**
   * Steps 1–4 of the loop (clock, sampling, arrivals, trade matching). `step` = `beforeEngine`, then
   * `engine.onMarketEvent`, then `afterEngine`; split only so a benchmark can time the engine alone.
   * @returns false when the event is at or after the window's end (or the replay ended): it must not
   *   be replayed.
   */
  beforeEngine(ev: MarketEvent): boolean {
    if (this.endedValue) return false;
    const exchTimeMs = ev.exchTimeMs;
    if (exchTimeMs !== undefined) {
      const timeUs = exchTimeMs * 1000;
      if (timeUs >= this.endUs) {
        this.endedValue = true;
        return false;
      }
      this.clock.advanceTo(timeUs);
      const nowUs = this.clock.nowUs();
      if (nowUs >= this.startUs) {
        if (Number.isNaN(this.firstTimeUs)) this.firstTimeUs = nowUs;
        this.lastTimeUs = nowUs;
        if (this.sampler.isDue(nowUs))
          this.sampler.record(
            nowUs,
            this.engine.netPnlQuote(),
            this.engine.inventoryLots,
            this.engine.lastMidTicks,
          );
      }
    }
    const nowUs = this.clock.nowUs();
    if (nowUs >= this.startUs) this.windowEvents++;
    this.venue.processUntil(nowUs);
    if (ev.kind === 'trade') this.venue.onTrade(ev);
    return true;
  }

  /** Step 6 of the loop: queue-ahead caps after a depth change (or a bookTicker, with a fast touch). */
  afterEngine(ev: MarketEvent): void {
    if (ev.kind === 'depth' || ev.kind === 'snapshot' || (ev.kind === 'bookTicker' && this.fastTouch))
      this.venue.onBookChanged();
  }

  /** First and last market time seen in the window, Unix epoch µs (undefined before any timed event). */
  timeSpanUs(): { readonly firstUs: number | undefined; readonly lastUs: number | undefined } {
    const first = this.firstTimeUs;
    const last = this.lastTimeUs;
    return {
      firstUs: Number.isNaN(first) ? undefined : first,
      lastUs: Number.isNaN(last) ? undefined : last,
    };
  }

  /** The KPI set of the replay so far (docs/adr/0003-fill-model-and-kpis.md). */
  kpis(): Kpis {
    // q_max in force (the model's, or the last hot swap's: engine.swapModel).
    const maxInventoryLots = this.engine.maxInventoryLimitLots;
    return this.windowed
      ? engineKpis(this.engine, this.sampler, maxInventoryLots, this.windowEvents)
      : engineKpis(this.engine, this.sampler, maxInventoryLots);
  }
}
