/**
 * The engine process replaying the fair-value model with MMFLOW_FAST_TOUCH=1 (real PostgreSQL of the
 * test run, real spot session with its bookTicker file): the replay reads the tickers and quotes against
 * the fastest top of book, so its KPIs equal the backtest's with `fastTouch` and differ from a
 * depth-only replay (docs/adr/0020-fair-value-quoter.md); with MMFLOW_FEE_TIER the simulated fills are
 * charged at that tier (docs/adr/0019-fee-tiers.md).
 */
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDir } from '../../app/paths.ts';
import { runBacktest } from '../../core/backtest/backtester.ts';
import { ManualClock } from '../../core/ports.ts';
import { DEFAULT_FAIR_VALUE_BTCUSDT_USDM } from '../../core/quoting/fair-value-params.ts';
import { createPool } from '../../db/pool.ts';
import { registerModelVersion } from '../../db/repositories/models.ts';
import { silentLog } from '../../infra/log.ts';
import { parseEngineConfig } from '../../native/config.ts';
import { runQuotingEngine } from '../../native/engine-process.ts';
import { listSessions, loadSessionEvents } from '../../venues/binance/recorded.ts';
import { instrumentForSession } from '../../venues/instruments.ts';
import { testServices } from '../setup/services.ts';

const DATA_DIR = dataDir();
const SESSION = 'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z';
const PARAMS = DEFAULT_FAIR_VALUE_BTCUSDT_USDM;

let db: Pool;
let databaseUrl: string;
let modelId: string;

beforeAll(async () => {
  databaseUrl = testServices().databaseUrl;
  db = createPool(databaseUrl);
  modelId = (
    await registerModelVersion(db, {
      name: 'native-fast-touch-test',
      kind: 'fair-value',
      params: { ...PARAMS },
    })
  ).id;
});

afterAll(async () => {
  await db.end();
});

function config(env: Record<string, string>) {
  return parseEngineConfig(
    {
      mode: 'replay',
      session: SESSION,
      model: modelId,
      dbUrl: databaseUrl,
      dataDir: DATA_DIR,
      port: 0,
      orderLatencyUs: 5_000,
      cancelLatencyUs: 5_000,
      pace: 'fast',
    },
    env,
  );
}

describe('runQuotingEngine, replay with MMFLOW_FAST_TOUCH=1', () => {
  it("records the fast-touch backtest's KPIs, not the depth-only ones", async () => {
    const deps = () => ({ db, log: silentLog, clock: new ManualClock(1_800_000_000_000_000) });
    const fast = await runQuotingEngine(config({ MMFLOW_FAST_TOUCH: '1' }), deps());
    const depthOnly = await runQuotingEngine(config({}), deps());
    const session = listSessions(DATA_DIR).find((s) => s.prefix === SESSION);
    if (session === undefined) throw new Error('session missing');
    const instrument = instrumentForSession(session);
    const opts = {
      instrument,
      market: session.market,
      params: PARAMS,
      entryLatencyUs: 5_000,
      cancelLatencyUs: 5_000,
    };
    const withTickers = await loadSessionEvents(session, instrument, { includeBookTicker: true });
    const backtest = runBacktest(withTickers, { ...opts, fastTouch: true, recordFills: false });
    expect(fast.status).toBe('completed');
    expect(fast.kpis).toEqual(backtest.kpis);
    expect(depthOnly.kpis).toEqual(runBacktest(await loadSessionEvents(session, instrument), opts).kpis);
    expect(fast.kpis.quotes).not.toBe(depthOnly.kpis.quotes);
  });

  it('charges the fills at MMFLOW_FEE_TIER: at spot mm4 (−0.8 bp) the fees are a rebate of the same fills', async () => {
    const deps = () => ({ db, log: silentLog, clock: new ManualClock(1_800_000_000_000_000) });
    const regular = await runQuotingEngine(config({}), deps());
    const rebate = await runQuotingEngine(config({ MMFLOW_FEE_TIER: 'mm4' }), deps());
    expect(rebate.kpis.fills).toBe(regular.kpis.fills);
    expect(regular.kpis.feesBp).toBeCloseTo(10, 9);
    expect(rebate.kpis.feesBp).toBeCloseTo(-0.8, 9);
    expect(rebate.kpis.feesQuote).toBeCloseTo(-0.8e-4 * rebate.kpis.tradedNotionalQuote, 9);
    await expect(runQuotingEngine(config({ MMFLOW_FEE_TIER: 'vip99' }), deps())).rejects.toMatchObject({
      code: 'UNKNOWN_FEE_TIER',
    });
  });
});
