// kill -9 of a live engine mid-session, then a restart (docs/adr/0015-reconciliation.md): the engine
// runs as its own process (`mmflow quote --mode live --exchange-url <simulator>`) against the exchange
// simulator in this process (manual: the test steps the recorded market, so nothing fills while no one
// steps it) and the test run's PostgreSQL. After SIGKILL its orders are orphans on the venue; the
// restarted engine (same engine id) cancels them by its client id tag, takes its inventory from the
// account, and never sends a client order id twice; every fill of the simulator's account is in
// PostgreSQL, across both runs — also when the kill comes before the last flush (the restart back-fills
// the killed run's fills from the venue's trade history: native/reconcile-backfill.ts). A foreign open
// order refuses the start unless --ignore-foreign-orders.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ccxt from 'ccxt';
import { repoRoot } from '../../app/paths.ts';
import { priceToTicks, sizeToLots, type Instrument } from '../../core/instrument.ts';
import { DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT } from '../../core/quoting/model-params.ts';
import { createPool } from '../../db/pool.ts';
import { registerModelVersion } from '../../db/repositories/models.ts';
import type { Account } from '../../exchange-sim/account.ts';
import type { ExchangeSim } from '../../exchange-sim/simulator.ts';
import type { SymbolReplay } from '../../exchange-sim/symbol-replay.ts';
import { ccxtBinanceConfig } from '../../exchange-sim/urls.ts';
import { engineOrderTag } from '../../native/client-order-ids.ts';
import { skipWithout } from '../setup/require.ts';
import { testServices } from '../setup/services.ts';
import { ACCOUNT_A, missingSpotData, startManualSim } from '../exchange-sim/helpers.ts';

const skip = skipWithout(missingSpotData, 'live engine kill -9 and restart against the exchange simulator');

const ENGINE_ID = `live:BTCUSDT:restart-${process.pid}`;
const TAG = engineOrderTag(ENGINE_ID);

/** One engine child process and what it printed. */
interface EngineChild {
  readonly child: ChildProcess;
  /** Resolves with the run id and HTTP port once the run started (after the start reconciliation). */
  readonly started: Promise<{ runId: string; port: number }>;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  stdout: string;
  stderr: string;
}

const sleepMs = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skip)('live engine: kill -9 mid-session, restart, reconciliation', () => {
  let sim: ExchangeSim;
  let replay: SymbolReplay;
  let instrument: Instrument;
  let account: Account;
  let db: Pool;
  let databaseUrl: string;
  let modelId: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    databaseUrl = testServices().databaseUrl;
    db = createPool(databaseUrl);
    modelId = (
      await registerModelVersion(db, {
        name: 'live-restart-test',
        kind: 'avellaneda-stoikov',
        params: { ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT },
      })
    ).id;
    sim = await startManualSim([ACCOUNT_A]);
    const r = sim.replays.get('BTCUSDT');
    const acc = sim.accounts.get(ACCOUNT_A.apiKey);
    if (r === undefined || acc === undefined) throw new Error('simulator without BTCUSDT or account A');
    replay = r;
    instrument = r.instrument;
    account = acc;
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await sim?.close();
    await db?.end();
  });

  function spawnEngine(extra: readonly string[] = []): EngineChild {
    const args = [
      resolve(repoRoot, 'bin/mmflow.mjs'),
      'quote',
      ...['--mode', 'live', '--venue', 'binance-spot', '--symbol', 'BTCUSDT'],
      ...['--exchange-url', sim.urls.http, '--model', modelId, '--port', '0'],
      ...['--flush-interval-ms', '100', '--reconcile-interval-ms', '500', '--inventory-baseline-base', '1'],
      ...extra,
    ];
    const child = spawn(process.execPath, args, {
      cwd: repoRoot,
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        MMFLOW_ENGINE_ID: ENGINE_ID,
        MMFLOW_API_KEY: ACCOUNT_A.apiKey,
        MMFLOW_API_SECRET: ACCOUNT_A.secret,
        MMFLOW_LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const out: EngineChild = {
      child,
      stdout: '',
      stderr: '',
      exited: new Promise((done) => child.on('close', (code) => done(code))),
      started: new Promise((done, fail) => {
        let buffered = '';
        child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
          out.stderr = (out.stderr + chunk).slice(-20_000);
          buffered += chunk;
          const lines = buffered.split('\n');
          buffered = lines.pop() ?? '';
          for (const line of lines) {
            const entry = parseLine(line);
            if (entry?.['msg'] === 'engine run started')
              done({ runId: String(entry['runId']), port: Number(entry['port']) });
          }
        });
        child.on('close', (code) =>
          fail(new Error(`engine exited (${String(code)}) before starting:\n${out.stderr.slice(-3000)}`)),
        );
      }),
    };
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out.stdout += chunk));
    return out;
  }

  /** Steps the recorded market (5 lines every 5 ms, so the engine keeps up) until `cond` or the deadline. */
  async function pumpUntil(cond: () => Promise<boolean> | boolean, deadlineMs: number): Promise<boolean> {
    const end = Date.now() + deadlineMs;
    for (let i = 0; Date.now() < end; i++) {
      if (i % 20 === 0 && (await cond())) return true;
      for (let k = 0; k < 5; k++) if (!replay.step()) return cond();
      await sleepMs(5);
    }
    return cond();
  }

  const ours = () =>
    account.allOrders().filter((o) => o.symbol === 'BTCUSDT' && o.clientOrderId.startsWith(TAG));
  const ourOpen = () => account.openOrders('BTCUSDT').filter((o) => o.clientOrderId.startsWith(TAG));
  const ourFills = () => account.fills().filter((f) => f.clientOrderId.startsWith(TAG));

  async function pgFills(runIds: readonly string[]): Promise<string[]> {
    const r = await db.query<{ client_order_id: string; side: string; price: string; size: string }>(
      `SELECT client_order_id, side, price::text AS price, size::text AS size FROM fills WHERE run_id = ANY($1) ORDER BY run_id, seq`,
      [runIds],
    );
    return r.rows.map(
      (f) =>
        `${f.client_order_id} ${f.side} ${priceToTicks(instrument, f.price)} ${sizeToLots(instrument, f.size)}`,
    );
  }

  const simFills = () => ourFills().map((f) => `${f.clientOrderId} ${f.side} ${f.priceTicks} ${f.lots}`);
  const netLots = () => ourFills().reduce((q, f) => q + (f.side === 'bid' ? f.lots : -f.lots), 0);

  async function health(port: number): Promise<Record<string, unknown>> {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    return (await res.json()) as Record<string, unknown>;
  }

  it('reconciles after a kill -9: orphans cancelled, inventory from the account, no duplicate id, no lost fill', async () => {
    // Run 1: quote until some fills happened and orders are resting, with every fill in PostgreSQL.
    const run1 = spawnEngine();
    const { runId: runId1 } = await run1.started;
    const filled = await pumpUntil(async () => {
      if (ourFills().length === 0 || ourOpen().length === 0) return false;
      return (await pgFills([runId1])).length === ourFills().length;
    }, 90_000);
    expect(filled, `no fill in run 1:\n${run1.stderr.slice(-3000)}`).toBe(true);
    // The market stands still now: fills happen only when the test steps the replay, so every fill
    // of run 1 is in PostgreSQL (checked above). Kill at once (a pause would trip the stale-feed guard).
    const fillsRun1 = simFills();
    expect(await pgFills([runId1])).toEqual(fillsRun1);
    run1.child.kill('SIGKILL');
    expect(await run1.exited).toBeNull();
    // Still resting after the kill (requests in flight at the kill may have landed): the orphans.
    const orphans = ourOpen().map((o) => o.clientOrderId);
    expect(orphans.length, run1.stderr.slice(-3000)).toBeGreaterThan(0);

    // Run 2, same engine id: the start reconciliation cancels the orphans and adopts the position.
    const run2 = spawnEngine();
    const { runId: runId2, port } = await run2.started;
    expect(runId2).not.toBe(runId1);
    for (const id of orphans) expect(account.findOrder('BTCUSDT', undefined, id)?.status).toBe('CANCELED');
    expect((await health(port))['inventoryLots']).toBe(netLots());

    // Run 2 quotes with ids of its own run; then a graceful stop pulls everything.
    const placedBefore = ours().length;
    expect(await pumpUntil(() => ours().length > placedBefore + 2, 60_000)).toBe(true);
    run2.child.kill('SIGTERM');
    expect(await run2.exited).toBe(0);
    expect(ourOpen()).toEqual([]);

    // No client order id was ever sent twice (the venue kept every accepted order).
    const ids = ours().map((o) => o.clientOrderId);
    expect(new Set(ids).size).toBe(ids.length);
    const prefixOf = (id: string) => id.slice(0, id.lastIndexOf('-'));
    expect(new Set(ids.map(prefixOf)).size).toBe(2); // one prefix per run, same tag
    // No lost fill: the simulator's fills of this engine are those PostgreSQL holds, over both runs.
    expect((await pgFills([runId1, runId2])).sort()).toEqual(simFills().sort());
    const pgOrders = await db.query<{ client_order_id: string }>(
      `SELECT client_order_id FROM orders WHERE run_id = ANY($1)`,
      [[runId1, runId2]],
    );
    const pgIds = pgOrders.rows.map((r) => r.client_order_id);
    expect(new Set(pgIds).size).toBe(pgIds.length);
    // Every order of run 2 (stopped gracefully: final flush) is recorded. Run 1's rows of its last
    // flush interval died with it (ADR 0015 "Consequences"): none of those orders filled (checked above).
    const run2Prefix = prefixOf(ids.at(-1) ?? '');
    for (const id of ids.filter((i) => prefixOf(i) === run2Prefix)) expect(pgIds).toContain(id);
  });

  it('loses no fill to a kill -9 before the last flush: the restart back-fills the fills table', async () => {
    // Run 1 flushes every 10 min: its fills reach PostgreSQL only through run 2's restart back-fill
    // (native/reconcile-backfill.ts; ADR 0015 "Back-fill").
    const fillsBefore = ourFills().length;
    const run1 = spawnEngine(['--flush-interval-ms', '600000']);
    const { runId: runId1 } = await run1.started;
    const filled = await pumpUntil(() => ourFills().length > fillsBefore && ourOpen().length > 0, 90_000);
    expect(filled, `no fill in run 1:\n${run1.stderr.slice(-3000)}`).toBe(true);
    run1.child.kill('SIGKILL');
    expect(await run1.exited).toBeNull();
    expect((await pgFills([runId1])).length).toBeLessThan(ourFills().length - fillsBefore);
    // The orphans may fill between the kill and the restart: step the market a little.
    await pumpUntil(() => ourOpen().length === 0, 2_000);

    const run2 = spawnEngine();
    const { runId: runId2 } = await run2.started;
    expect(run2.stderr).toContain('restart back-fill done');
    run2.child.kill('SIGTERM');
    expect(await run2.exited).toBe(0);
    // No lost fill: every fill of this engine (all runs of these tests) is in PostgreSQL, once.
    const all = await db.query<{ run_id: string }>(
      `SELECT DISTINCT run_id FROM orders WHERE client_order_id LIKE $1`,
      [`${TAG}%`],
    );
    // Run 1's orders are in PostgreSQL only through the back-fill (run 2 may have placed none).
    const runIds = [...new Set([...all.rows.map((r) => r.run_id), runId2])];
    expect(runIds).toContain(runId1);
    expect((await pgFills(runIds)).sort()).toEqual(simFills().sort());
  });

  it('refuses to start while a foreign order is open, naming it; --ignore-foreign-orders starts', async () => {
    const other = new ccxt.pro.binance({
      ...ccxtBinanceConfig(sim.urls),
      apiKey: ACCOUNT_A.apiKey,
      secret: ACCOUNT_A.secret,
    });
    try {
      await other.loadMarkets();
      const bid = Number(replay.depthSnapshot(1).bids[0]?.[0]);
      await other.createOrder('BTC/USDT', 'limit', 'buy', 0.001, bid - 100, {
        postOnly: true,
        clientOrderId: 'by-hand-42',
      });
      const refused = spawnEngine();
      await expect(refused.started).rejects.toThrow(/FOREIGN_OPEN_ORDERS/);
      expect(await refused.exited).toBe(1);
      expect(refused.stderr).toContain('clientOrderId=by-hand-42');

      const tolerant = spawnEngine(['--ignore-foreign-orders']);
      await tolerant.started;
      tolerant.child.kill('SIGTERM');
      expect(await tolerant.exited).toBe(0);
      const foreign = account.findOrder('BTCUSDT', undefined, 'by-hand-42');
      expect(foreign?.status).toBe('NEW'); // left alone
    } finally {
      await other.close();
    }
  });
});

function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(line);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
