/**
 * The engine's queue-position estimate (core/engine/working-orders.ts) runs the simulator's queue model
 * (core/sim/queue.ts) on what the engine sees; in a backtest it must agree with the simulated venue's
 * own queue for every live order, at every event. Checked on a real session with the fair-value model
 * (a quoter that reads resting orders: the estimate runs only then), with the depth touch and with the
 * fast touch.
 */
import { describe, expect, it } from 'vitest';
import { dataDir } from '../../../app/paths.ts';
import { ReplaySession } from '../../../core/backtest/replay.ts';
import { DEFAULT_FAIR_VALUE_BTCUSDT_USDM } from '../../../core/quoting/fair-value-params.ts';
import { listSessions, loadSessionEvents } from '../../../venues/binance/recorded.ts';
import { instrumentForSession } from '../../../venues/instruments.ts';

const SESSION = 'binance-usdm_BTCUSDT_20240808T2354Z-20240809T0000Z';

async function check(fastTouch: boolean): Promise<{ compared: number; disagreements: string[] }> {
  const session = listSessions(dataDir()).find((s) => s.prefix === SESSION);
  if (session === undefined) throw new Error(`session ${SESSION} missing`);
  const instrument = instrumentForSession(session);
  const events = await loadSessionEvents(session, instrument, { includeBookTicker: fastTouch });
  const replay = new ReplaySession({
    instrument,
    market: session.market,
    params: DEFAULT_FAIR_VALUE_BTCUSDT_USDM,
    entryLatencyUs: 5_000,
    cancelLatencyUs: 5_000,
    fastTouch,
  });
  let compared = 0;
  const disagreements: string[] = [];
  for (const ev of events.slice(0, 60_000)) {
    replay.step(ev);
    for (const o of replay.venue.liveOrders()) {
      const mine = replay.engine.workingOrders().find((w) => w.clientOrderId === o.clientOrderId);
      compared++;
      if (mine?.queueAheadLots !== o.queueAheadLots && disagreements.length < 5)
        disagreements.push(`${o.clientOrderId}: venue ${o.queueAheadLots}, engine ${mine?.queueAheadLots}`);
    }
  }
  return { compared, disagreements };
}

describe("the engine's queue estimate", () => {
  it('equals the simulated venue queue of every live order (depth touch)', async () => {
    const r = await check(false);
    expect(r.compared).toBeGreaterThan(10_000);
    expect(r.disagreements).toEqual([]);
  });

  it('equals the simulated venue queue of every live order (fast touch)', async () => {
    const r = await check(true);
    expect(r.compared).toBeGreaterThan(10_000);
    expect(r.disagreements).toEqual([]);
  });
});
