// Unknown order outcomes on the real protocol (docs/adr/0015-reconciliation.md): CcxtVenue over a real
// ccxt 4.5 pro.binance client against the exchange simulator, with the simulator's fault injection
// (docs/adr/0012) making a create's answer late or lost. The venue asks (fetchOrder by client id) and
// never re-sends; an order that reaches the venue only after it was declared absent is caught by the
// periodic reconciliation as an orphan and cancelled.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import ccxt from 'ccxt';
import { ManualClock } from '../../core/ports.ts';
import type { VenueReport } from '../../core/engine/venue-port.ts';
import { RiskGate } from '../../core/risk/risk-gate.ts';
import { silentLog } from '../../infra/log.ts';
import { engineOrderTag } from '../../native/client-order-ids.ts';
import { Reconciler, type ReconcileClient } from '../../native/reconcile.ts';
import { CcxtVenue, type CcxtTradingClient } from '../../native/venues/ccxt-venue.ts';
import type { ExchangeSim } from '../../exchange-sim/simulator.ts';
import type { SymbolReplay } from '../../exchange-sim/symbol-replay.ts';
import { ccxtBinanceConfig } from '../../exchange-sim/urls.ts';
import { skipWithout } from '../setup/require.ts';
import { ACCOUNT_A, missingSpotData, pollUntil, startManualSim } from '../exchange-sim/helpers.ts';

const skip = skipWithout(missingSpotData, 'unknown order outcomes against the exchange simulator');
const TAG = engineOrderTag('live:BTCUSDT:unknown-outcome-test');
/** ccxt's request timeout here, ms: the injected delays exceed it. */
const TIMEOUT_MS = 400;

describe.skipIf(skip)('unknown order outcomes through ccxt against the simulator', () => {
  let sim: ExchangeSim;
  let replay: SymbolReplay;
  let ex: InstanceType<typeof ccxt.pro.binance>;
  let n = 0;

  beforeAll(async () => {
    sim = await startManualSim([ACCOUNT_A]);
    const r = sim.replays.get('BTCUSDT');
    if (r === undefined) throw new Error('no BTCUSDT replay');
    replay = r;
    ex = new ccxt.pro.binance({
      ...ccxtBinanceConfig(sim.urls),
      apiKey: ACCOUNT_A.apiKey,
      secret: ACCOUNT_A.secret,
      timeout: TIMEOUT_MS,
    });
    await ex.loadMarkets();
  });

  afterAll(async () => {
    await ex?.close();
    await sim?.close();
  });

  beforeEach(async () => {
    sim.faults.clear();
    await ex.cancelAllOrders('BTC/USDT').catch(() => undefined);
  });

  function harness() {
    const reports: VenueReport[] = [];
    const venue = new CcxtVenue({
      client: ex as unknown as CcxtTradingClient,
      instrument: replay.instrument,
      clock: new ManualClock(1_000_000),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      log: silentLog,
      onReport: (r) => reports.push(r),
      onListenerError: (err) => {
        throw err;
      },
      secrets: [],
    });
    return { venue, reports };
  }

  /** A resting bid 50 USDT under the touch, 0.001 BTC (100 lots), with a fresh client id. */
  function restingBid() {
    const bidTicks = Math.round(Number(replay.depthSnapshot(1).bids[0]?.[0]) * 100);
    const clientOrderId = `${TAG}t-${++n}`;
    return { type: 'place', side: 'bid', priceTicks: bidTicks - 5000, sizeLots: 100, clientOrderId } as const;
  }

  const account = () => {
    const a = sim.accounts.get(ACCOUNT_A.apiKey);
    if (a === undefined) throw new Error('no account A');
    return a;
  };
  const ordersWithId = (id: string) =>
    account()
      .allOrders()
      .filter((o) => o.clientOrderId === id);

  it('a create whose answer is late (beyond the timeout) is found with fetchOrder and accepted, never re-sent', async () => {
    sim.faults.apply({ fault: 'delayAcks', ms: 3 * TIMEOUT_MS, count: 1, stage: 'answer' });
    const h = harness();
    const place = restingBid();
    h.venue.submit(place);
    expect(await pollUntil(() => h.reports.length > 0, 10_000)).toBe(true);
    expect(h.reports.map((r) => r.type)).toEqual(['accepted']);
    expect(ordersWithId(place.clientOrderId).map((o) => o.status)).toEqual(['NEW']);
    expect(h.venue.openOrderCount).toBe(1);
  });

  it('a create the gateway refused before the matching engine (502) is asked twice, then rejected', async () => {
    sim.faults.apply({
      fault: 'failRest',
      status: 502,
      count: 1,
      pathPrefix: '/api/v3/order',
      body: 'gateway',
    });
    const h = harness();
    const place = restingBid();
    h.venue.submit(place);
    expect(await pollUntil(() => h.reports.length > 0, 10_000)).toBe(true);
    expect(h.reports.map((r) => r.type)).toEqual(['rejected']);
    expect(ordersWithId(place.clientOrderId)).toEqual([]);
  });

  it('a create that reaches the venue after it was declared absent is an orphan the reconciliation cancels', async () => {
    // Held 2 s before processing: both queries (at ~0.4 s and ~0.9 s) find nothing → rejected.
    sim.faults.apply({ fault: 'delayAcks', ms: 2000, count: 1, stage: 'request' });
    const h = harness();
    const place = restingBid();
    h.venue.submit(place);
    expect(await pollUntil(() => h.reports.length > 0, 10_000)).toBe(true);
    expect(h.reports.map((r) => r.type)).toEqual(['rejected']);
    expect(await pollUntil(() => ordersWithId(place.clientOrderId).length === 1, 10_000)).toBe(true);

    const risk = new RiskGate();
    const engine = { risk, workingOrders: () => [], inventoryLots: 0 };
    const reconciler = new Reconciler({
      client: ex as unknown as ReconcileClient,
      instrument: replay.instrument,
      tag: TAG,
      inventoryBaselineBase: '1', // account A starts with 1 BTC and nothing filled here
      log: silentLog,
      sleep: async () => undefined,
      engine,
      recheck: async () => undefined,
      nowUs: () => 1_000_000,
      onChecked: () => undefined,
    });
    await reconciler.check();
    expect((await reconciler.check()).onlyVenue).toEqual([place.clientOrderId]);
    expect(risk.state).toBe('halted');
    expect(ordersWithId(place.clientOrderId).map((o) => o.status)).toEqual(['CANCELED']);
    await reconciler.check();
    expect(risk.state).toBe('active');
  });
});
