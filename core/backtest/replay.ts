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
 *  2. equity/inventory sampling on the 1-s grid (state before this event), for the KPIs;
 *  3. venue.processUntil(t): our requests due by t arrive (against the book before this event);
 *  4. trades: venue.onTrade (fills of our resting orders, reported to the engine) …
 *  5. engine.onMarketEvent: book, signals, decision, actions to the venue (which arrive later);
 *  6. depth: venue.onBookChanged (queue-ahead caps against the updated book).
 */
import type { Instrument } from '../instrument.ts';
import type { MarketEvent, MarketKind } from '../market-events.ts';
import { ManualClock } from '../ports.ts';
import { OrderBook } from '../book/order-book.ts';
import type { AsV1AlphaParams } from '../quoting/model-params.ts';
import { AsV1AlphaQuoter } from '../quoting/v1-alpha.ts';
import { OrderExecutor } from '../quoting/executor.ts';
import { QuotingEngine } from '../engine/quoting-engine.ts';
import { SimulatedVenue } from '../sim/simulated-venue.ts';
import { quotePerTickLot } from '../sim/fees.ts';
import { EquitySampler, ONE_SECOND_US } from '../metrics/equity.ts';
import type { Kpis } from '../metrics/kpis.ts';
import { engineKpis } from '../engine/engine-kpis.ts';

/** Options of a replay (and of `runBacktest`). */
export interface ReplayOptions {
  readonly instrument: Instrument;
  readonly market: MarketKind;
  readonly params: AsV1AlphaParams;
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
}

/** One engine + simulated venue + clock + sampler, stepped event by event. */
export class ReplaySession {
  readonly clock = new ManualClock(0);
  readonly engine: QuotingEngine;
  readonly venue: SimulatedVenue;
  readonly sampler = new EquitySampler(ONE_SECOND_US);
  readonly makerFeeBps: number;
  private readonly maxInventoryLots: number;
  /** First and last market time seen, µs; NaN before any (numbers only: a double field is stored in
   * place, where a `number | undefined` field would box every new time). */
  private firstTimeUs = Number.NaN;
  private lastTimeUs = Number.NaN;

  constructor(opts: ReplayOptions) {
    const p = opts.params;
    const qptl = quotePerTickLot(opts.instrument);
    this.makerFeeBps = opts.makerFeeBps ?? opts.instrument.makerFeeBps;
    this.maxInventoryLots = p.maxInventoryLots;
    // The venue reads the book the engine writes, and reports into the engine; the engine submits to
    // the venue. The closure below runs only once events flow, after both exist.
    const book = new OrderBook();
    const venue = new SimulatedVenue({
      clock: this.clock,
      book,
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
      quoter: new AsV1AlphaQuoter(p),
      executor: new OrderExecutor(opts.clientIdPrefix ?? 'bt'),
      venue,
      params: p,
      quotePerTickLot: qptl,
      recordFills: opts.recordFills ?? true,
    });
    this.venue = venue;
    this.engine = engine;
  }

  /** Feeds one recorded event through the loop described in the module doc. */
  step(ev: MarketEvent): void {
    this.beforeEngine(ev);
    this.engine.onMarketEvent(ev);
    this.afterEngine(ev);
  }

  /**
   * Steps 1–4 of the loop (clock, sampling, arrivals, trade matching). `step` = `beforeEngine`, then
   * `engine.onMarketEvent`, then `afterEngine`; split only so a benchmark can time the engine alone.
   */
  beforeEngine(ev: MarketEvent): void {
    const exchTimeMs = ev.exchTimeMs;
    if (exchTimeMs !== undefined) {
      this.clock.advanceTo(exchTimeMs * 1000);
      const nowUs = this.clock.nowUs();
      if (Number.isNaN(this.firstTimeUs)) this.firstTimeUs = nowUs;
      this.lastTimeUs = nowUs;
      if (this.sampler.isDue(nowUs))
        this.sampler.record(nowUs, this.engine.netPnlQuote(), this.engine.inventoryLots);
    }
    this.venue.processUntil(this.clock.nowUs());
    if (ev.kind === 'trade') this.venue.onTrade(ev);
  }

  /** Step 6 of the loop: queue-ahead caps after a depth change. */
  afterEngine(ev: MarketEvent): void {
    if (ev.kind === 'depth' || ev.kind === 'snapshot') this.venue.onBookChanged();
  }

  /** First and last market time seen, Unix epoch µs (undefined before any timed event). */
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
    return engineKpis(this.engine, this.sampler, this.maxInventoryLots);
  }
}
