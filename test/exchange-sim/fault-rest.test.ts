// Injected REST faults as the real ccxt pro.binance client sees them: 5xx and 429 answers, order
// rejects, clock skew against signed requests (and ccxt's adjustForTimeDifference), delayed order
// acknowledgements; the admin endpoint over HTTP on loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ccxt from 'ccxt';
import type { ExchangeSim } from '../../exchange-sim/simulator.ts';
import { ccxtBinanceConfig } from '../../exchange-sim/urls.ts';
import { skipWithout } from '../setup/require.ts';
import { ACCOUNT_A, missingSpotData, pollUntil, startManualSim } from './helpers.ts';

const skip = skipWithout(missingSpotData, 'exchange-sim REST faults');

type Binance = InstanceType<typeof ccxt.pro.binance>;

describe.skipIf(skip)('exchange simulator faults: REST through ccxt pro.binance', () => {
  let sim: ExchangeSim;
  let a: Binance;
  const make = (options: Record<string, unknown> = {}): Binance => {
    const cfg = ccxtBinanceConfig(sim.urls);
    return new ccxt.pro.binance({
      ...cfg,
      options: { ...(cfg['options'] as Record<string, unknown>), ...options },
      apiKey: ACCOUNT_A.apiKey,
      secret: ACCOUNT_A.secret,
      enableRateLimit: false,
    });
  };
  const bestBid = (): number => Number(sim.replays.get('BTCUSDT')?.depthSnapshot(1).bids[0]?.[0]);
  const farBid = (): Promise<unknown> =>
    a.createOrder('BTC/USDT', 'limit', 'buy', 0.001, bestBid() - 500, { postOnly: true });

  beforeAll(async () => {
    sim = await startManualSim();
    a = make();
    await a.loadMarkets();
  });

  afterAll(async () => {
    await a?.close();
    await sim?.close();
  });

  it('500 (-1000) → OperationFailed; 503 (-1008) → OperationFailed; a gateway 502/503 page → ExchangeNotAvailable', async () => {
    sim.faults.failRest({ status: 500, count: 1 });
    const e500 = await a.fetchTime().catch((e: unknown) => e);
    expect(e500).toBeInstanceOf(ccxt.OperationFailed);
    expect(String(e500)).toContain('-1000');
    sim.faults.failRest({ status: 503, count: 1 });
    await expect(a.fetchTime()).rejects.toThrow(/-1008/);
    sim.faults.failRest({ status: 502, count: 1, body: 'gateway' });
    await expect(a.fetchTime()).rejects.toBeInstanceOf(ccxt.ExchangeNotAvailable);
    sim.faults.failRest({ status: 503, count: 1, body: 'gateway' });
    await expect(a.fetchOrderBook('BTC/USDT')).rejects.toBeInstanceOf(ccxt.ExchangeNotAvailable);
    // Count consumed: the next call is answered.
    expect(await a.fetchTime()).toBeGreaterThan(0);
    expect(sim.faults.status().applied.restFailed).toBe(4);
  });

  it('429 (-1003, Retry-After) → DDoSProtection; only under the path prefix', async () => {
    sim.faults.failRest({ status: 429, count: 1, pathPrefix: '/api/v3/order', retryAfterSec: 3 });
    expect(await a.fetchTime()).toBeGreaterThan(0);
    await expect(farBid()).rejects.toBeInstanceOf(ccxt.DDoSProtection);
    sim.faults.failRest({ status: 429, count: 1 });
    const res = await fetch(`${sim.urls.spotRest}/time`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(((await res.json()) as { code: number }).code).toBe(-1003);
    expect(sim.ledger(ACCOUNT_A.apiKey, 'spot').orders).toEqual([]);
  });

  it('rejectOrders → -2010 → InsufficientFunds; no order is kept; the next order is placed', async () => {
    sim.faults.rejectOrders({ count: 1 });
    await expect(farBid()).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
    expect(sim.ledger(ACCOUNT_A.apiKey, 'spot').orders).toEqual([]);
    const o = (await farBid()) as { id: string; status: string };
    expect(o.status).toBe('open');
    await a.cancelOrder(o.id, 'BTC/USDT');
    expect(sim.ledger(ACCOUNT_A.apiKey, 'spot').orders.map((x) => x.status)).toEqual(['CANCELED']);
  });

  it('clock skew shifts /time; signed calls fail with -1021 InvalidNonce unless ccxt adjusts for the time difference', async () => {
    // 20 s: well beyond ccxt binance's default recvWindow of 10 s. A skew of exactly 10 s was accepted
    // whenever the request reached the server within the millisecond it was signed (10,000 − ts ≤ 10,000).
    sim.faults.clockSkew({ ms: 20_000 });
    try {
      const before = Date.now();
      const t = await a.fetchTime();
      const after = Date.now();
      expect(t).toBeGreaterThanOrEqual(before + 20_000);
      expect(t).toBeLessThanOrEqual(after + 20_000);
      const err = await a.fetchBalance().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ccxt.InvalidNonce);
      expect(String(err)).toContain('-1021');
      const adjusted = make({ adjustForTimeDifference: true });
      try {
        await adjusted.loadMarkets();
        expect((await adjusted.fetchBalance())['USDT']?.total).toBe(100_000);
      } finally {
        await adjusted.close();
      }
    } finally {
      sim.faults.clockSkew({ ms: 0 });
    }
    expect((await a.fetchBalance())['USDT']?.total).toBe(100_000);
  });

  it('delayAcks (answer): the order is live at once, its acknowledgement arrives ≥ ms later', async () => {
    const delayMs = 600;
    sim.faults.delayAcks({ ms: delayMs, count: 1 });
    const account = sim.accounts.get(ACCOUNT_A.apiKey);
    let settled = false;
    const t0 = performance.now();
    const placed = farBid().finally(() => {
      settled = true;
    });
    expect(await pollUntil(() => (account?.openOrders('BTCUSDT').length ?? 0) === 1)).toBe(true);
    expect(settled).toBe(false);
    const o = (await placed) as { id: string };
    expect(performance.now() - t0).toBeGreaterThanOrEqual(delayMs);
    expect(sim.faults.status().pending.acksToDelay).toBe(0);
    await a.cancelOrder(o.id, 'BTC/USDT');
  });

  it('delayAcks (request): the cancel is processed and answered ≥ ms later', async () => {
    const o = (await farBid()) as { id: string };
    const delayMs = 300;
    sim.faults.delayAcks({ ms: delayMs, count: 1, stage: 'request' });
    const account = sim.accounts.get(ACCOUNT_A.apiKey);
    const t0 = performance.now();
    const canceled = a.cancelOrder(o.id, 'BTC/USDT');
    // The request reached the server (its delay was taken) and is held there: the order is still open.
    expect(await pollUntil(() => sim.faults.status().applied.acksDelayed === 2)).toBe(true);
    expect(account?.openOrders('BTCUSDT').length).toBe(1);
    await canceled;
    expect(performance.now() - t0).toBeGreaterThanOrEqual(delayMs);
    expect(account?.openOrders('BTCUSDT').length).toBe(0);
  });
});

describe.skipIf(skip)('exchange simulator admin endpoint over HTTP', () => {
  it('applies, reports and clears faults; 400 names the bad field; faults never hit /admin', async () => {
    const sim = await startManualSim();
    const admin = `${sim.urls.http}/admin`;
    const post = (path: string, body: string): Promise<Response> =>
      fetch(`${admin}${path}`, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
    try {
      const ok = await post('/faults', '{"fault":"failRest","status":503,"count":2}');
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ pending: { restFailures: 2 } });
      const status = await fetch(`${admin}/faults`);
      expect(status.status).toBe(200);
      expect(await status.json()).toMatchObject({ pending: { restFailures: 2 }, applied: { restFailed: 0 } });
      expect((await fetch(`${sim.urls.spotRest}/ping`)).status).toBe(503);
      const bad = await post('/faults', '{"fault":"failRest","status":404,"count":1}');
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ field: 'status' });
      const cleared = await post('/faults/clear', '');
      expect(await cleared.json()).toMatchObject({
        pending: { restFailures: 0 },
        applied: { restFailed: 0 },
      });
      expect((await fetch(`${sim.urls.spotRest}/ping`)).status).toBe(200);
      const d = await post('/faults', '{"fault":"disconnect","market":"all"}');
      expect(await d.json()).toMatchObject({ disconnected: 0 });
      const ledger = await fetch(`${admin}/ledger?apiKey=${ACCOUNT_A.apiKey}&market=usdm`);
      expect(await ledger.json()).toEqual({
        apiKey: ACCOUNT_A.apiKey,
        market: 'usdm',
        orders: [],
        fills: [],
      });
      expect((await fetch(`${admin}/ledger?apiKey=nobody`)).status).toBe(404);
    } finally {
      await sim.close();
    }
  });
});
