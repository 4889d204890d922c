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
 *
 * Hot swap (`swapModel`, docs/adr/0016-promotion-lifecycle.md): called between two `step`s (the safe
 * point), it validates the new model first (a throw leaves the engine untouched), then builds its quoter
 * and engine params the way the start does (`createQuoter`, `engineParamsFor`) and hands them to
 * `QuotingEngine.swapModel`, which pulls every quote and keeps the book and the unchanged signals warm.
 * The alpha requester of the model swapped out is detached (an answer in flight is dropped); closing
 * it stays with whoever created it (`AlphaRequester.close` waits for a prediction in flight).
 */
import type { ExecutionVenue, VenueReport } from '../core/engine/venue-port.ts';
import { QuotingEngine } from '../core/engine/quoting-engine.ts';
import { OrderBook } from '../core/book/order-book.ts';
import { FastTouch } from '../core/book/fast-touch.ts';
import type { Instrument } from '../core/instrument.ts';
import type { MarketEvent, MarketKind } from '../core/market-events.ts';
import { EquitySampler, ONE_SECOND_US } from '../core/metrics/equity.ts';
import type { Kpis } from '../core/metrics/kpis.ts';
import { engineKpis } from '../core/engine/engine-kpis.ts';
import type { Clock } from '../core/ports.ts';
import { ReplaySession } from '../core/backtest/replay.ts';
import { OrderExecutor } from '../core/quoting/executor.ts';
import type { OrderAction } from '../core/quoting/intent.ts';
import { alphaParamsOf, parseModelParams, type ModelParams } from '../core/quoting/model-params.ts';
import { createQuoter } from '../core/quoting/factory.ts';
import { engineParamsFor } from '../core/engine/engine-params.ts';
import { PermanentError } from '../core/errors.ts';
import { parseRiskLimits, type RiskLimits } from '../core/risk/risk-limits.ts';
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
  /**
   * Hot swap of the model (module doc). Synchronous; call between two `step`s, after awaiting the last.
   * @throws ModelParamsError / RiskLimitsError on invalid params or limits, PermanentError
   *   `ALPHA_MODEL_UNAVAILABLE` (the params have an alpha term and no requester is given or current),
   *   `ALPHA_MODEL_UNEXPECTED` (a requester for params without one) — all before the engine is touched.
   */
  swapModel(next: DriverModelSwap): void;
}

/** What {@link EngineDriver.swapModel} installs. */
export interface DriverModelSwap {
  /** The model version's params, already scaled to the slot's capital (core/quoting/capital.ts). */
  readonly params: ModelParams;
  /**
   * The requester of the new model's alpha term (attached here). Absent: the current requester stays
   * when the params still have an alpha term (same version, e.g. only the capital changed).
   */
  readonly alpha?: AlphaRequester;
  /** The risk limits to run with (model + engine combined, scaled to the capital), installed as given. */
  readonly riskLimits: RiskLimits;
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
  /** Quote against the fastest top of book (core/book/fast-touch.ts); default false. */
  readonly fastTouch?: boolean;
}

function cancelAction(o: { clientOrderId: string; side: 'bid' | 'ask' }): OrderAction {
  return { type: 'cancel', clientOrderId: o.clientOrderId, side: o.side };
}

/**
 * Validates `next` and swaps it into `engine` (module doc); shared by both drivers.
 * @param current the requester in use. @returns the requester in use afterwards.
 * @throws as {@link EngineDriver.swapModel}, before `engine` is touched.
 */
function swapInto(
  engine: QuotingEngine,
  next: DriverModelSwap,
  current: AlphaRequester | undefined,
): AlphaRequester | undefined {
  const params = parseModelParams(next.params, 'swapModel params');
  const riskLimits = parseRiskLimits(next.riskLimits, 'swapModel riskLimits');
  const alphaTerm = alphaParamsOf(params);
  if (alphaTerm === undefined && next.alpha !== undefined) {
    throw new PermanentError(
      'ALPHA_MODEL_UNEXPECTED',
      'swapModel: an alpha requester for a model without alpha',
    );
  }
  const alpha = alphaTerm === undefined ? undefined : (next.alpha ?? current);
  if (alphaTerm !== undefined && (alpha === undefined || alpha.isDetached)) {
    throw new PermanentError(
      'ALPHA_MODEL_UNAVAILABLE',
      `swapModel: the model has an alpha term (${alphaTerm.artifactPath}) but no usable alpha requester`,
      { artifactPath: alphaTerm.artifactPath },
    );
  }
  const quoter = createQuoter(params);
  const engineParams = engineParamsFor(params);
  if (alpha !== undefined && alpha !== current) alpha.attach(engine);
  engine.swapModel({
    quoter,
    params: engineParams,
    riskLimits,
    ...(alpha === undefined ? {} : { onAlphaRequest: alpha.onAlphaRequest }),
  });
  if (current !== undefined && current !== alpha) current.detach();
  return alpha;
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
  private alpha: AlphaRequester | undefined;

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
        fastTouch: opts.fastTouch === true,
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

  swapModel(next: DriverModelSwap): void {
    this.alpha = swapInto(this.engine, next, this.alpha);
  }

  /** The alpha requester in use (changes with `swapModel`); undefined for a model without alpha. */
  get alphaRequester(): AlphaRequester | undefined {
    return this.alpha;
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
  private readonly venue: ExecutionVenue;
  private alpha: AlphaRequester | undefined;

  constructor(opts: LiveDriverOptions) {
    this.clock = opts.clock;
    this.sleep = opts.sleep;
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
    const book = new OrderBook();
    const engine = new QuotingEngine({
      market: opts.market,
      clock: opts.clock,
      book,
      ...(opts.fastTouch === true ? { fastTouch: new FastTouch(book) } : {}),
      quoter: createQuoter(opts.params),
      executor: new OrderExecutor(opts.clientIdPrefix),
      venue,
      params: engineParamsFor(opts.params),
      quotePerTickLot: quotePerTickLot(opts.instrument),
      ...(onResync === undefined ? {} : { onResyncRequested: () => onResync() }),
      ...(opts.alpha === undefined ? {} : { onAlphaRequest: opts.alpha.onAlphaRequest }),
    });
    opts.alpha?.attach(engine);
    this.alpha = opts.alpha;
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
    return engineKpis(this.engine, this.sampler, this.engine.maxInventoryLimitLots);
  }

  /** Cancels every working order and polls (50 ms) until none is left or the deadline passes. */
  async pullAll(deadlineMs: number): Promise<number> {
    for (const o of [...this.engine.workingOrders()]) this.venue.submit(cancelAction(o));
    const endUs = this.clock.nowUs() + deadlineMs * 1000;
    while (this.engine.workingOrders().length > 0 && this.clock.nowUs() < endUs) await this.sleep(50);
    return this.engine.workingOrders().length;
  }

  swapModel(next: DriverModelSwap): void {
    this.alpha = swapInto(this.engine, next, this.alpha);
  }

  /** The alpha requester in use (changes with `swapModel`); undefined for a model without alpha. */
  get alphaRequester(): AlphaRequester | undefined {
    return this.alpha;
  }
}
