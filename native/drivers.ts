/**
 * The engine process's two drivers of the ONE strategy driver (`QuotingEngine`), behind one shape:
 *
 * - `SimDriver` (replay, paper): core's `ReplaySession` — the very loop `runBacktest` runs (engine +
 *   SimulatedVenue on a market-time ManualClock) — so a replay gives the backtest's numbers exactly.
 * - `LiveDriver` (live): a `QuotingEngine` on the wall clock whose venue is the ccxt-backed
 *   `CcxtVenue`; equity/inventory sampled on the same 1-s grid as the replay for the same KPIs.
 *
 * Both report every order action and venue report to a `SessionTap` (the DB recorder and metrics).
 * The quoter is the one the model version names (core/quoting/factory.ts). A model with an alpha term
 * gets its predictions through an `AlphaRequester` (./alpha-requests.ts): awaited before the next event
 * in replay (the backtest's numbers), applied when they resolve in paper and live.
 */
import type { ExecutionVenue, VenueReport } from '../core/engine/venue-port.ts';
import { QuotingEngine } from '../core/engine/quoting-engine.ts';
import type { Instrument } from '../core/instrument.ts';
import type { MarketEvent, MarketKind } from '../core/market-events.ts';
import { EquitySampler, ONE_SECOND_US } from '../core/metrics/equity.ts';
import type { Kpis } from '../core/metrics/kpis.ts';
import { engineKpis } from '../core/engine/engine-kpis.ts';
import type { Clock } from '../core/ports.ts';
import { ReplaySession } from '../core/backtest/replay.ts';
import { OrderExecutor } from '../core/quoting/executor.ts';
import type { OrderAction } from '../core/quoting/intent.ts';
import type { ModelParams } from '../core/quoting/model-params.ts';
import { createQuoter } from '../core/quoting/factory.ts';
import { engineParamsFor } from '../core/engine/engine-params.ts';
import { quotePerTickLot } from '../core/sim/fees.ts';
import type { Sleeper } from './feeds/recorded-feed.ts';
import type { AlphaRequester } from './alpha-requests.ts';

/** Observer of everything the engine sends and hears. Called synchronously; must not throw. */
export interface SessionTap {
  /** An action about to be submitted; `nowUs` is the engine's clock. */
  onAction(action: OrderAction, nowUs: number): void;
  /** A report, after the engine applied it. */
  onReport(report: VenueReport): void;
}

/** What the engine process needs from a driver. */
export interface EngineDriver {
  readonly engine: QuotingEngine;
  /**
   * Feeds one market event through the strategy. @returns a promise to await before the next event
   * when an alpha prediction must be applied first (replay of an alpha model), else undefined.
   */
  step(ev: MarketEvent): Promise<void> | undefined;
  /** The engine's clock (market time in sim, wall time live), µs. */
  nowUs(): number;
  /** KPIs so far. */
  kpis(): Kpis;
  /**
   * Cancels every working order through the venue and waits for the acks, at most `deadlineMs` wall
   * ms. @returns the number of orders still working afterwards (0 = flat of orders).
   */
  pullAll(deadlineMs: number): Promise<number>;
}

/** Options shared by the drivers. */
export interface DriverOptions {
  readonly instrument: Instrument;
  readonly market: MarketKind;
  readonly params: ModelParams;
  /** Client order id prefix, unique per engine run (Binance rejects a duplicate open id). */
  readonly clientIdPrefix: string;
  readonly tap: SessionTap;
  /** Answers the alpha requests; required when the params have an alpha term. */
  readonly alpha?: AlphaRequester;
}

function cancelAction(o: { clientOrderId: string; side: 'bid' | 'ask' }): OrderAction {
  return { type: 'cancel', clientOrderId: o.clientOrderId, side: o.side };
}

/**
 * Replay/paper driver over core's `ReplaySession`. The session builds its engine and simulated venue
 * itself (it is the backtester's loop, shared on purpose), so the tap is attached by wrapping the two
 * crossing points on those instances: the venue's `submit` (engine → venue) and the engine's
 * `onVenueReport` (venue → engine). Behaviour is unchanged; the tap only observes.
 */
export class SimDriver implements EngineDriver {
  readonly session: ReplaySession;
  readonly engine: QuotingEngine;
  private readonly cancelLatencyUs: number;
  private readonly entryLatencyUs: number;
  private readonly alpha: AlphaRequester | undefined;

  constructor(opts: DriverOptions & { readonly entryLatencyUs: number; readonly cancelLatencyUs: number }) {
    this.session = new ReplaySession(
      {
        instrument: opts.instrument,
        market: opts.market,
        params: opts.params,
        entryLatencyUs: opts.entryLatencyUs,
        cancelLatencyUs: opts.cancelLatencyUs,
        clientIdPrefix: opts.clientIdPrefix,
        recordFills: false, // fills stream to the tap; the process must not grow without bound
      },
      opts.alpha === undefined ? {} : { onAlphaRequest: opts.alpha.onAlphaRequest },
    );
    this.engine = this.session.engine;
    this.alpha = opts.alpha;
    opts.alpha?.attach(this.engine);
    this.entryLatencyUs = opts.entryLatencyUs;
    this.cancelLatencyUs = opts.cancelLatencyUs;
    const { tap } = opts;
    const clock = this.session.clock;
    const venue = this.session.venue;
    const submit = venue.submit.bind(venue);
    venue.submit = (action) => {
      tap.onAction(action, clock.nowUs());
      submit(action);
    };
    const engine = this.engine;
    const onVenueReport = engine.onVenueReport.bind(engine);
    engine.onVenueReport = (report) => {
      onVenueReport(report);
      tap.onReport(report);
    };
  }

  step(ev: MarketEvent): Promise<void> | undefined {
    this.session.step(ev);
    return this.alpha?.settle();
  }

  nowUs(): number {
    return this.session.clock.nowUs();
  }

  kpis(): Kpis {
    return this.session.kpis();
  }

  /**
   * Sends a cancel for every working order, then advances market time by entry + cancel latency so
   * every request (a cancel never overtakes its own place) reaches the simulated venue. Synchronous
   * in effect: no wall time passes.
   */
  async pullAll(): Promise<number> {
    const venue = this.session.venue;
    for (const o of [...this.engine.workingOrders()]) venue.submit(cancelAction(o));
    const clock = this.session.clock;
    clock.advanceTo(clock.nowUs() + this.entryLatencyUs + this.cancelLatencyUs);
    venue.processUntil(clock.nowUs());
    return this.engine.workingOrders().length;
  }
}

/** Options of the live driver. */
export interface LiveDriverOptions extends DriverOptions {
  /** Wall clock, µs. */
  readonly clock: Clock;
  readonly sleep: Sleeper;
  /** Builds the real venue, given the listener that must receive its reports. */
  readonly createVenue: (onReport: (report: VenueReport) => void) => ExecutionVenue;
  readonly onResyncRequested?: () => void;
}

/** Live driver: the engine on the wall clock against a real venue (see module doc). */
export class LiveDriver implements EngineDriver {
  readonly engine: QuotingEngine;
  private readonly clock: Clock;
  private readonly sleep: Sleeper;
  private readonly sampler = new EquitySampler(ONE_SECOND_US);
  private readonly maxInventoryLots: number;
  private readonly venue: ExecutionVenue;

  constructor(opts: LiveDriverOptions) {
    this.clock = opts.clock;
    this.sleep = opts.sleep;
    this.maxInventoryLots = opts.params.maxInventoryLots;
    const { tap } = opts;
    const real = opts.createVenue((report) => {
      engine.onVenueReport(report);
      tap.onReport(report);
    });
    const venue: ExecutionVenue = {
      submit: (action) => {
        tap.onAction(action, opts.clock.nowUs());
        real.submit(action);
      },
    };
    const onResync = opts.onResyncRequested;
    const engine = new QuotingEngine({
      market: opts.market,
      clock: opts.clock,
      quoter: createQuoter(opts.params),
      executor: new OrderExecutor(opts.clientIdPrefix),
      venue,
      params: engineParamsFor(opts.params),
      quotePerTickLot: quotePerTickLot(opts.instrument),
      ...(onResync === undefined ? {} : { onResyncRequested: () => onResync() }),
      ...(opts.alpha === undefined ? {} : { onAlphaRequest: opts.alpha.onAlphaRequest }),
    });
    opts.alpha?.attach(engine);
    this.engine = engine;
    this.venue = venue;
  }

  step(ev: MarketEvent): undefined {
    const nowUs = this.clock.nowUs();
    if (this.sampler.isDue(nowUs))
      this.sampler.record(nowUs, this.engine.netPnlQuote(), this.engine.inventoryLots);
    this.engine.onMarketEvent(ev);
    return undefined;
  }

  nowUs(): number {
    return this.clock.nowUs();
  }

  kpis(): Kpis {
    return engineKpis(this.engine, this.sampler, this.maxInventoryLots);
  }

  /** Cancels every working order and polls (50 ms) until none is left or the deadline passes. */
  async pullAll(deadlineMs: number): Promise<number> {
    for (const o of [...this.engine.workingOrders()]) this.venue.submit(cancelAction(o));
    const endUs = this.clock.nowUs() + deadlineMs * 1000;
    while (this.engine.workingOrders().length > 0 && this.clock.nowUs() < endUs) await this.sleep(50);
    return this.engine.workingOrders().length;
  }
}
