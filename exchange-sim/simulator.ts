/**
 * The exchange simulator assembled: recorded sessions → replays, accounts on the replays' fill models,
 * the pacer, and the server. `startExchangeSimulator` returns the URLs to point ccxt at.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { PermanentError } from '../core/errors.ts';
import type { Instrument } from '../core/instrument.ts';
import { instrumentForSession } from '../venues/instruments.ts';
import { listSessions } from '../venues/binance/recorded.ts';
import { Account } from './account.ts';
import type { IdSource } from './orders.ts';
import { FuturesAccount } from './futures-account.ts';
import { checkUniqueKeys, type AccountSpec } from './accounts-config.ts';
import type { FaultSpec } from './fault-spec.ts';
import { FaultInjector } from './faults.ts';
import { ledgerOf, type Ledger } from './ledger.ts';
import { ListenKeys } from './listen-keys.ts';
import { Pacer } from './pacer.ts';
import { BINANCE_USDM_LIMITS, RateLimiter, type RateLimitOptions } from './rate-limits.ts';
import { loadFeed } from './recorded-feed.ts';
import { createSimServer } from './server.ts';
import { StreamHub } from './stream-hub.ts';
import { SymbolReplay } from './symbol-replay.ts';
import { simulatorUrls, type SimulatorUrls } from './urls.ts';

/** Options of the simulator. */
export interface ExchangeSimOptions {
  /** Recorded data folder (layout of /work/shared/data). */
  readonly dataDir: string;
  /** Session prefixes (or unique leading parts of them), one per symbol. */
  readonly sessions: readonly string[];
  /** × recorded pace (> 0). */
  readonly speed: number;
  readonly loop: boolean;
  /** TCP port (0 = any free port). */
  readonly port: number;
  readonly host: string;
  readonly accounts: readonly AccountSpec[];
  /** Request-weight and order-rate limits per API key (default Binance spot's: 6000/min, 100 orders/10 s). */
  readonly limits?: RateLimitOptions;
  /** The same for the USDⓈ-M endpoints (default Binance's: 2400/min, 300 orders/10 s). */
  readonly usdmLimits?: RateLimitOptions;
  /** Do not start the pacer (tests step the replays themselves). Default false. */
  readonly manual?: boolean;
  /** Faults applied at start (CLI `--fault`), in order. */
  readonly faults?: readonly FaultSpec[];
}

/** A running simulator. */
export interface ExchangeSim {
  readonly urls: SimulatorUrls;
  /** Spot replays by symbol (tests step them in manual mode). */
  readonly replays: ReadonlyMap<string, SymbolReplay>;
  /** USDⓈ-M replays by symbol. */
  readonly usdmReplays: ReadonlyMap<string, SymbolReplay>;
  readonly accounts: ReadonlyMap<string, Account>;
  /** USDⓈ-M accounts by API key (wallet: the spec's USDT balance, separate from spot's). */
  readonly futuresAccounts: ReadonlyMap<string, FuturesAccount>;
  readonly pacer: Pacer;
  /** Fault injection (./faults.ts); also `POST /admin/faults` on loopback. */
  readonly faults: FaultInjector;
  /**
   * The orders and fills of an API key on a market (also `GET /admin/ledger`).
   * @throws PermanentError `CONFIG` for an unknown API key.
   */
  ledger(apiKey: string, market: 'spot' | 'usdm'): Ledger;
  /** Whether a market stream (canonical name, e.g. `btcusdt@depth`) has a subscriber. */
  hasStreamSubscribers(market: 'spot' | 'usdm', stream: string): boolean;
  close(): Promise<void>;
}

/**
 * Loads the sessions, builds accounts and starts serving.
 * @throws PermanentError `CONFIG` for an unknown or ambiguous session, two sessions of one market and
 *   symbol or duplicate API keys; `NO_SNAPSHOT` for a session without snapshot.
 */
export async function startExchangeSimulator(opts: ExchangeSimOptions): Promise<ExchangeSim> {
  checkUniqueKeys(opts.accounts);
  const all = listSessions(opts.dataDir);
  const replays = new Map<string, SymbolReplay>();
  const usdmReplays = new Map<string, SymbolReplay>();
  for (const wanted of opts.sessions) {
    const matches = all.filter((s) => s.prefix === wanted || s.prefix.startsWith(wanted));
    const session = matches.length === 1 ? matches[0] : matches.find((s) => s.prefix === wanted);
    if (session === undefined) {
      throw new PermanentError(
        'CONFIG',
        `session "${wanted}": ${matches.length} matches in ${opts.dataDir}`,
        { wanted },
      );
    }
    const byMarket = session.market === 'spot' ? replays : usdmReplays;
    if (byMarket.has(session.symbol)) {
      throw new PermanentError('CONFIG', `two ${session.market} sessions of ${session.symbol}`, {});
    }
    const instrument = instrumentForSession(session);
    byMarket.set(
      session.symbol,
      new SymbolReplay(instrument, session.market, await loadFeed(session, instrument)),
    );
  }
  const faults = new FaultInjector();
  for (const f of opts.faults ?? []) faults.apply(f);
  // The server clock: the wall clock (clients sign with theirs) plus any injected skew.
  const nowMs = (): number => faults.serverNowMs();
  let orderIds = 0;
  let tradeIds = 0;
  const ids: IdSource = { nextOrderId: () => ++orderIds, nextTradeId: () => ++tradeIds };
  const accounts = new Map(
    opts.accounts.map(
      (a) => [a.apiKey, new Account(a.apiKey, a.secret, a.balances, replays, ids, nowMs)] as const,
    ),
  );
  const futuresAccounts = new Map(
    opts.accounts.map(
      (a) =>
        [
          a.apiKey,
          new FuturesAccount(a.apiKey, a.secret, a.balances['USDT'] ?? 0, usdmReplays, ids, nowMs),
        ] as const,
    ),
  );
  const hub = new StreamHub();
  for (const r of replays.values()) {
    const sink = faults.marketSink(
      'spot',
      r.symbol,
      (m) => hub.publish(m),
      (s) => hub.hasSubscribers(s),
    );
    r.addListener(sink);
  }
  const usdmHub = new StreamHub();
  for (const r of usdmReplays.values()) {
    const sink = faults.marketSink(
      'usdm',
      r.symbol,
      (m) => usdmHub.publish(m),
      (s) => usdmHub.hasSubscribers(s),
    );
    r.addListener(sink);
  }
  const instrumentOf = (symbol: string): Instrument => {
    const r = replays.get(symbol);
    if (r === undefined) throw new PermanentError('CONFIG', `no session of ${symbol}`, { symbol });
    return r.instrument;
  };
  const ledgerOrUndefined = (apiKey: string, market: 'spot' | 'usdm'): Ledger | undefined => {
    const byMarket = market === 'spot' ? replays : usdmReplays;
    const account = market === 'spot' ? accounts.get(apiKey) : futuresAccounts.get(apiKey);
    if (account === undefined) return undefined;
    return ledgerOf(account, market, (symbol) => {
      const ins = byMarket.get(symbol)?.instrument;
      if (ins === undefined)
        throw new PermanentError('CONFIG', `no ${market} session of ${symbol}`, { symbol });
      return ins;
    });
  };
  const { server, destroyUpgraded } = createSimServer({
    spot: {
      replays,
      accounts,
      listenKeys: new ListenKeys(),
      nowMs,
      limiter: new RateLimiter(opts.limits),
      rejectNext: () => faults.takeReject('spot'),
    },
    spotHub: hub,
    usdm: {
      replays: usdmReplays,
      accounts: futuresAccounts,
      listenKeys: new ListenKeys(),
      nowMs,
      limiter: new RateLimiter(opts.usdmLimits ?? BINANCE_USDM_LIMITS),
      rejectNext: () => faults.takeReject('usdm'),
    },
    usdmHub,
    instrumentOf,
    faults,
    admin: { faults, ledger: ledgerOrUndefined },
  });
  const port = await listen(server, opts.port, opts.host);
  const pacer = new Pacer([...replays.values(), ...usdmReplays.values()], {
    speed: opts.speed,
    loop: opts.loop,
  });
  if (opts.manual !== true) pacer.start();
  return {
    urls: simulatorUrls(opts.host, port),
    replays,
    usdmReplays,
    accounts,
    futuresAccounts,
    pacer,
    faults,
    hasStreamSubscribers: (market, stream) => (market === 'spot' ? hub : usdmHub).hasSubscribers(stream),
    ledger: (apiKey, market) => {
      const l = ledgerOrUndefined(apiKey, market);
      if (l === undefined) throw new PermanentError('CONFIG', `no account with API key ${apiKey}`, {});
      return l;
    },
    close: async () => {
      pacer.stop();
      destroyUpgraded();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}
