/**
 * Set-up of the promotion benchmark (./promotion.ts): a PostgreSQL database of the benchmark's own and
 * an engine following a slot (`mmflow quote --slot ID`, native/slot/*) on an exchange simulator that
 * loops a recorded session, both in this process, as test/native/slot-follower.test.ts runs them.
 *
 * Database: DATABASE_URL when set, else the embedded PostgreSQL exactly as `mmflow start` brings it up
 * (infra/embedded/postgres.ts, state dir `<repo>/.mmflow`). The benchmark creates a fresh database
 * `mmflow_bench_promotion_<pid>` on that server, migrates it and drops it at the end, so its slots,
 * model versions and engine runs never mix with the operator's; where the server refuses CREATE
 * DATABASE (a restricted DATABASE_URL, PGlite) it uses the given database as is.
 */
import { Client, type Pool } from 'pg';
import { stateDir } from '../app/paths.ts';
import { createPool } from '../db/pool.ts';
import { migrateUp } from '../db/migrate.ts';
import type { AccountSpec } from '../exchange-sim/accounts-config.ts';
import { startExchangeSimulator, type ExchangeSim } from '../exchange-sim/simulator.ts';
import { resolveDatabase } from '../infra/embedded/postgres.ts';
import { silentLog, type Log } from '../infra/log.ts';
import { parseEngineConfig } from '../native/config.ts';
import { runQuotingEngine, type EngineRunSummary } from '../native/engine-process.ts';
import { loadSlotBinding } from '../native/slot/slot-config.ts';
import { ScaledClock } from '../native/system-clock.ts';

/** The benchmark's database. */
export interface BenchDatabase {
  readonly url: string;
  readonly db: Pool;
  /** Closes the pool, drops the fresh database (if one was made) and stops what was started. */
  stop(): Promise<void>;
}

/**
 * Resolves the server (module doc), creates and migrates the benchmark's database.
 * @throws Error when no database can be resolved or the migration fails.
 */
export async function startBenchDatabase(progress: (line: string) => void): Promise<BenchDatabase> {
  const resolved = await resolveDatabase({ env: process.env, stateDir: stateDir(), log: silentLog });
  const name = `mmflow_bench_promotion_${process.pid}`;
  const adminUrl = resolved.url;
  let url = resolved.url;
  let fresh = false;
  if (resolved.kind !== 'pglite') {
    const admin = new Client({ connectionString: adminUrl });
    try {
      await admin.connect();
      await admin.query(`CREATE DATABASE "${name}"`);
      const u = new URL(adminUrl);
      u.pathname = `/${name}`;
      url = u.toString();
      fresh = true;
    } catch (err) {
      progress(`cannot create a database of the bench's own (${String(err)}); using the resolved one`);
    } finally {
      await admin.end().catch(() => undefined);
    }
  }
  await migrateUp(url, silentLog);
  const db = createPool(url);
  progress(`database: ${resolved.kind}${fresh ? `, fresh database ${name}` : ''}`);
  return {
    url,
    db,
    async stop() {
      await db.end().catch(() => undefined);
      if (fresh) {
        const admin = new Client({ connectionString: adminUrl });
        try {
          await admin.connect();
          await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        } finally {
          await admin.end().catch(() => undefined);
        }
      }
      await resolved.stop();
    },
  };
}

/** A log record kept by {@link recordingLog}: the message and its fields. */
export interface LogRecord {
  readonly level: string;
  readonly msg: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/**
 * A log that hands every record to `onRecord` (the benchmark reads the engine's own figures from the
 * fields, e.g. `pauseUs` of "slot swap pause ended") and keeps the last 50 warnings and errors (the
 * expected "risk state changed" of a slot's halt aside).
 */
export function recordingLog(onRecord: (r: LogRecord) => void): {
  readonly log: Log;
  readonly problems: string[];
} {
  const problems: string[] = [];
  const put = (level: string) => (fields: object, msg: string) => {
    const rec: LogRecord = { level, msg, fields: fields as Record<string, unknown> };
    // The halts the slot orders are expected ("risk state changed" at every rollback), not problems.
    if ((level === 'warn' || level === 'error') && msg !== 'risk state changed') {
      problems.push(`${level} ${msg} ${JSON.stringify(fields)}`);
      if (problems.length > 50) problems.shift();
    }
    onRecord(rec);
  };
  return {
    log: { debug: put('debug'), info: put('info'), warn: put('warn'), error: put('error') },
    problems,
  };
}

/** What {@link startSlotRun} needs. */
export interface SlotRunOptions {
  readonly db: Pool;
  readonly databaseUrl: string;
  readonly dataDir: string;
  readonly session: string;
  readonly slotId: string;
  /** × recorded pace of the simulator (the session is looped). */
  readonly speed: number;
  /** The simulator's account; the engine trades it (live) when `live`. */
  readonly account: AccountSpec;
  readonly live: boolean;
  readonly log: Log;
}

/** A simulator and the engine following the slot on it. */
export interface SlotRun {
  readonly sim: ExchangeSim;
  readonly runId: string;
  readonly httpUrl: string;
  /** Stops the engine (pulls its quotes), then the simulator. */
  stop(): Promise<EngineRunSummary | undefined>;
}

/**
 * Starts a simulator of `session` (looped, paused), the engine following `slotId` against it, and the
 * replay once the engine subscribed to the depth stream.
 * @throws Error if the engine does not start or subscribe within 30 s (the simulator is closed then).
 */
export async function startSlotRun(o: SlotRunOptions): Promise<SlotRun> {
  const sim = await startExchangeSimulator({
    dataDir: o.dataDir,
    sessions: [o.session],
    speed: o.speed,
    loop: true,
    port: 0,
    host: '127.0.0.1',
    accounts: [o.account],
    manual: true,
    // Binance spot's limits per wall time, scaled with the pace (test/native/sim-engine-harness.ts).
    limits: { weightPerMinute: 6000 * o.speed, ordersPer10s: 100 * o.speed },
  });
  const stop = new AbortController();
  let run: Promise<EngineRunSummary> | undefined;
  try {
    const binding = await loadSlotBinding(o.db, o.slotId);
    const config = parseEngineConfig(
      { slot: o.slotId, dbUrl: o.databaseUrl, port: 0, exchangeUrl: sim.urls.http },
      {
        MMFLOW_STALE_FEED_MS: '60000',
        // The account's 1 BTC is held outside the strategy (inventory starts flat).
        MMFLOW_INVENTORY_BASELINE_BASE: String(o.account.balances['BTC'] ?? 0),
        ...(o.live ? { MMFLOW_API_KEY: o.account.apiKey, MMFLOW_API_SECRET: o.account.secret } : {}),
      },
      undefined,
      binding,
    );
    const replay = sim.replays.values().next().value;
    if (replay === undefined) throw new Error(`the simulator has no replay of ${o.session}`);
    let info: { runId: string; httpUrl: string } | undefined;
    run = runQuotingEngine(config, {
      db: o.db,
      log: o.log,
      clock: new ScaledClock(replay.liveStartRecvUs, o.speed),
      signal: stop.signal,
      onStarted: (i) => (info = i),
    });
    let failure: unknown;
    run.catch((err: unknown) => (failure = err));
    await until('the engine to start', 30_000, () => {
      if (failure !== undefined) throw failure;
      return info !== undefined;
    });
    await until('the depth subscription', 30_000, () => sim.hasStreamSubscribers('spot', 'btcusdt@depth'));
    sim.pacer.start();
    const started = info;
    if (started === undefined) throw new Error('unreachable: the engine started without info');
    const running = run;
    return {
      sim,
      ...started,
      async stop() {
        stop.abort();
        try {
          return await running.catch(() => undefined);
        } finally {
          await sim.close();
        }
      },
    };
  } catch (err) {
    stop.abort();
    await run?.catch(() => undefined);
    await sim.close();
    throw err;
  }
}

/**
 * Polls `cond` every `pollMs` (default 2 ms, so an in-memory wait adds little to the next step) until
 * it is true.
 * @throws Error naming `what` after `deadlineMs` of wall time; whatever `cond` throws.
 */
export async function until(
  what: string,
  deadlineMs: number,
  cond: () => boolean | Promise<boolean>,
  pollMs = 2,
): Promise<void> {
  const end = performance.now() + deadlineMs;
  while (!(await cond())) {
    if (performance.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** The p-quantile of `xs` (nearest rank, as bench/venue.ts); NaN for none. */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
}
