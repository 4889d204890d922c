/**
 * The quoting engine process in replay mode against the real PostgreSQL of the test run (global setup)
 * and the real recorded spot BTCUSDT session. No sleeps: recorded pacing runs on a fake clock whose
 * sleeper advances it, and the checks that must happen mid-run run inside that sleeper.
 */
import { dataDir } from '../../app/paths.ts';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBacktest } from '../../core/backtest/backtester.ts';
import { ManualClock } from '../../core/ports.ts';
import { DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT } from '../../core/quoting/model-params.ts';
import { createPool } from '../../db/pool.ts';
import { getEngineRun } from '../../db/repositories/engine-runs.ts';
import { registerModelVersion } from '../../db/repositories/models.ts';
import { silentLog } from '../../infra/log.ts';
import { parseEngineConfig, type EngineCliOptions } from '../../native/config.ts';
import { runQuotingEngine } from '../../native/engine-process.ts';
import { RUN_ERROR_KEY, RUN_STATUS_KEY } from '../../native/pg-run-store.ts';
import { runQuoteCommand } from '../../native/cli.ts';
import { listSessions, loadSessionEvents } from '../../venues/binance/recorded.ts';
import { instrumentForSession } from '../../venues/instruments.ts';
import { testServices } from '../setup/services.ts';

const DATA_DIR = dataDir();
const SESSION = 'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z';
const LATENCY_US = 5_000;

let db: Pool;
let databaseUrl: string;
let modelId: string;

beforeAll(async () => {
  databaseUrl = testServices().databaseUrl;
  db = createPool(databaseUrl);
  const version = await registerModelVersion(db, {
    name: 'native-engine-test',
    kind: 'avellaneda-stoikov',
    params: { ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT },
  });
  modelId = version.id;
});

afterAll(async () => {
  await db.end();
});

function config(extra: EngineCliOptions = {}) {
  return parseEngineConfig(
    {
      mode: 'replay',
      session: SESSION,
      model: modelId,
      dbUrl: databaseUrl,
      dataDir: DATA_DIR,
      port: 0,
      orderLatencyUs: LATENCY_US,
      cancelLatencyUs: LATENCY_US,
      ...extra,
    },
    {},
  );
}

async function countRows(
  table: 'quotes' | 'fills' | 'orders',
  runId: string,
  where = 'true',
): Promise<number> {
  const r = await db.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM ${table} WHERE run_id = $1 AND ${where}`,
    [runId],
  );
  return Number(r.rows[0]?.n);
}

/** A fake wall clock plus a sleeper that advances it and runs `hooks[n]` during the n-th sleep. */
function fakeTime(hooks: Record<number, () => Promise<void>>) {
  const clock = new ManualClock(1_800_000_000_000_000);
  let sleeps = 0;
  const sleep = async (ms: number): Promise<void> => {
    clock.advanceTo(clock.nowUs() + Math.round(ms * 1000));
    sleeps++;
    await hooks[sleeps]?.();
  };
  return { clock, sleep };
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  const body: unknown = await res.json();
  if (typeof body !== 'object' || body === null) throw new Error('healthz body is not an object');
  return { status: res.status, body: { ...body } };
}

describe('runQuotingEngine, replay mode', () => {
  it('records the same KPIs runBacktest computes on the same session and params, and the rows behind them', async () => {
    const summary = await runQuotingEngine(config({ pace: 'fast' }), {
      db,
      log: silentLog,
      clock: new ManualClock(1_800_000_000_000_000),
    });

    const session = listSessions(DATA_DIR).find((s) => s.prefix === SESSION);
    if (session === undefined) throw new Error('session missing');
    const instrument = instrumentForSession(session);
    const backtest = runBacktest(await loadSessionEvents(session, instrument), {
      instrument,
      market: session.market,
      params: DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT,
      entryLatencyUs: LATENCY_US,
      cancelLatencyUs: LATENCY_US,
    });

    expect(summary.status).toBe('completed');
    expect(summary.kpis).toEqual(backtest.kpis);
    const run = await getEngineRun(db, summary.runId);
    const { [RUN_STATUS_KEY]: status, ...storedKpis } = run?.kpis ?? {};
    expect(status).toBe('completed');
    expect(storedKpis).toEqual(backtest.kpis);
    expect(run?.endedAtMs).toBeGreaterThanOrEqual(run?.startedAtMs ?? Infinity);
    expect(run?.modelVersionId).toBe(modelId);
    expect(run?.session).toBe(SESSION);

    // The session is busy enough to make the comparison meaningful.
    expect(backtest.kpis.events).toBe(26_400); // 6,496 depth lines + 19,904 trades
    expect(backtest.kpis.quotes).toBeGreaterThan(1000);
    expect(backtest.kpis.fills).toBeGreaterThan(100);

    expect(await countRows('quotes', summary.runId)).toBe(backtest.kpis.quotes);
    expect(await countRows('fills', summary.runId)).toBe(backtest.kpis.fills);
    expect(await countRows('orders', summary.runId)).toBe(backtest.kpis.quotes);
    expect(await countRows('orders', summary.runId, 'done_at_us IS NULL')).toBe(0);
    expect(summary.workingOrdersAtEnd).toBe(0);
  });

  it('answers /healthz (503 before the book syncs, 200 after) and /metrics during a run', async () => {
    let url = '';
    const seen: {
      early?: { status: number; body: Record<string, unknown> };
      later?: { status: number; body: Record<string, unknown> };
      metrics?: string;
    } = {};
    const { clock, sleep } = fakeTime({
      1: async () => {
        seen.early = await getJson(`${url}/healthz`);
      },
      2000: async () => {
        seen.later = await getJson(`${url}/healthz`);
        seen.metrics = await (await fetch(`${url}/metrics`)).text();
      },
    });
    const summary = await runQuotingEngine(config({ pace: 'recorded', startupGraceMs: 0 }), {
      db,
      log: silentLog,
      clock,
      sleep,
      onStarted: (info) => (url = info.httpUrl),
    });

    expect(seen.early?.status).toBe(503);
    expect(seen.early?.body).toMatchObject({
      mode: 'replay',
      state: 'running',
      bookSync: 'awaiting-snapshot',
      eventsProcessed: 1,
      lastEventTimeUs: 1_723_161_255_208_000,
    });
    expect(seen.later?.status).toBe(200);
    expect(seen.later?.body).toMatchObject({
      mode: 'replay',
      state: 'running',
      bookSync: 'synced',
      runId: summary.runId,
    });
    const events = Number(seen.later?.body['eventsProcessed']);
    expect(events).toBeGreaterThan(2000);

    const metric = (name: string): number => {
      const line = seen.metrics?.split('\n').find((l) => l.startsWith(`${name}{`));
      return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    expect(metric('mmflow_engine_events_total')).toBe(events);
    expect(metric('mmflow_engine_quotes_total')).toBeGreaterThan(0);
    expect(metric('mmflow_engine_quotes_total')).toBeLessThanOrEqual(summary.kpis.quotes);
    expect(metric('mmflow_engine_fills_total')).toBeLessThanOrEqual(summary.kpis.fills);
    expect(metric('mmflow_engine_cancels_total')).toBeGreaterThanOrEqual(0);
    expect(metric('mmflow_engine_resyncs_total')).toBe(0);
    expect(metric('mmflow_engine_book_synced')).toBe(1);
    expect(Math.abs(metric('mmflow_engine_inventory_lots'))).toBeLessThanOrEqual(
      DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT.maxInventoryLots,
    );
    expect(Number.isFinite(metric('mmflow_engine_net_pnl_quote'))).toBe(true);
    expect(metric('mmflow_engine_tick_to_quote_us_count')).toBeGreaterThan(0);
    expect(summary.status).toBe('completed');
  });

  it('on abort pulls every quote, marks the run aborted and resolves', async () => {
    const stop = new AbortController();
    let url = '';
    let workingBeforeAbort = -1;
    const { clock, sleep } = fakeTime({
      3000: async () => {
        workingBeforeAbort = Number((await getJson(`${url}/healthz`)).body['workingOrders']);
        stop.abort();
      },
    });
    const summary = await runQuotingEngine(config({ pace: 'recorded' }), {
      db,
      log: silentLog,
      clock,
      sleep,
      signal: stop.signal,
      onStarted: (info) => (url = info.httpUrl),
    });

    expect(workingBeforeAbort).toBeGreaterThan(0);
    expect(summary.status).toBe('aborted');
    expect(summary.workingOrdersAtEnd).toBe(0);
    expect(summary.kpis.events).toBeLessThan(26_400);
    const run = await getEngineRun(db, summary.runId);
    expect(run?.kpis?.[RUN_STATUS_KEY]).toBe('aborted');
    expect(run?.endedAtMs).toBeDefined();
    expect(await countRows('orders', summary.runId, 'done_at_us IS NULL')).toBe(0);
    expect(await countRows('orders', summary.runId, "status = 'cancelled'")).toBeGreaterThanOrEqual(
      workingBeforeAbort,
    );
  });

  it('fails loudly on a malformed event after pulling its quotes, and marks the run failed', async () => {
    // A copy of the session's first minute in a temp dir with one corrupted diff (U is not a number).
    const dir = mkdtempSync(join(tmpdir(), 'mmflow-native-'));
    const slice = (kind: string, folder: string, lines: number, corruptLast: boolean): void => {
      const src = join(DATA_DIR, folder, `${SESSION}.${kind}.jsonl.gz`);
      const kept = gunzipSync(readFileSync(src)).toString('utf8').split('\n').slice(0, lines);
      if (corruptLast) kept[kept.length - 1] = (kept.at(-1) ?? '').replace(/"U":\d+/, '"U":"x"');
      mkdirSync(join(dir, folder), { recursive: true });
      writeFileSync(join(dir, folder, `${SESSION}.${kind}.jsonl.gz`), gzipSync(kept.join('\n') + '\n'));
    };
    slice('depth', 'depth', 600, true);
    slice('trades', 'trades', 1500, false);

    const error = await runQuotingEngine(config({ pace: 'fast', dataDir: dir }), {
      db,
      log: silentLog,
      clock: new ManualClock(1_800_000_000_000_000),
    }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toMatchObject({ code: 'PARSE_FIELD' });
    expect(String(error)).toContain(':600');
    const runs = await db.query<{ id: string }>(
      `SELECT id FROM engine_runs WHERE kpis->>'${RUN_STATUS_KEY}' = 'failed' ORDER BY started_at DESC LIMIT 1`,
    );
    const runId = runs.rows[0]?.id ?? '';
    const run = await getEngineRun(db, runId);
    expect(String(run?.kpis?.[RUN_ERROR_KEY])).toContain('PARSE_FIELD');
    expect(await countRows('orders', runId)).toBeGreaterThan(0);
    expect(await countRows('orders', runId, 'done_at_us IS NULL')).toBe(0);
  });
});

describe('runQuoteCommand', () => {
  const io = (env: Record<string, string>, lines: string[]) => ({
    env,
    stdout: (line: string) => lines.push(line),
    log: silentLog,
    onSignals: () => () => undefined,
  });

  it('prints the run id, status and KPIs as one JSON line last', async () => {
    const lines: string[] = [];
    const code = await runQuoteCommand(
      {
        mode: 'replay',
        session: 'binance-spot_BTCUSDT_20240808T2354Z',
        model: modelId,
        pace: 'fast',
        port: '0',
      },
      io({ DATABASE_URL: databaseUrl, MMFLOW_DATA_DIR: DATA_DIR }, lines),
    );
    expect(code).toBe(0);
    const last: unknown = JSON.parse(lines.at(-1) ?? '');
    expect(last).toMatchObject({
      status: 'completed',
      mode: 'replay',
      events: 26_400,
      runId: expect.any(String),
    });
  });

  it('stops gracefully on SIGTERM: exit 0, status aborted, no working orders', async () => {
    const lines: string[] = [];
    const code = await runQuoteCommand(
      { mode: 'replay', session: SESSION, model: modelId, pace: 'recorded', port: '0' },
      {
        ...io({ DATABASE_URL: databaseUrl, MMFLOW_DATA_DIR: DATA_DIR }, lines),
        onSignals: (handler) => {
          queueMicrotask(() => handler('SIGTERM')); // delivered as soon as the command awaits
          return () => undefined;
        },
      },
    );
    expect(code).toBe(0);
    expect(JSON.parse(lines.at(-1) ?? '')).toMatchObject({ status: 'aborted', quotes: 0 });
  });

  it('exits 2 on a bad config without printing a result', async () => {
    const lines: string[] = [];
    expect(
      await runQuoteCommand(
        { mode: 'replay', session: SESSION, model: modelId, pace: 'warp' },
        io({ DATABASE_URL: databaseUrl }, lines),
      ),
    ).toBe(2);
    expect(lines).toEqual([]);
  });
});
