/**
 * The restart back-fill (native/reconcile-backfill.ts) with real PostgreSQL and the real ccxt
 * pro.binance client against the exchange simulator: a "previous run" placed three orders (two of
 * ours, one foreign) that all filled; PostgreSQL kept our first order with only its first fill (as a
 * kill -9 before the last flush leaves it, no trade id) and never saw the second order. After the
 * back-fill the previous run's fills equal the ledger's fills of our two orders (trade ids, sizes,
 * fees), the second order is attached to the previous run by its client id prefix (not to a later
 * run of another engine on the same symbol), the foreign order is left alone, and a second back-fill inserts nothing (idempotent).
 */
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../db/pool.ts';
import { insertFills, insertOrders, startEngineRun } from '../../db/repositories/engine-runs.ts';
import { listFills, listOrders } from '../../db/repositories/run-records.ts';
import type { ExchangeSim } from '../../exchange-sim/simulator.ts';
import { silentLog } from '../../infra/log.ts';
import { engineOrderTag, runClientIdPrefix } from '../../native/client-order-ids.ts';
import { backfillPreviousRuns } from '../../native/reconcile-backfill.ts';
import { Secret } from '../../native/secret.ts';
import { createCcxtClient, type CcxtClient } from '../../native/venues/ccxt-client.ts';
import { getInstrument } from '../../venues/instruments.ts';
import { missingSpotData, pumpUntil, startManualSim } from '../exchange-sim/helpers.ts';
import { skipWithout } from '../setup/require.ts';
import { testServices } from '../setup/services.ts';

const skip = skipWithout(missingSpotData, 'restart back-fill against the exchange simulator');
const BTCUSDT = getInstrument('binance-spot', 'BTCUSDT');
const KEY = { apiKey: 'restartbf', secret: 'restartbf-secret', balances: { BTC: 1, USDT: 100_000 } };
const ENGINE_ID = `restart-backfill-${process.pid}`;
const TAG = engineOrderTag(ENGINE_ID);

describe.skipIf(skip)('restart back-fill of own trades into PostgreSQL', () => {
  let db: Pool;
  let sim: ExchangeSim;
  let client: CcxtClient;
  beforeAll(async () => {
    db = createPool(testServices().databaseUrl);
    sim = await startManualSim([KEY]);
    client = createCcxtClient(
      BTCUSDT,
      { apiKey: new Secret(KEY.apiKey), apiSecret: new Secret(KEY.secret) },
      sim.urls.http,
    );
    await client.loadMarkets();
  });
  afterAll(async () => {
    await client.close();
    await sim.close();
    await db.end();
  });

  it('inserts the fills the previous run never stored, once', async () => {
    const replay = sim.replays.get('BTCUSDT');
    const account = sim.accounts.get(KEY.apiKey);
    if (replay === undefined || account === undefined) throw new Error('simulator not set up');
    const prevRun = `bf-prev-${process.pid}-${Date.now()}`;
    const curRun = `bf-cur-${process.pid}-${Date.now()}`;
    const t0 = Date.now();
    await startEngineRun(db, {
      id: prevRun,
      mode: 'live',
      venue: BTCUSDT.venue,
      symbol: BTCUSDT.symbol,
      startedAtMs: t0 - 1000,
    });
    // Another engine's run on the same symbol, started later: the latest run, but not the owner.
    const decoyRun = `bf-decoy-${process.pid}-${Date.now()}`;
    await startEngineRun(db, {
      id: decoyRun,
      mode: 'live',
      venue: BTCUSDT.venue,
      symbol: BTCUSDT.symbol,
      startedAtMs: t0 - 500,
    });
    const P = runClientIdPrefix(ENGINE_ID, t0 - 1000);
    const bid = Number(replay.depthSnapshot(1).bids[0]?.[0] ?? '');
    const place = (cid: string, amount: number): Promise<unknown> =>
      client.createOrder('BTC/USDT', 'limit', 'buy', amount, bid, { postOnly: true, clientOrderId: cid });
    await place(`${P}a1`, 0.002);
    await place(`${P}a2`, 0.001);
    await place('foreign-order-1', 0.001);
    expect(await pumpUntil(replay, () => account.openOrders(undefined).length === 0, 400_000)).toBe(true);
    const ledger = sim.ledger(KEY.apiKey, 'spot').fills;
    const ours = ledger.filter((f) => f.clientOrderId.startsWith(TAG));
    const a1 = ours.filter((f) => f.clientOrderId === `${P}a1`);
    expect(a1.length).toBeGreaterThan(0);
    expect(ours.length).toBeGreaterThan(a1.length);
    expect(ledger.length).toBeGreaterThan(ours.length); // the foreign order filled too

    // What PostgreSQL kept of the killed run: order a1 and its first fill (no trade id).
    const first = a1[0];
    if (first === undefined) throw new Error('no a1 fill');
    await insertOrders(db, prevRun, [
      {
        clientOrderId: `${P}a1`,
        side: 'bid',
        price: first.price,
        size: '0.002',
        status: 'open',
        placedAtUs: t0 * 1000,
      },
    ]);
    await insertFills(db, prevRun, [
      {
        seq: 0,
        clientOrderId: `${P}a1`,
        side: 'bid',
        price: first.price,
        size: first.qty,
        feeQuote: String(first.fee),
        liquidity: 'maker',
        timeUs: first.timeMs * 1000,
      },
    ]);
    await startEngineRun(db, {
      id: curRun,
      mode: 'live',
      venue: BTCUSDT.venue,
      symbol: BTCUSDT.symbol,
      startedAtMs: Date.now(),
    });

    const opts = {
      db,
      client,
      instrument: BTCUSDT,
      tag: TAG,
      currentRunId: curRun,
      sinceMs: t0 - 1000,
      log: silentLog,
    };
    const r = await backfillPreviousRuns(opts);
    expect(r).toMatchObject({ inserted: ours.length - 1, ordersAdded: 1 });
    expect(r.skipped).toBe(ledger.length - ours.length);

    const stored = await listFills(db, prevRun);
    expect(stored.map((f) => f.seq)).toEqual(ours.map((_, i) => i));
    const byOrder = (cid: string): number[] =>
      stored.filter((f) => f.clientOrderId === cid).map((f) => Number(f.size));
    for (const cid of [`${P}a1`, `${P}a2`]) {
      expect(byOrder(cid)).toEqual(ours.filter((f) => f.clientOrderId === cid).map((f) => Number(f.qty)));
    }
    const fee = stored.reduce((s, f) => s + Number(f.feeQuote), 0);
    expect(fee).toBeCloseTo(
      ours.reduce((s, f) => s + f.fee, 0),
      7,
    );
    const orders = await listOrders(db, prevRun);
    expect(orders.map((o) => o.clientOrderId).sort()).toEqual([`${P}a1`, `${P}a2`]);
    expect(orders.find((o) => o.clientOrderId === `${P}a2`)?.status).toBe('filled');
    expect(await listFills(db, curRun)).toEqual([]);
    expect(await listFills(db, decoyRun)).toEqual([]);
    expect(await listOrders(db, decoyRun)).toEqual([]);

    // Idempotent.
    const again = await backfillPreviousRuns(opts);
    expect(again.inserted).toBe(0);
    expect(again.ordersAdded).toBe(0);
    expect((await listFills(db, prevRun)).length).toBe(ours.length);
  });
});
