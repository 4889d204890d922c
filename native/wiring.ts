/**
 * Per-mode wiring of the engine process: which feed, which driver, which venue. This is the only place
 * where the modes differ (see the table in ./engine-process.ts).
 */
import type { Instrument } from '../core/instrument.ts';
import type { MarketEvent, MarketKind } from '../core/market-events.ts';
import type { Clock } from '../core/ports.ts';
import { PermanentError } from '../core/errors.ts';
import {
  alphaParamsOf,
  parseModelParams,
  type AlphaSource,
  type ModelParams,
} from '../core/quoting/model-params.ts';
import type { AlphaModel } from '../core/alpha/alpha-model.ts';
import type { Queryable } from '../db/queryable.ts';
import { getModelVersion } from '../db/repositories/models.ts';
import type { Log } from '../infra/log.ts';
import type { RecordedSession } from '../venues/binance/recorded.ts';
import { getInstrument, instrumentAtFeeTier, instrumentForSession } from '../venues/instruments.ts';
import type { EngineConfig } from './config.ts';
import { LiveDriver, SimDriver, type EngineDriver, type SessionTap } from './drivers.ts';
import { AlphaRequester } from './alpha-requests.ts';
import { BinanceStreamFeed, ccxtSnapshotFetcher } from './feeds/binance-stream-feed.ts';
import { paceEvents, type Sleeper } from './feeds/recorded-feed.ts';
import { findSession, streamSessionEvents } from './feeds/session-events.ts';
import { createCcxtClient, type CcxtClient } from './venues/ccxt-client.ts';
import { CcxtVenue } from './venues/ccxt-venue.ts';
import { venueEndpoints } from './venues/endpoints.ts';

/** What a run trades and with which parameters. */
export interface ResolvedRun {
  readonly instrument: Instrument;
  readonly market: MarketKind;
  readonly params: ModelParams;
  /** The recorded session (replay only). */
  readonly session: RecordedSession | undefined;
}

/**
 * Reads the model version from the registry and resolves the instrument (from the session in replay,
 * from venue + symbol otherwise).
 * @throws PermanentError `MODEL_NOT_FOUND`, `SESSION_NOT_FOUND`/`SESSION_AMBIGUOUS`,
 *   `UNKNOWN_INSTRUMENT`, `UNKNOWN_FEE_TIER` (MMFLOW_FEE_TIER); ModelParamsError for parameters the model
 *   cannot use.
 */
export async function resolveRun(config: EngineConfig, db: Queryable): Promise<ResolvedRun> {
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
  const atTier = (i: Instrument): Instrument =>
    config.feeTier === undefined ? i : instrumentAtFeeTier(i, config.feeTier);
  if (config.mode === 'replay') {
    const session = findSession(config.dataDir, config.session ?? '');
    return { instrument: atTier(instrumentForSession(session)), market: session.market, params, session };
  }
  if (config.venue === undefined || config.symbol === undefined) {
    throw new PermanentError('CONFIG_INVALID', `${config.mode} mode needs a venue and a symbol`, {});
  }
  const market = config.venue === 'binance-spot' ? 'spot' : 'usdm';
  return {
    instrument: atTier(getInstrument(config.venue, config.symbol)),
    market,
    params,
    session: undefined,
  };
}

/** Everything `buildRuntime` needs besides the config. */
export interface RuntimeOptions {
  readonly clock: Clock;
  readonly sleep: Sleeper;
  readonly log: Log;
  /** Ends the feed when aborted. */
  readonly signal: AbortSignal;
  readonly tap: SessionTap;
  readonly clientIdPrefix: string;
  readonly createExchange: ((instrument: Instrument, config: EngineConfig) => CcxtClient) | undefined;
  /**
   * Loads the alpha model of a model version with an alpha term (the ONNX loader, which checks the
   * artifact's sha256); required for such versions.
   */
  readonly loadAlphaModel?: ((alpha: AlphaSource) => Promise<AlphaModel>) | undefined;
}

/** A wired run: its feed and driver, plus the mode-specific hooks. */
export interface Runtime {
  readonly feed: AsyncIterable<MarketEvent>;
  readonly driver: EngineDriver;
  /** Asks the feed for a fresh snapshot (no-op for recorded data, which has its own). */
  requestSnapshot(): void;
  /** An error raised asynchronously inside the venue adapter's report path, if any. */
  asyncFailure(): unknown;
  /**
   * Stale-feed watchdog input (paper/live): ms since the last depth message at wall `nowUs`, Infinity
   * while the stream is down; undefined before the first depth. Absent in replay (no watchdog).
   */
  feedSilenceMs?(nowUs: number): number | undefined;
  /** Stops the own-trades stream, closes the exchange client (not in replay) and the alpha model. */
  close(): Promise<void>;
  /** Live only: the account to reconcile (native/reconcile.ts); undefined in replay and paper. */
  readonly liveAccount?: LiveAccount;
}

/** What reconciliation needs of a live run: the exchange client and the venue adapter's order re-check. */
export interface LiveAccount {
  readonly client: CcxtClient;
  /** Asks the venue about one of our orders and settles it (CcxtVenue.recheck). */
  recheck(clientOrderId: string): Promise<void>;
  /** Back-fills own trades the stream missed (CcxtVenue.backfillOwnTrades); @returns new trades. */
  backfill?(): Promise<number>;
}

/**
 * The alpha requester of a model with an alpha term (undefined without one): awaited in replay,
 * asynchronous in paper and live (./alpha-requests.ts).
 * @throws PermanentError `ALPHA_MODEL_UNAVAILABLE` when the model needs one and no loader was given.
 */
async function alphaRequester(
  config: EngineConfig,
  params: ModelParams,
  o: RuntimeOptions,
): Promise<AlphaRequester | undefined> {
  const alpha = alphaParamsOf(params);
  if (alpha === undefined) return undefined;
  if (o.loadAlphaModel === undefined) {
    throw new PermanentError(
      'ALPHA_MODEL_UNAVAILABLE',
      `model version ${config.modelVersionId} has an alpha term (${alpha.artifactPath}) but the engine has no alpha model loader`,
      { modelVersionId: config.modelVersionId, artifactPath: alpha.artifactPath },
    );
  }
  const model = await o.loadAlphaModel(alpha);
  return new AlphaRequester(model, config.mode === 'replay' ? 'await' : 'async', o.log);
}

/**
 * Builds the feed and the driver of the configured mode. For paper/live, creates the ccxt client and
 * loads its markets first. Loads the alpha model first when the model version has an alpha term.
 * @throws PermanentError `ALPHA_MODEL_UNAVAILABLE` (see `alphaRequester`).
 */
export async function buildRuntime(
  config: EngineConfig,
  run: ResolvedRun,
  o: RuntimeOptions,
): Promise<Runtime> {
  const { instrument, market, params } = run;
  const alpha = await alphaRequester(config, params, o);
  const closeAlpha = async (): Promise<void> => {
    await alpha?.close();
  };
  const driverOptions = {
    instrument,
    market,
    params,
    clientIdPrefix: o.clientIdPrefix,
    tap: o.tap,
    fastTouch: config.fastTouch,
    ...(alpha === undefined ? {} : { alpha }),
  };
  const sim = (): SimDriver =>
    new SimDriver({
      ...driverOptions,
      entryLatencyUs: config.orderLatencyUs,
      cancelLatencyUs: config.cancelLatencyUs,
    });

  if (config.mode === 'replay') {
    const session = run.session ?? findSession(config.dataDir, config.session ?? '');
    const events = streamSessionEvents(session, instrument, config.fastTouch);
    return {
      feed: paceEvents(events, { pace: config.pace, clock: o.clock, sleep: o.sleep, signal: o.signal }),
      driver: sim(),
      requestSnapshot: () => undefined,
      asyncFailure: () => undefined,
      close: closeAlpha,
    };
  }

  const exchange = (
    o.createExchange ?? ((ins, cfg) => createCcxtClient(ins, cfg.credentials, cfg.exchangeUrl, o.log))
  )(instrument, config);
  await exchange.loadMarkets();
  // Raw Binance streams + REST snapshots through ccxt's rate limiter (docs/adr/0013-live-book-feed.md).
  const feed = new BinanceStreamFeed({
    instrument,
    streamBaseUrl: venueEndpoints(instrument.venue, config.exchangeUrl).streamBaseUrl,
    fetchSnapshot: ccxtSnapshotFetcher(exchange, instrument),
    resnapshotMs: config.resnapshotMs,
    clock: o.clock,
    sleep: o.sleep,
    log: o.log,
    signal: o.signal,
  });
  if (config.mode === 'paper') {
    return {
      feed,
      driver: sim(),
      requestSnapshot: () => feed.requestSnapshot(),
      feedSilenceMs: (nowUs) => feed.silenceMs(nowUs),
      asyncFailure: () => undefined,
      close: async () => {
        await exchange.close();
        await closeAlpha();
      },
    };
  }

  let venue: CcxtVenue | undefined;
  let failure: unknown;
  const secrets =
    config.credentials === undefined ? [] : [config.credentials.apiKey, config.credentials.apiSecret];
  const driver = new LiveDriver({
    ...driverOptions,
    clock: o.clock,
    sleep: o.sleep,
    onResyncRequested: () => feed.requestSnapshot(),
    createVenue: (onReport) => {
      venue = new CcxtVenue({
        client: exchange,
        instrument,
        clock: o.clock,
        sleep: o.sleep,
        log: o.log,
        onReport,
        onListenerError: (err) => {
          failure ??= err;
        },
        secrets,
      });
      venue.start();
      return venue;
    },
  });
  return {
    feed,
    driver,
    requestSnapshot: () => feed.requestSnapshot(),
    feedSilenceMs: (nowUs) => feed.silenceMs(nowUs),
    asyncFailure: () => failure,
    liveAccount: {
      client: exchange,
      recheck: (id) => venue?.recheck(id) ?? Promise.resolve(),
      backfill: () => venue?.backfillOwnTrades('reconcile-inventory-diff') ?? Promise.resolve(0),
    },
    close: async () => {
      venue?.stop();
      await exchange.close();
      await closeAlpha();
    },
  };
}
