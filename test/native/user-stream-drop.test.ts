/**
 * The live engine (real ccxt pro.binance, real PostgreSQL, `runEngineOnSimulator`) loses no fill to
 * user-data stream drops: the simulator cuts the user stream (`faults.disconnect({ streams: 'user' })`)
 * every 1.5 s of wall time while the recorded spot session plays at 8× its pace; fills that happen
 * while no stream is connected are back-filled from `GET /api/v3/myTrades` (on re-subscribe, at a
 * cancel whose fills did not arrive, or at the periodic reconciliation that sees the inventory
 * difference: docs/adr/0015-reconciliation.md "Back-fill"). Afterwards the run's fills in PostgreSQL
 * equal the ledger's (count and lots per side), the engine's inventory equals them, and the gate
 * never went REDUCING/HALTED for `reconcile-mismatch`.
 */
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sizeToLots } from '../../core/instrument.ts';
import { DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT } from '../../core/quoting/model-params.ts';
import { createPool } from '../../db/pool.ts';
import { getInstrument } from '../../venues/instruments.ts';
import { missingSpotData, SPOT_SESSION } from '../exchange-sim/helpers.ts';
import { skipWithout } from '../setup/require.ts';
import { testServices } from '../setup/services.ts';
import { healthOf } from './fault-checks.ts';
import { capturingLog, runEngineOnSimulator, type SimEngineResult } from './sim-engine-harness.ts';

const skip = skipWithout(missingSpotData, 'live engine under user-stream drops');
const SPEED = 8;
const ACCOUNT = { apiKey: 'dropKey', secret: 'dropSecret', balances: { BTC: 1, USDT: 100_000 } };
const BTCUSDT = getInstrument('binance-spot', 'BTCUSDT');

describe.skipIf(skip)('live engine under user-data stream drops', () => {
  let db: Pool;
  let run: SimEngineResult;
  let inventoryLots = Number.NaN;
  let drops = 0;
  const { log, lines } = capturingLog();

  beforeAll(async () => {
    const { databaseUrl } = testServices();
    db = createPool(databaseUrl);
    run = await runEngineOnSimulator({
      db,
      databaseUrl,
      mode: 'live',
      session: SPOT_SESSION,
      params: { ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT },
      speed: SPEED,
      account: ACCOUNT,
      log,
      maxWallMs: 40_000,
      env: {
        MMFLOW_ENGINE_ID: `stream-drop-${process.pid}`,
        MMFLOW_INVENTORY_BASELINE_BASE: '1',
        MMFLOW_RECONCILE_INTERVAL_MS: '1000',
      },
      during: async (sim, engine) => {
        const end = Date.now() + 30_000;
        while (Date.now() < end && !sim.pacer.finished) {
          await new Promise((r) => setTimeout(r, 1500));
          sim.faults.disconnect({ streams: 'user' });
          drops++;
        }
        // The market stops (no fill after this); the last drop's back-fill and two reconciliations run.
        sim.pacer.stop();
        const settle = Date.now() + 5_000;
        while (Date.now() < settle) await new Promise((r) => setTimeout(r, 250));
        inventoryLots = (await healthOf(engine.httpUrl)).inventoryLots;
      },
    });
  }, 180_000);

  afterAll(async () => {
    await run?.sim.close();
    await db?.end();
  });

  it("the run's fills equal the ledger's; no reconcile mismatch", async () => {
    expect(drops).toBeGreaterThan(5);
    const ledger = run.sim.ledger(ACCOUNT.apiKey, 'spot');
    const rows = await db.query<{ side: string; size: string }>(
      'SELECT side, size::text AS size FROM fills WHERE run_id = $1',
      [run.summary.runId],
    );
    const dbFills = rows.rows.map((r) => ({ side: r.side, lots: sizeToLots(BTCUSDT, r.size) }));
    const ledgerFills = ledger.fills.map((f) => ({
      side: f.side === 'BUY' ? 'bid' : 'ask',
      lots: sizeToLots(BTCUSDT, f.qty),
    }));
    const lotsBy = (side: string, fills: readonly { side: string; lots: number }[]): number =>
      fills.filter((f) => f.side === side).reduce((s, f) => s + f.lots, 0);
    expect(ledgerFills.length).toBeGreaterThan(5);
    expect(dbFills.length).toBe(ledgerFills.length);
    expect(lotsBy('bid', dbFills)).toBe(lotsBy('bid', ledgerFills));
    expect(lotsBy('ask', dbFills)).toBe(lotsBy('ask', ledgerFills));
    expect(inventoryLots).toBe(lotsBy('bid', ledgerFills) - lotsBy('ask', ledgerFills));
    const mismatch = await db.query(
      `SELECT 1 FROM risk_events WHERE run_id = $1 AND reason = 'reconcile-mismatch' AND to_state <> 'active'`,
      [run.summary.runId],
    );
    expect(mismatch.rowCount).toBe(0);
    const backfills = lines
      .filter((l) => l.includes('own trades back-filled'))
      .map((l) => JSON.parse(l) as { fresh: number });
    expect(backfills.length).toBeGreaterThan(0);
    // Informational: how many fills only the back-fill delivered (depends on the drops' timing).
    const fresh = backfills.reduce((n, b) => n + b.fresh, 0);
    process.stdout.write(`user-stream drops: ${drops}; fills recovered by the back-fill: ${fresh}\n`);
  });
});
