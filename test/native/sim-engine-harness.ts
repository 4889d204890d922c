/**
 * The quoting engine against the exchange simulator, as an operator runs it: `runQuotingEngine` in
 * paper or live mode with `--exchange-url` pointing at a simulator that replays a recorded session, the
 * production ccxt client factory and live feed, real PostgreSQL. Nothing is stubbed: only
 * configuration differs from trading Binance.
 *
 * Time: the simulator replays at `speed` × the recorded pace, so the engine is given a clock that runs
 * `speed` × wall time (`ScaledClock`): its signal windows, equity sampling and risk windows then see
 * the session's own pace, and its KPIs are comparable with the backtest of the session.
 */
import type { Pool } from 'pg';
import { runBacktest, type BacktestReport } from '../../core/backtest/backtester.ts';
import type { ModelParams } from '../../core/quoting/model-params.ts';
import { registerModelVersion } from '../../db/repositories/models.ts';
import type { AccountSpec } from '../../exchange-sim/accounts-config.ts';
import { startExchangeSimulator, type ExchangeSim } from '../../exchange-sim/simulator.ts';
import type { Log } from '../../infra/log.ts';
import { parseEngineConfig, type EngineConfig } from '../../native/config.ts';
import { ScaledClock } from '../../native/system-clock.ts';
import { runQuotingEngine, type EngineRunSummary } from '../../native/engine-process.ts';
import { listSessions, loadSessionEvents } from '../../venues/binance/recorded.ts';
import { instrumentForSession } from '../../venues/instruments.ts';
import { DATA } from '../exchange-sim/helpers.ts';

/** Re-exported for the tests that drive an engine against the simulator. */
export { ScaledClock };

/** A log that keeps every record as one JSON line (for scans and failure messages). */
export function capturingLog(): { readonly log: Log; readonly lines: string[] } {
  const lines: string[] = [];
  const put = (level: string) => (fields: object, msg: string) =>
    lines.push(JSON.stringify({ level, msg, ...fields }));
  return {
    log: { debug: put('debug'), info: put('info'), warn: put('warn'), error: put('error') },
    lines,
  };
}

/** What {@link runEngineOnSimulator} needs. */
export interface SimEngineOptions {
  readonly db: Pool;
  readonly databaseUrl: string;
  readonly mode: 'paper' | 'live';
  readonly session: string;
  readonly params: ModelParams;
  /** × recorded pace. */
  readonly speed: number;
  readonly account: AccountSpec;
  /** Extra environment of the engine (risk limits, kill token, engine id…). */
  readonly env?: Readonly<Record<string, string>>;
  /** Simulated latencies of paper mode, µs. */
  readonly latencyUs?: number;
  readonly log: Log;
  /** Stop after this much wall time even if the replay has not ended, ms; default: the whole session. */
  readonly maxWallMs?: number;
  /** Called once the engine runs and the simulator's pacer started (inject faults from here). */
  readonly during?: (sim: ExchangeSim, engine: { readonly httpUrl: string }) => Promise<void>;
}

/** The run and what to compare it with. */
export interface SimEngineResult {
  readonly summary: EngineRunSummary;
  readonly config: EngineConfig;
  readonly sim: ExchangeSim;
  readonly modelId: string;
  /** Exchange time of the book the replay started from (the engine's first snapshot), Unix µs. */
  readonly startExchUs: number;
}

/**
 * Starts a simulator of `session` (paused), the engine against it, then the replay; stops the engine
 * once the replay has ended and the engine has seen no event for 1 s of wall time, or when `during`
 * resolves and the replay ended. The simulator is left running for the caller's ledger checks; the
 * caller closes it.
 */
export async function runEngineOnSimulator(o: SimEngineOptions): Promise<SimEngineResult> {
  const sim = await startExchangeSimulator({
    dataDir: DATA,
    sessions: [o.session],
    speed: o.speed,
    loop: false,
    port: 0,
    host: '127.0.0.1',
    accounts: [o.account],
    manual: true,
    // Binance's limits are per wall time; at `speed` × the recorded pace the session's order rate is
    // `speed` × too, so the limits scale with it (spot 6,000 weight/min, 100 orders/10 s; USDⓈ-M 2,400, 300).
    limits: { weightPerMinute: 6000 * o.speed, ordersPer10s: 100 * o.speed },
    usdmLimits: { weightPerMinute: 2400 * o.speed, ordersPer10s: 300 * o.speed },
  });
  try {
    const session = listSessions(DATA).find((s) => s.prefix === o.session);
    if (session === undefined) throw new Error(`session ${o.session} missing`);
    const modelId = (
      await registerModelVersion(o.db, {
        name: `sim-e2e-${o.mode}-${process.pid}-${Date.now()}`,
        kind: 'avellaneda-stoikov',
        params: o.params,
      })
    ).id;
    const config = parseEngineConfig(
      {
        mode: o.mode,
        venue: session.market === 'spot' ? 'binance-spot' : 'binance-usdm',
        symbol: session.symbol,
        model: modelId,
        dbUrl: o.databaseUrl,
        port: 0,
        exchangeUrl: sim.urls.http,
        orderLatencyUs: o.latencyUs ?? 5_000,
        cancelLatencyUs: o.latencyUs ?? 5_000,
      },
      {
        ...(o.mode === 'live'
          ? { MMFLOW_API_KEY: o.account.apiKey, MMFLOW_API_SECRET: o.account.secret }
          : {}),
        ...o.env,
      },
    );
    const stop = new AbortController();
    let lastEvents = -1;
    let httpUrl = '';
    let onStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (onStarted = resolve));
    const replay = sim.replays.values().next().value ?? sim.usdmReplays.values().next().value;
    if (replay === undefined) throw new Error('the simulator has no replay');
    // The engine's clock starts at the session's recorded time, so its receive times match the
    // exchange times the simulator replays.
    const runPromise: Promise<EngineRunSummary> = runQuotingEngine(config, {
      db: o.db,
      log: o.log,
      clock: new ScaledClock(replay.liveStartRecvUs, o.speed),
      signal: stop.signal,
      onStarted: (info) => {
        httpUrl = info.httpUrl;
        onStarted();
      },
    });
    await Promise.race([started, runPromise]);
    // The replay starts once the engine is subscribed: it then sees the session from its beginning.
    const market = session.market;
    const depthStream = `${session.symbol.toLowerCase()}@depth`;
    await waitFor(
      () => sim.hasStreamSubscribers(market, depthStream),
      20_000,
      'the engine did not subscribe to the depth stream',
    );
    const startExchUs = replay.exchTimeMs * 1000;
    sim.pacer.start();
    const endWallMs = Date.now() + (o.maxWallMs ?? 30 * 60_000);
    if (o.during !== undefined) await o.during(sim, { httpUrl });
    await waitFor(() => sim.pacer.finished || Date.now() >= endWallMs, 30 * 60_000, 'the replay did not end');
    if (!sim.pacer.finished) sim.pacer.stop();
    // Drain: the engine stops once no new event arrived for 1 s.
    for (;;) {
      const events = await eventsOf(httpUrl);
      if (events === lastEvents) break;
      lastEvents = events;
      await new Promise((r) => setTimeout(r, 1000));
    }
    stop.abort();
    const summary = await runPromise;
    return { summary, config, sim, modelId, startExchUs };
  } catch (err) {
    await sim.close();
    throw err;
  }
}

/**
 * The backtest of a session with the same params and simulated latencies, over the whole session or
 * over an exchange-time window [startUs, endUs) (µs).
 */
export async function backtestOf(
  sessionPrefix: string,
  params: ModelParams,
  latencyUs: number,
  window?: { readonly startUs: number; readonly endUs: number },
): Promise<BacktestReport> {
  const session = listSessions(DATA).find((s) => s.prefix === sessionPrefix);
  if (session === undefined) throw new Error(`session ${sessionPrefix} missing`);
  const instrument = instrumentForSession(session);
  return runBacktest(await loadSessionEvents(session, instrument), {
    instrument,
    market: session.market,
    params,
    entryLatencyUs: latencyUs,
    cancelLatencyUs: latencyUs,
    ...(window === undefined ? {} : { window }),
  });
}

async function eventsOf(httpUrl: string): Promise<number> {
  const res = await fetch(`${httpUrl}/healthz`);
  const body = (await res.json()) as { eventsProcessed?: unknown };
  return typeof body.eventsProcessed === 'number' ? body.eventsProcessed : -1;
}

/** Polls `cond` every 20 ms until true; throws `message` after `deadlineMs`. */
export async function waitFor(cond: () => boolean, deadlineMs: number, message: string): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(message);
    await new Promise((r) => setTimeout(r, 20));
  }
}
