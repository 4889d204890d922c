/**
 * Paper and live modes wired end to end against a stand-in ccxt exchange (no network here): a
 * synthetic random-walk book and trade stream served through `watchOrderBook`/`watchTrades`, and, for
 * live, the stand-in trading API of ./fake-ccxt-exchange.ts. Checks the wiring (feed → engine → venue
 * → DB) and the graceful stop, not trading results.
 */
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/ports.ts';
import { DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT } from '../../core/quoting/model-params.ts';
import { createPool } from '../../db/pool.ts';
import { getEngineRun } from '../../db/repositories/engine-runs.ts';
import { registerModelVersion } from '../../db/repositories/models.ts';
import { silentLog } from '../../infra/log.ts';
import { parseEngineConfig } from '../../native/config.ts';
import { runQuotingEngine } from '../../native/engine-process.ts';
import { RUN_STATUS_KEY } from '../../native/pg-run-store.ts';
import type { CcxtClient } from '../../native/venues/ccxt-client.ts';
import { testServices } from '../setup/services.ts';
import { FakeCcxtExchange } from './fake-ccxt-exchange.ts';

let db: Pool;
let databaseUrl: string;
let modelId: string;

beforeAll(async () => {
  databaseUrl = testServices().databaseUrl;
  db = createPool(databaseUrl);
  const params = { ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT, gamma: 1e-4, minSpreadTicks: 4 };
  modelId = (
    await registerModelVersion(db, { name: 'native-modes-test', kind: 'avellaneda-stoikov', params })
  ).id;
});

afterAll(async () => {
  await db.end();
});

/**
 * Market data stand-in: every `watchOrderBook` answer is the next step of a ±1-tick random walk
 * (fixed seed) with 5 levels a side, 100 ms later; every `watchTrades` answer one trade at the touch.
 * After `books` answers it aborts `stop`.
 */
class FakeMarket extends FakeCcxtExchange implements CcxtClient {
  private step = 0;
  private midTicks = 6_000_000;
  private seed = 42;
  private timeMs = 1_723_161_600_000;

  constructor(
    private readonly clock: ManualClock,
    private readonly books: number,
    private readonly stop: AbortController,
  ) {
    super();
  }

  async loadMarkets(): Promise<unknown> {
    return {};
  }

  async close(): Promise<unknown> {
    return undefined;
  }

  async watchOrderBook(): Promise<unknown> {
    await nextMacrotask();
    if (this.step >= this.books) {
      this.stop.abort();
      return new Promise(() => undefined);
    }
    this.step++;
    this.seed = (this.seed * 1_103_515_245 + 12_345) % 2 ** 31;
    this.midTicks += this.seed % 3 === 0 ? -1 : this.seed % 3 === 1 ? 1 : 0;
    this.timeMs += 100;
    this.clock.advanceTo(this.timeMs * 1000);
    const bestBid = this.midTicks - 1;
    this.bestAsk = (this.midTicks + 1) / 100;
    const level = (ticks: number) => [ticks / 100, 0.5];
    return {
      nonce: 1000 + this.step,
      timestamp: this.timeMs,
      bids: [0, 1, 2, 3, 4].map((i) => level(bestBid - i)),
      asks: [0, 1, 2, 3, 4].map((i) => level(this.midTicks + 1 + i)),
    };
  }

  async watchTrades(): Promise<unknown> {
    await nextMacrotask();
    await nextMacrotask();
    if (this.step >= this.books) return new Promise(() => undefined);
    const buy = this.seed % 2 === 0;
    const priceTicks = buy ? this.midTicks + 1 : this.midTicks - 1;
    return [
      {
        id: String(this.step * 10 + 1),
        timestamp: this.timeMs,
        side: buy ? 'buy' : 'sell',
        price: priceTicks / 100,
        amount: 0.002,
      },
    ];
  }
}

function setup(books: number) {
  const clock = new ManualClock(1_723_161_600_000_000);
  const stop = new AbortController();
  const market = new FakeMarket(clock, books, stop);
  const sleep = async (ms: number): Promise<void> => {
    clock.advanceTo(clock.nowUs() + Math.round(ms * 1000));
    await nextMacrotask();
  };
  return { clock, stop, market, sleep };
}

describe('runQuotingEngine, paper and live modes (stand-in exchange)', () => {
  it('paper: live data through ccxt, simulated fills, stopped by signal', async () => {
    const { clock, stop, market, sleep } = setup(400);
    const config = parseEngineConfig(
      {
        mode: 'paper',
        venue: 'binance-spot',
        symbol: 'BTCUSDT',
        model: modelId,
        dbUrl: databaseUrl,
        port: 0,
      },
      {},
    );
    const summary = await runQuotingEngine(config, {
      db,
      log: silentLog,
      clock,
      sleep,
      signal: stop.signal,
      createExchange: () => market,
    });
    expect(summary.status).toBe('aborted');
    expect(summary.kpis.events).toBeGreaterThanOrEqual(400);
    expect(summary.kpis.quotes).toBeGreaterThan(0);
    expect(summary.resyncs).toBe(0);
    expect(summary.workingOrdersAtEnd).toBe(0);
    expect(market.calls).toEqual([]); // paper never touches the trading API
    const run = await getEngineRun(db, summary.runId);
    expect(run).toMatchObject({
      mode: 'paper',
      venue: 'binance-spot',
      symbol: 'BTCUSDT',
      session: undefined,
    });
    expect(run?.kpis?.[RUN_STATUS_KEY]).toBe('aborted');
  });

  it('live: real-order path through the ccxt venue; the stop cancels every working order', async () => {
    const { clock, stop, market, sleep } = setup(400);
    const env = { MMFLOW_API_KEY: 'test-key-not-real', MMFLOW_API_SECRET: 'test-secret-not-real' };
    const config = parseEngineConfig(
      { mode: 'live', venue: 'binance-spot', symbol: 'BTCUSDT', model: modelId, dbUrl: databaseUrl, port: 0 },
      env,
    );
    const summary = await runQuotingEngine(config, {
      db,
      log: silentLog,
      clock,
      sleep,
      signal: stop.signal,
      createExchange: () => market,
    });
    expect(summary.status).toBe('aborted');
    const creates = market.calls.filter((c) => c.startsWith('createOrder'));
    expect(creates.length).toBe(summary.kpis.quotes);
    expect(creates.length).toBeGreaterThan(0);
    expect(creates.every((c) => c.includes('postOnly=true'))).toBe(true);
    expect(summary.workingOrdersAtEnd).toBe(0);
    const open = await db.query(`SELECT 1 FROM orders WHERE run_id = $1 AND done_at_us IS NULL`, [
      summary.runId,
    ]);
    expect(open.rowCount).toBe(0);
  });
});
