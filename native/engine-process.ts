/**
 * The always-on quoting engine process: one run of the `QuotingEngine` over a market feed, recorded in
 * PostgreSQL and observable over HTTP. Only configuration differs between modes:
 *
 * | mode   | feed                                  | venue                     | engine clock |
 * |--------|---------------------------------------|---------------------------|--------------|
 * | replay | recorded session, paced (fast/recorded) | SimulatedVenue (ReplaySession) | market time |
 * | paper  | ccxt pro watchOrderBook/watchTrades   | SimulatedVenue (ReplaySession) | market time |
 * | live   | ccxt pro watchOrderBook/watchTrades   | CcxtVenue (real orders)   | wall time    |
 *
 * Life of a run: read the model version from the registry → start the run row → serve /healthz and
 * /metrics → loop over events (step the driver; rows buffered, flushed every `flushIntervalMs` and
 * when 5,000 are pending) → on end of data or abort: pull every quote (cancel all, wait for acks up
 * to `cancelDeadlineMs`), final flush, finish the run row with the KPIs, close the server.
 *
 * Failure: a malformed event, an invariant violation or a failed DB write stops the loop; quotes are
 * pulled first, then the run is marked failed (`runStatus: 'failed'`) and the promise rejects with
 * the original error. KPIs are those of the last processed event (the pull is shutdown, not strategy,
 * so a replay's KPIs equal `runBacktest`'s on the same events).
 */
import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { isMmflowError } from '../core/errors.ts';
import type { EngineCounters } from '../core/engine/quoting-engine.ts';
import type { Instrument } from '../core/instrument.ts';
import type { MarketEvent, MarketKind } from '../core/market-events.ts';
import type { Kpis } from '../core/metrics/kpis.ts';
import type { Clock } from '../core/ports.ts';
import { parseModelParams, type AsV1AlphaParams } from '../core/quoting/model-params.ts';
import type { Queryable } from '../db/queryable.ts';
import { getModelVersion } from '../db/repositories/models.ts';
import { errorFields, type Log } from '../infra/log.ts';
import { getInstrument, instrumentForSession } from '../venues/instruments.ts';
import { PermanentError } from '../core/errors.ts';
import type { EngineConfig, EngineMode } from './config.ts';
import { LiveDriver, SimDriver, type EngineDriver, type SessionTap } from './drivers.ts';
import { CcxtMarketFeed } from './feeds/ccxt-feed.ts';
import { paceEvents, type Sleeper } from './feeds/recorded-feed.ts';
import { findSession, streamSessionEvents } from './feeds/session-events.ts';
import { startHttpServer, type EngineHttpServer, type HealthReport } from './http-server.ts';
import { createEngineMetrics, EngineMetricsSync } from './metrics.ts';
import { PgRunStore } from './pg-run-store.ts';
import { RunRecorder } from './run-recorder.ts';
import { RowFlusher, type EngineRunStatus, type RowsWritten, type RunStore } from './run-store.ts';
import { systemSleep } from './system-clock.ts';
import { createCcxtClient, type CcxtClient } from './venues/ccxt-client.ts';
import { CcxtVenue } from './venues/ccxt-venue.ts';

/** Flush as soon as this many rows are pending, whatever the interval. */
const MAX_PENDING_ROWS = 5_000;
/** In fast replay, yield to the event loop (HTTP, timers) at least this often, wall µs. */
const YIELD_EVERY_US = 20_000;

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
  /** ccxt client factory for paper/live (default: ccxt pro Binance). */
  readonly createExchange?: (instrument: Instrument, config: EngineConfig) => CcxtClient;
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
  readonly kpis: Kpis;
  readonly counters: Readonly<EngineCounters>;
  /** Orders still working after the final pull (0 unless acks missed the deadline). */
  readonly workingOrdersAtEnd: number;
  /** Book resyncs requested (transitions to out-of-sync). */
  readonly resyncs: number;
  /** Rows written to the DB (orders count each upsert). */
  readonly rowsWritten: Readonly<RowsWritten>;
  /** Exchange (else receive) time of the last event, Unix epoch µs; null with no event. */
  readonly lastEventTimeUs: number | null;
  readonly httpPort: number;
}

interface Resolved {
  readonly instrument: Instrument;
  readonly market: MarketKind;
  readonly params: AsV1AlphaParams;
  readonly session: string | undefined;
}

/**
 * Runs the quoting engine until its feed ends (replay) or `deps.signal` aborts.
 * @returns the run summary (status `completed` or `aborted`).
 * @throws PermanentError `MODEL_NOT_FOUND` / ModelParamsError / `SESSION_NOT_FOUND` before the run
 *   starts; after it started, the error that stopped it (the run is then marked failed).
 */
export async function runQuotingEngine(config: EngineConfig, deps: EngineDeps): Promise<EngineRunSummary> {
  const { log, clock, signal } = deps;
  const sleep = deps.sleep ?? systemSleep;
  const resolved = await resolveRun(config, deps.db);
  const { instrument, market, params } = resolved;
  const startedAtUs = clock.nowUs();
  const runId = `${config.mode}-${instrument.symbol.toLowerCase()}-${Math.floor(startedAtUs / 1000)}-${randomUUID().slice(0, 8)}`;
  const clientIdPrefix = `mm${Math.floor(startedAtUs / 1000).toString(36)}`;
  const store = deps.store ?? new PgRunStore(deps.db, instrument);
  const recorder = new RunRecorder();
  const flusher = new RowFlusher(store, runId, recorder, sleep, log);
  const metrics = createEngineMetrics({ mode: config.mode, symbol: instrument.symbol });
  const metricsSync = new EngineMetricsSync(metrics);

  let actionsSent = 0;
  // The tap is built before the driver it observes; it reads the engine's current intent through this.
  const current: { driver: EngineDriver | undefined } = { driver: undefined };
  const tap: SessionTap = {
    onAction: (action, nowUs) => {
      actionsSent++;
      recorder.onAction(action, current.driver?.engine.lastIntent, nowUs);
    },
    onReport: (report) => recorder.onReport(report),
  };

  let exchange: CcxtClient | undefined;
  let feed: AsyncIterable<MarketEvent>;
  let requestSnapshot: (() => void) | undefined;
  let liveVenue: CcxtVenue | undefined;
  let listenerFailure: unknown;
  const feedAbort = new AbortController();
  const onAbort = (): void => feedAbort.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted === true) feedAbort.abort();

  if (config.mode === 'replay') {
    const session = findSession(config.dataDir, resolved.session ?? '');
    feed = paceEvents(streamSessionEvents(session, instrument), {
      pace: config.pace,
      clock,
      sleep,
      signal: feedAbort.signal,
    });
  } else {
    exchange = (deps.createExchange ?? ((ins, cfg) => createCcxtClient(ins, cfg.credentials)))(
      instrument,
      config,
    );
    await exchange.loadMarkets();
    const ccxtFeed = new CcxtMarketFeed({
      client: exchange,
      instrument,
      clock,
      sleep,
      log,
      signal: feedAbort.signal,
    });
    feed = ccxtFeed;
    requestSnapshot = () => ccxtFeed.requestSnapshot();
  }

  const driverOptions = { instrument, market, params, clientIdPrefix, tap };
  let driver: EngineDriver;
  if (config.mode === 'live') {
    const client = exchange;
    if (client === undefined)
      throw new PermanentError('CONFIG_INVALID', 'live mode needs an exchange client', {});
    const secrets =
      config.credentials === undefined ? [] : [config.credentials.apiKey, config.credentials.apiSecret];
    driver = new LiveDriver({
      ...driverOptions,
      clock,
      sleep,
      createVenue: (onReport) => {
        liveVenue = new CcxtVenue({
          client,
          instrument,
          clock,
          sleep,
          log,
          onReport,
          onListenerError: (err) => {
            listenerFailure ??= err;
          },
          secrets,
        });
        liveVenue.start();
        return liveVenue;
      },
    });
  } else {
    driver = new SimDriver({
      ...driverOptions,
      entryLatencyUs: config.orderLatencyUs,
      cancelLatencyUs: config.cancelLatencyUs,
    });
  }
  current.driver = driver;
  const engine = driver.engine;

  let lifecycle: EngineLifecycle = 'starting';
  let eventsProcessed = 0;
  let lastEventTimeUs: number | undefined;
  let resyncs = 0;
  const totals = () => ({
    events: engine.counters.events,
    quotes: engine.counters.quotesPlaced,
    fills: engine.counters.fills,
    cancels: engine.counters.cancelsSent,
    resyncs,
    inventoryLots: engine.inventoryLots,
    netPnlQuote: engine.netPnlQuote(),
    workingOrders: engine.workingOrders().length,
    bookSynced: engine.syncState === 'synced',
  });
  const health = (): HealthReport => {
    const synced = engine.syncState === 'synced';
    const inGrace = clock.nowUs() - startedAtUs < config.startupGraceMs * 1000;
    const healthy = lifecycle !== 'failed' && (synced || inGrace || lifecycle === 'finished');
    return {
      healthy,
      body: {
        runId,
        mode: config.mode,
        state: lifecycle,
        bookSync: engine.syncState,
        eventsProcessed,
        lastEventTimeUs: lastEventTimeUs ?? null,
        lastEventTime:
          lastEventTimeUs === undefined ? null : new Date(Math.floor(lastEventTimeUs / 1000)).toISOString(),
        workingOrders: engine.workingOrders().length,
        inventoryLots: engine.inventoryLots,
      },
    };
  };

  await store.startRun({
    runId,
    mode: config.mode,
    modelVersionId: config.modelVersionId,
    session: resolved.session,
    venue: instrument.venue,
    symbol: instrument.symbol,
    startedAtMs: Math.floor(startedAtUs / 1000),
  });
  let server: EngineHttpServer;
  try {
    server = await startHttpServer({
      host: config.httpHost,
      port: config.httpPort,
      health,
      registry: metrics.registry,
      beforeScrape: () => metricsSync.sync(totals()),
    });
  } catch (err) {
    await store.finishRun(runId, {
      status: 'failed',
      endedAtMs: Math.floor(clock.nowUs() / 1000),
      kpis: driver.kpis(),
      error: describe(err),
    });
    throw err;
  }
  log.info(
    { runId, mode: config.mode, symbol: instrument.symbol, model: config.modelVersionId, port: server.port },
    'engine run started',
  );
  deps.onStarted?.({ runId, httpUrl: server.url });

  const flushTimer = setInterval(() => {
    flusher.flush().catch(() => undefined); // the failure is kept and fails the loop
  }, config.flushIntervalMs);
  flushTimer.unref();

  let failure: unknown;
  let finalKpis: Kpis | undefined;
  lifecycle = 'running';
  try {
    let lastYieldUs = clock.nowUs();
    let wasOutOfSync = false;
    for await (const ev of feed) {
      const t0 = clock.nowUs();
      const before = actionsSent;
      driver.step(ev);
      if (actionsSent > before) metrics.tickToQuoteUs.observe(clock.nowUs() - t0);
      eventsProcessed++;
      lastEventTimeUs = ev.exchTimeMs === undefined ? ev.recvTimeUs : ev.exchTimeMs * 1000;
      const outOfSync = engine.syncState === 'out-of-sync';
      if (outOfSync && !wasOutOfSync) {
        resyncs++;
        requestSnapshot?.();
      }
      wasOutOfSync = outOfSync;
      if (listenerFailure !== undefined) throw listenerFailure;
      if (flusher.failure !== undefined) throw flusher.failure;
      if (recorder.pendingRows >= MAX_PENDING_ROWS) await flusher.flush();
      if (feedAbort.signal.aborted) break;
      if (clock.nowUs() - lastYieldUs >= YIELD_EVERY_US) {
        await yieldToEventLoop();
        lastYieldUs = clock.nowUs();
      }
    }
    finalKpis = driver.kpis();
  } catch (err) {
    failure = err;
    finalKpis = driver.kpis();
    log.error({ runId, err: errorFields(err), eventsProcessed }, 'engine loop failed; pulling quotes');
  }

  lifecycle = failure === undefined ? 'stopping' : 'failed';
  const status: EngineRunStatus =
    failure !== undefined ? 'failed' : feedAbort.signal.aborted ? 'aborted' : 'completed';
  let workingOrdersAtEnd = engine.workingOrders().length;
  try {
    workingOrdersAtEnd = await driver.pullAll(config.cancelDeadlineMs);
    if (workingOrdersAtEnd > 0)
      log.error({ runId, workingOrdersAtEnd }, 'orders still working after the cancel deadline');
  } catch (err) {
    log.error({ runId, err: errorFields(err) }, 'pulling quotes failed');
    failure ??= err;
  }
  clearInterval(flushTimer);
  feedAbort.abort();
  signal?.removeEventListener('abort', onAbort);
  try {
    await liveVenue?.stop();
    await exchange?.close();
  } catch (err) {
    log.warn({ runId, err: errorFields(err) }, 'closing the exchange client failed');
  }
  try {
    await flusher.flush();
  } catch (err) {
    failure ??= err;
  }
  const kpis = finalKpis;
  const endStatus: EngineRunStatus = failure === undefined ? status : 'failed';
  try {
    await store.finishRun(runId, {
      status: endStatus,
      endedAtMs: Math.max(Math.floor(clock.nowUs() / 1000), Math.floor(startedAtUs / 1000)),
      kpis,
      error: failure === undefined ? undefined : describe(failure),
    });
  } catch (err) {
    log.error({ runId, err: errorFields(err) }, 'recording the end of the run failed');
    failure ??= err;
  }
  metricsSync.sync(totals());
  lifecycle = failure === undefined ? 'finished' : 'failed';
  await server.close();
  if (failure !== undefined) throw failure;
  log.info(
    { runId, status: endStatus, events: eventsProcessed, quotes: kpis.quotes, fills: kpis.fills },
    'engine run finished',
  );
  return {
    runId,
    mode: config.mode,
    status: endStatus === 'aborted' ? 'aborted' : 'completed',
    modelVersionId: config.modelVersionId,
    venue: instrument.venue,
    symbol: instrument.symbol,
    session: resolved.session,
    kpis,
    counters: { ...engine.counters },
    workingOrdersAtEnd,
    resyncs,
    rowsWritten: { ...flusher.written },
    lastEventTimeUs: lastEventTimeUs ?? null,
    httpPort: server.port,
  };
}

/** Model version → typed params; replay session or venue/symbol → instrument. */
async function resolveRun(config: EngineConfig, db: Queryable): Promise<Resolved> {
  const version = await getModelVersion(db, config.modelVersionId);
  if (version === undefined) {
    throw new PermanentError(
      'MODEL_NOT_FOUND',
      `model version ${config.modelVersionId} is not in the registry`,
      {
        modelVersionId: config.modelVersionId,
      },
    );
  }
  const params = parseModelParams(version.params, `model_versions ${version.id} params`);
  if (config.mode === 'replay') {
    const session = findSession(config.dataDir, config.session ?? '');
    const instrument = instrumentForSession(session);
    return { instrument, market: session.market, params, session: session.prefix };
  }
  if (config.venue === undefined || config.symbol === undefined) {
    throw new PermanentError('CONFIG_INVALID', `${config.mode} mode needs a venue and a symbol`, {});
  }
  const instrument = getInstrument(config.venue, config.symbol);
  return {
    instrument,
    market: config.venue === 'binance-spot' ? 'spot' : 'usdm',
    params,
    session: undefined,
  };
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
