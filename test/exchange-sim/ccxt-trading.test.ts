// Signed spot trading on the simulator through the real ccxt 4.5 pro client: orders placed, listed,
// cancelled and filled by the backtester's fill model, balances, the user-data stream (watchOrders),
// authentication errors as ccxt classifies them, and two API keys as independent accounts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ccxt from 'ccxt';
import type { ExchangeSim } from '../../exchange-sim/simulator.ts';
import type { SymbolReplay } from '../../exchange-sim/symbol-replay.ts';
import { ccxtBinanceConfig } from '../../exchange-sim/urls.ts';
import { skipWithout } from '../setup/require.ts';
import { ACCOUNT_A, ACCOUNT_B, missingSpotData, pollUntil, startManualSim, whilePumping } from './helpers.ts';

const skip = skipWithout(missingSpotData, 'exchange-sim ccxt trading');

type Binance = InstanceType<typeof ccxt.pro.binance>;

describe.skipIf(skip)('exchange simulator: spot trading through ccxt pro.binance', () => {
  let sim: ExchangeSim;
  let replay: SymbolReplay;
  let a: Binance;
  let b: Binance;
  const client = (apiKey: string, secret: string): Binance =>
    new ccxt.pro.binance({ ...ccxtBinanceConfig(sim.urls), apiKey, secret });

  beforeAll(async () => {
    sim = await startManualSim();
    const r = sim.replays.get('BTCUSDT');
    if (r === undefined) throw new Error('no BTCUSDT replay');
    replay = r;
    a = client(ACCOUNT_A.apiKey, ACCOUNT_A.secret);
    b = client(ACCOUNT_B.apiKey, ACCOUNT_B.secret);
    await a.loadMarkets();
    await b.loadMarkets();
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await sim?.close();
  });

  const bestBid = (): number => Number(replay.depthSnapshot(1).bids[0]?.[0]);
  const bestAsk = (): number => Number(replay.depthSnapshot(1).asks[0]?.[0]);

  it('fetchBalance shows each key its own starting balances', async () => {
    const ba = await a.fetchBalance();
    const bb = await b.fetchBalance();
    expect(ba['BTC']?.total).toBe(1);
    expect(ba['USDT']?.total).toBe(100_000);
    expect(bb['BTC']?.total).toBeUndefined();
    expect(bb['USDT']?.total).toBe(500);
  });

  it('createOrder (post-only) rests; fetchOpenOrders lists it; cancelOrder cancels it; the balance is locked and released', async () => {
    const price = bestBid() - 5;
    const o = await a.createOrder('BTC/USDT', 'limit', 'buy', 0.01, price, { postOnly: true });
    expect(o.status).toBe('open');
    expect(o.price).toBe(price);
    const open = await a.fetchOpenOrders('BTC/USDT');
    expect(open.map((x) => x.id)).toEqual([o.id]);
    expect((await a.fetchBalance())['USDT']?.used).toBeCloseTo(price * 0.01, 6);
    expect(await b.fetchOpenOrders('BTC/USDT')).toEqual([]);
    const c = await a.cancelOrder(String(o.id), 'BTC/USDT');
    expect(c.status).toBe('canceled');
    expect(await a.fetchOpenOrders('BTC/USDT')).toEqual([]);
    expect((await a.fetchOrder(String(o.id), 'BTC/USDT')).status).toBe('canceled');
    expect((await a.fetchBalance())['USDT']?.free).toBeCloseTo(100_000, 6);
  });

  it('a post-only order that would cross is refused (-2010) as OrderImmediatelyFillable', async () => {
    await expect(
      a.createOrder('BTC/USDT', 'limit', 'buy', 0.01, bestAsk(), { postOnly: true }),
    ).rejects.toThrow(ccxt.OrderImmediatelyFillable);
  });

  it('an order beyond the free balance is refused (-2010) as InsufficientFunds', async () => {
    await expect(
      b.createOrder('BTC/USDT', 'limit', 'buy', 0.01, bestBid() - 5, { postOnly: true }),
    ).rejects.toThrow(ccxt.InsufficientFunds);
  });

  it('watchOrders delivers the fills of a resting order as the replay trades through it', async () => {
    // Subscribe first (events before the user stream is open are not replayed, as on the venue).
    const first = a.watchOrders('BTC/USDT');
    const account = sim.accounts.get(ACCOUNT_A.apiKey);
    expect(await pollUntil(() => (account?.subscribers ?? 0) > 0)).toBe(true);
    const price = bestBid();
    const o = await a.createOrder('BTC/USDT', 'limit', 'buy', 0.002, price, { postOnly: true });
    expect((await first).map((x) => [x.id, x.status])).toContainEqual([o.id, 'open']);
    let filled = 0;
    for (let i = 0; i < 200 && filled < 0.002 - 1e-12; i++) {
      const orders = await whilePumping(replay, a.watchOrders('BTC/USDT'), 200_000);
      for (const x of orders) if (x.id === o.id) filled = Math.max(filled, x.filled ?? 0);
    }
    expect(filled).toBeCloseTo(0.002, 10);
    const done = await a.fetchOrder(String(o.id), 'BTC/USDT');
    expect(done.status).toBe('closed');
    const bal = await a.fetchBalance();
    expect(bal['BTC']?.total).toBeCloseTo(1.002, 10);
    // Paid price × 0.002 plus the 10 bps maker fee, charged in USDT.
    expect(bal['USDT']?.total).toBeCloseTo(100_000 - price * 0.002 * 1.001, 6);
    expect((await b.fetchBalance())['USDT']?.total).toBe(500);
  });

  it('cancelAllOrders cancels every open order of the symbol', async () => {
    await a.createOrder('BTC/USDT', 'limit', 'buy', 0.001, bestBid() - 10, { postOnly: true });
    await a.createOrder('BTC/USDT', 'limit', 'sell', 0.001, bestAsk() + 10);
    expect(await a.fetchOpenOrders('BTC/USDT')).toHaveLength(2);
    await a.cancelAllOrders('BTC/USDT');
    expect(await a.fetchOpenOrders('BTC/USDT')).toEqual([]);
  });

  it('a wrong secret gives AuthenticationError (-1022); an unknown key AuthenticationError (-2015)', async () => {
    const wrong = client(ACCOUNT_A.apiKey, 'not-the-secret');
    const unknown = client('nobody', 'x');
    try {
      await wrong.loadMarkets();
      await expect(wrong.fetchBalance()).rejects.toThrow(/-1022/);
      await expect(wrong.fetchBalance()).rejects.toThrow(ccxt.AuthenticationError);
      await unknown.loadMarkets();
      await expect(unknown.fetchBalance()).rejects.toThrow(ccxt.AuthenticationError);
    } finally {
      await wrong.close();
      await unknown.close();
    }
  });
});

describe.skipIf(skip)('exchange simulator: rate limits through ccxt pro.binance', () => {
  it('over the per-key order limit ccxt gets the 429 as DDoSProtection; another key is unaffected', async () => {
    const sim = await startManualSim([ACCOUNT_A, ACCOUNT_B], { weightPerMinute: 6000, ordersPer10s: 2 });
    const mk = (k: string, s: string): Binance =>
      new ccxt.pro.binance({ ...ccxtBinanceConfig(sim.urls), apiKey: k, secret: s, enableRateLimit: false });
    const a = mk(ACCOUNT_A.apiKey, ACCOUNT_A.secret);
    const b = mk(ACCOUNT_B.apiKey, ACCOUNT_B.secret);
    try {
      await a.loadMarkets();
      await b.loadMarkets();
      const bid = Number(sim.replays.get('BTCUSDT')?.depthSnapshot(1).bids[0]?.[0]);
      const place = (x: Binance) =>
        x.createOrder('BTC/USDT', 'limit', 'buy', 0.0001, bid - 20, { postOnly: true });
      // The 10-s window may turn between two calls: allow one retry of the whole sequence.
      let limited = false;
      for (let attempt = 0; attempt < 2 && !limited; attempt++) {
        const results = await Promise.allSettled([place(a), place(a), place(a)]);
        limited = results.some((r) => r.status === 'rejected' && r.reason instanceof ccxt.DDoSProtection);
      }
      expect(limited).toBe(true);
      await expect(place(b)).resolves.toMatchObject({ status: 'open' });
    } finally {
      await a.close();
      await b.close();
      await sim.close();
    }
  });
});
