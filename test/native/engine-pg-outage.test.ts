/**
 * PostgreSQL stopped under a running engine (docs/adr/0018-engine-store-outage.md): a paper engine on
 * the exchange simulator follows a slot on a dedicated cluster (fixed port, so it comes back where the
 * engine's pool expects it; the rest of the suite's database is never touched). The cluster is stopped
 * (`pg_ctl stop -m fast`) mid-run and started again.
 *
 * 1. A 5 s outage under the default 60 s halt limit: the engine keeps stepping events and quoting
 *    through it; afterwards every quote, order and fill it sent is in the database (engine counters =
 *    row counts of the run), and a slot change made after the restart is applied and acknowledged.
 * 2. A 4 s outage with `MMFLOW_STORE_OUTAGE_HALT_MS=1000`: the risk gate halts with reason
 *    `store-unavailable` (no working order left) and resumes once the rows are written; both
 *    transitions reach `risk_events`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT } from '../../core/quoting/model-params.ts';
import { migrateUp } from '../../db/migrate.ts';
import { createPool } from '../../db/pool.ts';
import { createSlot, getSlot, setDesired } from '../../db/repositories/deployments.ts';
import { registerModelVersion, setStatus } from '../../db/repositories/models.ts';
import { startExchangeSimulator } from '../../exchange-sim/simulator.ts';
import { freePort } from '../../infra/embedded/free-port.ts';
import { findPostgresBinaries } from '../../infra/embedded/pg-binaries.ts';
import {
  reachableDataDir,
  serverAccount,
  startCluster,
  stopCluster,
  type ServerAccount,
} from '../../infra/embedded/pg-cluster.ts';
import { startEmbeddedPostgres, type ResolvedDatabase } from '../../infra/embedded/postgres.ts';
import { silentLog } from '../../infra/log.ts';
import { parseEngineConfig } from '../../native/config.ts';
import { runQuotingEngine, type EngineRunSummary } from '../../native/engine-process.ts';
import { loadSlotBinding } from '../../native/slot/slot-config.ts';
import { DATA, missingSpotData, SPOT_SESSION } from '../exchange-sim/helpers.ts';
import { skipWithout } from '../setup/require.ts';
import { capturingLog, ScaledClock } from './sim-engine-harness.ts';

const SPEED = 5;
const LOT_BTC = 0.00001;
const bin = await findPostgresBinaries(process.env);
const skip = skipWithout(
  missingSpotData ??
    (bin === undefined ? 'PostgreSQL server binaries (pg_ctl) to stop and start a cluster' : undefined),
  'engine-pg-outage: PostgreSQL stopped under a running engine',
);

interface Cluster {
  readonly dataDir: string;
  readonly port: number;
  readonly account: ServerAccount | undefined;
  readonly db: ResolvedDatabase;
}

let dir: string | undefined;
let cluster: Cluster | undefined;
let db: Pool;
let modelName: string;
let v1: string;
let v2: string;
let seq = 0;

beforeAll(async () => {
  if (skip || bin === undefined) return;
  dir = await mkdtemp(join(tmpdir(), 'mmflow-engine-pg-outage-'));
  const account = await serverAccount(process.env);
  const started = await startEmbeddedPostgres({
    dataDir: join(dir, 'pg'),
    log: silentLog,
    port: await freePort(),
    durable: false,
    stopOnExit: true,
    binaries: bin,
  });
  const dataDir = await reachableDataDir(join(dir, 'pg'), account, silentLog);
  cluster = { dataDir, port: Number(new URL(started.url).port), account, db: started };
  await migrateUp(started.url);
  db = createPool(started.url);
  modelName = `pg-outage-${process.pid}`;
  const base = { ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT };
  v1 = (await registerModelVersion(db, { name: modelName, kind: 'avellaneda-stoikov', params: base })).id;
  v2 = (
    await registerModelVersion(db, {
      name: modelName,
      kind: 'avellaneda-stoikov',
      params: { ...base, quoteSizeLots: 300, maxInventoryLots: 1500 },
    })
  ).id;
  await setStatus(db, v1, 'champion');
}, 300_000);

afterAll(async () => {
  await db?.end();
  await cluster?.db.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** Polls `check` until it returns a value (not undefined), at most `deadlineMs` of wall time. */
async function until<T>(what: string, check: () => Promise<T | undefined>, deadlineMs = 60_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The /healthz fields this test reads. */
interface Health {
  readonly eventsProcessed: number;
  readonly workingOrders: number;
  readonly riskState: string;
  readonly riskReason: string;
  readonly store: { outage: boolean; outageMs: number; bufferedRows: number; retries: number };
}

async function health(url: string): Promise<Health> {
  return (await (await fetch(`${url}/healthz`)).json()) as Health;
}

/** A counter of /metrics (the run's only series of that name). */
async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^mmflow_engine_${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  if (m === null) throw new Error(`no metric ${name}`);
  return Number(m[1]);
}

async function countRows(table: 'quotes' | 'orders' | 'fills', runId: string): Promise<number> {
  const r = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table} WHERE run_id = $1`, [
    runId,
  ]);
  return Number(r.rows[0]?.n);
}

async function orderLots(runId: string): Promise<number[]> {
  const r = await db.query<{ size: string }>(
    'SELECT size::text AS size FROM orders WHERE run_id = $1 ORDER BY placed_at_us, client_order_id',
    [runId],
  );
  return r.rows.map((row) => Math.round(Number(row.size) / LOT_BTC));
}

/** Stops the cluster; returns a function that starts it again on the same port. */
async function stopPostgres(): Promise<() => Promise<void>> {
  const c = cluster;
  if (c === undefined || bin === undefined) throw new Error('no cluster');
  await stopCluster(bin, c.dataDir, c.account);
  return async () => {
    const started = await startCluster(bin, c.dataDir, c.port, false, c.account);
    if (!started.ok) throw new Error(`postgres did not come back: ${started.log}`);
  };
}

interface SlotEngine {
  readonly runId: string;
  readonly httpUrl: string;
  readonly lines: readonly string[];
  stop(): Promise<EngineRunSummary>;
}

/** A paper engine following a new slot (v1, full capital) on a simulator replaying the spot session. */
async function startSlotEngine(env: Record<string, string>): Promise<SlotEngine & { slotId: string }> {
  const slotId = `pg-outage-${process.pid}-${seq++}`;
  const spec = {
    id: slotId,
    venue: 'binance-spot',
    account: 'paper',
    symbol: 'BTCUSDT',
    mode: 'paper',
    modelName,
  } as const;
  const desired = { model: 'champion', capitalFraction: 1, riskState: 'active' } as const;
  await createSlot(db, spec, desired, 'test', 'pg outage test');
  const sim = await startExchangeSimulator({
    dataDir: DATA,
    sessions: [SPOT_SESSION],
    speed: SPEED,
    loop: false,
    port: 0,
    host: '127.0.0.1',
    accounts: [{ apiKey: 'pg', secret: 'pg-secret', balances: { BTC: 1, USDT: 100_000 } }],
    manual: true,
    limits: { weightPerMinute: 6000 * SPEED, ordersPer10s: 100 * SPEED },
  });
  const databaseUrl = cluster?.db.url ?? '';
  const binding = await loadSlotBinding(db, slotId);
  const config = parseEngineConfig(
    { slot: slotId, dbUrl: databaseUrl, port: 0, exchangeUrl: sim.urls.http, flushIntervalMs: 100 },
    { MMFLOW_STALE_FEED_MS: '60000', ...env },
    undefined,
    binding,
  );
  const replay = sim.replays.values().next().value;
  if (replay === undefined) throw new Error('no replay');
  const stop = new AbortController();
  let info: { runId: string; httpUrl: string } | undefined;
  const { log, lines } = capturingLog();
  // The engine's own pool, as `mmflow quote` creates it (idle clients that the stop kills are discarded).
  const enginePool = createPool(databaseUrl);
  const run = runQuotingEngine(config, {
    db: enginePool,
    log,
    clock: new ScaledClock(replay.liveStartRecvUs, SPEED),
    signal: stop.signal,
    onStarted: (i) => (info = i),
  });
  run.catch(() => undefined);
  const started = await until('engine start', async () => info);
  await until(
    'depth subscription',
    async () => sim.hasStreamSubscribers('spot', 'btcusdt@depth') || undefined,
  );
  sim.pacer.start();
  return {
    ...started,
    slotId,
    lines,
    stop: async () => {
      stop.abort();
      try {
        return await run;
      } finally {
        await sim.close();
        await enginePool.end();
      }
    },
  };
}

describe.skipIf(skip)('engine through a PostgreSQL outage', () => {
  it('quotes on through a 5 s outage, then writes every row and applies a later slot change', async () => {
    const engine = await startSlotEngine({});
    let summary: EngineRunSummary | undefined;
    try {
      await until('quoting before the outage', async () =>
        (await metric(engine.httpUrl, 'quotes_total')) >= 5 ? true : undefined,
      );
      const restart = await stopPostgres();
      let restarted = false;
      try {
        const atStop = await health(engine.httpUrl);
        const quotesAtStop = await metric(engine.httpUrl, 'quotes_total');
        const during = await until('a 5 s outage seen by the engine', async () => {
          const h = await health(engine.httpUrl);
          return h.store.outage && h.store.outageMs >= 5_000 ? h : undefined;
        });
        // The loop kept stepping events and quoting while the store was down; no halt under 60 s.
        expect(during.eventsProcessed).toBeGreaterThan(atStop.eventsProcessed);
        expect(await metric(engine.httpUrl, 'quotes_total')).toBeGreaterThan(quotesAtStop);
        expect(during.riskReason).not.toBe('store-unavailable');
        expect(during.store.bufferedRows).toBeGreaterThan(0);
        expect(during.store.retries).toBeGreaterThan(0);
        expect(await metric(engine.httpUrl, 'store_outage')).toBe(1);
        await restart();
        restarted = true;
      } finally {
        if (!restarted) await restart();
      }
      const after = await until('the buffered rows written', async () => {
        const h = await health(engine.httpUrl);
        return !h.store.outage ? h : undefined;
      });
      expect(after.riskState).toBe('active');
      expect(await metric(engine.httpUrl, 'store_outage')).toBe(0);
      expect(await metric(engine.httpUrl, 'store_retries_total')).toBeGreaterThan(0);

      // A slot change after the restart: applied, acknowledged, and the new size is quoted.
      const { slot } = await setDesired(
        db,
        engine.slotId,
        { model: v2, capitalFraction: 1, riskState: 'active' },
        { by: 'test', reason: 'after the restart' },
      );
      const revision = slot.desired.revision;
      const applied = await until(`revision ${revision} applied`, async () => {
        const s = await getSlot(db, engine.slotId);
        return s?.applied !== undefined && s.applied.revision >= revision ? s.applied : undefined;
      });
      expect(applied).toMatchObject({ revision, version: v2, capitalFraction: 1 });
      await until('v2 orders', async () =>
        (await orderLots(engine.runId)).includes(300) ? true : undefined,
      );
    } finally {
      summary = await engine.stop();
    }
    // Nothing lost: each place is one quote row and one order row; each fill one fill row.
    const c = summary.counters;
    expect(c.quotesPlaced).toBeGreaterThan(0);
    expect(await countRows('quotes', engine.runId)).toBe(c.quotesPlaced);
    expect(await countRows('orders', engine.runId)).toBe(c.quotesPlaced);
    expect(await countRows('fills', engine.runId)).toBe(c.fills);
    expect(summary.rowsWritten.quotes).toBe(c.quotesPlaced);
    expect(summary.rowsWritten.fills).toBe(c.fills);
    const run = await db.query<{ status: string }>(
      `SELECT kpis->>'runStatus' AS status FROM engine_runs WHERE id = $1`,
      [engine.runId],
    );
    expect(run.rows[0]?.status).toBe('aborted');
  }, 240_000);

  it('halts with store-unavailable beyond the limit and resumes once the rows are written', async () => {
    const engine = await startSlotEngine({ MMFLOW_STORE_OUTAGE_HALT_MS: '1000' });
    let summary: EngineRunSummary | undefined;
    try {
      await until('quoting before the outage', async () =>
        (await health(engine.httpUrl)).workingOrders > 0 ? true : undefined,
      );
      const restart = await stopPostgres();
      let restarted = false;
      try {
        const halted = await until('the store-unavailable halt', async () => {
          const h = await health(engine.httpUrl);
          return h.riskReason === 'store-unavailable' && h.workingOrders === 0 ? h : undefined;
        });
        expect(halted.riskState).toBe('halted');
        expect(halted.store.outage).toBe(true);
        expect(halted.store.outageMs).toBeGreaterThan(1_000);
        // Still halted with no order until the 4 s outage ends; the loop still steps events.
        const late = await until('a 4 s outage', async () => {
          const h = await health(engine.httpUrl);
          return h.store.outageMs >= 4_000 ? h : undefined;
        });
        expect(late).toMatchObject({
          riskState: 'halted',
          riskReason: 'store-unavailable',
          workingOrders: 0,
        });
        expect(late.eventsProcessed).toBeGreaterThan(halted.eventsProcessed);
        await restart();
        restarted = true;
      } finally {
        if (!restarted) await restart();
      }
      await until('the halt lifted', async () => {
        const h = await health(engine.httpUrl);
        return !h.store.outage && h.riskState === 'active' ? h : undefined;
      });
      const quotesAtResume = await metric(engine.httpUrl, 'quotes_total');
      await until('quoting again', async () =>
        (await metric(engine.httpUrl, 'quotes_total')) > quotesAtResume ? true : undefined,
      );
    } finally {
      summary = await engine.stop();
    }
    expect(await countRows('orders', engine.runId)).toBe(summary.counters.quotesPlaced);
    expect(await countRows('fills', engine.runId)).toBe(summary.counters.fills);
    // Both transitions of the halt were stored once the store was back.
    const events = await db.query<{ from_state: string; to_state: string; reason: string }>(
      `SELECT from_state, to_state, reason FROM risk_events WHERE run_id = $1 ORDER BY seq`,
      [engine.runId],
    );
    const i = events.rows.findIndex((e) => e.reason === 'store-unavailable');
    expect(events.rows[i]).toEqual({ from_state: 'active', to_state: 'halted', reason: 'store-unavailable' });
    expect(events.rows[i + 1]).toEqual({ from_state: 'halted', to_state: 'active', reason: 'normal' });
  }, 240_000);
});
