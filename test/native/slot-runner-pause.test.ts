/**
 * The swap pause of a slot engine (native/slot/slot-runner.ts): "time with no quotes during a swap"
 * (issue 14) runs from the pull to the first PLACE after it; a decision that places nothing does not end
 * it, and a halt records none. A real registry and slot in PostgreSQL, polling only (LISTEN off), a fake
 * engine whose counters the test moves, and a hand-driven monotonic clock (µs).
 */
import type { Pool } from 'pg';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT } from '../../core/quoting/model-params.ts';
import { NO_RISK_LIMITS } from '../../core/risk/risk-limits.ts';
import { createPool } from '../../db/pool.ts';
import { createSlot, setDesired, type DesiredState } from '../../db/repositories/deployments.ts';
import { registerModelVersion, setStatus } from '../../db/repositories/models.ts';
import { silentLog } from '../../infra/log.ts';
import type { EngineDriver } from '../../native/drivers.ts';
import { SlotRunner } from '../../native/slot/slot-runner.ts';
import { testServices } from '../setup/services.ts';

let db: Pool;
let databaseUrl: string;
let modelName: string;
let v1: string;

beforeAll(async () => {
  databaseUrl = testServices().databaseUrl;
  db = createPool(databaseUrl);
  modelName = `slot-pause-test-${process.pid}-${Date.now()}`;
  v1 = (
    await registerModelVersion(db, {
      name: modelName,
      kind: 'avellaneda-stoikov',
      params: { ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT },
    })
  ).id;
  await setStatus(db, v1, 'champion');
});

afterAll(async () => {
  await db?.end();
});

/** Polls `check` until true, at most `deadlineMs` of wall time. */
async function until(what: string, check: () => boolean, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** An engine with only what the runner and its samples read; the counters are moved by the test. */
function fakeEngine() {
  const risk = { latched: false };
  return {
    risk,
    counters: { decisions: 0, quotesPlaced: 0, fills: 0, filledLots: 0, rejects: 0 },
    markout: { markoutQuote: 0, settledFills: 0 },
    feesQuote: 0,
    inventoryLots: 0,
    netPnlQuote: () => 0,
    workingOrders: () => [],
    kill: () => void (risk.latched = true),
    resume: () => void (risk.latched = false),
  };
}

async function pauseHistogram(registry: Registry): Promise<{ count: number; sum: number }> {
  const text = await registry.getSingleMetricAsString('mmflow_engine_slot_swap_pause_us');
  const v = (suffix: string) => Number(new RegExp(`_${suffix}(?:\\{[^}]*\\})? (\\S+)`).exec(text)?.[1]);
  return { count: v('count'), sum: v('sum') };
}

describe('SlotRunner swap pause', () => {
  it('ends at the first place after the pull, not at a decision that places nothing; none for a halt', async () => {
    const slotId = `slot-pause-test-${process.pid}-${Date.now()}`;
    const spec = {
      id: slotId,
      venue: 'binance-spot',
      account: 'paper',
      symbol: 'BTCUSDT',
      mode: 'paper',
      modelName,
    } as const;
    await createSlot(
      db,
      spec,
      { model: 'champion', capitalFraction: 1, riskState: 'active' },
      'test',
      'pause',
    );
    const engine = fakeEngine();
    const swaps: unknown[] = [];
    // A test double of the members the runner and the applier use.
    const driver = { engine, swapModel: (next: unknown) => swaps.push(next) } as unknown as EngineDriver;
    const registry = new Registry();
    let monoUs = 1_000;
    const runner = new SlotRunner({
      db,
      databaseUrl,
      slotId,
      pollMs: 20,
      listen: false,
      driver,
      engineRunId: `run-${slotId}`,
      mode: 'paper',
      engineRiskLimits: NO_RISK_LIMITS,
      initialVersionId: v1,
      loadAlphaModel: undefined,
      log: silentLog,
      registry,
      onRiskChange: () => undefined,
      monoUs: () => monoUs,
    });
    const set = async (d: DesiredState) =>
      (await setDesired(db, slotId, d, { by: 'test', reason: 'pause' })).slot.desired.revision;
    try {
      await runner.start();
      expect(runner.applied?.revision).toBe(1);
      // Half capital: a swap (pull at t = 1 000 µs).
      const r2 = await set({ model: 'champion', capitalFraction: 0.5, riskState: 'active' });
      await until('revision 2 applied', () => runner.applied?.revision === r2);
      expect(swaps).toHaveLength(1);
      monoUs = 1_500; // a decision that places nothing (book not ready): the pause goes on
      runner.beforeEvent();
      engine.counters.decisions++;
      runner.afterEvent();
      expect(await pauseHistogram(registry)).toEqual({ count: 0, sum: 0 });
      monoUs = 4_000; // the first place: pause = 4 000 − 1 000 = 3 000 µs
      runner.beforeEvent();
      engine.counters.decisions++;
      engine.counters.quotesPlaced += 2;
      runner.afterEvent();
      expect(await pauseHistogram(registry)).toEqual({ count: 1, sum: 3_000 });
      // A halt quotes nothing: no pause, whatever follows.
      const r3 = await set({ model: 'champion', capitalFraction: 0.5, riskState: 'halted' });
      await until('revision 3 applied', () => runner.applied?.revision === r3);
      expect(engine.risk.latched).toBe(true);
      monoUs = 9_000;
      runner.beforeEvent();
      engine.counters.quotesPlaced++;
      runner.afterEvent();
      expect(await pauseHistogram(registry)).toEqual({ count: 1, sum: 3_000 });
    } finally {
      await runner.stop();
    }
  });
});
