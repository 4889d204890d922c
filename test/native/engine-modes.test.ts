/**
 * Paper and live modes wired end to end against the exchange simulator (`--exchange-url`): the
 * production ccxt client factory, the raw-stream feed (native/feeds/binance-stream-feed.ts), real
 * PostgreSQL. Checks the wiring (feed → engine → venue → DB), the stale-feed watchdog (a silent
 * market stream suspends quoting with reason `stale-feed` and cancels; depth flowing again, after a
 * resync, lifts it) and the graceful stop, not trading results.
 */
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT } from '../../core/quoting/model-params.ts';
import { createPool } from '../../db/pool.ts';
import { getEngineRun } from '../../db/repositories/engine-runs.ts';
import { registerModelVersion } from '../../db/repositories/models.ts';
import { listRiskEvents } from '../../db/repositories/risk-state.ts';
import { startExchangeSimulator, type ExchangeSim } from '../../exchange-sim/simulator.ts';
import { silentLog } from '../../infra/log.ts';
import { parseEngineConfig } from '../../native/config.ts';
import { runQuotingEngine, type EngineRunSummary } from '../../native/engine-process.ts';
import { RUN_STATUS_KEY } from '../../native/pg-run-store.ts';
import { systemClock } from '../../native/system-clock.ts';
import { ACCOUNT_A, DATA, missingSpotData, pollUntil, SPOT_SESSION } from '../exchange-sim/helpers.ts';
import { skipWithout } from '../setup/require.ts';
import { testServices } from '../setup/services.ts';

const skip = skipWithout(missingSpotData, 'engine paper/live modes on the simulator');

let db: Pool;
let databaseUrl: string;
let modelId: string;

beforeAll(async () => {
  if (skip) return;
  databaseUrl = testServices().databaseUrl;
  db = createPool(databaseUrl);
  const params = { ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT, gamma: 1e-4, minSpreadTicks: 4 };
  modelId = (
    await registerModelVersion(db, { name: 'native-modes-test', kind: 'avellaneda-stoikov', params })
  ).id;
});

afterAll(async () => {
  await db?.end();
});

/** What /healthz says (the fields read here). */
interface Health {
  eventsProcessed: number;
  bookSync: string;
  workingOrders: number;
  riskState: string;
  riskReason: string;
}

/**
 * Runs the engine in `mode` against a simulator of the spot session replayed at 5× its pace; `during`
 * runs once the engine is up (health polled through `health()`), then the engine is stopped.
 */
async function runOnSim(
  mode: 'paper' | 'live',
  engineId: string,
  during: (sim: ExchangeSim, health: () => Health) => Promise<void>,
): Promise<EngineRunSummary> {
  const sim = await startExchangeSimulator({
    dataDir: DATA,
    sessions: [SPOT_SESSION],
    speed: 5,
    loop: false,
    port: 0,
    host: '127.0.0.1',
    accounts: [ACCOUNT_A],
    manual: true,
  });
  try {
    const config = parseEngineConfig(
      {
        mode,
        venue: 'binance-spot',
        symbol: 'BTCUSDT',
        model: modelId,
        dbUrl: databaseUrl,
        port: 0,
        exchangeUrl: sim.urls.http,
        engineId,
      },
      {
        MMFLOW_STALE_FEED_MS: '500',
        ...(mode === 'live' ? { MMFLOW_API_KEY: ACCOUNT_A.apiKey, MMFLOW_API_SECRET: ACCOUNT_A.secret } : {}),
      },
    );
    const stop = new AbortController();
    let httpUrl = '';
    const run = runQuotingEngine(config, {
      db,
      log: silentLog,
      clock: systemClock,
      signal: stop.signal,
      onStarted: (info) => (httpUrl = info.httpUrl),
    });
    let last: Health = { eventsProcessed: 0, bookSync: '', workingOrders: 0, riskState: '', riskReason: '' };
    const poller = setInterval(() => {
      if (httpUrl === '') return;
      fetch(`${httpUrl}/healthz`)
        .then(async (res) => (last = (await res.json()) as Health))
        .catch(() => undefined);
    }, 20);
    try {
      expect(await pollUntil(() => httpUrl !== '', 30_000)).toBe(true);
      sim.pacer.start();
      await during(sim, () => last);
    } finally {
      clearInterval(poller);
      stop.abort();
    }
    return await run;
  } finally {
    await sim.close();
  }
}

describe.skipIf(skip)('runQuotingEngine, paper and live modes on the exchange simulator', () => {
  it('paper: quotes on the live feed; a silent feed suspends (stale-feed) and cancels; depth again lifts it', async () => {
    const engineId = `modes-paper-${process.pid}-${Date.now()}`;
    const summary = await runOnSim('paper', engineId, async (sim, health) => {
      const quoting = (): boolean => {
        const h = health();
        return h.bookSync === 'synced' && h.riskState === 'active' && h.workingOrders > 0;
      };
      expect(await pollUntil(quoting, 60_000)).toBe(true);
      sim.faults.staleFeed({ market: 'spot', ms: 2_000 });
      expect(await pollUntil(() => health().riskReason === 'stale-feed', 10_000)).toBe(true);
      expect(health().riskState).toBe('halted');
      expect(await pollUntil(() => health().workingOrders === 0, 10_000)).toBe(true);
      // after the silence: the next diffs show a gap → new snapshot → synced, quoting again
      expect(await pollUntil(quoting, 30_000)).toBe(true);
    });
    expect(summary.status).toBe('aborted');
    expect(summary.kpis.quotes).toBeGreaterThan(0);
    expect(summary.workingOrdersAtEnd).toBe(0);
    const run = await getEngineRun(db, summary.runId);
    expect(run).toMatchObject({
      mode: 'paper',
      venue: 'binance-spot',
      symbol: 'BTCUSDT',
      session: undefined,
    });
    expect(run?.kpis?.[RUN_STATUS_KEY]).toBe('aborted');
    const events = (await listRiskEvents(db, engineId)).map((e) => [e.to, e.reason]);
    expect(events).toContainEqual(['halted', 'stale-feed']);
    expect(events.at(-1)).toEqual(['active', 'normal']);
  });

  it('live: real orders on the simulator through the ccxt venue; the stop cancels every working order', async () => {
    const engineId = `modes-live-${process.pid}-${Date.now()}`;
    const summary = await runOnSim('live', engineId, async (_sim, health) => {
      expect(await pollUntil(() => health().workingOrders > 0, 60_000)).toBe(true);
    });
    expect(summary.status).toBe('aborted');
    expect(summary.kpis.quotes).toBeGreaterThan(0);
    expect(summary.workingOrdersAtEnd).toBe(0);
    const open = await db.query(`SELECT 1 FROM orders WHERE run_id = $1 AND done_at_us IS NULL`, [
      summary.runId,
    ]);
    expect(open.rowCount).toBe(0);
  });
});
