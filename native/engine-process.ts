/**
 * The always-on quoting engine process: one run of the `QuotingEngine` over a market feed, recorded in
 * PostgreSQL and observable over HTTP. Only configuration differs between modes:
 *
 * | mode   | feed                                  | venue                     | engine clock |
 * |--------|---------------------------------------|---------------------------|--------------|
 * | replay | recorded session, paced (fast/recorded) | SimulatedVenue (ReplaySession) | market time |
 * | paper  | Binance raw streams + REST snapshots  | SimulatedVenue (ReplaySession) | market time |
 * | live   | Binance raw streams + REST snapshots  | CcxtVenue (real orders)   | wall time    |
 *
 * Life of a run: read the model version from the registry → start the run row → serve /healthz and
 * /metrics → loop over events (step the driver; rows buffered, flushed every `flushIntervalMs` and
 * when 5,000 are pending) → on end of data or abort: pull every quote (cancel all, wait for acks up
 * to `cancelDeadlineMs`), final flush, finish the run row with the KPIs, close the server.
 *
 * Quoter failures never stop the loop (docs/adr/0010-quote-bounds.md): when the quoter throws (an
 * invariant violation such as a NaN input), the engine pulls its quotes, counts
 * `counters.invariantViolations` and goes on with the next event; this loop logs the error (at most
 * once a second, with the count since the last log; the rest is in the counters, the summary and
 * /healthz).
 *
 * Risk (docs/adr/0011-risk-layer.md): the engine's risk gate gets the model version's `riskLimits`
 * combined with `config.riskLimits`, the tighter winning (`combineRiskLimits`); before the first
 * event the process reads its kill-switch latch (engine id `config.engineId`) and, if killed, halts the
 * engine, so a killed engine never quotes after a restart; then it polls the latch every
 * `killPollMs` (kill → halt and cancel all; resume → lift). `POST /kill` (bearer token) halts at once
 * and writes the latch. Every gate transition is logged, counted in /metrics and stored in
 * `risk_events`; a latched halt of the gate itself (daily loss, drawdown) is also written as the
 * latch, so it too survives restarts and is lifted by `mmflow resume`.
 *
 * Reconciliation (docs/adr/0015-reconciliation.md, ./reconcile-hook.ts): in live mode, before the run
 * starts, our open orders (client id tag of `engineId`, ./client-order-ids.ts) are cancelled, foreign
 * ones refuse the start, and the account's position becomes the engine's inventory; then every
 * `reconcileIntervalMs` the account is compared with the engine (a mismatch halts or reduces).
 *
 * Slot (`--slot`, docs/adr/0016-promotion-lifecycle.md, ./slot/slot-runner.ts): before the first event
 * the slot's desired state (model, capital fraction, risk state) is applied; then changes announced by
 * NOTIFY or found by polling are applied between two events, acknowledged on the slot, and a cumulative
 * metrics sample is written every second.
 *
 * Feed watchdog (paper/live, docs/adr/0013-live-book-feed.md): every `FEED_WATCH_MS` the process asks
 * the feed how long it has been silent; beyond `config.staleFeedMs` (or with the socket down) the
 * engine's risk gate is suspended with reason `stale-feed` and every quote is cancelled, until depth
 * flows again.
 *
 * Store outage (docs/adr/0018-engine-store-outage.md): a transient DB failure never stops the loop.
 * Rows stay buffered (in order) and are retried with backoff; the loop no longer waits on flushes;
 * beyond `config.storeOutageHaltMs` or `MAX_BUFFERED_ROWS` the risk gate halts with reason
 * `store-unavailable` (every quote cancelled) until the buffer is written. Risk events and the run
 * row's end are retried the same way; /metrics and /healthz show the outage.
 *
 * Failure: a malformed event (the book's invariant violation) or a permanent DB error stops the loop;
 * quotes are pulled first, then the run is marked failed (`runStatus: 'failed'`) and the promise
 * rejects with the original error. KPIs are those of the last processed event (the pull is shutdown, not strategy,
 * so a replay's KPIs equal `runBacktest`'s on the same events).
 */
import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { isMmflowError } from '../core/errors.ts';
import type { EngineCounters, QuotingEngine } from '../core/engine/quoting-engine.ts';
import type { Instrument } from '../core/instrument.ts';
import type { Kpis } from '../core/metrics/kpis.ts';
import type { Clock } from '../core/ports.ts';
import type { Queryable } from '../db/queryable.ts';
import { errorFields, type Log } from '../infra/log.ts';
import type { EngineConfig, EngineMode } from './config.ts';
import type { EngineDriver, SessionTap } from './drivers.ts';
import type { Sleeper } from './feeds/recorded-feed.ts';
import { startHttpServer, type EngineHttpServer, type HealthReport } from './http-server.ts';
import { createEngineMetrics, EngineMetricsSync, type EngineMetrics, type EngineTotals } from './metrics.ts';
import { PgRiskStore, PgRunStore } from './pg-run-store.ts';
import { RunRecorder } from './run-recorder.ts';
import type { EngineRunStatus, RiskStore, RowsWritten, RunStore } from './run-store.ts';
import { retryTransient, RowFlusher } from './row-flusher.ts';
import { combineRiskLimits, NO_RISK_LIMITS } from '../core/risk/risk-limits.ts';
import { systemSleep } from './system-clock.ts';
import type { CcxtClient } from './venues/ccxt-client.ts';
import type { AlphaSource } from '../core/quoting/model-params.ts';
import type { AlphaModel } from '../core/alpha/alpha-model.ts';
import { buildRuntime, resolveRun, type ResolvedRun, type Runtime } from './wiring.ts';
import { runClientIdPrefix } from './client-order-ids.ts';
import { periodicReconciler, reconcileBeforeQuoting } from './reconcile-hook.ts';
import type { Reconciler } from './reconcile.ts';
import { SlotRunner } from './slot/slot-runner.ts';
import { RiskSupervisor } from './risk-supervisor.ts';

/** Flush as soon as this many rows are pending, whatever the interval. */
const MAX_PENDING_ROWS = 5_000;
// --- store outage (docs/adr/0018-engine-store-outage.md) ---
/** Rows buffered (an outage, or a store that cannot keep up) beyond which quotes are pulled (≈ 100-200 MB). */
const MAX_BUFFERED_ROWS = 500_000;
/** Shutdown waits this long for an unavailable store (final rows, the run row's end), wall ms. */
const SHUTDOWN_STORE_DEADLINE_MS = 30_000;
/** The loop waits at most this long for a flush (backpressure), wall ms; an older write is hung. */
const STALL_MS = 1_000;
// --- end of store outage ---
/** In fast replay, yield to the event loop (HTTP, timers) at least this often, wall µs. */
const YIELD_EVERY_US = 20_000;
/** How often the stale-feed watchdog looks at the feed, wall ms. */
const FEED_WATCH_MS = 250;
/** Log the quoter's invariant violations at most this often, wall µs (each is counted anyway). */
const VIOLATION_LOG_EVERY_US = 1_000_000;

/** Lifecycle of the process, as /healthz reports it. */
export type EngineLifecycle = 'starting' | 'running' | 'stopping' | 'finished' | 'failed';

/** What `runQuotingEngine` needs from its composition root. */
export interface EngineDeps {
  /** PostgreSQL (a pg Pool): model registry and run records. */
  readonly db: Queryable;
  readonly log: Log;
  /** Wall clock, Unix epoch µs (pacing, latency histogram, health, live engine time). */
  readonly clock: Clock;
  /** Stops the run gracefully (pull quotes, flush, finish) when aborted. */
  readonly signal?: AbortSignal;
  /** Wall sleeper (default: real timers). */
  readonly sleep?: Sleeper;
  /** Run store (default: PostgreSQL via `db`). */
  readonly store?: RunStore;
  /** Kill-switch latch and risk events (default: PostgreSQL via `db`). */
  readonly riskStore?: RiskStore;
  /** ccxt client factory for paper/live (default: ccxt pro Binance). */
  readonly createExchange?: (instrument: Instrument, config: EngineConfig) => CcxtClient;
  /** Loads the alpha model of a model version with an alpha term (the ONNX loader); see wiring.ts. */
  readonly loadAlphaModel?: (alpha: AlphaSource) => Promise<AlphaModel>;
  /** Called once the HTTP server listens and the run row exists. */
  readonly onStarted?: (info: { readonly runId: string; readonly httpUrl: string }) => void;
}

/** What a finished run returns. */
export interface EngineRunSummary {
  readonly runId: string;
  readonly mode: EngineMode;
  readonly status: Exclude<EngineRunStatus, 'failed'>;
  readonly modelVersionId: string;
  readonly venue: string;
  readonly symbol: string;
  readonly session: string | undefined;
  /** KPIs at the last processed event (before the shutdown pull). */
  readonly kpis: Kpis;
  /** Engine counters at the end (after the shutdown pull). */
  readonly counters: Readonly<EngineCounters>;
  /** Orders still working after the final pull (0 unless acks missed the deadline). */
  readonly workingOrdersAtEnd: number;
  /** Book resyncs requested (transitions to out-of-sync). */
  readonly resyncs: number;
  /** Row writes to the DB (an order counts once per upsert). */
  readonly rowsWritten: Readonly<RowsWritten>;
  /** Exchange (else receive) time of the last event, Unix epoch µs; null with no event. */
  readonly lastEventTimeUs: number | null;
  readonly httpPort: number;
}

/**
 * Runs the quoting engine until its feed ends (replay) or `deps.signal` aborts.
 * @returns the run summary (status `completed` or `aborted`).
 * @throws PermanentError `MODEL_NOT_FOUND` / ModelParamsError / `SESSION_NOT_FOUND` before the run
 *   starts; after it started, the error that stopped it (the run is then marked failed).
 */
export async function runQuotingEngine(config: EngineConfig, deps: EngineDeps): Promise<EngineRunSummary> {
  const resolved = await resolveRun(config, deps.db);
  return new EngineRunner(config, deps, resolved).run();
}

/** One run of the process; see the module doc for the sequence. */
class EngineRunner {
  private readonly sleep: Sleeper;
  private readonly startedAtUs: number;
  private readonly runId: string;
  private readonly clientIdPrefix: string;
  private readonly store: RunStore;
  private readonly recorder = new RunRecorder();
  private readonly flusher: RowFlusher;
  private readonly metrics: EngineMetrics;
  private readonly metricsSync: EngineMetricsSync;
  /** Stops the feed: aborted by `deps.signal` and at shutdown. */
  private readonly feedAbort = new AbortController();
  private driver: EngineDriver | undefined;
  private lifecycle: EngineLifecycle = 'starting';
  private actionsSent = 0;
  private eventsProcessed = 0;
  private lastEventTimeUs: number | undefined;
  private resyncs = 0;
  /** `counters.invariantViolations` at the last log, and when (wall µs). */
  private violationsLogged = 0;
  private violationLoggedAtUs = Number.NEGATIVE_INFINITY;
  private risk: RiskSupervisor | undefined;
  private reconciler: Reconciler | undefined;
  /** The slot this run follows (`--slot`), else undefined. */
  private slot: SlotRunner | undefined;

  constructor(
    private readonly config: EngineConfig,
    private readonly deps: EngineDeps,
    private readonly resolved: ResolvedRun,
  ) {
    const { instrument } = resolved;
    this.sleep = deps.sleep ?? systemSleep;
    this.startedAtUs = deps.clock.nowUs();
    const startedMs = Math.floor(this.startedAtUs / 1000);
    this.runId = `${config.mode}-${instrument.symbol.toLowerCase()}-${startedMs}-${randomUUID().slice(0, 8)}`;
    // Stable engine tag + this run's start: a restart recognises its own orders, never reuses an id.
    this.clientIdPrefix = runClientIdPrefix(config.engineId, startedMs);
    this.store = deps.store ?? new PgRunStore(deps.db, instrument);
    this.flusher = new RowFlusher(this.store, this.runId, this.recorder, this.sleep, deps.log);
    this.metrics = createEngineMetrics({ mode: config.mode, symbol: instrument.symbol });
    this.metricsSync = new EngineMetricsSync(this.metrics);
  }

  async run(): Promise<EngineRunSummary> {
    const { config, deps, resolved, runId } = this;
    const onAbort = (): void => this.feedAbort.abort();
    deps.signal?.addEventListener('abort', onAbort, { once: true });
    if (deps.signal?.aborted === true) this.feedAbort.abort();
    try {
      const runtime = await buildRuntime(config, resolved, {
        clock: deps.clock,
        sleep: this.sleep,
        log: deps.log,
        signal: this.feedAbort.signal,
        tap: this.tap(),
        clientIdPrefix: this.clientIdPrefix,
        createExchange: deps.createExchange,
        loadAlphaModel: deps.loadAlphaModel,
      });
      this.driver = runtime.driver;
      runtime.driver.engine.risk.setLimits(
        combineRiskLimits(resolved.params.riskLimits ?? NO_RISK_LIMITS, config.riskLimits),
      );
      // --- reconciliation at start (live): no quote, no run row until it succeeds ---
      const reconcileDeps = { instrument: resolved.instrument, log: deps.log, sleep: this.sleep };
      try {
        await reconcileBeforeQuoting(config, runtime, {
          ...reconcileDeps,
          restartBackfill: { db: deps.db, runId, nowMs: Math.floor(this.startedAtUs / 1000) },
        });
      } catch (err) {
        deps.log.error({ err: errorFields(err), engineId: config.engineId }, 'start reconciliation failed');
        await runtime.close().catch(() => undefined);
        throw err;
      }
      // --- end of reconciliation at start ---
      await this.store.startRun({
        runId,
        mode: config.mode,
        modelVersionId: config.modelVersionId,
        session: resolved.session?.prefix,
        venue: resolved.instrument.venue,
        symbol: resolved.instrument.symbol,
        startedAtMs: Math.floor(this.startedAtUs / 1000),
      });
      const risk = new RiskSupervisor(runtime.driver.engine, deps.riskStore ?? new PgRiskStore(deps.db), {
        runId,
        engineId: config.engineId,
        log: deps.log,
        metrics: this.metrics,
        wallClock: deps.clock,
      });
      this.risk = risk;
      await risk.start(); // before the first event: a killed engine never quotes
      this.reconciler = periodicReconciler(config, runtime, reconcileDeps, () => risk.drain());
      const server = await this.startServer(runtime);
      // --- slot (docs/adr/0016-promotion-lifecycle.md, ./slot/slot-runner.ts): apply, then follow ---
      if (config.slot !== undefined) {
        this.slot = new SlotRunner({
          db: deps.db,
          databaseUrl: config.databaseUrl,
          slotId: config.slot,
          pollMs: config.slotPollMs,
          listen: config.slotListen,
          driver: runtime.driver,
          engineRunId: runId,
          mode: config.mode,
          engineRiskLimits: config.riskLimits,
          initialVersionId: config.modelVersionId,
          loadAlphaModel: deps.loadAlphaModel,
          log: deps.log,
          registry: this.metrics.registry,
          onRiskChange: () => risk.drain(),
        });
        try {
          await this.slot.start(); // the slot's capital fraction and risk state hold from the first event
        } catch (err) {
          const kpis = runtime.driver.kpis();
          await this.store.finishRun(runId, {
            status: 'failed',
            endedAtMs: this.endedAtMs(),
            kpis,
            error: describe(err),
          });
          await runtime.close();
          await server.close();
          throw err;
        }
      }
      // --- end of slot ---
      deps.log.info(
        {
          runId,
          mode: config.mode,
          symbol: resolved.instrument.symbol,
          model: config.modelVersionId,
          port: server.port,
        },
        'engine run started',
      );
      deps.onStarted?.({ runId, httpUrl: server.url });
      const timer = setInterval(() => {
        this.flusher.flush().catch(() => undefined); // the failure is kept and fails the loop
      }, config.flushIntervalMs);
      timer.unref();
      const killPoll = setInterval(() => risk.poll(), config.killPollMs);
      killPoll.unref();
      const feedWatch = setInterval(() => {
        this.watchFeed(runtime);
        this.watchStore(runtime); // store outage (docs/adr/0018-engine-store-outage.md)
      }, FEED_WATCH_MS);
      feedWatch.unref();
      const reconciler = this.reconciler;
      const reconcilePoll =
        reconciler === undefined
          ? undefined
          : setInterval(() => reconciler.poll(), config.reconcileIntervalMs);
      reconcilePoll?.unref();
      try {
        const { failure, kpis } = await this.loop(runtime);
        return await this.shutdown(runtime, server, failure, kpis);
      } finally {
        clearInterval(timer);
        clearInterval(killPoll);
        clearInterval(feedWatch);
        clearInterval(reconcilePoll);
      }
    } finally {
      deps.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Stale-feed watchdog (module doc): suspends or lifts the engine's quoting on the feed's silence. */
  private watchFeed(runtime: Runtime): void {
    if (this.lifecycle !== 'running') return;
    const silenceMs = runtime.feedSilenceMs?.(this.deps.clock.nowUs());
    if (silenceMs === undefined) return;
    const limitMs = this.config.staleFeedMs;
    runtime.driver.engine.setFeedStale(silenceMs > limitMs, silenceMs, limitMs);
    this.risk?.drain();
  }

  /**
   * Store watchdog (docs/adr/0018-engine-store-outage.md): halts quoting (`store-unavailable`) once the
   * store's outage outlasts `storeOutageHaltMs` or the buffer reaches `MAX_BUFFERED_ROWS`; lifts it
   * once the buffered rows are written.
   */
  private watchStore(runtime: Runtime): void {
    if (this.lifecycle !== 'running') return;
    const f = this.flusher;
    const outageMs = f.unavailableMs(); // a hung write counts from its start
    const limitMs = this.config.storeOutageHaltMs;
    const halt = outageMs > limitMs || f.bufferedRows >= MAX_BUFFERED_ROWS;
    runtime.driver.engine.setStoreUnavailable(halt, Math.round(outageMs), limitMs);
    this.risk?.drain();
  }

  /** Records actions and reports; counts actions for the tick-to-quote histogram. */
  private tap(): SessionTap {
    return {
      onAction: (action, nowUs) => {
        this.actionsSent++;
        this.recorder.onAction(action, this.driver?.engine.lastIntent, nowUs);
      },
      onReport: (report) => {
        this.recorder.onReport(report);
        if (report.type === 'accepted') {
          const latencyUs = this.driver?.engine.lastAckLatencyUs;
          if (latencyUs !== undefined) this.metrics.ackLatencyUs.observe(latencyUs);
        }
      },
    };
  }

  private async startServer(runtime: Runtime): Promise<EngineHttpServer> {
    try {
      return await startHttpServer({
        host: this.config.httpHost,
        port: this.config.httpPort,
        health: () => this.health(runtime.driver),
        registry: this.metrics.registry,
        beforeScrape: () => this.metricsSync.sync(this.totals(runtime.driver)),
        ...(this.config.killToken === undefined || this.risk === undefined
          ? {}
          : { kill: { token: this.config.killToken, onKill: this.risk.killFromHttp } }),
      });
    } catch (err) {
      await this.store.finishRun(this.runId, {
        status: 'failed',
        endedAtMs: this.endedAtMs(),
        kpis: runtime.driver.kpis(),
        error: describe(err),
      });
      await runtime.close();
      throw err;
    }
  }

  /** Steps every event; stops at the end of the feed, on abort, or on the first error. */
  private async loop(runtime: Runtime): Promise<{ failure: unknown; kpis: Kpis }> {
    const { clock } = this.deps;
    const { driver } = runtime;
    const engine = driver.engine;
    const slot = this.slot;
    this.lifecycle = 'running';
    try {
      let lastYieldUs = clock.nowUs();
      let wasOutOfSync = false;
      for await (const ev of runtime.feed) {
        const t0 = clock.nowUs();
        const before = this.actionsSent;
        slot?.beforeEvent(); // a pending slot change is applied here, between two events
        const alphaAnswer = driver.step(ev);
        if (alphaAnswer !== undefined) await alphaAnswer; // replay of an alpha model: deterministic
        slot?.afterEvent();
        if (this.actionsSent > before) this.metrics.tickToQuoteUs.observe(clock.nowUs() - t0);
        this.eventsProcessed++;
        this.lastEventTimeUs = ev.exchTimeMs === undefined ? ev.recvTimeUs : ev.exchTimeMs * 1000;
        if (engine.counters.invariantViolations > this.violationsLogged) this.logViolations(engine, false);
        if (engine.risk.counters.transitions > 0) this.risk?.drain();
        const outOfSync = engine.syncState === 'out-of-sync';
        if (outOfSync && !wasOutOfSync) {
          this.resyncs++;
          runtime.requestSnapshot();
        }
        wasOutOfSync = outOfSync;
        const asyncFailure = runtime.asyncFailure() ?? this.flusher.failure;
        if (asyncFailure !== undefined) throw asyncFailure;
        // Backpressure on a healthy store only, bounded: during an outage or a hung write the loop
        // keeps stepping (ADR 0018).
        const f = this.flusher;
        if (
          this.recorder.pendingRows >= MAX_PENDING_ROWS &&
          f.outage === undefined &&
          f.writeAgeMs() < STALL_MS
        )
          await f.flushWithin(STALL_MS);
        if (this.feedAbort.signal.aborted) break;
        if (clock.nowUs() - lastYieldUs >= YIELD_EVERY_US) {
          await yieldToEventLoop();
          lastYieldUs = clock.nowUs();
        }
      }
      return { failure: undefined, kpis: driver.kpis() };
    } catch (err) {
      this.deps.log.error(
        { runId: this.runId, err: errorFields(err), eventsProcessed: this.eventsProcessed },
        'engine loop failed; pulling quotes',
      );
      return { failure: err, kpis: driver.kpis() };
    }
  }

  /** Pull quotes, stop the feed, final flush, finish the run row, close the server. */
  private async shutdown(
    runtime: Runtime,
    server: EngineHttpServer,
    loopFailure: unknown,
    kpis: Kpis,
  ): Promise<EngineRunSummary> {
    const { log } = this.deps;
    const { runId } = this;
    const engine = runtime.driver.engine;
    let failure = loopFailure;
    this.reconciler?.stop(); // the pull below changes working orders on purpose
    await this.slot?.stop(); // no slot change during shutdown; last sample and heartbeat written
    this.lifecycle = failure === undefined ? 'stopping' : 'failed';
    if (engine.counters.invariantViolations > this.violationsLogged) this.logViolations(engine, true);
    const aborted = this.feedAbort.signal.aborted;
    let workingOrdersAtEnd = engine.workingOrders().length;
    try {
      workingOrdersAtEnd = await runtime.driver.pullAll(this.config.cancelDeadlineMs);
      if (workingOrdersAtEnd > 0)
        log.error({ runId, workingOrdersAtEnd }, 'orders still working after the cancel deadline');
    } catch (err) {
      log.error({ runId, err: errorFields(err) }, 'pulling quotes failed');
      failure ??= err;
    }
    this.feedAbort.abort();
    this.risk?.drain();
    await this.risk?.settle();
    try {
      await runtime.close();
    } catch (err) {
      log.warn({ runId, err: errorFields(err) }, 'closing the exchange client failed');
    }
    try {
      await this.flusher.close(SHUTDOWN_STORE_DEADLINE_MS); // waits through an outage, bounded (ADR 0018)
    } catch (err) {
      failure ??= err;
    }
    await this.risk?.settle(); // risk events an outage held back, now the store answered (ADR 0018)
    const status: EngineRunStatus = failure !== undefined ? 'failed' : aborted ? 'aborted' : 'completed';
    try {
      const error = failure === undefined ? undefined : describe(failure);
      const end = { status, endedAtMs: this.endedAtMs(), kpis, error };
      await retryTransient(() => this.store.finishRun(runId, end), {
        deadlineMs: SHUTDOWN_STORE_DEADLINE_MS,
        sleep: this.sleep,
      });
    } catch (err) {
      log.error({ runId, err: errorFields(err) }, 'recording the end of the run failed');
      failure ??= err;
    }
    this.metricsSync.sync(this.totals(runtime.driver));
    this.lifecycle = failure === undefined ? 'finished' : 'failed';
    await server.close();
    if (failure !== undefined) throw failure;
    log.info(
      { runId, status, events: this.eventsProcessed, quotes: kpis.quotes, fills: kpis.fills },
      'engine run finished',
    );
    const { instrument, session } = this.resolved;
    return {
      runId,
      mode: this.config.mode,
      status: status === 'aborted' ? 'aborted' : 'completed',
      modelVersionId: this.config.modelVersionId,
      venue: instrument.venue,
      symbol: instrument.symbol,
      session: session?.prefix,
      kpis,
      counters: { ...engine.counters },
      workingOrdersAtEnd,
      resyncs: this.resyncs,
      rowsWritten: { ...this.flusher.written },
      lastEventTimeUs: this.lastEventTimeUs ?? null,
      httpPort: server.port,
    };
  }

  /**
   * Logs the quoter's latest invariant violation with the count since the last log; throttled to one
   * log per `VIOLATION_LOG_EVERY_US` unless `force` (shutdown). The engine already pulled its quotes.
   */
  private logViolations(engine: QuotingEngine, force: boolean): void {
    const nowUs = this.deps.clock.nowUs();
    if (!force && nowUs - this.violationLoggedAtUs < VIOLATION_LOG_EVERY_US) return;
    const total = engine.counters.invariantViolations;
    this.deps.log.error(
      {
        runId: this.runId,
        err: errorFields(engine.lastInvariantViolation),
        invariantViolations: total,
        sinceLastLog: total - this.violationsLogged,
        eventsProcessed: this.eventsProcessed,
      },
      'quoter invariant violation; quotes pulled, engine continues',
    );
    this.violationsLogged = total;
    this.violationLoggedAtUs = nowUs;
  }

  /** /healthz: 503 once the start-up grace is over while the book is not synced, or after a failure. */
  private health(driver: EngineDriver): HealthReport {
    const engine = driver.engine;
    const synced = engine.syncState === 'synced';
    const inGrace = this.deps.clock.nowUs() - this.startedAtUs < this.config.startupGraceMs * 1000;
    const last = this.lastEventTimeUs;
    return {
      healthy: this.lifecycle !== 'failed' && (synced || inGrace || this.lifecycle === 'finished'),
      body: {
        runId: this.runId,
        mode: this.config.mode,
        state: this.lifecycle,
        bookSync: engine.syncState,
        eventsProcessed: this.eventsProcessed,
        lastEventTimeUs: last ?? null,
        lastEventTime: last === undefined ? null : new Date(Math.floor(last / 1000)).toISOString(),
        workingOrders: engine.workingOrders().length,
        inventoryLots: engine.inventoryLots,
        invariantViolations: engine.counters.invariantViolations,
        engineId: this.config.engineId,
        riskState: engine.risk.state,
        riskReason: engine.risk.reason,
        store: this.storeHealth(),
      },
    };
  }

  /** The run store's state for /healthz and /metrics (docs/adr/0018-engine-store-outage.md). */
  private storeHealth(): {
    outage: boolean;
    outageMs: number;
    bufferedRows: number;
    retries: number;
    pendingRiskEvents: number;
  } {
    const f = this.flusher;
    return {
      outage: f.outage !== undefined,
      outageMs: Math.round(f.outageMs()),
      bufferedRows: f.bufferedRows,
      retries: f.retries,
      pendingRiskEvents: this.risk?.pendingEvents ?? 0,
    };
  }

  private totals(driver: EngineDriver): EngineTotals {
    const engine = driver.engine;
    const c = engine.counters;
    return {
      events: c.events,
      quotes: c.quotesPlaced,
      fills: c.fills,
      cancels: c.cancelsSent,
      resyncs: this.resyncs,
      inventoryLots: engine.inventoryLots,
      netPnlQuote: engine.netPnlQuote(),
      workingOrders: engine.workingOrders().length,
      bookSynced: engine.syncState === 'synced',
      riskState: engine.risk.state,
      store: this.storeHealth(),
    };
  }

  /** Wall ms now, never before the start (the DB checks ended >= started). */
  private endedAtMs(): number {
    return Math.max(Math.floor(this.deps.clock.nowUs() / 1000), Math.floor(this.startedAtUs / 1000));
  }
}

/** One-line error text for the run record: `Name CODE: message` (bounded). */
function describe(err: unknown): string {
  const text = isMmflowError(err)
    ? `${err.name} ${err.code}: ${err.message}`
    : err instanceof Error
      ? `${err.name}: ${err.message}`
      : String(err);
  return text.slice(0, 1000);
}
